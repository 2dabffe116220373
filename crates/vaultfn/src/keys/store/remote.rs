//! What the blob and Key Vault stores share: the store's semantics over a [`Backend`] that only
//! reads and writes whole documents (the host's keys, or one function's).
//!
//! Writes are optimistic: read, change, write back on the condition that nobody wrote in between
//! (an ETag for blobs; for Key Vault, which has none, a write touches only the secrets of the keys
//! it changed), and start over when someone did. So two hosts on one store never lose each
//! other's keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::{KeyScope, Outcome, StorageKind, StoreIdentity, fresh_function, fresh_host, remove_key, upsert_key};
use crate::keys::file::{FunctionSecrets, HostSecrets};
use crate::keys::names::{find, is_master_name, validate_function_name, validate_value};
use crate::keys::{KeyError, KeySnapshot, MASTER_KEY_NAME, NamedKey};

/// How long request authorization may use keys read earlier: long enough that a burst of
/// requests costs one read, short enough that a key changed elsewhere counts within seconds. The
/// store's own writes clear it at once.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Conditional writes lost to other writers before giving up.
const WRITE_ATTEMPTS: usize = 8;

/// One document of keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Doc<'a> {
    Host,
    Function(&'a str),
}

#[derive(Clone)]
pub(crate) enum Secrets {
    Host(HostSecrets),
    Function(FunctionSecrets),
}

/// What a conditional write has to name about the version it replaces.
pub(crate) enum Token {
    /// Nothing was there: create only if that is still so.
    Absent,
    /// The blob's ETag.
    Etag(String),
    /// The secrets read, by their names in the vault, with their values.
    Secrets(Vec<(String, SecretString)>),
}

/// A document as read: its keys (`None` when there are none yet) and its version.
pub(crate) struct Read {
    pub secrets: Option<Secrets>,
    pub token: Token,
}

