//! The one place tests get their Key Vault, the identity endpoint and a counting proxy from.
//!
//! The Key Vault is the stand-in (`standin.rs`) unless `VAULTFN_TEST_VAULT=lowkey` asks for
//! Lowkey Vault. Either way it sits behind the same counting proxy, is seeded through the same
//! REST calls and is reached by the code under test under the same `*.vault.azure.net` name.
#![allow(dead_code)]

pub mod identity;
pub mod lowkey;
pub mod proxy;
pub mod standin;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vaultfn::vault::{VaultConfig, VaultService};

use identity::IdentityServer;
use lowkey::Lowkey;
use proxy::Proxy;
use standin::StandIn;

/// The vault's name as the app sees it; the proxy answers for it (pinned to 127.0.0.1).
pub const VAULT_HOST: &str = "vaultfn.vault.azure.net";
/// The api-version the SDK sends; seeding uses it too.
pub const API_VERSION: &str = standin::API_VERSION;
/// The bearer token seeding sends. Lowkey Vault accepts any token; the stand-in grants this one
/// and the identity endpoint's a role, as a vault grants its callers.
const SEED_TOKEN: &str = "vaultfn-test-seeding-token";

/// Which Key Vault answers behind the proxies; kept here so it lives as long as the process.
pub enum Vault {
    StandIn(StandIn),
    Lowkey(Lowkey),
}

pub struct Harness {
    pub vault: Vault,
    pub identity: IdentityServer,
    pub seeded: Seeded,
    /// Every seeded value contains this; it must never show up outside Key Vault.
    pub canary: String,
    runtime: tokio::runtime::Handle,
    /// How the proxies and the seeding reach the vault.
    upstream: reqwest::Client,
    upstream_base: String,
    tls: Arc<rustls::ServerConfig>,
    ca_file: PathBuf,
    logs: Arc<Mutex<Vec<u8>>>,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

enum Choice {
    StandIn,
    Lowkey { java: PathBuf, jar: PathBuf },
}

/// The shared harness. Never a reason to skip: the stand-in always runs, and Lowkey Vault,
/// when asked for, must be installed.
pub fn harness() -> &'static Harness {
    HARNESS.get_or_init(init)
}

fn choose() -> Choice {
    match std::env::var("VAULTFN_TEST_VAULT").as_deref() {
        Err(_) | Ok("" | "standin") => Choice::StandIn,
        Ok("lowkey") => match lowkey::locate() {
            Ok((java, jar)) => Choice::Lowkey { java, jar },
            Err(why) => panic!(
                "VAULTFN_TEST_VAULT=lowkey but Lowkey Vault cannot run: {why}. Run scripts/install-tools, or unset VAULTFN_TEST_VAULT to use the Key Vault stand-in."
            ),
        },
        Ok(other) => panic!(
            "VAULTFN_TEST_VAULT={other:?} is not a Key Vault the tests know: use `lowkey`, or leave it unset for the stand-in"
        ),
    }
}

fn init() -> Harness {
    let choice = choose();
    let logs = capture_logs();
    let (tx, rx) = std::sync::mpsc::channel();
    // The vault, the identity endpoint and the proxies live on this thread's runtime, not on
    // a test's: each test has its own runtime, which ends with the test.
    std::thread::Builder::new()
        .name("vault-harness".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let handle = rt.handle().clone();
            let harness = rt.block_on(setup(choice, handle, logs));
            tx.send(harness).unwrap();
            rt.block_on(std::future::pending::<()>());
        })
        .unwrap();
    rx.recv().expect("harness set-up panicked")
}

