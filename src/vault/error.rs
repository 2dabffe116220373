//! Every way a secret lookup can fail, with what an HTTP layer needs to answer it.
//!
//! Details are written for the operator who has to fix the problem. They are built only from
//! our own words, secret names and Key Vault's error codes: never from values, tokens or upstream
//! message text.

use std::time::Duration;

use super::credential::CredentialKind;

/// Why a secret lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("invalid secret name")]
    InvalidName,
    #[error("invalid secret version")]
    InvalidVersion,
    #[error("secret not found")]
    NotFound { name: String },
    #[error("certificate not found")]
    CertificateNotFound { name: String },
    #[error("access to Key Vault denied ({code})")]
    Forbidden { code: ForbiddenCode },
    #[error("Key Vault is throttling requests")]
    Throttled { retry_after: Option<Duration> },
    #[error("the {kind} credential could not get a token")]
    Credential { kind: CredentialKind, rejected: bool },
    #[error("Key Vault did not answer within {budget_ms} ms")]
    Timeout { budget_ms: u64 },
    #[error("Key Vault is unreachable")]
    Unreachable,
    #[error("Key Vault is not configured")]
    NotConfigured,
    #[error("Key Vault answered unexpectedly")]
    Upstream { status: Option<u16>, code: Option<String>, challenge: bool },
    #[error("the dev vault file cannot be used")]
    DevVault { reason: String },
    /// A listing too long for one request's budget goes on in the background; come back.
    #[error("the answer is being prepared")]
    Preparing { pages: usize, retry_after: Duration },
}

/// The inner code of a Key Vault 403, which says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForbiddenCode {
    Rbac,
    Policy,
    Firewall,
    SecretDisabled,
    Other(Option<String>),
}

impl std::fmt::Display for ForbiddenCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rbac => "ForbiddenByRbac",
            Self::Policy => "ForbiddenByPolicy",
            Self::Firewall => "ForbiddenByFirewall",
            Self::SecretDisabled => "SecretDisabled",
            Self::Other(Some(code)) => code,
            Self::Other(None) => "Forbidden",
        })
    }
}

impl ForbiddenCode {
    /// Reads the most specific code from a Key Vault error body
    /// (`{"error":{"code":"Forbidden","innererror":{"code":"ForbiddenByRbac"}}}`).
    pub fn from_body(body: &[u8]) -> Self {
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let error = &parsed["error"];
        let inner = error["innererror"]["code"].as_str();
        let outer = error["code"].as_str();
        Self::from_code(inner.or(outer))
    }

    pub fn from_code(code: Option<&str>) -> Self {
        match code {
            Some("ForbiddenByRbac") => Self::Rbac,
            Some("ForbiddenByPolicy" | "AccessDenied") => Self::Policy,
            Some("ForbiddenByFirewall" | "ForbiddenByConnection") => Self::Firewall,
            Some("SecretDisabled") => Self::SecretDisabled,
            // Only keep codes that look like codes, so nothing free-form reaches a response.
            Some(code) if is_code_like(code) => Self::Other(Some(code.to_owned())),
            _ => Self::Other(None),
        }
    }
}

