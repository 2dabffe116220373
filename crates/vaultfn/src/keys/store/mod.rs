//! Where the local host keeps its keys, behind one seam: [`KeyStore`]. The admin API, key
//! authorization and `vaultfn start` use only this type, whichever store the settings choose
//! ([`settings::KeyStorage`], as the host chooses with `AzureWebJobsSecretStorageType`):
//!
//! - `files` ([`FileStore`]): `host.json` and `{function}.json` in a directory, under a lock that
//!   orders every process using it;
//! - `blob` ([`blob::BlobBackend`]): the same JSON documents in a blob container, written with
//!   conditional requests;
//! - `keyvault` ([`keyvault::KeyVaultBackend`]): one Key Vault secret per key.
//!
//! The two remote stores share `remote::RemoteStore`, which gives them the same semantics as the
//! file store (keys created on first need, names matched case-insensitively, the master key under
//! `_master`): the helpers below are the one definition of those rules.

pub mod blob;
pub mod blob_rest;
mod files;
pub mod keyvault;
mod remote;
pub mod secret_names;
pub mod settings;
pub mod storage_account;

use std::fmt;

use rand::rngs::OsRng;
use rand::{RngCore as _, TryRngCore as _};
use secrecy::SecretString;

pub use files::FileStore;
pub use settings::{KeyStorage, StorageKind};

use super::file::{FileMeta, FunctionSecrets, HostSecrets};
use super::generate::generate_key;
use super::names::{find, is_master_name, validate_name};
use super::{DEFAULT_KEY_NAME, KeyError, KeyKind, KeySnapshot, NamedKey};
use remote::RemoteStore;

/// Which set of keys an operation works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyScope<'a> {
    /// The keys of one function (`{function}.json`).
    Function(&'a str),
    /// Host keys valid for every function (`functionKeys` in `host.json`).
    HostFunction,
    /// System keys (`systemKeys` in `host.json`).
    System,
}

impl fmt::Display for KeyScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyScope::Function(name) => write!(f, "function {name:?}"),
            KeyScope::HostFunction => f.write_str("host functionKeys"),
            KeyScope::System => f.write_str("host systemKeys"),
        }
    }
}

impl KeyScope<'_> {
    /// The family a generated key of this scope belongs to; `_master` is always the master key.
    pub(crate) fn kind_of(self, name: &str) -> KeyKind {
        match self {
            _ if is_master_name(name) => KeyKind::Master,
            KeyScope::Function(_) => KeyKind::Function,
            KeyScope::HostFunction => KeyKind::HostFunction,
            KeyScope::System => KeyKind::System,
        }
    }
}

/// Whether a write added a key or replaced one of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Replaced,
}

/// What the store writes into the `hostName` and `instanceId` fields.
#[derive(Clone, Debug)]
pub struct StoreIdentity {
    /// The host writes `WEBSITE_HOSTNAME` here (`localhost:7071` locally) or null.
    pub host_name: Option<String>,
    /// Kept from an existing file; used for files the store creates.
    pub instance_id: String,
}

impl Default for StoreIdentity {
    fn default() -> Self {
        let mut bytes = [0u8; 16];
        OsRng.unwrap_err().fill_bytes(&mut bytes);
        Self { host_name: None, instance_id: bytes.iter().map(|b| format!("{b:02X}")).collect() }
    }
}

impl StoreIdentity {
    pub(crate) fn new_meta(&self) -> FileMeta {
        FileMeta { host_name: self.host_name.clone(), instance_id: Some(self.instance_id.clone()) }
    }

    /// Like the host: the writer's host name, the document's first instance id.
    pub(crate) fn stamp(&self, meta: &mut FileMeta) {
        if self.host_name.is_some() {
            meta.host_name.clone_from(&self.host_name);
        }
        meta.instance_id.get_or_insert_with(|| self.instance_id.clone());
    }
}

/// Host keys as the host creates them: a master key and a `default` host function key.
pub(crate) fn fresh_host(meta: FileMeta) -> HostSecrets {
    HostSecrets {
        master: generate_key(KeyKind::Master),
        function_keys: vec![NamedKey::new(DEFAULT_KEY_NAME, generate_key(KeyKind::HostFunction))],
        system_keys: Vec::new(),
        meta,
    }
}

/// A function's keys as the host creates them: one `default` key.
pub(crate) fn fresh_function(meta: FileMeta) -> FunctionSecrets {
    FunctionSecrets { keys: vec![NamedKey::new(DEFAULT_KEY_NAME, generate_key(KeyKind::Function))], meta }
}

