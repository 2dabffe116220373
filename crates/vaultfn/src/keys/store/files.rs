//! The host's `files` secret store: `host.json` for host-level keys and one
//! `{function}.json` per function, in a directory the caller chooses
//! (`FUNCTIONS_SECRETS_PATH`, or `.vaultfn/secrets/` for local runs).
//!
//! Files are read on every operation, never cached, so a running local host
//! and a separate CLI invocation see each other's changes. Every operation
//! holds an exclusive OS lock on the directory's `.lock` file, so two hosts on
//! one directory never write over each other's keys.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use secrecy::SecretString;

use super::{KeyScope, Outcome, StoreIdentity, fresh_function, fresh_host, remove_key, upsert_key};
use crate::keys::file::{self, DirLock, FileMeta, FunctionSecrets, HostSecrets, Write};
use crate::keys::generate::generate_key;
use crate::keys::names::{find, is_master_name, validate_function_name, validate_value};
use crate::keys::{KeyError, KeyKind, KeySnapshot, MASTER_KEY_NAME, NamedKey};

const HOST_FILE: &str = "host.json";

/// Keys kept in the host's file layout.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    identity: StoreIdentity,
    /// Queues this process's threads before they wait on the directory's
    /// file lock, which is what orders read-modify-write cycles across
    /// processes (atomic renames keep every file whole for lock-free readers).
    lock: Mutex<()>,
}

/// Held for one operation: the lock of this process, then the directory's.
struct StoreGuard<'a> {
    _dir: DirLock,
    _thread: MutexGuard<'a, ()>,
}

