//! Every setting the handler reads, and who is expected to set it. The Bicep template sets the
//! `Deploy` ones (a test keeps the two in step); README's settings table documents them all.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Set by the deployment (infra/main.bicep).
    Deploy,
    /// Set by the platform or the Functions host, never by hand.
    Platform,
    /// Chooses another credential than the App Service managed identity (CI, AKS, a VM, a laptop).
    OtherCredential,
    /// Local runs and tests only; refused or meaningless in Azure.
    Local,
    /// Set by hand where the default does not fit (a sovereign cloud, a site the platform
    /// variables do not name).
    Optional,
}

pub struct Setting {
    pub name: &'static str,
    pub origin: Origin,
}

const fn s(name: &'static str, origin: Origin) -> Setting {
    Setting { name, origin }
}

pub const SETTINGS: &[Setting] = &[
    s("CONFIG_CHECK_SETTINGS", Origin::Deploy),
    s("KEY_VAULT_URL", Origin::Deploy),
    s("KEY_VAULT_TIMEOUT_MS", Origin::Deploy),
    s("SECRET_METADATA_TTL_SECONDS", Origin::Deploy),
    s("SECRET_EXPIRY_WARNING_DAYS", Origin::Deploy),
    s("CERTIFICATE_EXPIRY_WARNING_DAYS", Origin::Optional),
    s("KEY_VAULT_CREDENTIAL", Origin::Deploy),
    s("AZURE_CLIENT_ID", Origin::Deploy),
    s("RUST_LOG", Origin::Deploy),
    s("FUNCTIONS_CUSTOMHANDLER_PORT", Origin::Platform),
    s("IDENTITY_ENDPOINT", Origin::Platform),
    s("IDENTITY_HEADER", Origin::Platform),
    s("WEBSITE_INSTANCE_ID", Origin::Platform),
    s("WEBSITE_KEYVAULT_REFERENCES", Origin::Platform),
    s("AZURE_TENANT_ID", Origin::OtherCredential),
    s("AZURE_CLIENT_SECRET", Origin::OtherCredential),
    s("AZURE_CLIENT_CERTIFICATE_PATH", Origin::OtherCredential),
    s("AZURE_CLIENT_CERTIFICATE_PASSWORD", Origin::OtherCredential),
    s("AZURE_AUTHORITY_HOST", Origin::OtherCredential),
    s("AZURE_FEDERATED_TOKEN_FILE", Origin::OtherCredential),
    s("AZURE_MANAGED_IDENTITY", Origin::OtherCredential),
    s("KEY_VAULT_CA_FILE", Origin::Local),
    s("VAULTFN_DEV_VAULT", Origin::Local),
    s("VAULTFN_TEST_RESOLVE", Origin::Local),
    s("VAULTFN_KEY_VAULT_EMULATOR", Origin::Local),
    s("REFRESH_REFERENCES_ON_ROTATION", Origin::Deploy),
    s("REFRESH_DEBOUNCE_SECONDS", Origin::Deploy),
    s("WEBSITE_OWNER_NAME", Origin::Platform),
    s("WEBSITE_RESOURCE_GROUP", Origin::Platform),
    s("WEBSITE_SITE_NAME", Origin::Platform),
    s("AZURE_RESOURCE_MANAGER_URL", Origin::Optional),
    s("AZURE_FUNCTIONAPP_RESOURCE_ID", Origin::Optional),
    s("APPLICATIONINSIGHTS_CONNECTION_STRING", Origin::Platform),
    s("VAULTFN_TELEMETRY_INTERVAL_MS", Origin::Optional),
    s("VAULTFN_TELEMETRY_MAX_PER_SECOND", Origin::Optional),
];
