//! The one place tests get their Key Vault, the identity endpoint and a counting proxy from:
//! `vaultfn_testbed`, shared with `vaultfn bench`, plus what only in-process tests need (the
//! managed-identity endpoint in the process environment, captured logs).
//!
//! The Key Vault is the stand-in unless `LOWKEY_VAULT_URL` or `LOWKEY_VAULT_JAR` names a Lowkey Vault.

pub mod capture;
pub mod handler;

use std::collections::HashMap;
use std::io::Write;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

use vaultfn_handler::vault::{ForbiddenCode, VaultConfig, VaultError, VaultService};
use vaultfn_testbed::proxy::Proxy;
use vaultfn_testbed::{Testbed, Vault, identity};

#[allow(unused_imports)]
pub use vaultfn_testbed::proxy;

pub struct Harness {
    pub testbed: Testbed,
    logs: Arc<Mutex<Vec<u8>>>,
}

impl Deref for Harness {
    type Target = Testbed;
    fn deref(&self) -> &Testbed {
        &self.testbed
    }
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

/// The shared harness. Never a reason to skip: the stand-in always runs, and Lowkey Vault,
/// when asked for, must be installed.
pub fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        let logs = capture_logs();
        let testbed = Testbed::builder().start().unwrap_or_else(|why| panic!("{why}"));
        if let vaultfn_testbed::Vault::Lowkey(lowkey) = &testbed.vault {
            let _ =
                writeln!(std::io::stderr(), "Lowkey Vault answered /ping after {} ms", lowkey.started_in.as_millis());
        }
        // SAFETY: runs once, before any credential exists; the SDK reads the managed identity
        // endpoint from the process environment only.
        #[allow(unsafe_code)] // the one way to do this; the SAFETY note above says why it holds
        unsafe {
            std::env::set_var("IDENTITY_ENDPOINT", &testbed.identity.endpoint);
            std::env::set_var("IDENTITY_HEADER", identity::IDENTITY_HEADER);
        }
        Harness { testbed, logs }
    })
}

impl Harness {
    /// The app settings that point a service at `proxy`, plus `extra`.
    pub fn vars(&self, proxy: &Proxy, extra: &[(&str, &str)]) -> HashMap<String, String> {
        self.testbed.vars(proxy, extra)
    }

    /// A warmed-up service behind a fresh proxy.
    pub async fn service(&self, extra: &[(&str, &str)]) -> (VaultService, Proxy) {
        let proxy = self.proxy();
        let cfg = VaultConfig::from_vars(&self.vars(&proxy, extra)).unwrap().expect("configured");
        let service = VaultService::from_config(&cfg).expect("service builds");
        service.ready().await;
        (service, proxy)
    }

    /// What reading a disabled secret's value answers: Key Vault (and the stand-in) refuse with
    /// 403 `SecretDisabled`; Lowkey Vault answers 404. The value is withheld either way.
    pub fn disabled_value_error(&self, name: &str) -> VaultError {
        match self.testbed.vault {
            Vault::Lowkey(_) => VaultError::NotFound { name: name.into() },
            Vault::StandIn(_) => VaultError::Forbidden { code: ForbiddenCode::SecretDisabled },
        }
    }

    /// Fails if `text` carries any seeded value or any part of the canary.
    pub fn assert_clean(&self, what: &str, text: &str) {
        assert!(!self.leaks(text), "{what} leaks a secret value");
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
