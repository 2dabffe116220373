//! What App Service itself says about each Key Vault reference: `WEBSITE_KEYVAULT_REFERENCES`, a
//! read-only variable the platform sets, JSON mapping each setting to its raw reference and the
//! status of its resolution. The set of statuses is open: unknown ones pass through verbatim.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::reference::KeyVaultReference;

pub const VARIABLE: &str = "WEBSITE_KEYVAULT_REFERENCES";
pub const RESOLVED: &str = "Resolved";

/// One entry of the variable. The raw reference names a vault and a secret, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformReference {
    #[serde(default)]
    pub raw_reference: String,
    #[serde(default)]
    pub status: String,
}

/// The platform's view, by setting name; `Err` says why the variable could not be read (a warning,
/// never a failure: the app's own view still stands).
pub fn parse(raw: Option<&str>) -> Result<BTreeMap<String, PlatformReference>, String> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    serde_json::from_str::<BTreeMap<String, PlatformReference>>(raw).map_err(|e| {
        // The position only: the text is the platform's, but it is still not echoed.
        format!(
            "{VARIABLE} is not the JSON object the platform writes (setting name -> {{rawReference, status}}): error at line {}, column {}",
            e.line(),
            e.column()
        )
    })
}

/// What to do about a reference the platform reports with `status`.
pub fn status_hint(setting: &str, status: &str, reference: Option<&KeyVaultReference>) -> String {
    let vault = reference.map_or("the vault", |r| r.vault.as_str());
    let secret = reference.map_or("the secret", |r| r.secret.as_str());
    match status {
        "Initialized" => format!(
            "The platform has not resolved {setting} yet (the setting is new or the app is starting); check again in a minute."
        ),
        "MSINotEnabled" => format!(
            "The platform found no managed identity to resolve {setting} with: enable the app's system-assigned identity, or assign the user-assigned one and set keyVaultReferenceIdentity to it."
        ),
        "AccessToKeyVaultDenied" => format!(
            "The app's identity was denied by vault {vault}: grant it the role \"Key Vault Secrets User\" on the vault (or a Get secret access policy); if the vault has a firewall or private endpoint, admit the app's outbound network."
        ),
        "VaultNotFound" => format!(
            "Vault {vault} named by {setting} does not exist (or is in another cloud or tenant): check the vault name in the reference."
        ),
        "SecretNotFound" => format!(
            "Secret {secret} does not exist in vault {vault}: check the name in {setting}'s reference (a deleted secret answers the same until it is recovered)."
        ),
        "SecretVersionNotFound" => format!(
            "The version {setting} pins does not exist for secret {secret} in vault {vault}: fix it, or drop the version to follow the current one."
        ),
        "FetchTimedOut" => format!(
            "The platform timed out reaching vault {vault} for {setting}: check the vault's network rules, private endpoint and DNS from the app's network; the platform retries."
        ),
        "UnauthorizedClient" => format!(
            "Vault {vault} refused the identity's token for {setting}: check that the identity (and keyVaultReferenceIdentity) still exists and belongs to the vault's tenant."
        ),
        "InvalidSyntax" => format!(
            "The platform cannot parse {setting}'s reference: use @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>/) or @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>)."
        ),
        "OtherReasons" => format!(
            "The platform could not resolve {setting} for a reason it does not name here: the portal's Environment variables blade (or `vaultfn references status`) shows its details."
        ),
        "ValueNotFound" => format!(
            "Vault {vault} gave no value for secret {secret}: check that its current version is enabled, not expired, and has a value."
        ),
        other => format!(
            "The platform reports {setting}'s reference as {other:?}: the portal's Environment variables blade (or `vaultfn references status`) shows its details."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_platform_shape_and_refuses_others_without_echoing() {
        let parsed = parse(Some(
            r#"{"DB":{"rawReference":"@Microsoft.KeyVault(VaultName=kv1;SecretName=db)","status":"Resolved"},"X":{"status":"Mystery"}}"#,
        ))
        .unwrap();
        assert_eq!(parsed["DB"].status, "Resolved");
        assert_eq!(parsed["X"].raw_reference, "");
        assert!(parse(None).unwrap().is_empty());
        let err = parse(Some("[\"CANARY-platform\"]")).unwrap_err();
        assert!(err.contains(VARIABLE) && !err.contains("CANARY"), "{err}");
    }

    #[test]
    fn every_known_status_has_its_own_hint() {
        let known = [
            "Initialized",
            "MSINotEnabled",
            "AccessToKeyVaultDenied",
            "VaultNotFound",
            "SecretNotFound",
            "SecretVersionNotFound",
            "FetchTimedOut",
            "UnauthorizedClient",
            "InvalidSyntax",
            "OtherReasons",
            "ValueNotFound",
        ];
        let hints: std::collections::BTreeSet<String> = known.iter().map(|s| status_hint("S", s, None)).collect();
        assert_eq!(hints.len(), known.len());
        assert!(status_hint("S", "BrandNew", None).contains("\"BrandNew\""));
    }
}
