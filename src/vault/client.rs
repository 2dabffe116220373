//! The Key Vault backend: one `SecretClient` per process behind a total time budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::Pager;
use azure_core::http::headers::RETRY_AFTER;
use azure_core::http::policies::{RetryHeaders, RetryPolicy};
use azure_core::http::{ClientOptions, RetryOptions, StatusCode, Transport};
use azure_security_keyvault_secrets::models::{
    ListSecretPropertiesResult, SecretClientGetSecretOptions, SecretClientListSecretPropertiesOptions, SecretProperties,
};
use azure_security_keyvault_secrets::{ResourceExt, SecretClient, SecretClientOptions};
use futures::TryStreamExt;
use futures::future::BoxFuture;
use secrecy::SecretString;

use super::config::KeyVaultConfig;
use super::credential::CredentialKind;
use super::error::{ForbiddenCode, VaultError};
use super::metadata::{SecretMetadata, current_version};
use super::{BackendKind, MetadataSource, Progress};
use crate::config_error::ConfigError;

/// The error the credential answers a challenge for a foreign audience with.
const CHALLENGE_SCOPE_REFUSED: &str = "the challenge asked for a token scope other than the vault cloud's";

pub struct KeyVaultSource {
    client: Arc<SecretClient>,
    credential: CredentialKind,
    budget: Duration,
    /// Token requests in flight: when the budget runs out during one, the credential is what
    /// failed, and the operator must be sent to the identity, not to the vault's network path.
    token_pending: Arc<AtomicUsize>,
    /// What the certificate client is built from, so it shares this client's connections, token
    /// cache, scope rule and retries.
    sibling: (String, Arc<dyn TokenCredential>, Transport),
}

/// The credential, counting its token requests in flight, and asked for one scope only.
#[derive(Debug)]
struct WatchedCredential {
    inner: Arc<dyn TokenCredential>,
    pending: Arc<AtomicUsize>,
    /// The vault cloud's scope. The SDK takes the scope from the server's challenge; a server
    /// that names any other audience gets no token at all.
    scope: String,
}

struct Pending(Arc<AtomicUsize>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl TokenCredential for WatchedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if scopes != [self.scope.as_str()] {
            tracing::warn!(expected = %self.scope, "a token was asked for another scope than Key Vault's; refused");
            return Err(azure_core::Error::with_message(ErrorKind::Other, CHALLENGE_SCOPE_REFUSED));
        }
        self.pending.fetch_add(1, Ordering::SeqCst);
        // Dropped on completion and on cancellation by the budget's timeout alike.
        let _pending = Pending(self.pending.clone());
        self.inner.get_token(scopes, options).await
    }
}

impl KeyVaultSource {
    pub fn new(
        cfg: &KeyVaultConfig,
        credential: (CredentialKind, Arc<dyn TokenCredential>),
        budget: Duration,
    ) -> Result<Self, ConfigError> {
        let token_pending = Arc::new(AtomicUsize::new(0));
        let watched: Arc<dyn TokenCredential> = Arc::new(WatchedCredential {
            inner: credential.1,
            pending: token_pending.clone(),
            scope: cfg.scope.clone(),
        });
        let transport = Transport::new(crate::http_client::traced(http_client(cfg, budget)?));
        let options = SecretClientOptions {
            client_options: client_options(transport.clone()),
            // Left on: the emulator in tests is reached under a name the challenge matches.
            verify_challenge_resource: Some(true),
            ..Default::default()
        };
        let client = SecretClient::new(cfg.url.as_str(), watched.clone(), Some(options)).map_err(|_| ConfigError {
            setting: "KEY_VAULT_URL",
            reason: "the Key Vault client rejected the URL".into(),
        })?;
        let sibling = (cfg.url.to_string(), watched, transport);
        Ok(Self { client: Arc::new(client), credential: credential.0, budget, token_pending, sibling })
    }

    /// The vault URL, the watched credential and the transport another Key Vault client shares.
    pub(crate) fn sibling(&self) -> (&str, Arc<dyn TokenCredential>, ClientOptions) {
        let (url, credential, transport) = &self.sibling;
        (url, credential.clone(), client_options(transport.clone()))
    }

    pub(crate) fn credential_kind(&self) -> CredentialKind {
        self.credential
    }

    async fn within_budget<T>(&self, call: impl Future<Output = Result<T, VaultError>>) -> Result<T, VaultError> {
        // Pinned out here so the call, and its token request, is still in flight when the
        // budget runs out and the cause is read.
        let mut call = std::pin::pin!(call);
        match tokio::time::timeout(self.budget, &mut call).await {
            Ok(result) => result,
            // A token endpoint that never answers is the credential's failure (503 naming it).
            Err(_) if self.token_pending.load(Ordering::SeqCst) > 0 => {
                Err(VaultError::Credential { kind: self.credential, rejected: false })
            }
            Err(_) => Err(VaultError::Timeout { budget_ms: self.budget.as_millis() as u64 }),
        }
    }

