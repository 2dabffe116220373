//! Function keys the way the Functions host keeps and checks them: key
//! generation, the host's secret stores (`files`, `blob`, `keyvault`), and request authorization.

pub mod args;
mod arm;
mod auth;
pub mod command;
mod file;
pub mod generate;
pub mod marvin;
mod names;
pub mod store;

use std::path::PathBuf;

use secrecy::SecretString;

pub use auth::{KeySnapshot, MAX_PRESENTED_KEY_LEN, authorized, presented_key, resolve_level};
pub use generate::{generate_key, is_host_generated};
pub use store::{FileStore, KeyScope, KeyStorage, KeyStore, Outcome, StorageKind, StoreIdentity};

/// Header the host reads a key from before falling back to the query.
pub const KEY_HEADER: &str = "x-functions-key";
/// Query parameter the host reads a key from.
pub const KEY_QUERY_PARAM: &str = "code";
/// Name the admin API uses for the master key.
pub const MASTER_KEY_NAME: &str = "_master";
/// Name of the key created with a function's or the host's key file.
pub const DEFAULT_KEY_NAME: &str = "default";

/// The families of keys; each has its own checksum seed in generated values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Master,
    System,
    /// A key of one function.
    Function,
    /// A host-level key valid for every function (`functionKeys` in `host.json`).
    HostFunction,
}

pub use vaultfn_handler::functions::AuthLevel;

/// A key and its name. Debug shows the name only.
#[derive(Clone, Debug)]
pub struct NamedKey {
    pub name: String,
    pub value: SecretString,
}

impl NamedKey {
    pub fn new(name: impl Into<String>, value: impl Into<SecretString>) -> Self {
        Self { name: name.into(), value: value.into() }
    }
}

/// Everything that can go wrong with keys. Messages name files and keys but
/// never carry a key value or file content.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("invalid key name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("invalid function name {0:?}")]
    InvalidFunctionName(String),
    #[error("Invalid key value: {0}")]
    InvalidValue(&'static str),
    #[error("invalid authLevel {0:?}")]
    InvalidAuthLevel(String),
    #[error("key name {0:?} is reserved for the master key")]
    ReservedName(String),
    #[error("the master key cannot be deleted")]
    MasterKeyUndeletable,
    #[error("no key named {name:?} in {scope}")]
    NotFound { scope: String, name: String },
    #[error(
        "{}: holds encrypted keys, which only the host that wrote them can decrypt; \
         delete the file to have new keys generated",
        .path.display()
    )]
    Encrypted { path: PathBuf },
    #[error("{}: not a secrets file ({category} error at line {line}, column {column})", .path.display())]
    Malformed { path: PathBuf, category: &'static str, line: usize, column: usize },
    #[error("{}: {what}", .path.display())]
    Invalid { path: PathBuf, what: &'static str },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A remote store (Key Vault, blob storage) failed; `setting` says which setting points at it.
    #[error("{setting}: {detail}")]
    Store { setting: &'static str, detail: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    #[test]
    fn auth_levels_parse_like_function_json() {
        assert_eq!("function".parse::<AuthLevel>().unwrap(), AuthLevel::Function);
        assert_eq!("Anonymous".parse::<AuthLevel>().unwrap(), AuthLevel::Anonymous);
        assert_eq!("ADMIN".parse::<AuthLevel>().unwrap(), AuthLevel::Admin);
        assert_eq!("system".parse::<AuthLevel>().unwrap(), AuthLevel::System);
        assert!("user".parse::<AuthLevel>().is_err());
    }

    #[test]
    fn named_key_debug_hides_the_value() {
        let key = NamedKey::new("default", "s3cr3t-value-xyz");
        let shown = format!("{key:?}");
        assert!(shown.contains("default"));
        assert!(!shown.contains("s3cr3t"));
        assert_eq!(key.value.expose_secret(), "s3cr3t-value-xyz");
    }
}
