//! Typed Key Vault settings, read once from the app settings.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::credential::CredentialSettings;
use crate::config_error::{ConfigError, bad};
use crate::http_client::Overrides;
use crate::reference::VAULT_DNS_SUFFIXES;

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
    /// The one token scope the vault's cloud uses. Fixed here, never taken from a challenge: a
    /// server that names another audience must not obtain a token for it.
    pub scope: String,
    /// Test doubles' CA and pinned addresses, from the test settings.
    pub overrides: Overrides,
}

#[derive(Debug, Clone)]
pub struct VaultConfig {
    pub backend: BackendConfig,
    /// Total budget of one Key Vault call, retries included.
    pub timeout: Duration,
    pub metadata_ttl: Duration,
    pub expiry_warning_days: u32,
    /// `CERTIFICATE_EXPIRY_WARNING_DAYS`: the certificates' `expiring_soon` window.
    pub certificate_warning_days: u32,
    pub credential: CredentialSettings,
}

pub use crate::http_client::{EMULATOR_SETTING, TEST_SETTINGS, test_overrides};

pub const DEFAULT_TIMEOUT_MS: u64 = 5000;
pub const DEFAULT_TTL_SECONDS: u64 = 300;
pub const DEFAULT_WARNING_DAYS: u32 = 30;

fn get<'a>(vars: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    vars: &HashMap<String, String>,
    setting: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError> {
    get(vars, setting).map_or(Ok(default), |raw| crate::config_error::whole_number(setting, raw, range, unit))
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
        let certificate_warning =
            number(vars, "CERTIFICATE_EXPIRY_WARNING_DAYS", DEFAULT_WARNING_DAYS, 0..=3650, "days")?;
        let overrides = test_overrides(vars, in_azure)?;
        let emulator = match get(vars, EMULATOR_SETTING) {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => return Err(bad(EMULATOR_SETTING, "must be true or false")),
        };
        let dev_vault = get(vars, "VAULTFN_DEV_VAULT").map(PathBuf::from);
        if dev_vault.is_some() && in_azure {
            return Err(bad(
                "VAULTFN_DEV_VAULT",
                "the dev vault is for local runs only and is refused when running in Azure (WEBSITE_INSTANCE_ID is set); set KEY_VAULT_URL instead",
            ));
        }
        let backend = match (get(vars, "KEY_VAULT_URL"), dev_vault) {
            (Some(raw), _) => {
                let (url, scope) = parse_vault_url(raw, emulator)?;
                BackendConfig::KeyVault(KeyVaultConfig { url, scope, overrides })
            }
            (None, Some(path)) => BackendConfig::DevVault { path },
            (None, None) => return Ok(None),
        };
        Ok(Some(Self {
            backend,
            timeout: Duration::from_millis(timeout_ms),
            metadata_ttl: Duration::from_secs(ttl),
            expiry_warning_days: warning,
            certificate_warning_days: certificate_warning,
            credential,
        }))
    }
}

/// The vault's URL and the token scope of its cloud.
fn parse_vault_url(raw: &str, emulator: bool) -> Result<(Url, String), ConfigError> {
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
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let suffix = VAULT_DNS_SUFFIXES.iter().find(|suffix| {
        host.strip_suffix(*suffix)
            .and_then(|name| name.strip_suffix('.'))
            .is_some_and(|name| !name.is_empty() && !name.contains('.'))
    });
    let scope = match (suffix, emulator) {
        (Some(suffix), _) => format!("https://{suffix}/.default"),
        // An emulator answers for Key Vault's public audience (Lowkey Vault's default).
        (None, true) => format!("https://{}/.default", VAULT_DNS_SUFFIXES[0]),
        (None, false) => {
            return Err(bad(
                SETTING,
                format!(
                    "must be a Key Vault host (<vault>.{}); a local emulator needs {EMULATOR_SETTING}=true in the process environment",
                    VAULT_DNS_SUFFIXES.join(", <vault>.")
                ),
            ));
        }
    };
    Ok((url, scope))
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
        assert_eq!((cfg.expiry_warning_days, cfg.certificate_warning_days), (30, 30));
        let BackendConfig::KeyVault(kv) = cfg.backend else { panic!("expected Key Vault") };
        assert_eq!(kv.overrides.resolve[0], ("kv.vault.azure.net".into(), "127.0.0.1:8443".parse().unwrap()));
        assert_eq!(kv.overrides.resolve[1].1.port(), 0);
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
            ("CERTIFICATE_EXPIRY_WARNING_DAYS", "soon"),
            ("KEY_VAULT_CREDENTIAL", "magic"),
            ("AZURE_MANAGED_IDENTITY", "yes"),
            ("VAULTFN_TEST_RESOLVE", "kv.vault.azure.net"),
            ("KEY_VAULT_URL", "https://kvx.management.azure.com"),
            ("KEY_VAULT_URL", "https://evil.example"),
            ("KEY_VAULT_URL", "https://a.b.vault.azure.net"),
            ("KEY_VAULT_URL", "https://vault.azure.net"),
            ("VAULTFN_KEY_VAULT_EMULATOR", "yes"),
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
    fn the_scope_is_fixed_per_cloud() {
        let scope = |url: &str, extra: &[(&str, &str)]| {
            let mut v = vars(&[("KEY_VAULT_URL", url)]);
            v.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            match VaultConfig::from_vars(&v).unwrap().unwrap().backend {
                BackendConfig::KeyVault(kv) => kv.scope,
                BackendConfig::DevVault { .. } => panic!("expected Key Vault"),
            }
        };
        assert_eq!(scope("https://kv.vault.azure.net", &[]), "https://vault.azure.net/.default");
        assert_eq!(scope("https://KV.Vault.Azure.CN/", &[]), "https://vault.azure.cn/.default");
        assert_eq!(scope("https://kv.vault.usgovcloudapi.net", &[]), "https://vault.usgovcloudapi.net/.default");
        // An emulator opt-in allows another host, never another audience.
        let emulator = [("VAULTFN_KEY_VAULT_EMULATOR", "true")];
        assert_eq!(scope("https://localhost:8443", &emulator), "https://vault.azure.net/.default");
        assert_eq!(scope("https://kvx.management.azure.com", &emulator), "https://vault.azure.net/.default");
    }

    #[test]
    fn every_test_setting_is_refused_in_azure() {
        for setting in TEST_SETTINGS {
            let v = vars(&[
                ("WEBSITE_INSTANCE_ID", "abc"),
                ("KEY_VAULT_URL", "https://kv.vault.azure.net"),
                (setting, "x"),
            ]);
            assert_eq!(VaultConfig::from_vars(&v).unwrap_err().setting, *setting);
        }
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