    /// Every item of a listing, page by page, each page reported to `progress`.
    async fn all_pages(
        &self,
        pager: Pager<ListSecretPropertiesResult>,
        progress: &Progress,
        name: Option<&str>,
    ) -> Result<Vec<SecretProperties>, VaultError> {
        let mut pages = pager.into_pages();
        let mut all = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(|e| self.map_err(name, e))? {
            let page = page.into_model().map_err(|e| self.map_err(name, e))?;
            all.extend(page.value);
            progress.page();
        }
        Ok(all)
    }

    fn map_err(&self, name: Option<&str>, err: azure_core::Error) -> VaultError {
        let mapped = map_azure_error(name, self.credential, &err);
        // The error's own text can quote response bodies; log only its shape.
        tracing::warn!(kind = ?kind_name(err.kind()), status = ?mapped.status(), problem = mapped.type_slug(), "Key Vault call failed");
        mapped
    }
}

fn http_client(cfg: &KeyVaultConfig, budget: Duration) -> Result<reqwest::Client, ConfigError> {
    // Key Vault never redirects; the builder follows none, so no token goes elsewhere.
    let builder = cfg.overrides.builder()?.connect_timeout(budget.min(Duration::from_secs(3)));
    builder.build().map_err(|_| ConfigError {
        setting: "KEY_VAULT_CA_FILE",
        reason: "the HTTPS client could not be built with these certificates".into(),
    })
}

/// Tight retries over `transport`, for every Key Vault client of the process.
fn client_options(transport: Transport) -> ClientOptions {
    ClientOptions {
        transport: Some(transport),
        retry: RetryOptions::custom(Arc::new(OneQuickRetry)),
        ..Default::default()
    }
}

/// One quick retry of a transient failure, never of a 429: Key Vault's Retry-After can be far
/// longer than our budget, so the caller is told to come back instead.
#[derive(Debug)]
struct OneQuickRetry;

impl RetryPolicy for OneQuickRetry {
    fn is_expired(&self, elapsed: azure_core::time::Duration, retry_count: u32) -> bool {
        retry_count >= 1 || elapsed >= azure_core::time::Duration::seconds(1)
    }
    fn retry_headers(&self) -> Option<&RetryHeaders> {
        None
    }
    fn retry_status_codes(&self) -> &[StatusCode] {
        &[
            StatusCode::RequestTimeout,
            StatusCode::InternalServerError,
            StatusCode::BadGateway,
            StatusCode::ServiceUnavailable,
            StatusCode::GatewayTimeout,
        ]
    }
    fn sleep_duration(&self, _retry_count: u32) -> azure_core::time::Duration {
        azure_core::time::Duration::milliseconds(100)
    }
}

fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::HttpResponse { .. } => "http-response",
        ErrorKind::Connection => "connection",
        ErrorKind::Io => "io",
        ErrorKind::DataConversion => "data-conversion",
        ErrorKind::Credential => "credential",
        _ => "other",
    }
}

pub(crate) fn map_azure_error(name: Option<&str>, credential: CredentialKind, err: &azure_core::Error) -> VaultError {
    match err.kind() {
        ErrorKind::HttpResponse { status, error_code, raw_response } => {
            let code = error_code.as_deref();
            match u16::from(*status) {
                404 => VaultError::NotFound { name: name.unwrap_or_default().to_owned() },
                403 => VaultError::Forbidden {
                    code: match raw_response {
                        Some(raw) => match ForbiddenCode::from_body(raw.body()) {
                            ForbiddenCode::Other(None) => ForbiddenCode::from_code(code),
                            found => found,
                        },
                        None => ForbiddenCode::from_code(code),
                    },
                },
                429 => VaultError::Throttled {
                    retry_after: raw_response
                        .as_ref()
                        .and_then(|raw| raw.headers().get_optional_str(&RETRY_AFTER))
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs),
                },
                401 => VaultError::Credential { kind: credential, rejected: true },
                other => VaultError::Upstream {
                    status: Some(other),
                    code: match ForbiddenCode::from_code(code) {
                        ForbiddenCode::Other(c) => c,
                        known => Some(known.to_string()),
                    },
                    challenge: false,
                },
            }
        }
        ErrorKind::Credential => VaultError::Credential { kind: credential, rejected: false },
        ErrorKind::Connection | ErrorKind::Io => VaultError::Unreachable,
        // The challenge check is the one non-HTTP failure an operator can act on directly.
        _ if mentions(err, "challenge resource") || mentions(err, CHALLENGE_SCOPE_REFUSED) => {
            VaultError::Upstream { status: None, code: None, challenge: true }
        }
        _ => VaultError::Upstream { status: None, code: None, challenge: false },
    }
}