fn is_code_like(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl VaultError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidName | Self::InvalidVersion => 400,
            Self::NotFound { .. } | Self::CertificateNotFound { .. } => 404,
            Self::Forbidden { .. } => 403,
            Self::Throttled { .. }
            | Self::Credential { .. }
            | Self::Unreachable
            | Self::NotConfigured
            | Self::DevVault { .. }
            | Self::Preparing { .. } => 503,
            Self::Timeout { .. } => 504,
            Self::Upstream { .. } => 502,
        }
    }

    /// A stable slug for the problem+json `type` member.
    pub fn type_slug(&self) -> &'static str {
        match self {
            Self::InvalidName => "invalid-secret-name",
            Self::InvalidVersion => "invalid-secret-version",
            Self::NotFound { .. } => "secret-not-found",
            Self::CertificateNotFound { .. } => "certificate-not-found",
            Self::Forbidden { code: ForbiddenCode::SecretDisabled } => "secret-disabled",
            Self::Forbidden { .. } => "key-vault-forbidden",
            Self::Throttled { .. } => "key-vault-throttled",
            Self::Credential { .. } => "credential-unavailable",
            Self::Timeout { .. } => "key-vault-timeout",
            Self::Unreachable => "key-vault-unreachable",
            Self::NotConfigured => "key-vault-not-configured",
            Self::Upstream { .. } => "key-vault-upstream-error",
            Self::DevVault { .. } => "dev-vault-unavailable",
            Self::Preparing { .. } => "answer-being-prepared",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Self::InvalidName => "Invalid secret name",
            Self::InvalidVersion => "Invalid secret version",
            Self::NotFound { .. } => "Secret not found",
            Self::CertificateNotFound { .. } => "Certificate not found",
            Self::Forbidden { code: ForbiddenCode::SecretDisabled } => "Secret disabled",
            Self::Forbidden { .. } => "Key Vault access denied",
            Self::Throttled { .. } => "Key Vault is throttling requests",
            Self::Credential { .. } => "Credential unavailable",
            Self::Timeout { .. } => "Key Vault timed out",
            Self::Unreachable => "Key Vault unreachable",
            Self::NotConfigured => "Key Vault not configured",
            Self::Upstream { .. } => "Unexpected Key Vault response",
            Self::DevVault { .. } => "Dev vault unavailable",
            Self::Preparing { .. } => "Answer being prepared",
        }
    }

    /// What the operator should do about it.
    pub fn detail(&self) -> String {
        match self {
            Self::InvalidName => "Key Vault secret names are 1-127 characters of letters, digits and '-'.".into(),
            Self::InvalidVersion => "Key Vault secret versions are 32 hexadecimal characters.".into(),
            Self::NotFound { name } => format!(
                "No secret named '{name}' exists in the vault (SecretNotFound). Check the name in the setting or reference."
            ),
            Self::CertificateNotFound { name } => format!(
                "No certificate named '{name}' exists in the vault (CertificateNotFound). Check the name; a secret of that name may exist without a certificate behind it."
            ),
            Self::Forbidden { code } => forbidden_detail(code),
            Self::Throttled { retry_after } => format!(
                "Key Vault answered 429 Too Many Requests. Retry after {} s; if this persists, raise SECRET_METADATA_TTL_SECONDS.",
                retry_after.unwrap_or(DEFAULT_RETRY_AFTER).as_secs()
            ),
            Self::Credential { kind, rejected: false } => format!(
                "The {kind} credential could not get a token for Key Vault. {}",
                kind.fix_hint()
            ),
            Self::Credential { kind, rejected: true } => format!(
                "Key Vault rejected the token from the {kind} credential (401). Check that the identity belongs to the vault's tenant."
            ),
            Self::Timeout { budget_ms } => format!(
                "Key Vault did not answer within KEY_VAULT_TIMEOUT_MS ({budget_ms} ms). Check the vault's network path (private endpoint, DNS, firewall)."
            ),
            Self::Unreachable => "No connection to Key Vault could be made. Check KEY_VAULT_URL, DNS and outbound network rules.".into(),
            Self::NotConfigured => "Set KEY_VAULT_URL (https://<vault>.vault.azure.net), or VAULTFN_DEV_VAULT for local runs.".into(),
            Self::Upstream { challenge: true, .. } => "Key Vault's authentication challenge names a resource that does not match the vault host. Check KEY_VAULT_URL is the vault's own URL.".into(),
            Self::Upstream { status, code, .. } => format!(
                "Key Vault answered {}{}; see the vault's diagnostics or Azure status.",
                status.map_or_else(|| "with an unreadable response".to_owned(), |s| format!("HTTP {s}")),
                code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            ),
            Self::DevVault { reason } => format!("The dev vault file (VAULTFN_DEV_VAULT) cannot be used: {reason}."),
            Self::Preparing { pages, retry_after } => format!(
                "Key Vault's listing is longer than one request's budget (KEY_VAULT_TIMEOUT_MS): {pages} page(s) read so far, and it goes on in the background. Retry after {} s; the answer is then served from the cache.",
                retry_after.as_secs().max(1)
            ),
        }
    }

    /// Seconds for a `Retry-After` header, when the caller should come back later.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after } => Some(retry_after.unwrap_or(DEFAULT_RETRY_AFTER).as_secs().max(1)),
            Self::Credential { .. } | Self::Unreachable => Some(5),
            Self::Preparing { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            _ => None,
        }
    }

    /// Whether a cached answer may stand in for this failure: only when Key Vault could not be
    /// asked. A 403 or 404 is Key Vault's current answer and must not be papered over.
    pub fn allows_stale(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. }
                | Self::Credential { .. }
                | Self::Timeout { .. }
                | Self::Unreachable
                | Self::Upstream { .. }
                | Self::Preparing { .. }
        )
    }
}

