//! Secret metadata (and, for the local host, values) from Key Vault or the dev vault.

pub mod cache;
pub mod certificate_metadata;
pub mod certificates;
pub mod client;
pub mod client_certificate;
pub mod config;
pub mod credential;
pub mod devvault;
pub mod error;
pub mod metadata;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::sync::watch;

pub use crate::config_error::ConfigError;
pub use cache::{CachePolicy, CacheStatus, Progress};
pub use certificate_metadata::{CertificateMetadata, RenewTrigger};
pub use certificates::CertificateSource;
pub use config::{BackendConfig, VaultConfig};
pub use credential::{CredentialKind, CredentialSettings, build_credential};
pub use error::{ForbiddenCode, VaultError, validate_name};
pub use metadata::SecretMetadata;

/// Which backend answers, for logs and config-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    KeyVault { credential: CredentialKind },
    DevVault,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyVault { credential } => write!(f, "key-vault ({credential})"),
            Self::DevVault => f.write_str("dev-vault"),
        }
    }
}

/// Where metadata comes from. Names reaching a source are already validated. Listings report each
/// page to `progress` and are not bounded by a request's budget (the cache bounds the wait).
pub trait MetadataSource: Send + Sync {
    /// The current version's metadata; `Ok(None)` when the secret does not exist.
    fn secret(
        &self,
        name: String,
        progress: Arc<Progress>,
    ) -> BoxFuture<'_, Result<Option<SecretMetadata>, VaultError>>;
    fn list(&self, progress: Arc<Progress>) -> BoxFuture<'_, Result<Vec<SecretMetadata>, VaultError>>;
    /// What a listing that read nothing within `budget` means (a token still pending is the
    /// credential's failure, not the vault's).
    fn stalled(&self, budget: Duration) -> VaultError {
        VaultError::Timeout { budget_ms: budget.as_millis() as u64 }
    }
    fn value<'a>(&'a self, name: &'a str, version: Option<&'a str>) -> BoxFuture<'a, Result<SecretString, VaultError>>;
    /// Makes the first real request cheap (challenge, token); harmless to call again.
    fn warm_up(&self) -> BoxFuture<'_, Result<(), VaultError>>;
    fn kind(&self) -> BackendKind;
}

/// The facade routes use: validation, cache and backend behind four calls.
#[derive(Clone)]
pub struct VaultService {
    source: Arc<dyn MetadataSource>,
    cache: cache::MetadataCache,
    warning_days: u32,
    warmed: watch::Receiver<bool>,
    budget: Duration,
    /// Certificates share the cache (slots of their own), the 429 gate and the budget.
    certificates: Arc<dyn CertificateSource>,
    certificate_warning_days: u32,
}

/// How long a listing may go on in the background once a request has stopped waiting for it.
pub const LISTING_CEILING: Duration = Duration::from_secs(60);

impl VaultService {
    /// Builds the backend the settings name and starts warming it in the background.
    /// Must be called inside a Tokio runtime.
    pub fn from_config(cfg: &VaultConfig) -> Result<Self, ConfigError> {
        let (source, certificates): (Arc<dyn MetadataSource>, Arc<dyn CertificateSource>) = match &cfg.backend {
            BackendConfig::KeyVault(kv) => {
                let credential = build_credential(&cfg.credential)?;
                let secrets = Arc::new(client::KeyVaultSource::new(kv, credential, cfg.timeout)?);
                (secrets.clone(), Arc::new(certificates::KeyVaultCertificates::new(secrets)?))
            }
            BackendConfig::DevVault { path } => {
                (Arc::new(devvault::DevVault::open(path)?), Arc::new(certificates::NoCertificates))
            }
        };
        tracing::info!(backend = %source.kind(), "secret backend ready");
        let policy =
            CachePolicy { ttl: cfg.metadata_ttl, budget: cfg.timeout, ceiling: cfg.timeout.max(LISTING_CEILING) };
        Ok(Self::with_source(source, policy, cfg.expiry_warning_days)
            .with_certificates(certificates, cfg.certificate_warning_days))
    }

    /// A service over any source (tests, or a source built by hand).
    pub fn with_source(source: Arc<dyn MetadataSource>, policy: CachePolicy, warning_days: u32) -> Self {
        let (done, warmed) = watch::channel(false);
        let warming = source.clone();
        tokio::spawn(async move {
            match warming.warm_up().await {
                Ok(()) => tracing::info!(backend = %warming.kind(), "secret backend warmed up"),
                Err(e) => {
                    tracing::warn!(backend = %warming.kind(), problem = e.type_slug(), detail = %e.detail(), "secret backend warm-up failed; requests will retry")
                }
            }
            let _ = done.send(true);
        });
        Self {
            source,
            cache: cache::MetadataCache::new(policy),
            warning_days,
            warmed,
            budget: policy.budget,
            certificates: Arc::new(certificates::NoCertificates),
            certificate_warning_days: config::DEFAULT_WARNING_DAYS,
        }
    }