/// Whether `err` or any error it wraps says `needle` (the SDK wraps a credential's own error).
fn mentions(err: &azure_core::Error, needle: &str) -> bool {
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        if e.to_string().contains(needle) {
            return true;
        }
        current = e.source();
    }
    false
}

fn to_metadata(props: SecretProperties, fallback_name: Option<&str>) -> Option<SecretMetadata> {
    let id = props.resource_id().ok();
    let name = id.as_ref().map(|i| i.name.clone()).or_else(|| fallback_name.map(str::to_owned))?;
    let attrs = props.attributes.unwrap_or_default();
    Some(SecretMetadata {
        name,
        version: id.and_then(|i| i.version).filter(|v| !v.is_empty()),
        enabled: attrs.enabled.unwrap_or(true),
        created_on: attrs.created,
        updated_on: attrs.updated,
        expires_on: attrs.expires,
        not_before: attrs.not_before,
        content_type: props.content_type,
        tags: props.tags.unwrap_or_default().into_iter().collect(),
        managed: props.managed.unwrap_or(false),
        recovery_level: attrs.recovery_level.map(|l| l.to_string()),
        recoverable_days: attrs.recoverable_days,
        expires_in_days: None,
        expiring_soon: false,
        stale: false,
    })
}

impl MetadataSource for KeyVaultSource {
    fn secret(
        &self,
        name: String,
        progress: Arc<Progress>,
    ) -> BoxFuture<'_, Result<Option<SecretMetadata>, VaultError>> {
        Box::pin(async move {
            let pager =
                self.client.list_secret_properties_versions(&name, None).map_err(|e| self.map_err(Some(&name), e))?;
            let versions = match self.all_pages(pager, &progress, Some(&name)).await {
                Ok(v) => v,
                Err(VaultError::NotFound { .. }) => return Ok(None),
                Err(other) => return Err(other),
            };
            Ok(current_version(versions.into_iter().filter_map(|p| to_metadata(p, Some(&name)))))
        })
    }

    fn list(&self, progress: Arc<Progress>) -> BoxFuture<'_, Result<Vec<SecretMetadata>, VaultError>> {
        Box::pin(async move {
            let pager = self.client.list_secret_properties(None).map_err(|e| self.map_err(None, e))?;
            let all = self.all_pages(pager, &progress, None).await?;
            let mut list: Vec<_> = all.into_iter().filter_map(|p| to_metadata(p, None)).collect();
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(list)
        })
    }

    fn stalled(&self, budget: Duration) -> VaultError {
        if self.token_pending.load(Ordering::SeqCst) > 0 {
            // A token endpoint that never answers is the credential's failure (503 naming it).
            VaultError::Credential { kind: self.credential, rejected: false }
        } else {
            VaultError::Timeout { budget_ms: budget.as_millis() as u64 }
        }
    }

    fn value<'a>(&'a self, name: &'a str, version: Option<&'a str>) -> BoxFuture<'a, Result<SecretString, VaultError>> {
        Box::pin(self.within_budget(async move {
            let options =
                SecretClientGetSecretOptions { secret_version: version.map(str::to_owned), ..Default::default() };
            let secret = self
                .client
                .get_secret(name, Some(options))
                .await
                .map_err(|e| self.map_err(Some(name), e))?
                .into_model()
                .map_err(|e| self.map_err(Some(name), e))?;
            secret.value.map(SecretString::from).ok_or(VaultError::Upstream {
                status: Some(200),
                code: None,
                challenge: false,
            })
        }))
    }

    fn warm_up(&self) -> BoxFuture<'_, Result<(), VaultError>> {
        Box::pin(self.within_budget(async move {
            // The first request learns the challenge scope and fetches the token, so real
            // requests do not pay for it. One item is enough.
            let options = SecretClientListSecretPropertiesOptions { maxresults: Some(1), ..Default::default() };
            let mut pages =
                self.client.list_secret_properties(Some(options)).map_err(|e| self.map_err(None, e))?.into_pages();
            pages.try_next().await.map_err(|e| self.map_err(None, e))?;
            Ok(())
        }))
    }

    fn kind(&self) -> BackendKind {
        BackendKind::KeyVault { credential: self.credential }
    }
}