const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

fn forbidden_detail(code: &ForbiddenCode) -> String {
    match code {
        ForbiddenCode::Rbac => "Key Vault refused the identity (ForbiddenByRbac). Assign it the role \"Key Vault Reader\" for metadata, or \"Key Vault Secrets User\" for values, on the vault.".into(),
        ForbiddenCode::Policy => "Key Vault refused the identity (ForbiddenByPolicy). Add an access policy granting secret List (metadata) and Get (values), and certificate List and Get for certificates, or switch the vault to Azure RBAC.".into(),
        ForbiddenCode::Firewall => "Key Vault's firewall refused the caller (ForbiddenByFirewall). Allow the app's outbound IPs or VNet in the vault's network rules, or use a private endpoint.".into(),
        ForbiddenCode::SecretDisabled => "The secret's current version is disabled (SecretDisabled). Enable it or create a new version.".into(),
        ForbiddenCode::Other(code) => format!(
            "Key Vault answered 403 ({}). Check the identity's role assignments and the vault's network rules.",
            code.as_deref().unwrap_or("Forbidden")
        ),
    }
}

/// Key Vault's secret name grammar, checked before any request so bad input never reaches it.
pub fn validate_name(name: &str) -> Result<(), VaultError> {
    if crate::reference::is_secret_name(name) { Ok(()) } else { Err(VaultError::InvalidName) }
}

/// Key Vault versions are 32 hex characters.
pub fn validate_version(version: &str) -> Result<(), VaultError> {
    let ok = version.len() == 32 && version.bytes().all(|b| b.is_ascii_hexdigit());
    if ok { Ok(()) } else { Err(VaultError::InvalidVersion) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_key_vault_grammar() {
        assert!(validate_name("a").is_ok());
        assert!(validate_name(&"a-1".repeat(43)[..127]).is_ok());
        for bad in ["", "a_b", "a/b", "a.b", "..", "é", "a b", &"a".repeat(128)] {
            assert_eq!(validate_name(bad), Err(VaultError::InvalidName), "{bad:?}");
        }
    }

    #[test]
    fn inner_code_wins_over_outer() {
        let body = br#"{"error":{"code":"Forbidden","message":"x","innererror":{"code":"ForbiddenByRbac"}}}"#;
        assert_eq!(ForbiddenCode::from_body(body), ForbiddenCode::Rbac);
        let body = br#"{"error":{"code":"SecretDisabled","message":"x"}}"#;
        assert_eq!(ForbiddenCode::from_body(body), ForbiddenCode::SecretDisabled);
        assert_eq!(ForbiddenCode::from_body(b"not json"), ForbiddenCode::Other(None));
        let odd = br#"{"error":{"code":"has spaces and <html>"}}"#;
        assert_eq!(ForbiddenCode::from_body(odd), ForbiddenCode::Other(None));
    }

    #[test]
    fn statuses_match_the_contract() {
        assert_eq!(VaultError::InvalidName.status(), 400);
        assert_eq!(VaultError::Throttled { retry_after: None }.status(), 503);
        assert_eq!(VaultError::Throttled { retry_after: Some(Duration::from_secs(7)) }.retry_after(), Some(7));
        assert_eq!(VaultError::Timeout { budget_ms: 5 }.status(), 504);
        assert_eq!(VaultError::NotConfigured.status(), 503);
        let rbac = VaultError::Forbidden { code: ForbiddenCode::Rbac };
        assert!(rbac.detail().contains("Key Vault Reader"));
        assert!(!rbac.allows_stale());
    }
}
