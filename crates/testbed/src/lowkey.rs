//! Lowkey Vault, the Key Vault emulator: started once per test binary on free ports, seeded
//! through the Key Vault REST API, and killed with the test process.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// Lowkey Vault knows the vault's name as an alias of `vaultfn.localhost`.
use crate::VAULT_HOST;
/// The challenge resource, so `VAULT_HOST` passes the SDK's check with verification on.
const AUTH_RESOURCE: &str = "vault.azure.net";

pub struct Lowkey {
    pub https_port: u16,
    /// Lowkey Vault's own certificate (PEM), for the proxy's upstream connections; `None` for a
    /// running emulator the user started, whose self-signed certificate the proxy accepts (the
    /// handler still verifies the proxy's).
    pub cert_pem: Option<String>,
    pub started_in: Duration,
    _child: Option<Child>,
}

use crate::process::free_port;

impl Lowkey {
    /// Starts the JVM. Must run on a thread that lives as long as the process: the child is
    /// killed when the thread that spawned it exits.
    pub async fn start(java: &Path, jar: &Path, log: &Path) -> Self {
        let started = Instant::now();
        let (https_port, token_port) = (free_port(), free_port());
        let log_file = std::fs::File::create(log).expect("create Lowkey Vault log");
        let mut command = Command::new(java);
        command
            .args(["-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar"])
            .arg(jar)
            .arg(format!("--server.port={https_port}"))
            .arg(format!("--app.token.port={token_port}"))
            .arg("--LOWKEY_VAULT_NAMES=vaultfn")
            .arg(format!("--LOWKEY_VAULT_ALIASES=vaultfn.localhost={VAULT_HOST}"))
            .arg("--LOWKEY_VAULT_RELAXED_PORTS=true")
            .arg(format!("--LOWKEY_AUTH_RESOURCE={AUTH_RESOURCE}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        #[allow(unsafe_code)] // the one way to do this; the SAFETY note above says why it holds
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start Lowkey Vault");
        let http = crate::http_client_builder().build().unwrap();
        let ping = format!("http://127.0.0.1:{token_port}/ping");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if http.get(&ping).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(Instant::now() < deadline, "Lowkey Vault did not answer /ping within 120 s; see {}", log.display());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let cert_pem = default_cert(&http, token_port, java, log).await;
        Self { https_port, cert_pem: Some(cert_pem), started_in: started.elapsed(), _child: Some(child) }
    }

    /// A Lowkey Vault the user runs (its container image, say) at `base`.
    pub fn running(base: &str) -> Self {
        let https_port = url::Url::parse(base).ok().and_then(|u| u.port_or_known_default()).unwrap_or(443);
        Self { https_port, cert_pem: None, started_in: Duration::ZERO, _child: None }
    }

    /// A client that trusts only Lowkey Vault's certificate.
    pub fn client(&self) -> reqwest::Client {
        let builder = crate::http_client_builder();
        match &self.cert_pem {
            Some(pem) => builder.tls_certs_only(reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap()),
            // The emulator's own self-signed certificate, on the user's machine, for test data.
            None => builder.tls_danger_accept_invalid_certs(true),
        }
        .build()
        .unwrap()
    }

    pub fn base_url(&self) -> String {
        format!("https://localhost:{}", self.https_port)
    }
}

/// Downloads the emulator's PKCS#12 keystore and turns it into PEM with the runtime's keytool.
async fn default_cert(http: &reqwest::Client, token_port: u16, java: &Path, log: &Path) -> String {
    let base = format!("http://127.0.0.1:{token_port}/metadata/default-cert");
    let p12 = http.get(format!("{base}/lowkey-vault.p12")).send().await.unwrap().bytes().await.unwrap();
    let password = http.get(format!("{base}/password")).send().await.unwrap().text().await.unwrap();
    let path = log.with_extension("p12");
    std::fs::write(&path, &p12).unwrap();
    let keytool = java.with_file_name("keytool");
    let out = Command::new(keytool)
        .args(["-list", "-rfc", "-storetype", "PKCS12", "-keystore"])
        .arg(&path)
        .args(["-storepass", password.trim()])
        .output()
        .expect("run keytool");
    let text = String::from_utf8_lossy(&out.stdout);
    let pem: String = text
        .split_inclusive('\n')
        .scan(false, |inside, line| {
            if line.starts_with("-----BEGIN CERTIFICATE") {
                *inside = true;
            }
            let keep = *inside;
            if line.starts_with("-----END CERTIFICATE") {
                *inside = false;
            }
            Some(keep.then_some(line))
        })
        .flatten()
        .collect();
    assert!(
        pem.contains("BEGIN CERTIFICATE"),
        "keytool printed no certificate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pem
}