/// Sets `name` in `keys`: replaces the key of that name (any case), or adds a new one, whose name
/// must then be valid.
pub(crate) fn upsert_key(keys: &mut Vec<NamedKey>, name: &str, value: SecretString) -> Result<Outcome, KeyError> {
    let key = NamedKey::new(name, value);
    Ok(match find(keys, name) {
        Some(index) => {
            keys[index] = key;
            Outcome::Replaced
        }
        None => {
            validate_name(name)?;
            keys.push(key);
            Outcome::Created
        }
    })
}

/// Removes `name` (any case) from `keys`, or says it is not there.
pub(crate) fn remove_key(keys: &mut Vec<NamedKey>, scope: KeyScope<'_>, name: &str) -> Result<(), KeyError> {
    let index =
        find(keys, name).ok_or_else(|| KeyError::NotFound { scope: scope.to_string(), name: name.to_owned() })?;
    keys.remove(index);
    Ok(())
}

/// The keys of the local host, wherever the settings keep them.
#[derive(Debug)]
pub struct KeyStore {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Files(FileStore),
    Remote(Box<RemoteStore>),
}

impl From<FileStore> for KeyStore {
    fn from(store: FileStore) -> Self {
        Self { inner: Inner::Files(store) }
    }
}

impl KeyStore {
    /// Opens the store `storage` names and checks that it can be reached (a Key Vault listing, a
    /// blob container created if missing); an error names the setting to fix.
    pub async fn open(storage: &KeyStorage, identity: StoreIdentity) -> Result<Self, KeyError> {
        let remote = match storage {
            KeyStorage::Files { dir } => return FileStore::open_with(dir.clone(), identity).map(Self::from),
            KeyStorage::KeyVault(settings) => {
                RemoteStore::new(Box::new(keyvault::KeyVaultBackend::new(settings)?), identity)
            }
            KeyStorage::Blob(settings) => RemoteStore::new(Box::new(blob::BlobBackend::new(settings)?), identity),
        };
        remote.check().await?;
        Ok(Self { inner: Inner::Remote(Box::new(remote)) })
    }

    /// Where the keys are, for the start banner: never a secret (no connection string).
    pub fn location(&self) -> String {
        match &self.inner {
            Inner::Files(store) => format!("key files in {}", store.dir().display()),
            Inner::Remote(store) => store.location(),
        }
    }

    pub fn kind(&self) -> StorageKind {
        match &self.inner {
            Inner::Files(_) => StorageKind::Files,
            Inner::Remote(store) => store.kind(),
        }
    }

    /// All keys that can open `functions`, creating any that are missing. Remote stores answer
    /// from a cache of a few seconds, since every request is authorized through this.
    pub async fn snapshot<'a>(&self, functions: impl IntoIterator<Item = &'a str>) -> Result<KeySnapshot, KeyError> {
        let functions: Vec<&str> = functions.into_iter().collect();
        match &self.inner {
            Inner::Files(store) => store.snapshot(functions),
            Inner::Remote(store) => store.snapshot(&functions).await,
        }
    }

    /// The keys of `scope`; the master key is not among the system keys, as in the host's list.
    pub async fn list(&self, scope: KeyScope<'_>) -> Result<Vec<NamedKey>, KeyError> {
        match &self.inner {
            Inner::Files(store) => store.list(scope),
            Inner::Remote(store) => store.list(scope).await,
        }
    }

    /// One key of `scope`, its name matched case-insensitively; in [`KeyScope::System`],
    /// `_master` names the master key.
    pub async fn get(&self, scope: KeyScope<'_>, name: &str) -> Result<Option<NamedKey>, KeyError> {
        match &self.inner {
            Inner::Files(store) => store.get(scope, name),
            Inner::Remote(store) => store.get(scope, name).await,
        }
    }

    /// Sets key `name` of `scope` to `value`; in the host scopes `_master` names the master key.
    pub async fn put(&self, scope: KeyScope<'_>, name: &str, value: SecretString) -> Result<Outcome, KeyError> {
        match &self.inner {
            Inner::Files(store) => store.put(scope, name, value),
            Inner::Remote(store) => store.put(scope, name, value).await,
        }
    }

    /// Gives key `name` of `scope` a newly generated value, creating the key if needed.
    pub async fn generate(&self, scope: KeyScope<'_>, name: &str) -> Result<(Outcome, NamedKey), KeyError> {
        match &self.inner {
            Inner::Files(store) => store.generate(scope, name),
            Inner::Remote(store) => {
                let value = generate_key(scope.kind_of(name));
                let outcome = store.put(scope, name, value.clone()).await?;
                Ok((outcome, NamedKey::new(name, value)))
            }
        }
    }

    /// Deletes key `name` of `scope`. The master key cannot be deleted.
    pub async fn delete(&self, scope: KeyScope<'_>, name: &str) -> Result<(), KeyError> {
        match &self.inner {
            Inner::Files(store) => store.delete(scope, name),
            Inner::Remote(store) => store.delete(scope, name).await,
        }
    }
}
