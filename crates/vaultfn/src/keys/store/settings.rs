//! Which store keeps the keys, chosen from the app settings the way the host chooses:
//! `AzureWebJobsSecretStorageType` (`files`, `blob`, `keyvault`; `kubernetes` is not available
//! locally), else `blob` when `AzureWebJobsStorage` is set, else `files`.
//!
//! The settings come from local.settings.json's Values (falling back to the process
//! environment), and a settings file comes with a cloned repository, so none of them may send the
//! developer's Azure token anywhere but a Key Vault host: `AzureWebJobsSecretStorageKeyVaultUri`
//! passes the same check as `KEY_VAULT_URL`, and the settings that relax it or point clients at
//! test doubles are read from the process environment only.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use vaultfn_handler::config_error::ConfigError;
use vaultfn_handler::http_client::Overrides;
use vaultfn_handler::vault::config::{KeyVaultConfig, TEST_SETTINGS};
use vaultfn_handler::vault::credential::select_kind;
use vaultfn_handler::vault::{BackendConfig, CredentialKind, CredentialSettings, VaultConfig};

use super::blob_rest::Account;

pub const STORAGE_TYPE: &str = "AzureWebJobsSecretStorageType";
pub const STORAGE_CONNECTION: &str = "AzureWebJobsStorage";
pub const KEY_VAULT_URI: &str = "AzureWebJobsSecretStorageKeyVaultUri";
pub const KEY_VAULT_CLIENT_ID: &str = "AzureWebJobsSecretStorageKeyVaultClientId";
pub const KEY_VAULT_CLIENT_SECRET: &str = "AzureWebJobsSecretStorageKeyVaultClientSecret";
pub const KEY_VAULT_TENANT_ID: &str = "AzureWebJobsSecretStorageKeyVaultTenantId";
pub const HOST_ID: &str = "AzureFunctionsWebHost__hostid";
/// The container the host keeps its key blobs in.
pub const CONTAINER: &str = "azure-webjobs-secrets";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    Files,
    Blob,
    KeyVault,
}

impl fmt::Display for StorageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Files => "files",
            Self::Blob => "blob",
            Self::KeyVault => "keyvault",
        })
    }
}

/// A store, fully configured and not yet opened.
#[derive(Debug)]
pub enum KeyStorage {
    Files { dir: std::path::PathBuf },
    KeyVault(Box<KeyVaultStorage>),
    Blob(Box<BlobStorage>),
}

#[derive(Debug)]
pub struct KeyVaultStorage {
    /// The vault, its cloud's token scope, and the test overrides of the process environment.
    pub vault: KeyVaultConfig,
    pub credential: CredentialSettings,
    /// The budget of one Key Vault call (`KEY_VAULT_TIMEOUT_MS`).
    pub budget: Duration,
}

#[derive(Debug)]
pub struct BlobStorage {
    pub account: Account,
    pub host_id: String,
    /// Whether `AzureFunctionsWebHost__hostid` chose the host id (else the machine name did).
    pub host_id_from_setting: bool,
    /// `UseDevelopmentStorage=true`: Azurite on its default port, which `vaultfn start` starts.
    pub development: bool,
    pub overrides: Overrides,
}

/// App settings: local.settings.json's Values, falling back to the process environment.
struct Settings<'a> {
    values: &'a BTreeMap<String, String>,
}

impl Settings<'_> {
    fn get(&self, name: &str) -> Option<String> {
        let value = match self.values.get(name) {
            Some(value) => Some(value.clone()),
            None => std::env::var(name).ok(),
        };
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }
}

fn bad(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { setting, reason: reason.into() }
}

/// Which store the settings choose, without reading any more of them.
pub fn kind(values: &BTreeMap<String, String>) -> Result<StorageKind, ConfigError> {
    let settings = Settings { values };
    let Some(kind) = settings.get(STORAGE_TYPE) else {
        let blob = settings.get(STORAGE_CONNECTION).is_some();
        return Ok(if blob { StorageKind::Blob } else { StorageKind::Files });
    };
    match kind.to_ascii_lowercase().as_str() {
        "files" => Ok(StorageKind::Files),
        "blob" => Ok(StorageKind::Blob),
        "keyvault" => Ok(StorageKind::KeyVault),
        "kubernetes" => Err(bad(
            STORAGE_TYPE,
            "kubernetes is not supported locally (the host keeps those keys in Kubernetes secrets); use files, blob or keyvault",
        )),
        _ => Err(bad(STORAGE_TYPE, "must be files, blob or keyvault")),
    }
}

impl KeyStorage {
    /// The store `values` choose. `machine_name` gives the blob store its host id when
    /// `AzureFunctionsWebHost__hostid` is not set.
    pub fn from_settings(
        script_root: &Path,
        values: &BTreeMap<String, String>,
        machine_name: &str,
    ) -> Result<Self, ConfigError> {
        // A settings file never chooses the test settings, whoever read it before.
        let mut values = values.clone();
        values.retain(|name, _| !TEST_SETTINGS.contains(&name.as_str()));
        let settings = Settings { values: &values };
        match kind(&values)? {
            StorageKind::Files => Ok(Self::Files { dir: secrets_dir(script_root, Some(&values)) }),
            StorageKind::KeyVault => key_vault(&settings).map(|kv| Self::KeyVault(Box::new(kv))),
            StorageKind::Blob => blob(&settings, machine_name).map(|blob| Self::Blob(Box::new(blob))),
        }
    }
}