impl FileStore {
    /// Opens the store in `dir`, creating the directory (mode 0700) if needed.
    /// Files are created when first needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, KeyError> {
        Self::open_with(dir, StoreIdentity::default())
    }

    pub fn open_with(dir: impl Into<PathBuf>, identity: StoreIdentity) -> Result<Self, KeyError> {
        let dir = dir.into();
        file::create_private_dir(&dir)?;
        Ok(Self { dir, identity, lock: Mutex::new(()) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The master key in `dir`'s `host.json`, `None` when there is none yet.
    /// Creates nothing, not even the directory or its lock file: for a client
    /// of a host that owns the store. Files are replaced by atomic renames, so
    /// reading without the lock sees a whole file.
    pub fn read_master(dir: &Path) -> Result<Option<SecretString>, KeyError> {
        let path = dir.join(HOST_FILE);
        match file::read_if_exists(&path)? {
            // The host regenerates an empty file: it holds no key yet.
            Some(bytes) if !bytes.is_empty() => Ok(Some(file::parse_host(&path, &bytes)?.master)),
            _ => Ok(None),
        }
    }

    /// The system key `name` (any case) in `dir`'s `host.json`, `None` when there is none yet;
    /// read like [`Self::read_master`], creating nothing.
    pub fn read_system_key(dir: &Path, name: &str) -> Result<Option<SecretString>, KeyError> {
        let path = dir.join(HOST_FILE);
        match file::read_if_exists(&path)? {
            Some(bytes) if !bytes.is_empty() => {
                let keys = file::parse_host(&path, &bytes)?.system_keys;
                Ok(find(&keys, name).map(|index| keys[index].value.clone()))
            }
            _ => Ok(None),
        }
    }

    /// All keys that can open `functions`, creating any missing file.
    pub fn snapshot<'a>(&self, functions: impl IntoIterator<Item = &'a str>) -> Result<KeySnapshot, KeyError> {
        let _guard = self.guard()?;
        let host = self.load_host()?;
        let mut snapshot = KeySnapshot::new(Some(host.master), host.system_keys, host.function_keys);
        for function in functions {
            let keys = self.load_function(function)?.keys;
            snapshot = snapshot.with_function(function, keys);
        }
        Ok(snapshot)
    }

    pub fn master(&self) -> Result<SecretString, KeyError> {
        let _guard = self.guard()?;
        Ok(self.load_host()?.master)
    }

    pub fn set_master(&self, value: SecretString) -> Result<(), KeyError> {
        validate_value(&value)?;
        let _guard = self.guard()?;
        let mut host = self.load_host()?;
        host.master = value;
        self.save_host(&mut host)
    }

    /// Replaces the master key with a new one and returns it. (The host's
    /// admin API answers 201 Created for this although the key existed.)
    pub fn regenerate_master(&self) -> Result<SecretString, KeyError> {
        let value = generate_key(KeyKind::Master);
        self.set_master(value.clone())?;
        Ok(value)
    }

    /// The keys of `scope`. The master key is not among the system keys here,
    /// as in the host's list.
    pub fn list(&self, scope: KeyScope<'_>) -> Result<Vec<NamedKey>, KeyError> {
        let _guard = self.guard()?;
        self.read_scope(scope, |keys| Ok(keys.to_vec()))
    }

    /// One key of `scope`, its name matched case-insensitively. In
    /// [`KeyScope::System`], `_master` names the master key.
    pub fn get(&self, scope: KeyScope<'_>, name: &str) -> Result<Option<NamedKey>, KeyError> {
        let _guard = self.guard()?;
        if scope == KeyScope::System && is_master_name(name) {
            return Ok(Some(NamedKey::new(MASTER_KEY_NAME, self.load_host()?.master)));
        }
        self.read_scope(scope, |keys| Ok(find(keys, name).map(|i| keys[i].clone())))
    }

    /// Sets key `name` of `scope` to `value`. In the host scopes `_master`
    /// names the master key.
    pub fn put(&self, scope: KeyScope<'_>, name: &str, value: SecretString) -> Result<Outcome, KeyError> {
        validate_value(&value)?;
        self.upsert(scope, name, value)
    }

    /// Gives key `name` of `scope` a newly generated value, creating the key
    /// if needed. In the host scopes `_master` names the master key.
    pub fn generate(&self, scope: KeyScope<'_>, name: &str) -> Result<(Outcome, NamedKey), KeyError> {
        let value = generate_key(scope.kind_of(name));
        let outcome = self.upsert(scope, name, value.clone())?;
        Ok((outcome, NamedKey::new(name, value)))
    }

    /// Deletes key `name` of `scope`. The master key cannot be deleted.
    pub fn delete(&self, scope: KeyScope<'_>, name: &str) -> Result<(), KeyError> {
        if is_master_name(name) {
            return Err(KeyError::MasterKeyUndeletable);
        }
        let _guard = self.guard()?;
        self.modify_scope(scope, |keys| remove_key(keys, scope, name))
    }

    fn upsert(&self, scope: KeyScope<'_>, name: &str, value: SecretString) -> Result<Outcome, KeyError> {
        if is_master_name(name) {
            return match scope {
                KeyScope::Function(_) => Err(KeyError::ReservedName(name.to_owned())),
                KeyScope::HostFunction | KeyScope::System => self.set_master(value).map(|()| Outcome::Replaced),
            };
        }
        let _guard = self.guard()?;
        self.modify_scope(scope, |keys| upsert_key(keys, name, value))
    }

    fn read_scope<T>(
        &self,
        scope: KeyScope<'_>,
        read: impl FnOnce(&[NamedKey]) -> Result<T, KeyError>,
    ) -> Result<T, KeyError> {
        match scope {
            KeyScope::Function(function) => read(&self.load_function(function)?.keys),
            KeyScope::HostFunction => read(&self.load_host()?.function_keys),
            KeyScope::System => read(&self.load_host()?.system_keys),
        }
    }

    fn modify_scope<T>(
        &self,
        scope: KeyScope<'_>,
        change: impl FnOnce(&mut Vec<NamedKey>) -> Result<T, KeyError>,
    ) -> Result<T, KeyError> {
        match scope {
            KeyScope::Function(function) => {
                let mut secrets = self.load_function(function)?;
                let result = change(&mut secrets.keys)?;
                self.save_function(function, &mut secrets)?;
                Ok(result)
            }
            KeyScope::HostFunction | KeyScope::System => {
                let mut host = self.load_host()?;
                let keys = match scope {
                    KeyScope::System => &mut host.system_keys,
                    _ => &mut host.function_keys,
                };
                let result = change(keys)?;
                self.save_host(&mut host)?;
                Ok(result)
            }
        }
    }

    /// Every load happens under this guard too, so a cycle always starts from
    /// what the last writer, in any process, left.
    fn guard(&self) -> Result<StoreGuard<'_>, KeyError> {
        // The guarded data is (), so a panic elsewhere cannot have corrupted it.
        let thread = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(StoreGuard { _dir: file::lock_dir(&self.dir)?, _thread: thread })
    }

    fn load_host(&self) -> Result<HostSecrets, KeyError> {
        let path = self.dir.join(HOST_FILE);
        self.load_or_create(&path, file::parse_host, || fresh_host(self.new_meta()), file::render_host)
    }

    fn load_function(&self, function: &str) -> Result<FunctionSecrets, KeyError> {
        let path = self.function_path(function)?;
        self.load_or_create(&path, file::parse_function, || fresh_function(self.new_meta()), file::render_function)
    }

    /// Loads `path`, or creates it with fresh keys. When two processes create
    /// it at once, the first file written wins and the other process loads it.
    fn load_or_create<S>(
        &self,
        path: &Path,
        parse: fn(&Path, &[u8]) -> Result<S, KeyError>,
        fresh: impl FnOnce() -> S,
        render: fn(&S) -> Vec<u8>,
    ) -> Result<S, KeyError> {
        match file::read_if_exists(path)? {
            Some(bytes) if !bytes.is_empty() => parse(path, &bytes),
            existing => {
                // The host also regenerates an empty file.
                let mode = if existing.is_some() { Write::Replace } else { Write::CreateNew };
                let secrets = fresh();
                if file::write_atomic(path, &render(&secrets), mode)? {
                    return Ok(secrets);
                }
                let bytes = file::read_if_exists(path)?.unwrap_or_default();
                parse(path, &bytes)
            }
        }
    }

    fn save_host(&self, host: &mut HostSecrets) -> Result<(), KeyError> {
        self.stamp(&mut host.meta);
        let path = self.dir.join(HOST_FILE);
        file::write_atomic(&path, &file::render_host(host), Write::Replace).map(drop)
    }

    fn save_function(&self, function: &str, secrets: &mut FunctionSecrets) -> Result<(), KeyError> {
        self.stamp(&mut secrets.meta);
        let path = self.function_path(function)?;
        file::write_atomic(&path, &file::render_function(secrets), Write::Replace).map(drop)
    }

    fn new_meta(&self) -> FileMeta {
        self.identity.new_meta()
    }

    fn stamp(&self, meta: &mut FileMeta) {
        self.identity.stamp(meta);
    }

    /// The host lower-cases function names for their file.
    fn function_path(&self, function: &str) -> Result<PathBuf, KeyError> {
        validate_function_name(function)?;
        Ok(self.dir.join(format!("{}.json", function.to_ascii_lowercase())))
    }
}

#[cfg(test)]
mod file_tests;
#[cfg(test)]
mod tests;
