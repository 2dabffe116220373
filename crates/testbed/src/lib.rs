//! A Key Vault testbed shared by the tests and `vaultfn bench`: a vault (Lowkey Vault when asked
//! for and installed, else the stand-in), the App Service managed-identity endpoint, and counting,
//! fault-injecting proxies in front of the vault. Secrets are seeded through the Key Vault REST
//! API, each value carrying a canary marker so a leak anywhere can be found by searching for it.
//!
//! Everything runs on a runtime of its own, on a thread that lives as long as the process: test
//! runtimes end with their test, and Lowkey Vault is killed when the thread that started it exits.

pub mod arm;
pub mod entra;
pub mod identity;
pub mod ingestion;
pub mod lowkey;
pub mod process;
pub mod proxy;
pub mod seed;
pub mod standin;
pub mod tls;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use identity::IdentityServer;
use lowkey::Lowkey;
use proxy::Proxy;
pub use seed::Seeded;
use seed::Upstream;
use standin::StandIn;

/// The vault's name as the app sees it; the proxies answer for it (pinned to 127.0.0.1).
pub const VAULT_HOST: &str = "vaultfn.vault.azure.net";
/// The api-version the SDK sends; seeding uses it too.
pub const API_VERSION: &str = standin::API_VERSION;
/// The bearer token seeding sends. Lowkey Vault accepts any token; the stand-in grants this one
/// and the identity endpoint's a role, as a vault grants its callers.
const SEED_TOKEN: &str = "vaultfn-test-seeding-token";

/// Which Key Vault to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultChoice {
    /// Lowkey Vault when the user points at one (`LOWKEY_VAULT_URL`: a running emulator, such as
    /// its published container image; `LOWKEY_VAULT_JAR`: a jar they have), else the stand-in.
    FromEnv,
    StandIn,
}

/// Which Key Vault answers behind the proxies; kept so it lives as long as the testbed.
pub enum Vault {
    StandIn(StandIn),
    Lowkey(Lowkey),
}

impl Vault {
    pub fn name(&self) -> &'static str {
        match self {
            Self::StandIn(_) => "Key Vault stand-in",
            Self::Lowkey(_) => "Lowkey Vault",
        }
    }
}

pub struct TestbedBuilder {
    choice: VaultChoice,
    extra_secrets: Vec<String>,
}

impl TestbedBuilder {
    pub fn vault(mut self, choice: VaultChoice) -> Self {
        self.choice = choice;
        self
    }

    /// Plain secrets to seed besides the standard set (enabled, disabled, expiring, rotated…).
    pub fn secrets(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.extra_secrets.extend(names);
        self
    }

    /// Starts everything and seeds the vault; blocks until it is ready.
    pub fn start(self) -> Result<Testbed, String> {
        let choice = resolve(self.choice)?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("vault-testbed".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(format!("testbed runtime: {e}")));
                        return;
                    }
                };
                let handle = rt.handle().clone();
                let started = rt.block_on(setup(choice, handle, self.extra_secrets));
                let failed = started.is_err();
                let _ = tx.send(started);
                if !failed {
                    rt.block_on(std::future::pending::<()>());
                }
            })
            .map_err(|e| format!("testbed thread: {e}"))?;
        rx.recv().map_err(|_| "the testbed set-up panicked".to_owned())?
    }
}

enum Resolved {
    StandIn,
    LowkeyJar { java: PathBuf, jar: PathBuf },
    LowkeyUrl(String),
}

fn resolve(choice: VaultChoice) -> Result<Resolved, String> {
    if choice == VaultChoice::StandIn {
        return Ok(Resolved::StandIn);
    }
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
    if let Some(url) = var("LOWKEY_VAULT_URL") {
        return Ok(Resolved::LowkeyUrl(url.trim().trim_end_matches('/').to_owned()));
    }
    if let Some(jar) = var("LOWKEY_VAULT_JAR") {
        let jar = PathBuf::from(jar);
        if !jar.is_file() {
            return Err(format!("LOWKEY_VAULT_JAR names {}, which is not a file", jar.display()));
        }
        let java = var("LOWKEY_JAVA").map_or_else(|| PathBuf::from("java"), PathBuf::from);
        return Ok(Resolved::LowkeyJar { java, jar });
    }
    Ok(Resolved::StandIn)
}

