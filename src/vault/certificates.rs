//! Certificate metadata from Key Vault: one `CertificateClient` per process, built from the secret
//! client's transport, credential (one token cache, the same fixed scope) and retries, behind the
//! same cache, 429 gate and budget.
//!
//! Every call is one the role "Key Vault Reader" allows (its data action
//! `Microsoft.KeyVault/vaults/*/read` covers `vaults/certificates/read`), and none returns key
//! material or the backing secret's value:
//! - one certificate: `list_certificate_properties_versions` (the newest *created* version is the
//!   current one, as for secrets) and `get_certificate_policy` (issuer, subject, SANs, key, lifetime
//!   actions), side by side; `get_certificate` (the public `cer` and `x5t`, never the private key)
//!   only when the version carries no `x5t` or the policy cannot be read on its own;
//! - the list: `list_certificate_properties`, then the policy of each certificate (and its bundle
//!   in the same two cases), at most [`POLICY_CONCURRENCY`] at a time, inside the one background
//!   listing the cache keeps whole.

use std::sync::Arc;

use azure_core::http::Pager;
use azure_security_keyvault_certificates::models::{
    CertificateClientGetCertificateOptions, CertificatePolicy, CertificatePolicyAction, CertificateProperties,
    ListCertificatePropertiesResult,
};
use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions, ResourceExt};
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt};
use time::OffsetDateTime;

use super::cache::{CacheStatus, Progress};
use super::certificate_metadata::{CertificateMetadata, RenewTrigger, hex, newest};
use super::client::{KeyVaultSource, map_azure_error};
use super::error::{VaultError, validate_name};
use super::{MetadataSource, VaultService};
use crate::config_error::ConfigError;

/// Policies read at once while listing: enough to list a vault's certificates within a budget,
/// few enough that one listing never bursts into Key Vault's throttling on its own.
pub const POLICY_CONCURRENCY: usize = 8;

/// Where certificate metadata comes from. Names reaching a source are already validated.
pub trait CertificateSource: Send + Sync {
    /// The current version's metadata; `Ok(None)` when the certificate does not exist.
    fn certificate(
        &self,
        name: String,
        progress: Arc<Progress>,
    ) -> BoxFuture<'_, Result<Option<CertificateMetadata>, VaultError>>;
    /// Every certificate (current versions, so `version` is null), sorted by name.
    fn list(&self, progress: Arc<Progress>) -> BoxFuture<'_, Result<Vec<CertificateMetadata>, VaultError>>;
    /// What a flight that read nothing within `budget` means.
    fn stalled(&self, budget: std::time::Duration) -> VaultError {
        VaultError::Timeout { budget_ms: budget.as_millis() as u64 }
    }
}

/// The dev vault's file holds secrets only: it has no certificates.
pub struct NoCertificates;

impl CertificateSource for NoCertificates {
    fn certificate(
        &self,
        _: String,
        _: Arc<Progress>,
    ) -> BoxFuture<'_, Result<Option<CertificateMetadata>, VaultError>> {
        Box::pin(async { Ok(None) })
    }
    fn list(&self, _: Arc<Progress>) -> BoxFuture<'_, Result<Vec<CertificateMetadata>, VaultError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

pub struct KeyVaultCertificates {
    client: CertificateClient,
    /// The secret source this client shares its credential with: its token watch tells a hung
    /// token endpoint from a hung vault.
    secrets: Arc<KeyVaultSource>,
}

impl KeyVaultCertificates {
    pub fn new(secrets: Arc<KeyVaultSource>) -> Result<Self, ConfigError> {
        let (url, credential, client_options) = secrets.sibling();
        let options = CertificateClientOptions {
            client_options,
            // As for secrets: the challenge must name the vault's own resource.
            verify_challenge_resource: Some(true),
            ..Default::default()
        };
        let client = CertificateClient::new(url, credential, Some(options)).map_err(|_| ConfigError {
            setting: "KEY_VAULT_URL",
            reason: "the Key Vault certificate client rejected the URL".into(),
        })?;
        Ok(Self { client, secrets })
    }

    fn map_err(&self, name: Option<&str>, err: azure_core::Error) -> VaultError {
        let mapped = match map_azure_error(name, self.secrets.credential_kind(), &err) {
            VaultError::NotFound { name } => VaultError::CertificateNotFound { name },
            other => other,
        };
        // The error's own text can quote response bodies; log only its shape.
        tracing::warn!(status = ?mapped.status(), problem = mapped.type_slug(), "Key Vault certificate call failed");
        mapped
    }

