//! The dev vault: a JSON file that stands in for Key Vault on a laptop.
//!
//! ```json
//! { "secrets": [ { "name": "database-password",
//!                  "versions": [ { "version": "<32 hex, optional>", "value": "...", "enabled": true,
//!                                  "content_type": "text/plain", "tags": {"owner": "ops"},
//!                                  "created": "2025-01-01T00:00:00Z", "updated": null,
//!                                  "expires": null, "not_before": null } ] } ] }
//! ```
//! The newest `created` version is current, as in Key Vault. The file is re-read on each call
//! (behind the metadata cache), so edits show up without a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::future::BoxFuture;
use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;

use super::error::{ForbiddenCode, VaultError};
use super::metadata::{SecretMetadata, current_version};
use super::{BackendKind, MetadataSource, Progress};
use crate::config_error::ConfigError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevVaultFile {
    #[serde(default)]
    secrets: Vec<DevSecret>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevSecret {
    name: String,
    versions: Vec<DevVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevVersion {
    version: Option<String>,
    value: SecretString,
    #[serde(default = "yes")]
    enabled: bool,
    content_type: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    created: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    updated: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    not_before: Option<OffsetDateTime>,
}

fn yes() -> bool {
    true
}

/// A version with its id resolved; the value stays wrapped.
struct Version {
    meta: SecretMetadata,
    value: SecretString,
}

#[derive(Debug)]
pub struct DevVault {
    path: PathBuf,
}

impl DevVault {
    /// Opens and checks the file once, so a broken file is reported at start.
    pub fn open(path: &Path) -> Result<Self, ConfigError> {
        let vault = Self { path: path.to_owned() };
        vault.load().map_err(|e| ConfigError {
            setting: "VAULTFN_DEV_VAULT",
            reason: match e {
                VaultError::DevVault { reason } => reason,
                other => other.detail(),
            },
        })?;
        Ok(vault)
    }

    fn load(&self) -> Result<BTreeMap<String, Vec<Version>>, VaultError> {
        let text = std::fs::read_to_string(&self.path)
            .map_err(|e| dev_err(format!("cannot read {}: {}", self.path.display(), e.kind())))?;
        // serde's messages can quote the offending input, which may be a value: keep only where.
        let file: DevVaultFile = serde_json::from_str(&text).map_err(|e| {
            dev_err(format!(
                "{} is not a valid dev vault file (line {}, column {})",
                self.path.display(),
                e.line(),
                e.column()
            ))
        })?;
        let mut secrets = BTreeMap::new();
        for secret in file.secrets {
            super::error::validate_name(&secret.name)
                .map_err(|_| dev_err(format!("'{}' is not a valid Key Vault secret name", secret.name)))?;
            let versions = secret
                .versions
                .into_iter()
                .enumerate()
                .map(|(i, v)| to_version(&secret.name, i, v))
                .collect::<Result<Vec<_>, _>>()?;
            if versions.is_empty() {
                return Err(dev_err(format!("secret '{}' has no versions", secret.name)));
            }
            secrets.insert(secret.name, versions);
        }
        Ok(secrets)
    }
}

fn dev_err(reason: String) -> VaultError {
    VaultError::DevVault { reason }
}

fn to_version(name: &str, index: usize, v: DevVersion) -> Result<Version, VaultError> {
    // Stable made-up ids keep the file short while answers look like Key Vault's.
    let version = v.version.unwrap_or_else(|| format!("{:032x}", index + 1));
    super::error::validate_version(&version)
        .map_err(|_| dev_err(format!("secret '{name}' has a version that is not 32 hex characters")))?;
    let meta = SecretMetadata {
        name: name.to_owned(),
        version: Some(version),
        enabled: v.enabled,
        created_on: v.created,
        updated_on: v.updated.or(v.created),
        expires_on: v.expires,
        not_before: v.not_before,
        content_type: v.content_type,
        tags: v.tags,
        managed: false,
        recovery_level: Some("Recoverable+Purgeable".into()),
        recoverable_days: Some(90),
        expires_in_days: None,
        expiring_soon: false,
        stale: false,
    };
    Ok(Version { meta, value: v.value })
}

/// A secret's versions by name, matched case-insensitively as Key Vault matches names (the cache
/// in front keys on the lower-cased name, so a case-sensitive miss here would poison it).
fn take<V>(all: &mut BTreeMap<String, V>, name: &str) -> Option<V> {
    let key = all.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
    all.remove(&key)
}

impl MetadataSource for DevVault {
    fn secret(&self, name: String, _: Arc<Progress>) -> BoxFuture<'_, Result<Option<SecretMetadata>, VaultError>> {
        Box::pin(async move {
            let mut all = self.load()?;
            Ok(take(&mut all, &name).and_then(|versions| current_version(versions.into_iter().map(|v| v.meta))))
        })
    }

    fn list(&self, _: Arc<Progress>) -> BoxFuture<'_, Result<Vec<SecretMetadata>, VaultError>> {
        Box::pin(async move {
            Ok(self
                .load()?
                .into_values()
                .filter_map(|versions| {
                    // Key Vault's list names secrets, not versions.
                    current_version(versions.into_iter().map(|v| v.meta)).map(|m| SecretMetadata { version: None, ..m })
                })
                .collect())
        })
    }

    fn value<'a>(&'a self, name: &'a str, version: Option<&'a str>) -> BoxFuture<'a, Result<SecretString, VaultError>> {
        Box::pin(async move {
            let versions =
                take(&mut self.load()?, name).ok_or_else(|| VaultError::NotFound { name: name.to_owned() })?;
            let chosen = match version {
                Some(wanted) => versions.into_iter().find(|v| v.meta.version.as_deref() == Some(wanted)),
                None => {
                    let current = current_version(versions.iter().map(|v| v.meta.clone())).and_then(|m| m.version);
                    versions.into_iter().find(|v| v.meta.version == current)
                }
            };
            let chosen = chosen.ok_or_else(|| VaultError::NotFound { name: name.to_owned() })?;
            if !chosen.meta.enabled {
                return Err(VaultError::Forbidden { code: ForbiddenCode::SecretDisabled });
            }
            Ok(chosen.value)
        })
    }

    fn warm_up(&self) -> BoxFuture<'_, Result<(), VaultError>> {
        Box::pin(async move { self.load().map(|_| ()) })
    }

    fn kind(&self) -> BackendKind {
        BackendKind::DevVault
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn example() -> DevVault {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("dev-vault.example.json");
        DevVault::open(&path).expect("the example dev vault loads")
    }

    #[tokio::test]
    async fn answers_like_key_vault() {
        let vault = example();
        let db = vault.secret("database-password".into(), Default::default()).await.unwrap().unwrap();
        assert_eq!(db.version.as_deref(), Some("9f8e7d6c5b4a39281706f5e4d3c2b1a0"));
        assert_eq!(db.tags.get("owner").map(String::as_str), Some("platform"));
        assert!(vault.secret("missing".into(), Default::default()).await.unwrap().is_none());
        let list = vault.list(Default::default()).await.unwrap();
        assert_eq!(list.len(), 3);
        assert!(list.iter().all(|m| m.version.is_none()));
    }

    #[tokio::test]
    async fn names_match_case_insensitively_as_in_key_vault() {
        let vault = example();
        let upper =
            vault.secret("Legacy-Webhook-Token".into(), Default::default()).await.unwrap().expect("found in any case");
        assert_eq!(upper.name, "legacy-webhook-token");
        assert!(vault.value("DATABASE-PASSWORD", None).await.is_ok());
        // Through the service's case-insensitive cache, one casing never hides another.
        let service = super::super::VaultService::with_source(
            std::sync::Arc::new(example()),
            crate::vault::CachePolicy {
                ttl: std::time::Duration::from_secs(30),
                budget: std::time::Duration::from_secs(5),
                ceiling: std::time::Duration::from_secs(60),
            },
            30,
        );
        assert!(service.get("Legacy-Webhook-Token").await.is_ok());
        assert!(service.get("legacy-webhook-token").await.is_ok());
    }

    #[tokio::test]
    async fn values_and_their_errors() {
        let vault = example();
        let v1 = vault.value("database-password", Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9")).await.unwrap();
        assert_eq!(v1.expose_secret(), "dev-only-database-password-v1");
        let current = vault.value("database-password", None).await.unwrap();
        assert_eq!(current.expose_secret(), "dev-only-database-password-v2");
        let disabled = vault.value("legacy-webhook-token", None).await.unwrap_err();
        assert_eq!(disabled, VaultError::Forbidden { code: ForbiddenCode::SecretDisabled });
        assert_eq!(vault.value("nope", None).await.unwrap_err().status(), 404);
    }

    #[test]
    fn broken_file_is_reported_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.json");
        std::fs::write(&path, r#"{"secrets":[{"name":"a","versions":[{"value":"CANARY-x","enabled":"CANARY-y"}]}]}"#)
            .unwrap();
        let err = DevVault::open(&path).unwrap_err();
        assert_eq!(err.setting, "VAULTFN_DEV_VAULT");
        assert!(!err.to_string().contains("CANARY"), "{err}");
    }
}