static INSTANCE: AtomicUsize = AtomicUsize::new(0);

async fn setup(choice: Resolved, runtime: tokio::runtime::Handle, extra: Vec<String>) -> Result<Testbed, String> {
    let n = INSTANCE.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("vaultfn-testbed-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    // One CA: the proxies (and the stand-in) present a certificate for the vault's name,
    // trusted only through `KEY_VAULT_CA_FILE`.
    let (ca_pem, tls) = tls::tls_for("*.vault.azure.net");
    let ca_file = dir.join("proxy-ca.pem");
    std::fs::write(&ca_file, &ca_pem).map_err(|e| format!("write {}: {e}", ca_file.display()))?;
    let (vault, upstream) = match choice {
        Resolved::StandIn => {
            let granted = [identity::TOKEN_PREFIX, SEED_TOKEN];
            let standin = StandIn::start(tls.clone(), &granted).await;
            let ca = reqwest::Certificate::from_pem_bundle(ca_pem.as_bytes()).map_err(|e| e.to_string())?;
            let client = crate::http_client_builder()
                .tls_certs_only(ca)
                .resolve(VAULT_HOST, standin.addr)
                .build()
                .map_err(|e| e.to_string())?;
            let base = format!("https://{VAULT_HOST}:{}", standin.addr.port());
            (Vault::StandIn(standin), Upstream { client, base })
        }
        Resolved::LowkeyJar { java, jar } => {
            let lowkey = Lowkey::start(&java, &jar, &dir.join("lowkey-vault.log")).await;
            let upstream = Upstream { client: lowkey.client(), base: lowkey.base_url() };
            (Vault::Lowkey(lowkey), upstream)
        }
        Resolved::LowkeyUrl(base) => {
            let lowkey = Lowkey::running(&base);
            let upstream = Upstream { client: lowkey.client(), base };
            (Vault::Lowkey(lowkey), upstream)
        }
    };
    let identity = IdentityServer::start(&runtime);
    let canary = format!("CANARY-{:016x}", rand::random::<u64>());
    let seeded = seed::seed(&upstream, &canary, &extra).await?;
    let private = std::sync::Mutex::default();
    Ok(Testbed { vault, identity, seeded, canary, runtime, upstream, tls, ca_file, dir, private })
}

pub struct Testbed {
    pub vault: Vault,
    /// The identity endpoint `settings` points at unless given another.
    pub identity: IdentityServer,
    pub seeded: Seeded,
    /// Every seeded value contains this; it must never show up outside Key Vault.
    pub canary: String,
    runtime: tokio::runtime::Handle,
    upstream: Upstream,
    tls: Arc<rustls::ServerConfig>,
    ca_file: PathBuf,
    pub dir: PathBuf,
    /// Lines of private keys seeded with certificates: none may show up outside Key Vault.
    private: std::sync::Mutex<Vec<String>>,
}

impl Testbed {
    pub fn builder() -> TestbedBuilder {
        TestbedBuilder { choice: VaultChoice::FromEnv, extra_secrets: Vec::new() }
    }

    /// The runtime the testbed's servers run on.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// A proxy of its own, so counts and faults do not mix between users.
    pub fn proxy(&self) -> Proxy {
        Proxy::start(&self.runtime, self.tls.clone(), self.upstream.client.clone(), self.upstream.base.clone())
    }

    /// An identity endpoint of its own, for token faults that must not reach anyone else.
    pub fn identity_server(&self) -> IdentityServer {
        IdentityServer::start(&self.runtime)
    }

    /// The app settings that point a handler (or a `VaultService`) at the vault through `proxy`,
    /// with tokens from `identity`.
    pub fn settings(&self, proxy: &Proxy, identity: &IdentityServer) -> Vec<(String, String)> {
        [
            ("KEY_VAULT_URL", format!("https://{VAULT_HOST}")),
            ("VAULTFN_TEST_RESOLVE", format!("{VAULT_HOST}={}", proxy.addr)),
            ("KEY_VAULT_CA_FILE", self.ca_file.display().to_string()),
            ("IDENTITY_ENDPOINT", identity.endpoint.clone()),
            ("IDENTITY_HEADER", identity::IDENTITY_HEADER.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// [`settings`](Self::settings) with the shared identity endpoint, plus `extra`, as a map.
    pub fn vars(&self, proxy: &Proxy, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut vars: HashMap<String, String> = self.settings(proxy, &self.identity).into_iter().collect();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        vars
    }

    /// [`settings`](Self::settings) for a process that calls ARM too: the vault's pin and `arm`'s,
    /// one CA bundle trusting both, and `AZURE_RESOURCE_MANAGER_URL`.
    pub fn settings_with_arm(
        &self,
        proxy: &Proxy,
        identity: &IdentityServer,
        arm: &arm::FakeArm,
    ) -> Vec<(String, String)> {
        let bundle = self.dir.join(format!("ca-with-arm-{}.pem", arm.addr.port()));
        let vault_ca = std::fs::read_to_string(&self.ca_file).expect("read the vault CA");
        std::fs::write(&bundle, format!("{vault_ca}\n{}", arm.ca_pem)).expect("write the CA bundle");
        let mut settings = self.settings(proxy, identity);
        for (name, value) in &mut settings {
            match name.as_str() {
                "VAULTFN_TEST_RESOLVE" => *value = format!("{value},{}", arm.pin()),
                "KEY_VAULT_CA_FILE" => *value = bundle.display().to_string(),
                _ => {}
            }
        }
        settings.push(("AZURE_RESOURCE_MANAGER_URL".to_owned(), arm.base_url()));
        settings
    }

    /// Writes a new version of `name`, as a rotation would (its value carries the canary); the new
    /// version's id.
    pub async fn rotate(&self, name: &str) -> Result<String, String> {
        let value = format!("{}-rotated-{:08x}", self.canary, rand::random::<u32>());
        self.upstream.put(name, serde_json::json!({ "value": value })).await.map(|(version, _)| version)
    }

    /// Whether `text` carries the canary marker or any seeded value.
    pub fn leaks(&self, text: &str) -> bool {
        text.contains(&self.canary)
            || self.seeded.values.iter().any(|v| text.contains(v.as_str()))
            || self.private.lock().unwrap().iter().any(|line| text.contains(line.as_str()))
    }

    /// Seeds certificate `name` (a new version when it exists) and its backing secret into the
    /// stand-in; the private key joins what [`leaks`](Self::leaks) looks for. Lowkey Vault is
    /// seeded through its own API only, which these certificates' exact policies need not survive.
    pub fn add_certificate(
        &self,
        name: &str,
        spec: &standin::CertificateSpec,
    ) -> Result<standin::SeededCertificate, String> {
        let Vault::StandIn(standin) = &self.vault else {
            return Err("certificates with exact policies are seeded into the Key Vault stand-in only".into());
        };
        let seeded = standin.add_certificate(name, spec);
        let key_lines = seeded
            .secret_value
            .lines()
            .take_while(|line| !line.starts_with("-----END"))
            .filter(|line| !line.starts_with("-----") && line.len() >= 40)
            .map(str::to_owned);
        self.private.lock().unwrap().extend(key_lines);
        Ok(seeded)
    }
}

/// A client builder on rustls' ring provider (installed once), as the app's clients use.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