    /// Resolves once the start-up warm-up has finished, successfully or not.
    pub async fn ready(&self) {
        let mut warmed = self.warmed.clone();
        let _ = warmed.wait_for(|done| *done).await;
    }

    /// The current version's metadata, never its value.
    #[tracing::instrument(skip(self))]
    pub async fn get(&self, name: &str) -> Result<SecretMetadata, VaultError> {
        self.get_with_status(name).await.map(|(meta, _)| meta)
    }

    /// [`get`](Self::get) plus how the cache answered, for an `X-Cache` header.
    pub async fn get_with_status(&self, name: &str) -> Result<(SecretMetadata, CacheStatus), VaultError> {
        let (cached, status) = self.cached(name).await?;
        let mut meta = cached.metadata().clone();
        meta.stale = status == CacheStatus::Stale;
        Ok((meta.with_expiry(OffsetDateTime::now_utc(), self.warning_days), status))
    }

    /// [`get_with_status`](Self::get_with_status) as the JSON of the metadata, the same bytes
    /// serde_json gives for it; fresh answers are rendered once per entry and reused while their
    /// expiry fields hold. `Err` carries the metadata when it cannot be rendered.
    pub async fn get_json(&self, name: &str) -> Result<(Result<Bytes, SecretMetadata>, CacheStatus), VaultError> {
        let (cached, status) = self.cached(name).await?;
        let now = OffsetDateTime::now_utc();
        if status != CacheStatus::Stale
            && let Some(body) = cached.fresh_json(now, self.warning_days)
        {
            return Ok((Ok(body), status));
        }
        let mut meta = cached.metadata().clone();
        meta.stale = status == CacheStatus::Stale;
        let meta = meta.with_expiry(now, self.warning_days);
        Ok((serde_json::to_vec(&meta).map(Bytes::from).map_err(|_| meta), status))
    }

    async fn cached(&self, name: &str) -> Result<(Arc<metadata::CachedSecret>, CacheStatus), VaultError> {
        validate_name(name)?;
        // Key Vault names are case-insensitive: one cache entry (and one flight) per secret.
        let key = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        let (source, name, budget) = (self.source.clone(), name.to_owned(), self.budget);
        let stalled = || self.source.stalled(budget);
        self.cache
            .cached_secret(&key, stalled, move |progress| Box::pin(async move { source.secret(name, progress).await }))
            .await
    }

    /// Forgets what is cached about `name` (a new version was announced), so the next request asks
    /// Key Vault. The whole list is dropped too: it carries the secret's dates.
    pub async fn evict(&self, name: &str) {
        self.cache.evict(&name.to_ascii_lowercase()).await;
    }

    /// Every secret's metadata (current versions, so `version` is null), sorted by name.
    #[tracing::instrument(skip(self))]
    pub async fn list(&self) -> Result<Vec<SecretMetadata>, VaultError> {
        self.list_with_status().await.map(|(list, _)| list)
    }

    /// [`list`](Self::list) plus how the cache answered.
    pub async fn list_with_status(&self) -> Result<(Vec<SecretMetadata>, CacheStatus), VaultError> {
        let (source, budget) = (self.source.clone(), self.budget);
        let stalled = || self.source.stalled(budget);
        let (list, status) =
            self.cache.list(stalled, move |progress| Box::pin(async move { source.list(progress).await })).await?;
        let now = OffsetDateTime::now_utc();
        let stale = status == CacheStatus::Stale;
        let list =
            list.iter().map(|m| SecretMetadata { stale, ..m.clone() }.with_expiry(now, self.warning_days)).collect();
        Ok((list, status))
    }

    /// The cache's counts since start.
    pub fn cache_stats(&self) -> &cache::CacheStats {
        self.cache.stats()
    }

    /// A secret's value, for resolving references locally. Never cached.
    #[tracing::instrument(skip(self))]
    pub async fn value(&self, name: &str, version: Option<&str>) -> Result<SecretString, VaultError> {
        validate_name(name)?;
        if let Some(version) = version {
            error::validate_version(version)?;
        }
        self.source.value(name, version).await
    }

    pub fn kind(&self) -> BackendKind {
        self.source.kind()
    }
}
