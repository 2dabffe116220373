//! The one credential the process uses, chosen explicitly from the settings.
//!
//! There is no default chain on purpose: a chain that silently falls through to IMDS hangs for
//! about 72 s off Azure, and one that silently picks developer tools in Azure hides a missing
//! managed identity.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions};
use azure_core::time::Duration;
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use secrecy::ExposeSecret;

use std::collections::HashMap;
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

use super::config::get;
use crate::config_error::{ConfigError, bad};

/// What the credential choice depends on.
#[derive(Debug, Clone, Default)]
pub struct CredentialSettings {
    pub forced: Option<CredentialKind>,
    /// `AZURE_MANAGED_IDENTITY=imds`: the only way to reach IMDS, which hangs off Azure.
    pub imds: bool,
    pub identity_endpoint: Option<String>,
    pub identity_header: Option<SecretString>,
    pub client_id: Option<String>,
    pub tenant_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub federated_token_file: Option<PathBuf>,
    /// `WEBSITE_INSTANCE_ID` is set: developer tools and the dev vault are refused.
    pub in_azure: bool,
}

impl CredentialSettings {
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let forced = get(vars, "KEY_VAULT_CREDENTIAL")
            .map(|raw| {
                raw.parse::<CredentialKind>().map_err(|_| {
                    bad(
                        "KEY_VAULT_CREDENTIAL",
                        format!("must be one of: {}", CredentialKind::ALL.map(|k| k.as_str()).join(", ")),
                    )
                })
            })
            .transpose()?;
        let imds = match get(vars, "AZURE_MANAGED_IDENTITY") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("imds") => true,
            Some(_) => {
                return Err(bad("AZURE_MANAGED_IDENTITY", "the only accepted value is 'imds'"));
            }
        };
        let identity_endpoint = get(vars, "IDENTITY_ENDPOINT").map(str::to_owned);
        if let Some(endpoint) = &identity_endpoint {
            let ok = Url::parse(endpoint).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(bad("IDENTITY_ENDPOINT", "must be an http(s) URL"));
            }
        }
        let secret = |key| get(vars, key).map(|v| SecretString::from(v.to_owned()));
        Ok(Self {
            forced,
            imds,
            identity_endpoint,
            identity_header: secret("IDENTITY_HEADER"),
            client_id: get(vars, "AZURE_CLIENT_ID").map(str::to_owned),
            tenant_id: get(vars, "AZURE_TENANT_ID").map(str::to_owned),
            client_secret: secret("AZURE_CLIENT_SECRET"),
            federated_token_file: get(vars, "AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            in_azure: get(vars, "WEBSITE_INSTANCE_ID").is_some(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    AppServiceManagedIdentity,
    ImdsManagedIdentity,
    ClientSecret,
    WorkloadIdentity,
    DeveloperTools,
}

impl CredentialKind {
    pub const ALL: [Self; 5] = [
        Self::AppServiceManagedIdentity,
        Self::ImdsManagedIdentity,
        Self::ClientSecret,
        Self::WorkloadIdentity,
        Self::DeveloperTools,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppServiceManagedIdentity => "app-service-managed-identity",
            Self::ImdsManagedIdentity => "imds-managed-identity",
            Self::ClientSecret => "client-secret",
            Self::WorkloadIdentity => "workload-identity",
            Self::DeveloperTools => "developer-tools",
        }
    }

    /// What usually fixes a token failure of this kind.
    pub fn fix_hint(self) -> &'static str {
        match self {
            Self::AppServiceManagedIdentity => {
                "Check that the app's managed identity is enabled and, for a user-assigned one, that AZURE_CLIENT_ID is its client ID."
            }
            Self::ImdsManagedIdentity => "Check that the VM has a managed identity and can reach 169.254.169.254.",
            Self::ClientSecret => {
                "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and that AZURE_CLIENT_SECRET has not expired."
            }
            Self::WorkloadIdentity => {
                "Check AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID and the federated credential on the app registration."
            }
            Self::DeveloperTools => "Run `az login` (or `azd auth login`) and try again.",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CredentialKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim())).ok_or(())
    }
}

