//! The one credential the process uses, chosen explicitly from the settings.
//!
//! There is no default chain on purpose: a chain that silently falls through to IMDS hangs for
//! about 72 s off Azure, and one that silently picks developer tools in Azure hides a missing
//! managed identity.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_core::time::Duration;
use azure_identity::{
    ClientAssertionCredential, ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    DeveloperToolsCredential, ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use secrecy::ExposeSecret;

use std::collections::HashMap;
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

use super::client_certificate::{CertificateAssertion, ClientCertificate};
use crate::config_error::{ConfigError, bad};
use crate::http_client::Overrides;

/// Entra ID's public-cloud authority, when `AZURE_AUTHORITY_HOST` names none.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

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
    /// `AZURE_CLIENT_CERTIFICATE_PATH`: PEM with its key, or PFX.
    pub client_certificate_path: Option<PathBuf>,
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`: opens a PFX.
    pub client_certificate_password: Option<SecretString>,
    /// `AZURE_AUTHORITY_HOST`: Entra ID's host for a sovereign cloud (or a test's token endpoint).
    /// Handed to the SDK explicitly, so the URL a secret or assertion is posted to and the
    /// audience signed into an assertion come from the same setting.
    pub authority_host: Option<Url>,
    pub federated_token_file: Option<PathBuf>,
    /// `WEBSITE_INSTANCE_ID` is set: developer tools and the dev vault are refused.
    pub in_azure: bool,
    /// Test doubles' CA and pinned addresses: the credential's own HTTP client honours them, as
    /// Key Vault's and ARM's do.
    pub overrides: Overrides,
}

fn get<'a>(vars: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
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
        let authority_host = get(vars, "AZURE_AUTHORITY_HOST").map(parse_authority).transpose()?;
        let in_azure = get(vars, "WEBSITE_INSTANCE_ID").is_some();
        let secret = |key| get(vars, key).map(|v| SecretString::from(v.to_owned()));
        Ok(Self {
            forced,
            imds,
            identity_endpoint,
            identity_header: secret("IDENTITY_HEADER"),
            client_id: get(vars, "AZURE_CLIENT_ID").map(str::to_owned),
            tenant_id: get(vars, "AZURE_TENANT_ID").map(str::to_owned),
            client_secret: secret("AZURE_CLIENT_SECRET"),
            client_certificate_path: get(vars, "AZURE_CLIENT_CERTIFICATE_PATH").map(PathBuf::from),
            // Not trimmed: a password may begin or end with a space.
            client_certificate_password: vars
                .get("AZURE_CLIENT_CERTIFICATE_PASSWORD")
                .filter(|v| !v.is_empty())
                .map(|v| SecretString::from(v.clone())),
            authority_host,
            federated_token_file: get(vars, "AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            in_azure,
            overrides: crate::http_client::test_overrides(vars, in_azure)?,
        })
    }

    /// The authority the Entra ID credentials post to: `AZURE_AUTHORITY_HOST`, else the public cloud's.
    pub fn authority(&self) -> Url {
        self.authority_host.clone().unwrap_or_else(|| Url::parse(DEFAULT_AUTHORITY).expect("a valid constant URL"))
    }
}

/// An https URL with a host and nothing else that could change where a secret goes.
fn parse_authority(raw: &str) -> Result<Url, ConfigError> {
    const SETTING: &str = "AZURE_AUTHORITY_HOST";
    let url = Url::parse(raw).map_err(|_| bad(SETTING, "is not a URL; expected https://login.microsoftonline.com"))?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err(bad(SETTING, "must be an https URL with a host, like https://login.microsoftonline.com"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(SETTING, "must be the authority's base URL, without credentials, query or fragment"));
    }
    Ok(url)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    AppServiceManagedIdentity,
    ImdsManagedIdentity,
    ClientCertificate,
    ClientSecret,
    WorkloadIdentity,
    DeveloperTools,
}

impl CredentialKind {
    /// In the order [`select_kind`] tries them.
    pub const ALL: [Self; 6] = [
        Self::AppServiceManagedIdentity,
        Self::ImdsManagedIdentity,
        Self::ClientCertificate,
        Self::ClientSecret,
        Self::WorkloadIdentity,
        Self::DeveloperTools,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppServiceManagedIdentity => "app-service-managed-identity",
            Self::ImdsManagedIdentity => "imds-managed-identity",
            Self::ClientCertificate => "client-certificate",
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
            Self::ClientCertificate => {
                "Check AZURE_TENANT_ID, AZURE_CLIENT_ID, that the certificate in AZURE_CLIENT_CERTIFICATE_PATH is uploaded to that app registration and has not expired, and AZURE_AUTHORITY_HOST for a sovereign cloud."
            }
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
    } else if s.client_certificate_path.is_some() {
        CredentialKind::ClientCertificate
    } else if s.client_secret.is_some() {
        CredentialKind::ClientSecret
    } else if s.federated_token_file.is_some() {
        CredentialKind::WorkloadIdentity
    } else if !s.in_azure {
        CredentialKind::DeveloperTools
    } else {
        return Err(missing(
            "KEY_VAULT_CREDENTIAL",
            "running in Azure without a credential: enable the app's managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_CERTIFICATE_PATH or AZURE_CLIENT_SECRET",
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
        ClientCertificate | ClientSecret | WorkloadIdentity if s.tenant_id.is_none() => {
            Err(missing("AZURE_TENANT_ID", &format!("is required for {kind}")))
        }
        ClientCertificate | ClientSecret | WorkloadIdentity if s.client_id.is_none() => {
            Err(missing("AZURE_CLIENT_ID", &format!("is required for {kind}")))
        }
        ClientCertificate if s.client_certificate_path.is_none() => {
            Err(missing("AZURE_CLIENT_CERTIFICATE_PATH", "is required for client-certificate"))
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
    let sdk = |e: azure_core::Error| {
        // SDK messages can quote settings; keep only the kind so no secret is repeated.
        missing("KEY_VAULT_CREDENTIAL", &format!("the {kind} credential could not be created ({:?})", e.kind()))
    };
    // The credentials' own token requests go through the same kind of client as Key Vault's and
    // ARM's, so the test settings point them at local endpoints too.
    let client_options = || -> Result<ClientOptions, ConfigError> {
        let http = s
            .overrides
            .builder()?
            .connect_timeout(std::time::Duration::from_secs(10))
            .read_timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|_| bad("KEY_VAULT_CA_FILE", "the HTTPS client could not be built with these certificates"))?;
        Ok(ClientOptions {
            retry: tight_retry(),
            transport: Some(Transport::new(crate::http_client::traced(http))),
            ..Default::default()
        })
    };
    // Entra ID credentials get the authority from the settings rather than letting the SDK read
    // the process environment: an assertion's audience is signed for the same URL it is posted to.
    let entra_options = || -> Result<ClientOptions, ConfigError> {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = s.authority().to_string();
        Ok(ClientOptions { cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))), ..client_options()? })
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
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id,
                client_options: client_options()?,
            }))
            .map_err(sdk)?
        }
        CredentialKind::ClientCertificate => {
            let (Some(tenant), Some(client), Some(path)) = (&s.tenant_id, &s.client_id, &s.client_certificate_path)
            else {
                unreachable!("checked by select_kind")
            };
            let certificate = ClientCertificate::load(path, s.client_certificate_password.as_ref())?;
            let assertion = CertificateAssertion::new(&s.authority(), tenant, client, certificate)?;
            ClientAssertionCredential::new(
                tenant.clone(),
                client.clone(),
                assertion,
                Some(ClientAssertionCredentialOptions { client_options: entra_options()? }),
            )
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
                Some(ClientSecretCredentialOptions { client_options: entra_options()? }),
            )
            .map_err(sdk)?
        }
        CredentialKind::WorkloadIdentity => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions { client_options: entra_options()? },
            client_id: s.client_id.clone(),
            tenant_id: s.tenant_id.clone(),
            token_file_path: s.federated_token_file.clone(),
        }))
        .map_err(sdk)?,
        // Runs `az`/`azd`: no HTTP client of its own.
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
    fn a_certificate_comes_after_managed_identity_and_before_a_secret() {
        let mut s = settings();
        s.tenant_id = Some("t".into());
        s.client_id = Some("c".into());
        s.client_secret = Some(SecretString::from("sshh"));
        s.client_certificate_path = Some("/certs/app.pem".into());
        assert_eq!(select_kind(&s), Ok(CredentialKind::ClientCertificate));
        s.imds = true;
        assert_eq!(select_kind(&s), Ok(CredentialKind::ImdsManagedIdentity));
        s.imds = false;
        s.tenant_id = None;
        assert_eq!(select_kind(&s).unwrap_err().setting, "AZURE_TENANT_ID");
        let mut forced = settings();
        forced.forced = Some(CredentialKind::ClientCertificate);
        forced.tenant_id = Some("t".into());
        forced.client_id = Some("c".into());
        assert_eq!(select_kind(&forced).unwrap_err().setting, "AZURE_CLIENT_CERTIFICATE_PATH");
    }

    #[test]
    fn certificate_settings_are_read_and_the_authority_checked() {
        let vars = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let s = CredentialSettings::from_vars(&vars(&[
            ("AZURE_CLIENT_CERTIFICATE_PATH", "/certs/app.pfx"),
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", " pass word "),
            ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us"),
        ]))
        .unwrap();
        assert_eq!(s.client_certificate_path.as_deref(), Some(std::path::Path::new("/certs/app.pfx")));
        assert_eq!(s.client_certificate_password.as_ref().unwrap().expose_secret(), " pass word ");
        assert_eq!(s.authority().as_str(), "https://login.microsoftonline.us/");
        assert_eq!(CredentialSettings::default().authority().as_str(), "https://login.microsoftonline.com/");
        for bad in
            ["http://login.microsoftonline.com", "https://u:p@login.example", "https://login.example/?x=1", "nope"]
        {
            let err = CredentialSettings::from_vars(&vars(&[("AZURE_AUTHORITY_HOST", bad)])).unwrap_err();
            assert_eq!(err.setting, "AZURE_AUTHORITY_HOST");
            assert!(!err.to_string().contains(bad), "{err} echoes the value");
        }
        let err =
            CredentialSettings::from_vars(&vars(&[("WEBSITE_INSTANCE_ID", "i"), ("KEY_VAULT_CA_FILE", "/ca.pem")]))
                .unwrap_err();
        assert_eq!(err.setting, "KEY_VAULT_CA_FILE");
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
