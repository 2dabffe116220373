//! Typed configuration, read once at start from the process environment (where the Functions host
//! puts the app settings), and the classification of settings for `config-check`.

pub mod catalog;
pub mod classify;
pub mod platform;

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::config_error::ConfigError;
use crate::reference;
use crate::vault::VaultConfig;

/// Port used when the handler runs outside the Functions host.
pub const DEFAULT_PORT: u16 = 3000;

/// One entry of `CONFIG_CHECK_SETTINGS`: a setting the app expects, optionally with the name of
/// the Key Vault secret behind it (`SETTING=SecretName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedSetting {
    pub name: String,
    pub secret: Option<String>,
    /// Written `?NAME`: reported, but never what makes the app unhealthy (App Service's health
    /// check must not replace every instance over a non-critical setting).
    pub optional: bool,
}

/// Everything the handler reads from its environment. Every value is held as a `SecretString`:
/// a resolved Key Vault reference is indistinguishable from a plain setting.
#[derive(Debug)]
pub struct Config {
    pub port: u16,
    pub expected: Vec<ExpectedSetting>,
    /// Problems found in `CONFIG_CHECK_SETTINGS` itself, reported by config-check.
    pub expected_errors: Vec<String>,
    pub values: BTreeMap<String, SecretString>,
    /// The platform's own status for each Key Vault reference (`WEBSITE_KEYVAULT_REFERENCES`); an
    /// unreadable variable is a warning.
    pub platform: Result<BTreeMap<String, platform::PlatformReference>, String>,
    /// Where secret metadata comes from: `Ok(None)` when no vault is configured; an error keeps the
    /// handler up (config-check must still answer) and is reported by the endpoints that need it.
    pub vault: Result<Option<VaultConfig>, ConfigError>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let vars: std::collections::HashMap<String, String> = vars.into_iter().collect();
        let vault = VaultConfig::from_vars(&vars);
        let values: BTreeMap<String, SecretString> =
            vars.into_iter().map(|(k, v)| (k, SecretString::from(v))).collect();
        let port = match plain(&values, "FUNCTIONS_CUSTOMHANDLER_PORT") {
            None => DEFAULT_PORT,
            Some(p) => p.trim().parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                crate::config_error::bad("FUNCTIONS_CUSTOMHANDLER_PORT", "must be a port number (1-65535)")
            })?,
        };
        let (expected, expected_errors) = parse_expected(plain(&values, "CONFIG_CHECK_SETTINGS").unwrap_or_default());
        let platform = platform::parse(plain(&values, platform::VARIABLE));
        Ok(Self { port, expected, expected_errors, values, platform, vault })
    }

    /// A setting that is configuration, not a secret (ports, names, URLs).
    pub fn plain(&self, name: &str) -> Option<&str> {
        plain(&self.values, name)
    }
}

fn plain<'a>(values: &'a BTreeMap<String, SecretString>, name: &str) -> Option<&'a str> {
    use secrecy::ExposeSecret;
    values.get(name).map(|v| v.expose_secret()).filter(|v| !v.is_empty())
}

/// Parses `CONFIG_CHECK_SETTINGS`: comma-separated names, each optionally `NAME=SecretName`, and
/// `?NAME` for a setting that is reported but optional.
pub fn parse_expected(list: &str) -> (Vec<ExpectedSetting>, Vec<String>) {
    let mut expected: Vec<ExpectedSetting> = Vec::new();
    let mut errors = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (entry, optional) = match entry.strip_prefix('?') {
            Some(rest) => (rest.trim(), true),
            None => (entry, false),
        };
        let (name, secret) = match entry.split_once('=') {
            Some((n, s)) => (n.trim(), Some(s.trim())),
            None => (entry, None),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.') {
            errors.push("CONFIG_CHECK_SETTINGS has an entry whose setting name is empty or has characters other than letters, digits, '_', '-' and '.'".to_owned());
            continue;
        }
        let secret = match secret {
            Some(s) if !reference::is_secret_name(s) => {
                errors.push(format!(
                    "CONFIG_CHECK_SETTINGS entry for {name} names a secret that is not 1-127 letters, digits or hyphens"
                ));
                None
            }
            other => other.map(str::to_owned),
        };
        if expected.iter().any(|e| e.name == name) {
            continue;
        }
        expected.push(ExpectedSetting { name: name.to_owned(), secret, optional });
    }
    (expected, errors)
}
