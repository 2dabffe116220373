//! Key Vault references as App Service writes them in app settings:
//! `@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{name}[/{version}])` and
//! `@Microsoft.KeyVault(VaultName={vault};SecretName={name}[;SecretVersion={version}])`.
//!
//! Errors describe what is wrong without quoting the input: an unparseable reference is still a
//! setting's value, and no part of a value leaves the process.

mod lint;

use serde::Serialize;

pub use lint::{Lint, lint, lint_all};

pub const PREFIX: &str = "@Microsoft.KeyVault(";

/// DNS suffixes of Key Vault in the public and sovereign clouds.
pub const VAULT_DNS_SUFFIXES: &[&str] =
    &["vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Syntax {
    SecretUri,
    VaultName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyVaultReference {
    pub syntax: Syntax,
    pub vault: String,
    /// `https://{vault}.{suffix}`; the public cloud's suffix when the reference names only the vault.
    pub vault_url: String,
    pub secret: String,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("it does not start with @Microsoft.KeyVault(")]
    NoPrefix,
    #[error("it has no closing parenthesis")]
    Unclosed,
    #[error("text follows the closing parenthesis")]
    TrailingText,
    #[error("a part is not of the form Name=Value")]
    MalformedPart,
    #[error("it has an unknown part (known: SecretUri, VaultName, SecretName, SecretVersion)")]
    UnknownPart,
    #[error("the part {0} appears twice")]
    DuplicatePart(&'static str),
    #[error("it mixes SecretUri with VaultName/SecretName/SecretVersion")]
    MixedSyntax,
    #[error("it names no vault (VaultName) or no secret (SecretName)")]
    Incomplete,
    #[error(
        "SecretUri is not https://<vault>.vault.azure.net/secrets/<name>[/<version>] (or a sovereign-cloud vault host)"
    )]
    BadSecretUri,
    #[error("the vault name is not 3-24 letters, digits or hyphens starting with a letter")]
    BadVaultName,
    #[error("the secret name is not 1-127 letters, digits or hyphens")]
    BadSecretName,
    #[error("the secret version is not 32 hexadecimal characters")]
    BadVersion,
}

/// True when the value still carries the reference marker, i.e. the platform did not resolve it.
pub fn is_reference(value: &str) -> bool {
    let trimmed = value.trim_start().as_bytes();
    trimmed.len() >= PREFIX.len() && trimmed[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes())
}

pub fn parse(value: &str) -> Result<KeyVaultReference, ReferenceError> {
    let trimmed = value.trim();
    if !is_reference(trimmed) {
        return Err(ReferenceError::NoPrefix);
    }
    let inner = &trimmed[PREFIX.len()..];
    let close = inner.rfind(')').ok_or(ReferenceError::Unclosed)?;
    if !inner[close + 1..].trim().is_empty() {
        return Err(ReferenceError::TrailingText);
    }
    let mut parts = Parts::default();
    for part in inner[..close].split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, val) = part.split_once('=').ok_or(ReferenceError::MalformedPart)?;
        parts.set(key.trim(), val.trim())?;
    }
    parts.into_reference()
}

#[derive(Default)]
struct Parts<'a> {
    secret_uri: Option<&'a str>,
    vault_name: Option<&'a str>,
    secret_name: Option<&'a str>,
    secret_version: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn set(&mut self, key: &str, val: &'a str) -> Result<(), ReferenceError> {
        let (slot, name) = match key.to_ascii_lowercase().as_str() {
            "secreturi" => (&mut self.secret_uri, "SecretUri"),
            "vaultname" => (&mut self.vault_name, "VaultName"),
            "secretname" => (&mut self.secret_name, "SecretName"),
            "secretversion" => (&mut self.secret_version, "SecretVersion"),
            _ => return Err(ReferenceError::UnknownPart),
        };
        if slot.replace(val).is_some() {
            return Err(ReferenceError::DuplicatePart(name));
        }
        Ok(())
    }

    fn into_reference(self) -> Result<KeyVaultReference, ReferenceError> {
        if let Some(uri) = self.secret_uri {
            if self.vault_name.is_some() || self.secret_name.is_some() || self.secret_version.is_some() {
                return Err(ReferenceError::MixedSyntax);
            }
            return parse_secret_uri(uri);
        }
        let (Some(vault), Some(secret)) = (self.vault_name, self.secret_name) else {
            return Err(ReferenceError::Incomplete);
        };
        let version = self.secret_version.filter(|v| !v.is_empty());
        validate(vault, secret, version)?;
        Ok(KeyVaultReference {
            syntax: Syntax::VaultName,
            vault: vault.to_owned(),
            vault_url: format!("https://{vault}.{}", VAULT_DNS_SUFFIXES[0]),
            secret: secret.to_owned(),
            version: version.map(str::to_owned),
        })
    }
}

fn parse_secret_uri(uri: &str) -> Result<KeyVaultReference, ReferenceError> {
    let rest = strip_prefix_ignore_case(uri, "https://").ok_or(ReferenceError::BadSecretUri)?;
    let (host, path) = rest.split_once('/').ok_or(ReferenceError::BadSecretUri)?;
    let host = host.strip_suffix(":443").unwrap_or(host).to_ascii_lowercase();
    let (vault, suffix) = host.split_once('.').ok_or(ReferenceError::BadSecretUri)?;
    if !VAULT_DNS_SUFFIXES.contains(&suffix) {
        return Err(ReferenceError::BadSecretUri);
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/');
    if !segments.next().is_some_and(|s| s.eq_ignore_ascii_case("secrets")) {
        return Err(ReferenceError::BadSecretUri);
    }
    let secret = segments.next().filter(|s| !s.is_empty()).ok_or(ReferenceError::BadSecretUri)?;
    let version = segments.next().filter(|s| !s.is_empty());
    if segments.any(|s| !s.is_empty()) {
        return Err(ReferenceError::BadSecretUri);
    }
    validate(vault, secret, version)?;
    Ok(KeyVaultReference {
        syntax: Syntax::SecretUri,
        vault: vault.to_owned(),
        vault_url: format!("https://{host}"),
        secret: secret.to_owned(),
        version: version.map(str::to_owned),
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

fn validate(vault: &str, secret: &str, version: Option<&str>) -> Result<(), ReferenceError> {
    if !is_vault_name(vault) {
        return Err(ReferenceError::BadVaultName);
    }
    if !is_secret_name(secret) {
        return Err(ReferenceError::BadSecretName);
    }
    if version.is_some_and(|v| v.len() != 32 || !v.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(ReferenceError::BadVersion);
    }
    Ok(())
}

/// Key Vault's vault-name grammar: 3-24 of `[a-zA-Z0-9-]`, starting with a letter.
pub fn is_vault_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Key Vault's secret-name grammar: 1-127 of `[a-zA-Z0-9-]`.
pub fn is_secret_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests;