/// Decides which credential the settings ask for, without building it.
pub fn select_kind(s: &CredentialSettings) -> Result<CredentialKind, ConfigError> {
    let kind = if let Some(forced) = s.forced {
        forced
    } else if s.identity_endpoint.is_some() && s.identity_header.is_some() {
        CredentialKind::AppServiceManagedIdentity
    } else if s.imds {
        CredentialKind::ImdsManagedIdentity
    } else if s.client_secret.is_some() {
        CredentialKind::ClientSecret
    } else if s.federated_token_file.is_some() {
        CredentialKind::WorkloadIdentity
    } else if !s.in_azure {
        CredentialKind::DeveloperTools
    } else {
        return Err(missing(
            "KEY_VAULT_CREDENTIAL",
            "running in Azure without a credential: enable the app's managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
        ));
    };
    check_requirements(kind, s)?;
    Ok(kind)
}

fn missing(setting: &'static str, reason: &str) -> ConfigError {
    ConfigError { setting, reason: reason.to_owned() }
}

fn check_requirements(kind: CredentialKind, s: &CredentialSettings) -> Result<(), ConfigError> {
    use CredentialKind::*;
    match kind {
        AppServiceManagedIdentity if s.identity_endpoint.is_none() => {
            Err(missing("IDENTITY_ENDPOINT", "is required for app-service-managed-identity"))
        }
        AppServiceManagedIdentity if s.identity_header.is_none() => {
            Err(missing("IDENTITY_HEADER", "is required for app-service-managed-identity"))
        }
        // The SDK picks its managed identity source from the process environment, so an
        // IDENTITY_ENDPOINT would silently turn an IMDS request into an App Service one.
        ImdsManagedIdentity if s.identity_endpoint.is_some() => {
            Err(missing("AZURE_MANAGED_IDENTITY", "IMDS was asked for but IDENTITY_ENDPOINT is set; unset one of them"))
        }
        ClientSecret | WorkloadIdentity if s.tenant_id.is_none() => {
            Err(missing("AZURE_TENANT_ID", "is required for client-secret and workload-identity"))
        }
        ClientSecret | WorkloadIdentity if s.client_id.is_none() => {
            Err(missing("AZURE_CLIENT_ID", "is required for client-secret and workload-identity"))
        }
        ClientSecret if s.client_secret.is_none() => {
            Err(missing("AZURE_CLIENT_SECRET", "is required for client-secret"))
        }
        WorkloadIdentity if s.federated_token_file.is_none() => {
            Err(missing("AZURE_FEDERATED_TOKEN_FILE", "is required for workload-identity"))
        }
        DeveloperTools if s.in_azure => Err(missing(
            "KEY_VAULT_CREDENTIAL",
            "developer-tools (az/azd) is refused when running in Azure (WEBSITE_INSTANCE_ID is set); use the managed identity",
        )),
        _ => Ok(()),
    }
}

/// Few, short retries: a request handler would rather answer 503 than wait out the SDK's ~82 s.
pub(crate) fn tight_retry() -> RetryOptions {
    RetryOptions::exponential(ExponentialRetryOptions {
        initial_delay: Duration::milliseconds(100),
        max_retries: 2,
        max_total_elapsed: Duration::seconds(2),
        max_delay: Duration::seconds(1),
    })
}

