//! Where `vaultfn start` looks up the Key Vault references in local settings: the vault each
//! reference names, through the same credential selection as the handler (locally: the developer
//! tools credential), or — when `KEY_VAULT_URL` is unset — the dev vault file, which the handler is
//! then pointed at too.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::SecretString;

use vaultfn_handler::reference::KeyVaultReference;
use vaultfn_handler::vault::{BackendConfig, VaultConfig, VaultService};

pub const DEV_VAULT_SETTING: &str = "VAULTFN_DEV_VAULT";
pub const DEV_VAULT_FILE: &str = ".vaultfn/dev-vault.json";
pub const DEV_VAULT_EXAMPLE: &str = "dev-vault.example.json";
/// A reference lookup never holds up the start for longer than this.
const LOOKUP_LIMIT: Duration = Duration::from_secs(15);

/// The dev vault the handler should use, when `KEY_VAULT_URL` is unset: `VAULTFN_DEV_VAULT` from
/// the settings, else `.vaultfn/dev-vault.json`, created from the example on first start.
/// Returns the absolute path, or `None` (with the reason printed) when there is none.
pub fn dev_vault_path(script_root: &Path, values: &BTreeMap<String, String>) -> Option<PathBuf> {
    if values.get("KEY_VAULT_URL").is_some_and(|v| !v.trim().is_empty()) {
        return None;
    }
    if let Some(configured) = values.get(DEV_VAULT_SETTING).filter(|v| !v.trim().is_empty()) {
        return Some(script_root.join(configured));
    }
    let path = script_root.join(DEV_VAULT_FILE);
    if path.is_file() {
        return Some(path);
    }
    let example = script_root.join(DEV_VAULT_EXAMPLE);
    if !example.is_file() {
        println!("KEY_VAULT_URL is not set and there is no {DEV_VAULT_EXAMPLE}: running without a secret backend");
        return None;
    }
    match copy_private(&example, &path) {
        Ok(()) => {
            println!("Created the dev vault {} from {DEV_VAULT_EXAMPLE}", path.display());
            Some(path)
        }
        Err(e) => {
            eprintln!("Cannot create the dev vault {}: {e}", path.display());
            None
        }
    }
}

/// Copies with mode 0600: the dev vault holds (fake) secret values.
fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = std::fs::read(from)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(to)?, &bytes)
}

type Reader = Box<dyn Fn(KeyVaultReference) -> BoxFuture<'static, Result<SecretString, String>> + Send + Sync>;

/// A lookup for `resolve_references`. With a dev vault every reference is read from it, whatever
/// vault it names; otherwise each named vault gets one client, built from the settings (and the
/// process environment, where `az` login state and credential variables live).
pub fn reader(values: &BTreeMap<String, String>, dev_vault: Option<&Path>) -> Reader {
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    vars.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
    let dev_vault = dev_vault.map(Path::to_path_buf);
    let services: Arc<Mutex<HashMap<String, Result<VaultService, String>>>> = Arc::default();
    Box::new(move |reference: KeyVaultReference| {
        let service = service_for(&vars, dev_vault.as_deref(), &reference, &services);
        Box::pin(async move {
            let service = service?;
            let lookup = service.value(&reference.secret, reference.version.as_deref());
            match tokio::time::timeout(LOOKUP_LIMIT, lookup).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(e.detail()),
                Err(_) => Err(format!("no answer within {} s", LOOKUP_LIMIT.as_secs())),
            }
        })
    })
}

fn service_for(
    vars: &HashMap<String, String>,
    dev_vault: Option<&Path>,
    reference: &KeyVaultReference,
    services: &Mutex<HashMap<String, Result<VaultService, String>>>,
) -> Result<VaultService, String> {
    let key = match dev_vault {
        Some(path) => path.display().to_string(),
        None => reference.vault_url.clone(),
    };
    let mut services = services.lock().unwrap_or_else(|p| p.into_inner());
    services
        .entry(key)
        .or_insert_with(|| {
            let mut vars = vars.clone();
            match dev_vault {
                Some(path) => {
                    vars.remove("KEY_VAULT_URL");
                    vars.insert(DEV_VAULT_SETTING.to_owned(), path.display().to_string());
                }
                None => {
                    vars.insert("KEY_VAULT_URL".to_owned(), reference.vault_url.clone());
                }
            }
            let config = VaultConfig::from_vars(&vars)
                .map_err(|e| format!("{}: {}", e.setting, e.reason))?
                .ok_or_else(|| "no Key Vault and no dev vault is configured".to_owned())?;
            if let (Some(_), BackendConfig::KeyVault(_)) = (dev_vault, &config.backend) {
                return Err("the dev vault could not be selected".to_owned());
            }
            VaultService::from_config(&config).map_err(|e| format!("{}: {}", e.setting, e.reason))
        })
        .clone()
}
