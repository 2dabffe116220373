//! Typed configuration, read once at start from the process environment (where the Functions host
//! puts the app settings), and the classification of settings for `config-check`.

pub mod catalog;
pub mod classify;
pub mod deep;
mod deep_certificates;
pub mod platform;

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::arm::ArmConfig;
use crate::config_error::ConfigError;
use crate::reference;
use crate::vault::VaultConfig;

pub const DEFAULT_REFRESH_DEBOUNCE: std::time::Duration = std::time::Duration::from_secs(60);

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
    /// Resource Manager and the app's site, for what the platform resolved (deep config-check).
    pub arm: Result<ArmConfig, ConfigError>,
    /// `REFRESH_REFERENCES_ON_ROTATION`: a new version of a secret behind a versionless reference
    /// makes the platform resolve the app's references again.
    pub refresh_on_rotation: bool,
    /// `REFRESH_DEBOUNCE_SECONDS`: at most one such refresh per this long.
    pub refresh_debounce: std::time::Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let vars: std::collections::HashMap<String, String> = vars.into_iter().collect();
        let vault = VaultConfig::from_vars(&vars);
        let in_azure = vars.get("WEBSITE_INSTANCE_ID").is_some_and(|v| !v.trim().is_empty());
        let arm = crate::vault::config::test_overrides(&vars, in_azure).and_then(|o| ArmConfig::from_vars(&vars, o));
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
        let flag = |name: &'static str| match plain(&values, name).map(str::trim) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
            Some(_) => Err(crate::config_error::bad(name, "must be true or false")),
        };
        let refresh_on_rotation = flag("REFRESH_REFERENCES_ON_ROTATION")?;
        let refresh_debounce = match plain(&values, "REFRESH_DEBOUNCE_SECONDS") {
            None => DEFAULT_REFRESH_DEBOUNCE,
            Some(raw) => std::time::Duration::from_secs(crate::config_error::whole_number(
                "REFRESH_DEBOUNCE_SECONDS",
                raw,
                1..=86_400,
                "seconds",
            )?),
        };
        Ok(Self {
            port,
            expected,
            expected_errors,
            values,
            platform,
            vault,
            arm,
            refresh_on_rotation,
            refresh_debounce,
        })
    }

    /// The settings that reference secret `secret` of vault `vault`, and whether each follows its
    /// current version: what the platform says (`WEBSITE_KEYVAULT_REFERENCES`), raw references
    /// among the values, and `SETTING=SecretName` entries of `CONFIG_CHECK_SETTINGS`.
    pub fn references_to(&self, vault: &str, secret: &str) -> Vec<(String, bool)> {
        use secrecy::ExposeSecret;
        let mut found: Vec<(String, bool)> = Vec::new();
        let mut add = |name: &str, raw: &str| {
            if let Ok(r) = reference::parse(raw)
                && r.vault.eq_ignore_ascii_case(vault)
                && r.secret.eq_ignore_ascii_case(secret)
                && !found.iter().any(|(n, _)| n == name)
            {
                found.push((name.to_owned(), r.version.is_none()));
            }
        };
        if let Ok(platform) = &self.platform {
            platform.iter().for_each(|(name, entry)| add(name, &entry.raw_reference));
        }
        self.values.iter().for_each(|(name, value)| add(name, value.expose_secret()));
        for entry in &self.expected {
            if entry.secret.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(secret))
                && !found.iter().any(|(n, _)| *n == entry.name)
            {
                found.push((entry.name.clone(), true));
            }
        }
        found
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