/// Builds the credential the settings ask for. Shared by the handler and the CLI.
pub fn build_credential(s: &CredentialSettings) -> Result<(CredentialKind, Arc<dyn TokenCredential>), ConfigError> {
    let kind = select_kind(s)?;
    crate::http_client::install_crypto_provider();
    let client_options = ClientOptions { retry: tight_retry(), ..Default::default() };
    let sdk = |e: azure_core::Error| {
        // SDK messages can quote settings; keep only the kind so no secret is repeated.
        missing("KEY_VAULT_CREDENTIAL", &format!("the {kind} credential could not be created ({:?})", e.kind()))
    };
    let credential: Arc<dyn TokenCredential> = match kind {
        CredentialKind::AppServiceManagedIdentity | CredentialKind::ImdsManagedIdentity => {
            if kind == CredentialKind::AppServiceManagedIdentity {
                // The SDK reads the endpoint from the process environment, not from us.
                let process = std::env::var("IDENTITY_ENDPOINT").ok();
                if process.as_deref() != s.identity_endpoint.as_deref() || std::env::var_os("IDENTITY_HEADER").is_none()
                {
                    return Err(missing(
                        "IDENTITY_ENDPOINT",
                        "must be set in the process environment together with IDENTITY_HEADER",
                    ));
                }
            }
            // The SDK ignores AZURE_CLIENT_ID for managed identity: a user-assigned identity
            // has to be named in code.
            let user_assigned_id = s.client_id.clone().map(UserAssignedId::ClientId);
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions { user_assigned_id, client_options }))
                .map_err(sdk)?
        }
        CredentialKind::ClientSecret => {
            let (Some(tenant), Some(client), Some(secret)) = (&s.tenant_id, &s.client_id, &s.client_secret) else {
                unreachable!("checked by select_kind")
            };
            ClientSecretCredential::new(
                tenant,
                client.clone(),
                Secret::new(secret.expose_secret().to_owned()),
                Some(ClientSecretCredentialOptions { client_options }),
            )
            .map_err(sdk)?
        }
        CredentialKind::WorkloadIdentity => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions { client_options },
            client_id: s.client_id.clone(),
            tenant_id: s.tenant_id.clone(),
            token_file_path: s.federated_token_file.clone(),
        }))
        .map_err(sdk)?,
        CredentialKind::DeveloperTools => DeveloperToolsCredential::new(None).map_err(sdk)?,
    };
    tracing::info!(credential = %kind, user_assigned = s.client_id.is_some(), "Key Vault credential selected");
    Ok((kind, credential))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn settings() -> CredentialSettings {
        CredentialSettings::default()
    }

    #[test]
    fn kinds_round_trip() {
        for kind in CredentialKind::ALL {
            assert_eq!(kind.to_string().parse::<CredentialKind>(), Ok(kind));
        }
    }

    #[test]
    fn selection_order() {
        let mut s = settings();
        assert_eq!(select_kind(&s), Ok(CredentialKind::DeveloperTools));
        s.in_azure = true;
        assert!(select_kind(&s).is_err(), "no developer tools in Azure");
        s.tenant_id = Some("t".into());
        s.client_id = Some("c".into());
        s.client_secret = Some(SecretString::from("sshh"));
        assert_eq!(select_kind(&s), Ok(CredentialKind::ClientSecret));
        s.identity_endpoint = Some("http://127.0.0.1:1/msi".into());
        s.identity_header = Some(SecretString::from("h"));
        assert_eq!(select_kind(&s), Ok(CredentialKind::AppServiceManagedIdentity));
    }

    #[test]
    fn imds_only_when_asked() {
        let mut s = settings();
        s.imds = true;
        assert_eq!(select_kind(&s), Ok(CredentialKind::ImdsManagedIdentity));
        s.identity_endpoint = Some("http://127.0.0.1:1/msi".into());
        assert_eq!(select_kind(&s).unwrap_err().setting, "AZURE_MANAGED_IDENTITY");
    }

    #[test]
    fn forced_kind_reports_what_is_missing() {
        let mut s = settings();
        s.forced = Some(CredentialKind::WorkloadIdentity);
        s.tenant_id = Some("t".into());
        s.client_id = Some("c".into());
        assert_eq!(select_kind(&s).unwrap_err().setting, "AZURE_FEDERATED_TOKEN_FILE");
    }
}