async fn setup(choice: Choice, runtime: tokio::runtime::Handle, logs: Arc<Mutex<Vec<u8>>>) -> Harness {
    let dir = std::env::temp_dir().join(format!("vaultfn-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One test CA: the proxies (and the stand-in) present a certificate for the vault's name,
    // trusted only through `KEY_VAULT_CA_FILE`.
    let (ca_pem, tls) = proxy::tls_for("*.vault.azure.net");
    let ca_file = dir.join("proxy-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let (vault, upstream, upstream_base) = match choice {
        Choice::StandIn => {
            let granted = [identity::TOKEN_PREFIX, SEED_TOKEN];
            let standin = StandIn::start(tls.clone(), &granted).await;
            let ca = reqwest::Certificate::from_pem_bundle(ca_pem.as_bytes()).unwrap();
            let client =
                reqwest::Client::builder().tls_certs_only(ca).resolve(VAULT_HOST, standin.addr).build().unwrap();
            let base = format!("https://{VAULT_HOST}:{}", standin.addr.port());
            (Vault::StandIn(standin), client, base)
        }
        Choice::Lowkey { java, jar } => {
            let lowkey = Lowkey::start(&java, &jar, &dir.join("lowkey-vault.log")).await;
            let _ =
                writeln!(std::io::stderr(), "Lowkey Vault answered /ping after {} ms", lowkey.started_in.as_millis());
            let (client, base) = (lowkey.client(), lowkey.base_url());
            (Vault::Lowkey(lowkey), client, base)
        }
    };
    let identity = IdentityServer::start().await;
    // SAFETY: runs once, before any credential exists; the SDK reads the managed identity
    // endpoint from the process environment only.
    unsafe {
        std::env::set_var("IDENTITY_ENDPOINT", &identity.endpoint);
        std::env::set_var("IDENTITY_HEADER", identity::IDENTITY_HEADER);
    }
    let canary = format!("CANARY-{:016x}", rand::random::<u64>());
    let seeded = seed(&upstream, &upstream_base, &canary).await;
    Harness { vault, identity, seeded, canary, runtime, upstream, upstream_base, tls, ca_file, logs }
}

/// Creates a secret version through the Key Vault REST API and returns its version id.
async fn put(client: &reqwest::Client, base: &str, name: &str, body: serde_json::Value) -> String {
    let rsp = client
        .put(format!("{base}/secrets/{name}?api-version={API_VERSION}"))
        // The vault is picked by its host name (Lowkey Vault knows ours as an alias).
        .header("host", VAULT_HOST)
        .bearer_auth(SEED_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("seed request");
    let status = rsp.status();
    let json: serde_json::Value = rsp.json().await.unwrap_or_default();
    assert!(status.is_success(), "seeding {name} failed with {status}: {}", json["error"]);
    let id = json["id"].as_str().expect("seeded secret has an id");
    id.rsplit('/').next().unwrap().to_owned()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Enabled, disabled, expiring, not-yet-valid, tagged and multi-version secrets.
async fn seed(client: &reqwest::Client, base: &str, canary: &str) -> Seeded {
    use serde_json::json;
    let mut seeded = Seeded::default();
    let (expires, not_before) = (now() + 5 * 86_400 + 3600, now() + 86_400);
    let specs = [
        (
            "plain-secret",
            json!({"contentType": "text/plain", "tags": {"env": "test", "owner": "vaultfn"}, "attributes": {"enabled": true}}),
        ),
        ("disabled-secret", json!({"attributes": {"enabled": false}})),
        ("expiring-secret", json!({"attributes": {"enabled": true, "exp": expires}})),
        ("future-secret", json!({"attributes": {"enabled": true, "nbf": not_before, "exp": now() + 400 * 86_400}})),
        ("hot-secret", json!({"tags": {"load": "high"}})),
    ];
    for (name, mut body) in specs {
        let value = format!("{canary}-{name}");
        body["value"] = json!(value);
        let version = put(client, base, name, body).await;
        seeded.versions.entry(name.into()).or_default().push(version);
        seeded.values.push(value);
    }
    seeded.expires.insert("expiring-secret".into(), expires);
    seeded.not_before.insert("future-secret".into(), not_before);
    for n in 1..=3 {
        // Key Vault's `created` has one-second resolution; space versions so "newest" is defined.
        if n > 1 {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let value = format!("{canary}-multi-version-v{n}");
        let body = json!({"value": value, "contentType": format!("v{n}"), "tags": {"rev": n.to_string()}});
        let version = put(client, base, "multi-version", body).await;
        seeded.versions.entry("multi-version".into()).or_default().push(version);
        seeded.values.push(value);
        // A rotation whose new version is then disabled: the newest version stays current.
        if n <= 2 {
            let value = format!("{canary}-rotated-secret-v{n}");
            let version = put(client, base, "rotated-secret", json!({"value": value})).await;
            seeded.values.push(value);
            seeded.versions.entry("rotated-secret".into()).or_default().push(version);
        }
    }
    let newest = seeded.versions["rotated-secret"].last().unwrap();
    patch(client, base, "rotated-secret", newest, json!({"attributes": {"enabled": false}})).await;
    seeded
}

/// Updates one version's attributes, content type or tags, as an operator disabling it would.
async fn patch(client: &reqwest::Client, base: &str, name: &str, version: &str, body: serde_json::Value) {
    let rsp = client
        .patch(format!("{base}/secrets/{name}/{version}?api-version={API_VERSION}"))
        .header("host", VAULT_HOST)
        .bearer_auth(SEED_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("patch request");
    let status = rsp.status();
    let json: serde_json::Value = rsp.json().await.unwrap_or_default();
    assert!(status.is_success(), "updating {name} failed with {status}: {}", json["error"]);
    assert!(json.get("value").is_none(), "an update answers without the value");
}

impl Harness {
    /// A proxy of its own for one test, so counts and faults do not mix between tests.
    pub fn proxy(&self) -> Proxy {
        Proxy::start(&self.runtime, self.tls.clone(), self.upstream.clone(), self.upstream_base.clone())
    }

    /// The app settings that point a service at `proxy`, plus `extra`.
    pub fn vars(&self, proxy: &Proxy, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut vars: HashMap<String, String> = [
            ("KEY_VAULT_URL", format!("https://{VAULT_HOST}")),
            ("VAULTFN_TEST_RESOLVE", format!("{VAULT_HOST}={}", proxy.addr)),
            ("KEY_VAULT_CA_FILE", self.ca_file.display().to_string()),
            ("IDENTITY_ENDPOINT", self.identity.endpoint.clone()),
            ("IDENTITY_HEADER", identity::IDENTITY_HEADER.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        vars
    }

    /// A warmed-up service behind a fresh proxy.
    pub async fn service(&self, extra: &[(&str, &str)]) -> (VaultService, Proxy) {
        let proxy = self.proxy();
        let cfg = VaultConfig::from_vars(&self.vars(&proxy, extra)).unwrap().expect("configured");
        let service = VaultService::from_config(&cfg).expect("service builds");
        service.ready().await;
        (service, proxy)
    }

    /// Fails if `text` carries any seeded value or any part of the canary.
    pub fn assert_clean(&self, what: &str, text: &str) {
        assert!(!text.contains(&self.canary), "{what} leaks a secret value");
        for value in &self.seeded.values {
            assert!(!text.contains(value.as_str()), "{what} leaks a secret value");
        }
    }

    /// Everything logged so far must be free of secret values.
    pub fn assert_logs_clean(&self) {
        let logs = String::from_utf8_lossy(&self.logs.lock().unwrap()).into_owned();
        self.assert_clean("the log", &logs);
    }
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line at debug level, ours and the SDK's, for the leak scan.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = Capture(buf.clone());
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init();
    buf
}

/// What was seeded, for the assertions.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Secret name → version ids in creation order.
    pub versions: BTreeMap<String, Vec<String>>,
    /// Every value written, each carrying the canary marker.
    pub values: Vec<String>,
    /// Expiry and not-before (epoch seconds) by secret.
    pub expires: BTreeMap<String, i64>,
    pub not_before: BTreeMap<String, i64>,
}
