//! The host's `keyvault` secret store: one secret per key, under the names of
//! [`super::secret_names`], through the official `SecretClient` on the handler's transport (the
//! test overrides, no redirects, few and quick retries, every call within a budget).
//!
//! Reading lists the vault's secrets and reads those of the document's prefix (the function's
//! compared case-insensitively). Writing deletes the secrets of keys the change removed and sets
//! those of keys it added or changed; it leaves every other secret alone, so two hosts writing
//! different keys of one document at once keep both, which Key Vault, having no ETags, could not
//! guarantee for a whole-document write.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_security_keyvault_secrets::models::{SecretProperties, SetSecretParameters};
use azure_security_keyvault_secrets::{ResourceExt as _, SecretClient, SecretClientOptions};
use futures::{StreamExt as _, TryStreamExt as _};
use secrecy::{ExposeSecret as _, SecretString};
use vaultfn_handler::vault::{CredentialKind, ForbiddenCode, build_credential};

use super::StorageKind;
use super::remote::{Backend, Doc, Read, Secrets, Token};
use super::secret_names::{
    HOST_FUNCTION_KEY_PREFIX, HOST_PREFIX, MASTER_PREFIX, MASTER_SECRET, SYSTEM_KEY_PREFIX, denormalize,
    function_prefix, secret_name, strip_prefix_ignore_case,
};
use super::settings::{KEY_VAULT_URI, KeyVaultStorage};
use crate::keys::file::{FileMeta, FunctionSecrets, HostSecrets};
use crate::keys::{KeyError, NamedKey};

/// How long a set may wait for a soft-deleted name to come back.
const RECOVERY_WAIT: Duration = Duration::from_secs(20);
/// Secret values read at once.
const PARALLEL_READS: usize = 4;
const SCOPE_REFUSED: &str = "a token for another scope than the vault cloud's was refused";
const TIMED_OUT: &str = "the call ran out of its time budget";

pub struct KeyVaultBackend {
    client: SecretClient,
    vault: String,
    credential: CredentialKind,
    budget: Duration,
}

impl std::fmt::Debug for KeyVaultBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyVaultBackend").field("vault", &self.vault).field("credential", &self.credential).finish()
    }
}

/// The credential, asked for the vault cloud's scope only: the SDK takes the scope from the
/// server's challenge, and a server naming any other audience must get no token.
#[derive(Debug)]
struct VaultScopeOnly {
    inner: Arc<dyn TokenCredential>,
    scope: String,
}

#[async_trait::async_trait]
impl TokenCredential for VaultScopeOnly {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if scopes != [self.scope.as_str()] {
            return Err(azure_core::Error::with_message(ErrorKind::Other, SCOPE_REFUSED));
        }
        self.inner.get_token(scopes, options).await
    }
}

