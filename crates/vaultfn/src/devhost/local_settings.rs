//! `local.settings.json` as Core Tools reads it: `Values` become the handler's environment,
//! `Host.LocalHttpPort` the default port. Key Vault references among the values are resolved
//! before the handler starts; one that cannot be resolved stays the raw string, as in Azure, so
//! config-check reports it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use secrecy::SecretString;
use serde_json::Value;

use vaultfn_handler::reference::{self, KeyVaultReference};
use vaultfn_handler::vault::config::TEST_SETTINGS;

pub const SETTINGS_FILE: &str = "local.settings.json";
pub const EXAMPLE_FILE: &str = "local.settings.json.example";
pub const WORKER_RUNTIME: &str = "FUNCTIONS_WORKER_RUNTIME";

#[derive(Debug, thiserror::Error)]
pub enum LocalSettingsError {
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid JSON (line {line}, column {column})", .path.display())]
    Json { path: PathBuf, line: usize, column: usize },
    #[error("{}: {what}", .path.display())]
    Invalid { path: PathBuf, what: String },
}

/// The loaded settings. Values are kept as plain strings only until they are handed to the
/// handler's environment; nothing here prints one.
pub struct LocalSettings {
    /// The file read, or `None` when there was none.
    pub path: Option<PathBuf>,
    pub values: BTreeMap<String, String>,
    pub local_http_port: Option<u16>,
    /// Things to tell the user (fallbacks, defaults applied); never a value.
    pub notices: Vec<String>,
}

impl std::fmt::Debug for LocalSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSettings")
            .field("path", &self.path)
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .field("local_http_port", &self.local_http_port)
            .finish()
    }
}

impl LocalSettings {
    /// Reads `settings` (relative to the script root unless absolute), falling back to the example
    /// file next to it when it does not exist.
    pub fn load(script_root: &Path, settings: &Path) -> Result<Self, LocalSettingsError> {
        let path = script_root.join(settings);
        let mut notices = Vec::new();
        let chosen = if path.is_file() {
            Some(path)
        } else {
            let example = path.with_file_name(EXAMPLE_FILE);
            if example.is_file() {
                notices.push(format!(
                    "{} not found; using {} (copy it to {} to change settings)",
                    path.display(),
                    example.display(),
                    settings.display()
                ));
                Some(example)
            } else {
                notices.push(format!("{} not found; starting with no app settings", path.display()));
                None
            }
        };
        let mut loaded = match &chosen {
            Some(path) => parse(path, &read(path)?)?,
            None => Self { path: None, values: BTreeMap::new(), local_http_port: None, notices: Vec::new() },
        };
        loaded.notices.splice(0..0, notices);
        loaded.path = chosen;
        Ok(loaded)
    }
}

/// Why a test setting in a settings file is ignored: the file comes with the repository, and these
/// settings decide where the developer's Key Vault token goes and which certificates are trusted.
pub fn ignored_test_setting(path: &Path, setting: &str) -> String {
    format!(
        "{}: {setting} is a test setting and is ignored in a settings file (a cloned repository must not choose where tokens go); set it in your shell's environment instead",
        path.display()
    )
}

/// Settings that are no test settings yet are read from the process environment only: the handler's
/// environment is the developer's with `Values` laid over it, so a file setting one of these would
/// send the developer's credential (a client secret, a certificate's assertion) to a host the
/// file names.
pub const ENVIRONMENT_ONLY: &[&str] = &["AZURE_AUTHORITY_HOST"];

/// Why an [`ENVIRONMENT_ONLY`] setting in a settings file is ignored.
pub fn ignored_environment_setting(path: &Path, setting: &str) -> String {
    format!(
        "{}: {setting} decides where the credential sends its secret and is ignored in a settings file (a cloned repository must not choose where tokens go); set it in your shell's environment instead",
        path.display()
    )
}

fn read(path: &Path) -> Result<Vec<u8>, LocalSettingsError> {
    std::fs::read(path).map_err(|source| LocalSettingsError::Read { path: path.to_owned(), source })
}

/// Parses the file without echoing any of it: a JSON error reports its position only.
fn parse(path: &Path, bytes: &[u8]) -> Result<LocalSettings, LocalSettingsError> {
    let invalid = |what: &str| LocalSettingsError::Invalid { path: path.to_owned(), what: what.to_owned() };
    let json: Value = serde_json::from_slice(bytes).map_err(|e| LocalSettingsError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
    })?;
    let object = json.as_object().ok_or_else(|| invalid("is not a JSON object"))?;
    if object.get("IsEncrypted").and_then(Value::as_bool) == Some(true) {
        return Err(invalid(
            "is encrypted (IsEncrypted: true); run `func settings decrypt` or set IsEncrypted to false",
        ));
    }
    let mut values = BTreeMap::new();
    let mut notices = Vec::new();
    if let Some(raw) = object.get("Values") {
        let raw = raw.as_object().ok_or_else(|| invalid("Values is not an object"))?;
        for (name, value) in raw {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                Value::Bool(_) | Value::Number(_) => value.to_string(),
                _ => return Err(invalid(&format!("Values.{name} must be a string"))),
            };
            values.insert(name.clone(), text);
        }
    }
    for setting in TEST_SETTINGS {
        if values.remove(*setting).is_some() {
            notices.push(ignored_test_setting(path, setting));
        }
    }
    for setting in ENVIRONMENT_ONLY {
        if values.remove(*setting).is_some() {
            notices.push(ignored_environment_setting(path, setting));
        }
    }
    match values.get(WORKER_RUNTIME).map(String::as_str) {
        Some(runtime) if runtime.eq_ignore_ascii_case("custom") => {}
        Some(_) => {
            return Err(invalid(&format!(
                "{WORKER_RUNTIME} must be \"custom\" for a custom handler (vaultfn runs no other worker)"
            )));
        }
        None => {
            notices.push(format!("{WORKER_RUNTIME} is not set; using \"custom\""));
            values.insert(WORKER_RUNTIME.to_owned(), "custom".to_owned());
        }
    }
    let local_http_port = object
        .get("Host")
        .and_then(|h| h.get("LocalHttpPort"))
        .and_then(|p| p.as_u64().or_else(|| p.as_str()?.parse().ok()))
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0);
    Ok(LocalSettings { path: Some(path.to_owned()), values, local_http_port, notices })
}