    async fn all_pages(
        &self,
        pager: Pager<ListCertificatePropertiesResult>,
        progress: &Progress,
        name: Option<&str>,
    ) -> Result<Vec<CertificateProperties>, VaultError> {
        let mut pages = pager.into_pages();
        let mut all = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(|e| self.map_err(name, e))? {
            let page = page.into_model().map_err(|e| self.map_err(name, e))?;
            all.extend(page.value);
            progress.page();
        }
        Ok(all)
    }

    /// The certificate's policy; `None` when the certificate is gone.
    async fn policy(&self, name: &str, progress: &Progress) -> Result<Option<CertificatePolicy>, VaultError> {
        let answer = async {
            self.client
                .get_certificate_policy(name, None)
                .await
                .map_err(|e| self.map_err(Some(name), e))?
                .into_model()
                .map_err(|e| self.map_err(Some(name), e))
        };
        let policy = match answer.await {
            Ok(policy) => Some(policy),
            // Gone, or a vault that serves no policy on its own: the bundle carries it then.
            Err(
                VaultError::CertificateNotFound { .. } | VaultError::Upstream { status: Some(400 | 405 | 501), .. },
            ) => None,
            Err(other) => return Err(other),
        };
        progress.page();
        Ok(policy)
    }

    /// Fills what the properties and the policy call left out from the version's bundle, then
    /// applies the policy.
    async fn complete(
        &self,
        meta: &mut CertificateMetadata,
        mut policy: Option<CertificatePolicy>,
    ) -> Result<(), VaultError> {
        if meta.thumbprint.is_none() || policy.is_none() {
            match self.read_bundle(meta, &mut policy).await {
                // The version listed a moment ago is gone: report what the listing said.
                Ok(()) | Err(VaultError::CertificateNotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        apply_policy(meta, policy.as_ref());
        Ok(())
    }

    /// The thumbprint (and, when it was missing, the policy) from the version's own bundle.
    async fn read_bundle(
        &self,
        meta: &mut CertificateMetadata,
        policy: &mut Option<CertificatePolicy>,
    ) -> Result<(), VaultError> {
        let options =
            CertificateClientGetCertificateOptions { certificate_version: meta.version.clone(), ..Default::default() };
        let name = meta.name.as_str();
        let bundle = self
            .client
            .get_certificate(name, Some(options))
            .await
            .map_err(|e| self.map_err(Some(name), e))?
            .into_model()
            .map_err(|e| self.map_err(Some(name), e))?;
        if meta.thumbprint.is_none() {
            let sha1 = |der: &Vec<u8>| hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref());
            meta.thumbprint = bundle.x509_thumbprint.as_deref().map(hex).or_else(|| bundle.cer.as_ref().map(sha1));
        }
        if policy.is_none() {
            *policy = bundle.policy;
        }
        Ok(())
    }
}

impl CertificateSource for KeyVaultCertificates {
    fn certificate(
        &self,
        name: String,
        progress: Arc<Progress>,
    ) -> BoxFuture<'_, Result<Option<CertificateMetadata>, VaultError>> {
        Box::pin(async move {
            let versions = async {
                let pager = self
                    .client
                    .list_certificate_properties_versions(&name, None)
                    .map_err(|e| self.map_err(Some(&name), e))?;
                self.all_pages(pager, &progress, Some(&name)).await
            };
            let (versions, policy) = futures::join!(versions, self.policy(&name, &progress));
            let versions = match versions {
                Ok(versions) => versions,
                Err(VaultError::CertificateNotFound { .. }) => return Ok(None),
                Err(other) => return Err(other),
            };
            let Some(mut meta) = newest(versions.into_iter().filter_map(|p| to_metadata(p, Some(&name)))) else {
                return Ok(None);
            };
            self.complete(&mut meta, policy?).await?;
            Ok(Some(meta))
        })
    }

    fn list(&self, progress: Arc<Progress>) -> BoxFuture<'_, Result<Vec<CertificateMetadata>, VaultError>> {
        Box::pin(async move {
            let pager = self.client.list_certificate_properties(None).map_err(|e| self.map_err(None, e))?;
            let all = self.all_pages(pager, &progress, None).await?;
            let items = all.into_iter().filter_map(|p| to_metadata(p, None)).map(|meta| meta.version(None));
            let progress = &progress;
            let mut list: Vec<CertificateMetadata> = futures::stream::iter(items)
                .map(|mut meta| async move {
                    let policy = self.policy(&meta.name, progress).await?;
                    self.complete(&mut meta, policy).await?;
                    Ok::<_, VaultError>(meta)
                })
                .buffer_unordered(POLICY_CONCURRENCY)
                .try_collect()
                .await?;
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }

    fn stalled(&self, budget: std::time::Duration) -> VaultError {
        MetadataSource::stalled(&*self.secrets, budget)
    }
}

impl CertificateMetadata {
    fn version(self, version: Option<String>) -> Self {
        Self { version, ..self }
    }
}

fn to_metadata(props: CertificateProperties, fallback_name: Option<&str>) -> Option<CertificateMetadata> {
    let id = props.resource_id().ok();
    let name = id.as_ref().map(|i| i.name.clone()).or_else(|| fallback_name.map(str::to_owned))?;
    let attrs = props.attributes.unwrap_or_default();
    Some(CertificateMetadata {
        name,
        version: id.and_then(|i| i.version).filter(|v| !v.is_empty()),
        enabled: attrs.enabled.unwrap_or(true),
        created: attrs.created,
        updated: attrs.updated,
        not_before: attrs.not_before,
        expires_on: attrs.expires,
        thumbprint: props.x509_thumbprint.as_deref().filter(|t| !t.is_empty()).map(hex),
        tags: props.tags.unwrap_or_default().into_iter().collect(),
        ..Default::default()
    })
}

/// The policy's facts: names, issuer, key, backing secret's type, and the auto-renew action.
fn apply_policy(meta: &mut CertificateMetadata, policy: Option<&CertificatePolicy>) {
    let Some(policy) = policy else {
        return;
    };
    if let Some(x509) = &policy.x509_certificate_properties {
        meta.subject = x509.subject.clone().filter(|s| !s.is_empty());
        meta.sans = x509.subject_alternative_names.as_ref().and_then(|s| s.dns_names.clone()).unwrap_or_default();
    }
    meta.issuer = policy.issuer_parameters.as_ref().and_then(|i| i.name.clone());
    if let Some(key) = &policy.key_properties {
        meta.key_type = key.key_type.as_ref().map(|k| k.to_string());
        meta.key_size = key.key_size;
        meta.key_curve = key.curve.as_ref().map(|c| <&str>::from(c).to_owned());
    }
    meta.content_type = policy.secret_properties.as_ref().and_then(|s| s.content_type.clone());
    let renew = policy
        .lifetime_actions
        .iter()
        .flatten()
        .find(|a| a.action.as_ref().and_then(|a| a.action_type) == Some(CertificatePolicyAction::AutoRenew));
    meta.auto_renew = renew.is_some();
    meta.auto_renew_trigger = renew.map(|action| {
        let trigger = action.trigger.clone().unwrap_or_default();
        RenewTrigger::new(trigger.days_before_expiry, trigger.lifetime_percentage, meta.not_before, meta.expires_on)
    });
}

impl VaultService {
    /// A certificate's current metadata, and how the cache answered. Never its key or secret.
    #[tracing::instrument(skip(self))]
    pub async fn certificate(&self, name: &str) -> Result<(CertificateMetadata, CacheStatus), VaultError> {
        validate_name(name)?;
        // Names are case-insensitive; certificates have slots of their own in the cache.
        let key = name.to_ascii_lowercase();
        let (source, owned, budget) = (self.certificates.clone(), name.to_owned(), self.budget);
        let stalled = || self.certificates.stalled(budget);
        let (cached, status) = self
            .cache
            .cached_certificate(&key, stalled, move |progress| {
                Box::pin(async move { source.certificate(owned, progress).await })
            })
            .await?;
        let meta = CertificateMetadata { stale: status == CacheStatus::Stale, ..(*cached).clone() };
        Ok((meta.with_expiry(OffsetDateTime::now_utc(), self.certificate_warning_days), status))
    }

    /// Every certificate's metadata, sorted by name, and how the cache answered.
    #[tracing::instrument(skip(self))]
    pub async fn certificate_list(&self) -> Result<(Vec<CertificateMetadata>, CacheStatus), VaultError> {
        let (source, budget) = (self.certificates.clone(), self.budget);
        let stalled = || self.certificates.stalled(budget);
        let (list, status) = self
            .cache
            .certificate_list(stalled, move |progress| Box::pin(async move { source.list(progress).await }))
            .await?;
        let (now, stale) = (OffsetDateTime::now_utc(), status == CacheStatus::Stale);
        let list = list
            .iter()
            .map(|m| CertificateMetadata { stale, ..m.clone() }.with_expiry(now, self.certificate_warning_days))
            .collect();
        Ok((list, status))
    }

    /// Forgets what is cached about certificate `name` (a new version was announced).
    pub async fn evict_certificate(&self, name: &str) {
        self.cache.evict_certificate(&name.to_ascii_lowercase()).await;
    }

    /// `CERTIFICATE_EXPIRY_WARNING_DAYS`.
    pub fn certificate_warning_days(&self) -> u32 {
        self.certificate_warning_days
    }

    /// This service reading certificates from `source`, warning `warning_days` before expiry.
    pub fn with_certificates(mut self, source: Arc<dyn CertificateSource>, warning_days: u32) -> Self {
        self.certificates = source;
        self.certificate_warning_days = warning_days;
        self
    }
}