impl KeyVaultBackend {
    pub fn new(settings: &KeyVaultStorage) -> Result<Self, KeyError> {
        let config = |e: vaultfn_handler::config_error::ConfigError| KeyError::Store {
            setting: KEY_VAULT_URI,
            detail: format!("{}: {}", e.setting, e.reason),
        };
        let (credential, inner) = build_credential(&settings.credential).map_err(config)?;
        let scoped = Arc::new(VaultScopeOnly { inner, scope: settings.vault.scope.clone() });
        let budget = settings.budget;
        let http =
            settings.vault.overrides.builder().map_err(config)?.connect_timeout(budget.min(Duration::from_secs(3)));
        let http = http.build().map_err(|_| store("the HTTPS client could not be built".to_owned()))?;
        let options = SecretClientOptions {
            client_options: ClientOptions {
                transport: Some(Transport::new(Arc::new(http))),
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    initial_delay: azure_core::time::Duration::milliseconds(100),
                    max_retries: 2,
                    max_total_elapsed: azure_core::time::Duration::seconds(2),
                    max_delay: azure_core::time::Duration::seconds(1),
                }),
                ..Default::default()
            },
            verify_challenge_resource: Some(true),
            ..Default::default()
        };
        let vault = settings.vault.url.as_str().trim_end_matches('/').to_owned();
        let client = SecretClient::new(settings.vault.url.as_str(), scoped, Some(options))
            .map_err(|_| store(format!("{vault}: the Key Vault client refused the URL")))?;
        Ok(Self { client, vault, credential, budget })
    }

    /// Runs one call within the budget; errors keep only what names the cause.
    async fn call<T>(
        &self,
        budget: Duration,
        call: impl Future<Output = azure_core::Result<T>>,
    ) -> Result<T, azure_core::Error> {
        match tokio::time::timeout(budget, call).await {
            Ok(result) => result,
            Err(_) => Err(azure_core::Error::with_message(ErrorKind::Io, TIMED_OUT)),
        }
    }

    fn error(&self, error: &azure_core::Error) -> KeyError {
        let vault = &self.vault;
        let detail = match error.kind() {
            _ if mentions(error, SCOPE_REFUSED) => {
                format!("{vault}: its challenge named another audience than Key Vault's; no token was sent")
            }
            ErrorKind::HttpResponse { status, error_code, raw_response } => {
                let code = match raw_response.as_ref().map(|raw| ForbiddenCode::from_body(raw.body())) {
                    Some(ForbiddenCode::Other(None)) | None => error_code.clone(),
                    Some(code) => Some(code.to_string()),
                };
                let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
                let hint = match u16::from(*status) {
                    401 => "; the vault refused the token",
                    403 => {
                        "; the identity needs list, get, set, delete and recover on secrets (Key Vault Secrets Officer)"
                    }
                    _ => "",
                };
                format!("{vault} answered {status}{code}{hint}")
            }
            ErrorKind::Credential => {
                format!("no token from the {} credential. {}", self.credential, self.credential.fix_hint())
            }
            ErrorKind::Io if mentions(error, TIMED_OUT) => {
                format!("{vault} did not answer within {} ms (KEY_VAULT_TIMEOUT_MS)", self.budget.as_millis())
            }
            ErrorKind::Connection | ErrorKind::Io => format!("cannot connect to {vault}"),
            _ => format!("{vault}: the answer could not be used"),
        };
        store(detail)
    }

    /// The names of the vault's enabled secrets, every page (a disabled secret is not a key).
    async fn names(&self) -> Result<Vec<String>, KeyError> {
        let list = async {
            let pager = self.client.list_secret_properties(None)?;
            pager.try_collect::<Vec<SecretProperties>>().await
        };
        // Listing reads pages of 25: a larger budget than one call.
        let all = self.call(self.budget * 3, list).await.map_err(|e| self.error(&e))?;
        let enabled = all.into_iter().filter(|p| p.attributes.as_ref().and_then(|a| a.enabled) != Some(false));
        Ok(enabled.filter_map(|p| p.resource_id().ok().map(|id| id.name)).collect())
    }

    /// The values of `names`; a secret gone or disabled since the listing is left out.
    async fn values(&self, names: Vec<String>) -> Result<Vec<(String, SecretString)>, KeyError> {
        let read = |name: String| async move {
            let got = self.call(self.budget, async { self.client.get_secret(&name, None).await?.into_model() }).await;
            match got {
                Ok(secret) => Ok(secret.value.map(|value| (name, SecretString::from(value)))),
                Err(e) if matches!(e.http_status().map(u16::from), Some(403 | 404)) => Ok(None),
                Err(e) => Err(self.error(&e)),
            }
        };
        let found: Vec<_> = futures::stream::iter(names).map(read).buffered(PARALLEL_READS).try_collect().await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// Sets a secret. A name that soft delete still holds answers 409 Conflict; it is recovered,
    /// then set.
    ///
    /// Recover rather than purge: recovering needs only the recover permission that the roles
    /// able to delete secrets carry (Key Vault Secrets Officer), while purging needs the purge
    /// permission, which grants often leave out and which a vault with purge protection refuses
    /// outright. The recovered secret keeps the deleted key's value as an older version, which
    /// soft delete kept readable anyway; the set makes the new value the current one.
    async fn set(&self, name: &str, value: &SecretString) -> Result<(), KeyError> {
        let deadline = Instant::now() + RECOVERY_WAIT;
        let mut pause = Duration::from_millis(100);
        loop {
            let parameters =
                SetSecretParameters { value: Some(value.expose_secret().to_owned()), ..Default::default() };
            let set = async { self.client.set_secret(name, parameters.try_into()?, None).await };
            match self.call(self.budget, set).await {
                Ok(_) => return Ok(()),
                Err(e) if e.http_status().map(u16::from) == Some(409) && Instant::now() < deadline => {}
                Err(e) => return Err(self.error(&e)),
            }
            // Still being deleted, or being recovered: both answer 404 or 409 here for a while.
            match self.call(self.budget, self.client.recover_deleted_secret(name, None)).await {
                Ok(_) => {}
                Err(e) if matches!(e.http_status().map(u16::from), Some(404 | 409)) => {}
                Err(e) => return Err(self.error(&e)),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    async fn delete(&self, name: &str) -> Result<(), KeyError> {
        match self.call(self.budget, self.client.delete_secret(name, None)).await {
            Ok(_) => Ok(()),
            Err(e) if e.http_status().map(u16::from) == Some(404) => Ok(()),
            Err(e) => Err(self.error(&e)),
        }
    }
}

/// Whether `error` or any error it wraps says `needle` (the SDK wraps a credential's own error).
fn mentions(error: &azure_core::Error, needle: &str) -> bool {
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = current {
        if e.to_string().contains(needle) {
            return true;
        }
        current = e.source();
    }
    false
}

fn store(detail: String) -> KeyError {
    KeyError::Store { setting: KEY_VAULT_URI, detail }
}

/// The function's prefix, or why its name cannot have one.
fn prefix_of(function: &str) -> Result<String, KeyError> {
    function_prefix(function).ok_or_else(|| KeyError::InvalidFunctionName(function.to_owned()))
}

/// The secret of `key` under `prefix`, or why Key Vault cannot hold it.
fn named<'s>(prefix: &str, key: &'s NamedKey) -> Result<(String, &'s SecretString), KeyError> {
    let secret = secret_name(prefix, &key.name).ok_or_else(|| KeyError::InvalidName {
        name: key.name.clone(),
        reason: "too long for a Key Vault secret name once written the host's way",
    })?;
    Ok((secret, &key.value))
}

/// The secrets of `new`, by name, as the host names them.
fn secrets_of<'s>(doc: Doc<'_>, new: &'s Secrets) -> Result<Vec<(String, &'s SecretString)>, KeyError> {
    match (doc, new) {
        (Doc::Host, Secrets::Host(host)) => {
            let mut out = vec![(MASTER_SECRET.to_owned(), &host.master)];
            for key in &host.function_keys {
                out.push(named(HOST_FUNCTION_KEY_PREFIX, key)?);
            }
            for key in &host.system_keys {
                out.push(named(SYSTEM_KEY_PREFIX, key)?);
            }
            Ok(out)
        }
        (Doc::Function(function), Secrets::Function(secrets)) => {
            let prefix = prefix_of(function)?;
            secrets.keys.iter().map(|key| named(&prefix, key)).collect()
        }
        _ => Err(store("a document was written as the other kind".to_owned())),
    }
}

#[async_trait::async_trait]
impl Backend for KeyVaultBackend {
    async fn check(&self) -> Result<(), KeyError> {
        self.names().await.map(drop)
    }

    async fn read(&self, doc: Doc<'_>) -> Result<Read, KeyError> {
        let names = self.names().await?;
        let prefix = match doc {
            Doc::Host => HOST_PREFIX.to_owned(),
            Doc::Function(function) => prefix_of(function)?,
        };
        let mine: Vec<String> = names.into_iter().filter(|n| strip_prefix_ignore_case(n, &prefix).is_some()).collect();
        let stored = self.values(mine).await?;
        let key = |prefix: &str, (secret, value): &(String, SecretString)| {
            let rest = strip_prefix_ignore_case(secret, prefix)?;
            Some(NamedKey::new(denormalize(rest), value.clone()))
        };
        let secrets = match doc {
            Doc::Host => {
                // The host reads the first master secret; its own is `host--masterKey--master`.
                let mut masters: Vec<_> =
                    stored.iter().filter(|s| strip_prefix_ignore_case(&s.0, MASTER_PREFIX).is_some()).collect();
                masters.sort_by_key(|s| !s.0.eq_ignore_ascii_case(MASTER_SECRET));
                // Without a master key the host starts its keys afresh; the fresh ones are then
                // written over these names, and nothing else is deleted.
                let Some(master) = masters.first() else {
                    return Ok(Read { secrets: None, token: Token::Secrets(Vec::new()) });
                };
                Some(Secrets::Host(HostSecrets {
                    master: master.1.clone(),
                    function_keys: stored.iter().filter_map(|s| key(HOST_FUNCTION_KEY_PREFIX, s)).collect(),
                    system_keys: stored.iter().filter_map(|s| key(SYSTEM_KEY_PREFIX, s)).collect(),
                    meta: FileMeta::default(),
                }))
            }
            Doc::Function(_) if stored.is_empty() => None,
            Doc::Function(_) => Some(Secrets::Function(FunctionSecrets {
                keys: stored.iter().filter_map(|s| key(&prefix, s)).collect(),
                meta: FileMeta::default(),
            })),
        };
        Ok(Read { secrets, token: Token::Secrets(stored) })
    }

    async fn write(&self, doc: Doc<'_>, read: &Read, new: &Secrets) -> Result<bool, KeyError> {
        let wanted = secrets_of(doc, new)?;
        let wanted_names: HashSet<String> = wanted.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
        let stored = match &read.token {
            Token::Secrets(stored) => stored.as_slice(),
            Token::Absent | Token::Etag(_) => &[],
        };
        // Secrets of keys the change removed (or that are not under the host's own name for
        // their key, which is written below instead).
        for (secret, _) in stored {
            if !wanted_names.contains(&secret.to_ascii_lowercase()) {
                self.delete(secret).await?;
            }
        }
        for (name, value) in wanted {
            let unchanged = stored.iter().any(|(secret, old)| {
                secret.eq_ignore_ascii_case(&name) && old.expose_secret() == value.expose_secret()
            });
            if !unchanged {
                self.set(&name, value).await?;
            }
        }
        Ok(true)
    }

    fn location(&self) -> String {
        format!("keys in Key Vault {} ({} credential)", self.vault, self.credential)
    }

    fn kind(&self) -> StorageKind {
        StorageKind::KeyVault
    }

    fn setting(&self) -> &'static str {
        KEY_VAULT_URI
    }
}