/// A store that keeps documents of keys somewhere else than this machine's disk.
#[async_trait::async_trait]
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    /// Reaches the store once, so that a wrong setting fails the start, not the first request.
    async fn check(&self) -> Result<(), KeyError>;
    async fn read(&self, doc: Doc<'_>) -> Result<Read, KeyError>;
    /// Writes `new` over what `read` saw; `Ok(false)` when someone else wrote since.
    async fn write(&self, doc: Doc<'_>, read: &Read, new: &Secrets) -> Result<bool, KeyError>;
    /// Where the keys are, without secrets.
    fn location(&self) -> String;
    fn kind(&self) -> StorageKind;
    /// The setting that points at the store, named in errors.
    fn setting(&self) -> &'static str;
}

#[derive(Default)]
struct Cache {
    host: Option<(Instant, HostSecrets)>,
    /// By lower-cased function name.
    functions: HashMap<String, (Instant, Vec<NamedKey>)>,
}

pub(crate) struct RemoteStore {
    backend: Box<dyn Backend>,
    identity: StoreIdentity,
    cache: Mutex<Cache>,
    /// Queues this process's writes, so that conditional writes only ever race other processes.
    writing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteStore").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl RemoteStore {
    pub(crate) fn new(backend: Box<dyn Backend>, identity: StoreIdentity) -> Self {
        Self { backend, identity, cache: Mutex::default(), writing: tokio::sync::Mutex::new(()) }
    }

    pub(crate) async fn check(&self) -> Result<(), KeyError> {
        self.backend.check().await
    }

    pub(crate) fn location(&self) -> String {
        self.backend.location()
    }

    pub(crate) fn kind(&self) -> StorageKind {
        self.backend.kind()
    }

    pub(crate) async fn snapshot(&self, functions: &[&str]) -> Result<KeySnapshot, KeyError> {
        let cached = self.cached_host();
        let host = match cached {
            Some(host) => host,
            None => {
                let host = host_of(self.load(Doc::Host).await?);
                self.lock_cache().host = Some((Instant::now(), host.clone()));
                host
            }
        };
        let mut snapshot = KeySnapshot::new(Some(host.master), host.system_keys, host.function_keys);
        for function in functions {
            validate_function_name(function)?;
            let cached = self.cached_function(function);
            let keys = match cached {
                Some(keys) => keys,
                None => {
                    let keys =
                        keys_of(&self.load(Doc::Function(function)).await?, KeyScope::Function(function)).to_vec();
                    self.lock_cache().functions.insert(function.to_lowercase(), (Instant::now(), keys.clone()));
                    keys
                }
            };
            snapshot = snapshot.with_function(function, keys);
        }
        Ok(snapshot)
    }

    pub(crate) async fn list(&self, scope: KeyScope<'_>) -> Result<Vec<NamedKey>, KeyError> {
        Ok(keys_of(&self.load(doc(scope)?).await?, scope).to_vec())
    }

    pub(crate) async fn get(&self, scope: KeyScope<'_>, name: &str) -> Result<Option<NamedKey>, KeyError> {
        let secrets = self.load(doc(scope)?).await?;
        if scope == KeyScope::System && is_master_name(name) {
            return Ok(Some(NamedKey::new(MASTER_KEY_NAME, host_of(secrets).master)));
        }
        let keys = keys_of(&secrets, scope);
        Ok(find(keys, name).map(|i| keys[i].clone()))
    }

    pub(crate) async fn put(&self, scope: KeyScope<'_>, name: &str, value: SecretString) -> Result<Outcome, KeyError> {
        validate_value(&value)?;
        if is_master_name(name) {
            if let KeyScope::Function(_) = scope {
                return Err(KeyError::ReservedName(name.to_owned()));
            }
            return self
                .modify(Doc::Host, |secrets| {
                    if let Secrets::Host(host) = secrets {
                        host.master = value.clone();
                    }
                    Ok(Outcome::Replaced)
                })
                .await;
        }
        self.modify(doc(scope)?, |secrets| upsert_key(keys_mut(secrets, scope), name, value.clone())).await
    }

    pub(crate) async fn delete(&self, scope: KeyScope<'_>, name: &str) -> Result<(), KeyError> {
        if is_master_name(name) {
            return Err(KeyError::MasterKeyUndeletable);
        }
        self.modify(doc(scope)?, |secrets| remove_key(keys_mut(secrets, scope), scope, name)).await
    }

    /// The document, created with the host's first keys when there is none.
    async fn load(&self, doc: Doc<'_>) -> Result<Secrets, KeyError> {
        if let Some(secrets) = self.backend.read(doc).await?.secrets {
            return Ok(secrets);
        }
        let _writing = self.writing.lock().await;
        for attempt in 0..WRITE_ATTEMPTS {
            let read = self.backend.read(doc).await?;
            if let Some(secrets) = read.secrets {
                return Ok(secrets);
            }
            let fresh = self.fresh(doc);
            if self.backend.write(doc, &read, &fresh).await? {
                self.invalidate();
                return Ok(fresh);
            }
            back_off(attempt).await;
        }
        Err(self.busy())
    }

    /// One read-change-write cycle, started over while other writers come first. `change` runs
    /// once per attempt, on what that attempt read.
    async fn modify<T>(
        &self,
        doc: Doc<'_>,
        mut change: impl FnMut(&mut Secrets) -> Result<T, KeyError> + Send,
    ) -> Result<T, KeyError> {
        let _writing = self.writing.lock().await;
        for attempt in 0..WRITE_ATTEMPTS {
            let read = self.backend.read(doc).await?;
            let mut secrets = read.secrets.clone().unwrap_or_else(|| self.fresh(doc));
            let result = change(&mut secrets)?;
            match &mut secrets {
                Secrets::Host(host) => self.identity.stamp(&mut host.meta),
                Secrets::Function(function) => self.identity.stamp(&mut function.meta),
            }
            let written = self.backend.write(doc, &read, &secrets).await;
            // Whatever happened, the cache may now be behind the store.
            self.invalidate();
            if written? {
                return Ok(result);
            }
            back_off(attempt).await;
        }
        Err(self.busy())
    }

    fn fresh(&self, doc: Doc<'_>) -> Secrets {
        match doc {
            Doc::Host => Secrets::Host(fresh_host(self.identity.new_meta())),
            Doc::Function(_) => Secrets::Function(fresh_function(self.identity.new_meta())),
        }
    }

    fn busy(&self) -> KeyError {
        KeyError::Store {
            setting: self.backend.setting(),
            detail: "other writers kept changing the same keys; try again".to_owned(),
        }
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds copies only; one left half-updated by a panic is still a valid cache.
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn cached_host(&self) -> Option<HostSecrets> {
        let cache = self.lock_cache();
        cache.host.as_ref().filter(|(at, _)| at.elapsed() < CACHE_TTL).map(|(_, host)| host.clone())
    }

    fn cached_function(&self, function: &str) -> Option<Vec<NamedKey>> {
        let cache = self.lock_cache();
        let entry = cache.functions.get(&function.to_lowercase());
        entry.filter(|(at, _)| at.elapsed() < CACHE_TTL).map(|(_, keys)| keys.clone())
    }

    fn invalidate(&self) {
        *self.lock_cache() = Cache::default();
    }
}

/// A pause after a lost race, growing and jittered so that the writers that lost fall apart.
async fn back_off(attempt: usize) {
    let base = 10u64 << attempt.min(5);
    tokio::time::sleep(Duration::from_millis(base + rand::random::<u64>() % base)).await;
}

fn doc(scope: KeyScope<'_>) -> Result<Doc<'_>, KeyError> {
    match scope {
        KeyScope::Function(function) => validate_function_name(function).map(|()| Doc::Function(function)),
        KeyScope::HostFunction | KeyScope::System => Ok(Doc::Host),
    }
}

/// The host document's keys; a backend answers each document with its own kind.
fn host_of(secrets: Secrets) -> HostSecrets {
    match secrets {
        Secrets::Host(host) => host,
        Secrets::Function(_) => unreachable!("the host document is read as host keys"),
    }
}

fn keys_of<'s>(secrets: &'s Secrets, scope: KeyScope<'_>) -> &'s [NamedKey] {
    match (secrets, scope) {
        (Secrets::Function(function), _) => &function.keys,
        (Secrets::Host(host), KeyScope::System) => &host.system_keys,
        (Secrets::Host(host), _) => &host.function_keys,
    }
}

fn keys_mut<'s>(secrets: &'s mut Secrets, scope: KeyScope<'_>) -> &'s mut Vec<NamedKey> {
    match (secrets, scope) {
        (Secrets::Function(function), _) => &mut function.keys,
        (Secrets::Host(host), KeyScope::System) => &mut host.system_keys,
        (Secrets::Host(host), _) => &mut host.function_keys,
    }
}