fn key_vault(settings: &Settings<'_>) -> Result<KeyVaultStorage, ConfigError> {
    let uri = settings.get(KEY_VAULT_URI).ok_or_else(|| bad(KEY_VAULT_URI, "is required for keyvault key storage"))?;
    // The handler's own reading of a vault URL, so the same hosts pass: the process environment
    // under the Values (which hold no test setting), with this vault as KEY_VAULT_URL.
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    vars.extend(settings.values.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.remove("VAULTFN_DEV_VAULT");
    vars.insert("KEY_VAULT_URL".to_owned(), uri);
    let rename =
        |e: ConfigError| if e.setting == "KEY_VAULT_URL" { ConfigError { setting: KEY_VAULT_URI, ..e } } else { e };
    let config = VaultConfig::from_vars(&vars).map_err(rename)?;
    let Some(VaultConfig { backend: BackendConfig::KeyVault(vault), timeout, mut credential, .. }) = config else {
        return Err(bad(KEY_VAULT_URI, "could not be read as a Key Vault URL"));
    };
    let client_id = settings.get(KEY_VAULT_CLIENT_ID);
    let secret = settings.get(KEY_VAULT_CLIENT_SECRET);
    let tenant = settings.get(KEY_VAULT_TENANT_ID);
    if secret.is_some() || tenant.is_some() {
        // As the host: a client secret with its tenant means that app registration.
        let secret = secret.ok_or_else(|| bad(KEY_VAULT_CLIENT_SECRET, "is required with KeyVaultTenantId"))?;
        let tenant = tenant.ok_or_else(|| bad(KEY_VAULT_TENANT_ID, "is required with KeyVaultClientSecret"))?;
        let client = client_id.ok_or_else(|| bad(KEY_VAULT_CLIENT_ID, "is required with KeyVaultClientSecret"))?;
        credential = CredentialSettings {
            forced: Some(CredentialKind::ClientSecret),
            client_id: Some(client),
            tenant_id: Some(tenant),
            client_secret: Some(secret.into()),
            ..CredentialSettings::default()
        };
    } else if let Some(client) = client_id {
        // The host's managed identity of that client id, where there is one (the developer
        // credential has no use for it).
        if matches!(
            select_kind(&credential),
            Ok(CredentialKind::AppServiceManagedIdentity | CredentialKind::ImdsManagedIdentity)
        ) {
            credential.client_id = Some(client);
        }
    }
    Ok(KeyVaultStorage { vault, credential, budget: timeout })
}

fn blob(settings: &Settings<'_>, machine_name: &str) -> Result<BlobStorage, ConfigError> {
    let raw = settings
        .get(STORAGE_CONNECTION)
        .ok_or_else(|| bad(STORAGE_CONNECTION, "is required for blob key storage (a connection string)"))?;
    let (account, development) =
        Account::from_connection_string(&raw).map_err(|reason| bad(STORAGE_CONNECTION, reason))?;
    let (host_id, host_id_from_setting) = match settings.get(HOST_ID) {
        Some(id) if valid_host_id(&id) => (id, true),
        Some(_) => {
            return Err(bad(
                HOST_ID,
                "must be 1 to 32 lower-case letters, digits and single dashes, starting and ending with a letter or digit",
            ));
        }
        None => (derived_host_id(machine_name), false),
    };
    let env = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
    let overrides = Overrides::new(env("KEY_VAULT_CA_FILE").as_deref(), env("VAULTFN_TEST_RESOLVE").as_deref())?;
    Ok(BlobStorage { account, host_id, host_id_from_setting, development, overrides })
}

/// The host's rule for host ids.
fn valid_host_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

/// A host id derived as the host derives one from its site name: lower-cased, at most 32
/// characters, no trailing dash; here from the machine name, so it stays the same between runs.
pub fn derived_host_id(machine_name: &str) -> String {
    let mut id: String =
        machine_name.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    while id.contains("--") {
        id = id.replace("--", "-");
    }
    let id: String = id.trim_matches('-').chars().take(32).collect();
    let id = id.trim_end_matches('-');
    if id.is_empty() { "localhost".to_owned() } else { id.to_owned() }
}

/// Where keys live unless `FUNCTIONS_SECRETS_PATH` says otherwise (git-ignored).
pub const LOCAL_SECRETS_DIR: &str = ".vaultfn/secrets";

/// The key directory for a script root: `FUNCTIONS_SECRETS_PATH` (from the settings' Values or
/// the environment), else `.vaultfn/secrets` in the script root.
pub fn secrets_dir(script_root: &Path, values: Option<&std::collections::BTreeMap<String, String>>) -> PathBuf {
    let configured = values
        .and_then(|v| v.get("FUNCTIONS_SECRETS_PATH").cloned())
        .or_else(|| std::env::var("FUNCTIONS_SECRETS_PATH").ok())
        .filter(|p| !p.trim().is_empty());
    match configured {
        Some(dir) => script_root.join(dir),
        None => script_root.join(LOCAL_SECRETS_DIR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_type_is_chosen_as_the_host_chooses() {
        assert_eq!(kind(&values(&[])).unwrap(), StorageKind::Files);
        assert_eq!(kind(&values(&[(STORAGE_CONNECTION, "UseDevelopmentStorage=true")])).unwrap(), StorageKind::Blob);
        assert_eq!(kind(&values(&[(STORAGE_CONNECTION, " ")])).unwrap(), StorageKind::Files, "empty is unset");
        let files = values(&[(STORAGE_TYPE, "Files"), (STORAGE_CONNECTION, "UseDevelopmentStorage=true")]);
        assert_eq!(kind(&files).unwrap(), StorageKind::Files);
        assert_eq!(kind(&values(&[(STORAGE_TYPE, "keyvault")])).unwrap(), StorageKind::KeyVault);
        let k8s = kind(&values(&[(STORAGE_TYPE, "kubernetes")])).unwrap_err();
        assert_eq!(k8s.setting, STORAGE_TYPE);
        assert!(k8s.reason.contains("not supported locally"), "{k8s}");
        assert_eq!(kind(&values(&[(STORAGE_TYPE, "s3")])).unwrap_err().setting, STORAGE_TYPE);
    }

    #[test]
    fn the_key_vault_uri_must_name_a_key_vault() {
        let root = Path::new("/tmp");
        for uri in ["https://evil.example", "http://kv.vault.azure.net", "https://kv.vault.azure.net/secrets/x"] {
            let v = values(&[(STORAGE_TYPE, "keyvault"), (KEY_VAULT_URI, uri)]);
            let error = KeyStorage::from_settings(root, &v, "m").unwrap_err();
            assert_eq!(error.setting, KEY_VAULT_URI, "{uri}: {error}");
        }
        // The emulator opt-in and the test overrides are not taken from a settings file.
        let v = values(&[
            (STORAGE_TYPE, "keyvault"),
            (KEY_VAULT_URI, "https://127.0.0.1:8443"),
            ("VAULTFN_KEY_VAULT_EMULATOR", "true"),
        ]);
        assert_eq!(KeyStorage::from_settings(root, &v, "m").unwrap_err().setting, KEY_VAULT_URI);
        let v = values(&[(STORAGE_TYPE, "keyvault"), (KEY_VAULT_URI, "https://kv.vault.azure.net")]);
        let KeyStorage::KeyVault(kv) = KeyStorage::from_settings(root, &v, "m").unwrap() else { panic!() };
        assert_eq!(kv.vault.scope, "https://vault.azure.net/.default");
    }

    #[test]
    fn a_client_secret_needs_its_tenant_and_client() {
        let base = [(STORAGE_TYPE, "keyvault"), (KEY_VAULT_URI, "https://kv.vault.azure.net")];
        let mut v = values(&base);
        v.insert(KEY_VAULT_CLIENT_SECRET.into(), "s3cr3t-client-secret".into());
        let error = KeyStorage::from_settings(Path::new("."), &v, "m").unwrap_err();
        assert_eq!(error.setting, KEY_VAULT_TENANT_ID);
        assert!(!error.to_string().contains("s3cr3t"));
        v.insert(KEY_VAULT_TENANT_ID.into(), "tenant".into());
        v.insert(KEY_VAULT_CLIENT_ID.into(), "client".into());
        let KeyStorage::KeyVault(kv) = KeyStorage::from_settings(Path::new("."), &v, "m").unwrap() else { panic!() };
        assert_eq!(kv.credential.forced, Some(CredentialKind::ClientSecret));
        assert!(!format!("{kv:?}").contains("s3cr3t"), "Debug shows no secret");
    }

    #[test]
    fn host_ids() {
        assert_eq!(derived_host_id("My_Laptop.local"), "my-laptop-local");
        assert_eq!(derived_host_id(&"a".repeat(40)), "a".repeat(32));
        assert_eq!(derived_host_id("--"), "localhost");
        assert_eq!(derived_host_id(&format!("{}-b", "a".repeat(31))), "a".repeat(31));
        assert!(valid_host_id("vaultfn-local") && valid_host_id("a"));
        for bad in ["", "-a", "a-", "a--b", "Upper", &"a".repeat(33), "a_b"] {
            assert!(!valid_host_id(bad), "{bad:?}");
        }
        let v = values(&[(STORAGE_CONNECTION, "UseDevelopmentStorage=true"), (HOST_ID, "Bad_Id")]);
        assert_eq!(KeyStorage::from_settings(Path::new("."), &v, "m").unwrap_err().setting, HOST_ID);
        let v = values(&[(STORAGE_CONNECTION, "UseDevelopmentStorage=true")]);
        let KeyStorage::Blob(blob) = KeyStorage::from_settings(Path::new("."), &v, "Box-1").unwrap() else { panic!() };
        assert_eq!((blob.host_id.as_str(), blob.host_id_from_setting, blob.development), ("box-1", false, true));
    }
}
