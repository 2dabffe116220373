//! The one place tests get Lowkey Vault, the identity endpoint and a counting proxy from.
#![allow(dead_code)]

pub mod identity;
pub mod lowkey;
pub mod proxy;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vaultfn::vault::{VaultConfig, VaultService};

use identity::IdentityServer;
use lowkey::{Lowkey, Seeded, VAULT_HOST};
use proxy::Proxy;

pub struct Harness {
    pub lowkey: Lowkey,
    pub identity: IdentityServer,
    pub seeded: Seeded,
    /// Every seeded value contains this; it must never show up outside Key Vault.
    pub canary: String,
    runtime: tokio::runtime::Handle,
    tls: Arc<rustls::ServerConfig>,
    ca_file: PathBuf,
    logs: Arc<Mutex<Vec<u8>>>,
}

static HARNESS: OnceLock<Option<Harness>> = OnceLock::new();

/// The shared harness, or `None` (after a loud message) when the tools are not installed and
/// `CI` is not set. Under `CI=true` missing tools fail the test instead.
pub fn harness() -> Option<&'static Harness> {
    HARNESS.get_or_init(init).as_ref()
}

fn init() -> Option<Harness> {
    let (java, jar) = match lowkey::locate() {
        Ok(found) => found,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("Lowkey Vault tests cannot run: {why}. Run scripts/install-tools first.")
        }
        Err(why) => {
            // Straight to stderr: the test harness swallows eprintln! output of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "\n**********\nSKIPPING Lowkey Vault tests: {why}.\nRun scripts/install-tools to install Java 25 and the emulator (CI=true makes this a failure).\n**********\n"
            );
            return None;
        }
    };
    let logs = capture_logs();
    let (tx, rx) = std::sync::mpsc::channel();
    // The emulator, the identity endpoint and the proxies live on this thread's runtime, not on
    // a test's: each test has its own runtime, which ends with the test.
    std::thread::Builder::new()
        .name("vault-harness".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let handle = rt.handle().clone();
            let harness = rt.block_on(setup(java, jar, handle, logs));
            tx.send(harness).unwrap();
            rt.block_on(std::future::pending::<()>());
        })
        .unwrap();
    Some(rx.recv().expect("harness set-up panicked"))
}

async fn setup(java: PathBuf, jar: PathBuf, runtime: tokio::runtime::Handle, logs: Arc<Mutex<Vec<u8>>>) -> Harness {
    let dir = std::env::temp_dir().join(format!("vaultfn-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lowkey = Lowkey::start(&java, &jar, &dir.join("lowkey-vault.log")).await;
    let _ = writeln!(std::io::stderr(), "Lowkey Vault answered /ping after {} ms", lowkey.started_in.as_millis());
    let identity = IdentityServer::start().await;
    // SAFETY: runs once, before any credential exists; the SDK reads the managed identity
    // endpoint from the process environment only.
    unsafe {
        std::env::set_var("IDENTITY_ENDPOINT", &identity.endpoint);
        std::env::set_var("IDENTITY_HEADER", identity::IDENTITY_HEADER);
    }
    let (ca_pem, tls) = proxy::tls_for(VAULT_HOST);
    let ca_file = dir.join("proxy-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let canary = format!("CANARY-{:016x}", rand::random::<u64>());
    let seeded = seed(&lowkey, &canary).await;
    Harness { lowkey, identity, seeded, canary, runtime, tls, ca_file, logs }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Enabled, disabled, expiring, not-yet-valid, tagged and multi-version secrets.
async fn seed(lowkey: &Lowkey, canary: &str) -> Seeded {
    use serde_json::json;
    let client = lowkey.client();
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
        let version = lowkey.put(&client, name, body).await;
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
        let version = lowkey.put(&client, "multi-version", body).await;
        seeded.versions.entry("multi-version".into()).or_default().push(version);
        seeded.values.push(value);
    }
    seeded
}

impl Harness {
    /// A proxy of its own for one test, so counts and faults do not mix between tests.
    pub fn proxy(&self) -> Proxy {
        Proxy::start(&self.runtime, self.tls.clone(), self.lowkey.client(), self.lowkey.base_url())
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