/// Reads one secret's current (or pinned) value for a reference.
pub type SecretReader<'a> = dyn Fn(KeyVaultReference) -> BoxFuture<'a, Result<SecretString, String>> + Send + Sync + 'a;

/// A reference that could not be resolved: the setting keeps its raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub setting: String,
    pub reason: String,
}

/// Replaces each resolvable `@Microsoft.KeyVault(...)` value with the secret's value. Failures
/// are returned with the setting's name and the reason; their raw strings stay in place.
pub async fn resolve_references(values: &mut BTreeMap<String, String>, reader: &SecretReader<'_>) -> Vec<Unresolved> {
    use secrecy::ExposeSecret as _;
    let mut failures = Vec::new();
    let names: Vec<String> =
        values.iter().filter(|(_, v)| reference::is_reference(v)).map(|(k, _)| k.clone()).collect();
    for name in names {
        let parsed = match reference::parse(&values[&name]) {
            Ok(parsed) => parsed,
            Err(why) => {
                failures.push(Unresolved { setting: name, reason: format!("the reference cannot be parsed: {why}") });
                continue;
            }
        };
        match reader(parsed).await {
            Ok(secret) => {
                values.insert(name, secret.expose_secret().to_owned());
            }
            Err(reason) => failures.push(Unresolved { setting: name, reason }),
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_port_and_runtime() {
        let s = parse(
            Path::new("x.json"),
            br#"{"IsEncrypted":false,"Values":{"A":"1","N":5,"FUNCTIONS_WORKER_RUNTIME":"custom"},"Host":{"LocalHttpPort":7072}}"#,
        )
        .unwrap();
        assert_eq!(s.values["N"], "5");
        assert_eq!(s.local_http_port, Some(7072));
        let err = parse(Path::new("x.json"), br#"{"Values":{"FUNCTIONS_WORKER_RUNTIME":"node"}}"#).unwrap_err();
        assert!(err.to_string().contains("custom"));
        let defaulted = parse(Path::new("x.json"), br#"{"Values":{}}"#).unwrap();
        assert_eq!(defaulted.values[WORKER_RUNTIME], "custom");
    }

    #[test]
    fn a_settings_file_cannot_choose_the_authority() {
        let s = parse(
            Path::new("x.json"),
            br#"{"Values":{"AZURE_AUTHORITY_HOST":"https://login.evil.example","AZURE_TENANT_ID":"t","KEY_VAULT_CA_FILE":"/ca.pem"}}"#,
        )
        .unwrap();
        assert!(!s.values.contains_key("AZURE_AUTHORITY_HOST") && !s.values.contains_key("KEY_VAULT_CA_FILE"));
        assert_eq!(s.values["AZURE_TENANT_ID"], "t", "the app's own credential settings stay");
        let notice = s.notices.iter().find(|n| n.contains("AZURE_AUTHORITY_HOST")).expect("a notice");
        assert!(notice.contains("ignored in a settings file") && !notice.contains("evil"), "{notice}");
    }

    #[test]
    fn json_errors_do_not_echo_content() {
        let err = parse(Path::new("x.json"), br#"{"Values":{"K":"s3cr3t-value""#).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
    }

    #[tokio::test]
    async fn unresolved_references_keep_their_raw_value() {
        let mut values = BTreeMap::from([
            ("OK".to_owned(), "@Microsoft.KeyVault(VaultName=kv1;SecretName=good)".to_owned()),
            ("BAD".to_owned(), "@Microsoft.KeyVault(VaultName=kv1;SecretName=missing)".to_owned()),
            ("BROKEN".to_owned(), "@Microsoft.KeyVault(Nope)".to_owned()),
            ("PLAIN".to_owned(), "x".to_owned()),
        ]);
        let reader = |r: KeyVaultReference| -> BoxFuture<'static, Result<SecretString, String>> {
            Box::pin(async move {
                if r.secret == "good" { Ok(SecretString::from("resolved")) } else { Err("SecretNotFound".to_owned()) }
            })
        };
        let failures = resolve_references(&mut values, &reader).await;
        assert_eq!(values["OK"], "resolved");
        assert!(values["BAD"].starts_with("@Microsoft.KeyVault("));
        assert_eq!(failures.len(), 2);
        assert!(failures.iter().any(|f| f.setting == "BROKEN" && f.reason.contains("cannot be parsed")));
    }
}
