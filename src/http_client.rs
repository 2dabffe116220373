//! Where every outgoing HTTP client of the process starts: rustls with the ring provider,
//! installed once, and no redirects (a redirect could carry a bearer token or a key elsewhere).
//! Calls go out through [`traced`] (Azure SDK clients) or [`send`] (plain reqwest), which
//! trace them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Once;

use crate::config_error::{ConfigError, bad};

mod tls;

/// A client builder on the process's TLS provider and the system's CA store (read once per
/// process, in `http_client/tls.rs`); redirects are never followed. Its TLS settings are made:
/// reqwest's `tls_*` calls on it change nothing; an extra root comes through [`Overrides`].
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    match tls::system() {
        Some(config) => builder.tls_backend_preconfigured(config),
        // reqwest makes its own and says why it cannot when the client is built.
        None => builder,
    }
}

/// What an Azure SDK client's transport sends through (`Transport::new(traced(client))`):
/// `client`, with every call carrying the current request's trace context and reported as a
/// dependency.
pub fn traced(client: reqwest::Client) -> std::sync::Arc<dyn azure_core::http::HttpClient> {
    std::sync::Arc::new(crate::telemetry::outgoing::Traced::new(client))
}

/// `request.send()`, with the same trace context and dependency as [`traced`] calls.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    crate::telemetry::outgoing::send(request).await
}

/// A client with [`builder`]'s defaults.
pub fn client() -> reqwest::Client {
    builder().build().expect("an HTTP client with default settings always builds")
}

/// Installs rustls' ring provider as the process default (idempotent). The Azure SDK's own
/// clients (the managed identity credential's, for one) build on it too.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider installed first is as good: only having none is an error.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Settings that point the app at test doubles: a pinned address, an extra CA, a vault host that
/// is not Key Vault's. Honoured only from the process environment of a local run (`vaultfn start`
/// drops them from settings files, which a cloned repository controls) and refused in Azure.
pub const TEST_SETTINGS: &[&str] = &["VAULTFN_TEST_RESOLVE", "KEY_VAULT_CA_FILE", EMULATOR_SETTING];
/// `true` lets `KEY_VAULT_URL` name a host outside Key Vault's DNS suffixes (a local emulator).
pub const EMULATOR_SETTING: &str = "VAULTFN_KEY_VAULT_EMULATOR";

/// The test doubles' CA and pins, shared by every HTTPS client of the app; all test settings are
/// refused in Azure (`in_azure`: `WEBSITE_INSTANCE_ID` is set).
pub fn test_overrides(vars: &HashMap<String, String>, in_azure: bool) -> Result<Overrides, ConfigError> {
    if in_azure && let Some(setting) = TEST_SETTINGS.iter().find(|s| get(vars, s).is_some()) {
        return Err(bad(
            setting,
            "is a test setting and is refused when running in Azure (WEBSITE_INSTANCE_ID is set)",
        ));
    }
    Overrides::new(get(vars, "KEY_VAULT_CA_FILE"), get(vars, "VAULTFN_TEST_RESOLVE"))
}

fn get<'a>(vars: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Where the app's HTTPS clients may be pointed at test doubles: an extra CA to trust and host
/// names pinned to addresses. Read from the test settings only (see [`TEST_SETTINGS`]).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// A PEM file of extra roots to trust besides the system ones (a local emulator's CA).
    pub ca_file: Option<PathBuf>,
    /// Host names pinned to addresses, for emulators on names that do not resolve.
    pub resolve: Vec<(String, SocketAddr)>,
}

impl Overrides {
    /// From `KEY_VAULT_CA_FILE` and `VAULTFN_TEST_RESOLVE` (`host=ip:port[,host=ip:port]`).
    pub fn new(ca_file: Option<&str>, resolve: Option<&str>) -> Result<Self, ConfigError> {
        Ok(Self {
            ca_file: ca_file.map(PathBuf::from),
            resolve: resolve.map(parse_resolve).transpose()?.unwrap_or_default(),
        })
    }

    /// [`builder`] with the extra CA merged into the system roots (verification itself is never
    /// relaxed) and the pins applied.
    pub fn builder(&self) -> Result<reqwest::ClientBuilder, ConfigError> {
        let mut builder = builder();
        if let Some(path) = &self.ca_file {
            let ca_err = |reason: &str| bad("KEY_VAULT_CA_FILE", reason);
            let pem = std::fs::read(path).map_err(|_| ca_err("cannot read the file"))?;
            builder = builder.tls_backend_preconfigured(tls::with_extra_roots(&pem).map_err(ca_err)?);
        }
        for (host, addr) in &self.resolve {
            builder = builder.resolve(host, *addr);
        }
        Ok(builder)
    }
}

/// `host=ip:port[,host=ip:port]`; the port is used when the URL names none.
fn parse_resolve(raw: &str) -> Result<Vec<(String, SocketAddr)>, ConfigError> {
    const SETTING: &str = "VAULTFN_TEST_RESOLVE";
    raw.split(',')
        .map(str::trim)
        .filter(|pin| !pin.is_empty())
        .map(|pin| {
            let (host, addr) = pin.split_once('=').ok_or_else(|| bad(SETTING, "each entry must be host=ip:port"))?;
            let host = host.trim().to_ascii_lowercase();
            if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
                return Err(bad(SETTING, "each entry must start with a DNS host name"));
            }
            let addr = addr.trim();
            let addr = addr
                .parse::<SocketAddr>()
                .or_else(|_| addr.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 0)))
                .map_err(|_| bad(SETTING, "each address must be ip:port or ip"))?;
            Ok((host, addr))
        })
        .collect()
}
