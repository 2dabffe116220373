//! Typed Key Vault settings, read once from the app settings.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::credential::CredentialSettings;
use crate::config_error::{ConfigError, bad};

/// Where secret metadata comes from.
#[derive(Debug, Clone)]
pub enum BackendConfig {
    KeyVault(KeyVaultConfig),
    /// A local JSON file standing in for Key Vault (never in Azure).
    DevVault {
        path: PathBuf,
    },
}

#[derive(Debug, Clone)]
pub struct KeyVaultConfig {
    pub url: Url,
    /// A PEM file of extra roots to trust besides the system ones (a local emulator's CA).
    pub ca_file: Option<PathBuf>,
    /// Host names pinned to addresses, for emulators on names that do not resolve.
    pub resolve: Vec<(String, SocketAddr)>,
}

#[derive(Debug, Clone)]
pub struct VaultConfig {
    pub backend: BackendConfig,
    /// Total budget of one Key Vault call, retries included.
    pub timeout: Duration,
    pub metadata_ttl: Duration,
    pub expiry_warning_days: u32,
    pub credential: CredentialSettings,
}

pub const DEFAULT_TIMEOUT_MS: u64 = 5000;
pub const DEFAULT_TTL_SECONDS: u64 = 300;
pub const DEFAULT_WARNING_DAYS: u32 = 30;

pub(crate) fn get<'a>(vars: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    vars: &HashMap<String, String>,
    setting: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError> {
    let Some(raw) = get(vars, setting) else {
        return Ok(default);
    };
    match raw.parse::<T>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(bad(setting, format!("must be a whole number of {unit} from {} to {}", range.start(), range.end()))),
    }
}

impl VaultConfig {
    /// Reads the vault settings. `Ok(None)` when neither `KEY_VAULT_URL` nor `VAULTFN_DEV_VAULT`
    /// is set: the app runs, and the secret endpoints answer "not configured".
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Option<Self>, ConfigError> {
        let credential = CredentialSettings::from_vars(vars)?;
        let in_azure = credential.in_azure;
        let timeout_ms = number(vars, "KEY_VAULT_TIMEOUT_MS", DEFAULT_TIMEOUT_MS, 1..=120_000, "milliseconds")?;
        let ttl = number(vars, "SECRET_METADATA_TTL_SECONDS", DEFAULT_TTL_SECONDS, 0..=86_400, "seconds")?;
        let warning = number(vars, "SECRET_EXPIRY_WARNING_DAYS", DEFAULT_WARNING_DAYS, 0..=3650, "days")?;
        let ca_file = get(vars, "KEY_VAULT_CA_FILE").map(PathBuf::from);
        let resolve = match get(vars, "VAULTFN_TEST_RESOLVE") {
            Some(_) if in_azure => {
                return Err(bad(
                    "VAULTFN_TEST_RESOLVE",
                    "is a test setting and is refused when running in Azure (WEBSITE_INSTANCE_ID is set)",
                ));
            }
            Some(raw) => parse_resolve(raw)?,
            None => Vec::new(),
        };
        let dev_vault = get(vars, "VAULTFN_DEV_VAULT").map(PathBuf::from);
        if dev_vault.is_some() && in_azure {
            return Err(bad(
                "VAULTFN_DEV_VAULT",
                "the dev vault is for local runs only and is refused when running in Azure (WEBSITE_INSTANCE_ID is set); set KEY_VAULT_URL instead",
            ));
        }
        let backend = match (get(vars, "KEY_VAULT_URL"), dev_vault) {
            (Some(raw), _) => BackendConfig::KeyVault(KeyVaultConfig { url: parse_vault_url(raw)?, ca_file, resolve }),
            (None, Some(path)) => BackendConfig::DevVault { path },
            (None, None) => return Ok(None),
        };
        Ok(Some(Self {
            backend,
            timeout: Duration::from_millis(timeout_ms),
            metadata_ttl: Duration::from_secs(ttl),
            expiry_warning_days: warning,
            credential,
        }))
    }
}

fn parse_vault_url(raw: &str) -> Result<Url, ConfigError> {
    const SETTING: &str = "KEY_VAULT_URL";
    let url = Url::parse(raw).map_err(|_| bad(SETTING, "is not a URL; expected https://<vault>.vault.azure.net"))?;
    if url.scheme() != "https" {
        return Err(bad(SETTING, "must use https (Key Vault refuses bearer tokens over plain http)"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(SETTING, "has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(SETTING, "must be the vault's base URL, without credentials, query or fragment"));
    }
    if !matches!(url.path(), "" | "/") {
        return Err(bad(SETTING, "must be the vault's base URL (no path such as /secrets/...)"));
    }
    Ok(url)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn nothing_set_means_not_configured() {
        assert!(VaultConfig::from_vars(&vars(&[])).unwrap().is_none());
    }

    #[test]
    fn defaults_and_pins() {
        let cfg = VaultConfig::from_vars(&vars(&[
            ("KEY_VAULT_URL", "https://kv.vault.azure.net/"),
            ("VAULTFN_TEST_RESOLVE", "kv.vault.azure.net=127.0.0.1:8443, other.test=::1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(cfg.timeout, Duration::from_millis(5000));
        assert_eq!(cfg.metadata_ttl, Duration::from_secs(300));
        assert_eq!(cfg.expiry_warning_days, 30);
        let BackendConfig::KeyVault(kv) = cfg.backend else { panic!("expected Key Vault") };
        assert_eq!(kv.resolve[0], ("kv.vault.azure.net".into(), "127.0.0.1:8443".parse().unwrap()));
        assert_eq!(kv.resolve[1].1.port(), 0);
    }

    #[test]
    fn bad_values_name_the_setting_without_echoing_it() {
        let cases = [
            ("KEY_VAULT_URL", "http://kv.vault.azure.net"),
            ("KEY_VAULT_URL", "not a url"),
            ("KEY_VAULT_URL", "https://kv.vault.azure.net/secrets/x"),
            ("KEY_VAULT_TIMEOUT_MS", "soon"),
            ("KEY_VAULT_TIMEOUT_MS", "999999999"),
            ("SECRET_METADATA_TTL_SECONDS", "-17"),
            ("KEY_VAULT_CREDENTIAL", "magic"),
            ("AZURE_MANAGED_IDENTITY", "yes"),
            ("VAULTFN_TEST_RESOLVE", "kv.vault.azure.net"),
        ];
        for (key, value) in cases {
            let mut v = vars(&[("KEY_VAULT_URL", "https://kv.vault.azure.net")]);
            v.insert(key.into(), value.into());
            let err = VaultConfig::from_vars(&v).unwrap_err();
            assert_eq!(err.setting, key);
            assert!(!err.to_string().contains(value), "{err} echoes {value}");
        }
    }

    #[test]
    fn test_and_dev_settings_refused_in_azure() {
        let azure = ("WEBSITE_INSTANCE_ID", "abc");
        let err = VaultConfig::from_vars(&vars(&[azure, ("VAULTFN_DEV_VAULT", "dev.json")])).unwrap_err();
        assert_eq!(err.setting, "VAULTFN_DEV_VAULT");
        let err = VaultConfig::from_vars(&vars(&[
            azure,
            ("KEY_VAULT_URL", "https://kv.vault.azure.net"),
            ("VAULTFN_TEST_RESOLVE", "kv.vault.azure.net=127.0.0.1:1"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "VAULTFN_TEST_RESOLVE");
    }

    #[test]
    fn key_vault_url_wins_over_dev_vault() {
        let cfg = VaultConfig::from_vars(&vars(&[
            ("KEY_VAULT_URL", "https://kv.vault.azure.net"),
            ("VAULTFN_DEV_VAULT", "dev.json"),
        ]))
        .unwrap()
        .unwrap();
        assert!(matches!(cfg.backend, BackendConfig::KeyVault(_)));
    }
}
