//! `config-check?deep=true` for certificate-backed settings: a Key Vault reference to a
//! certificate's secret resolves the certificate's PFX or PEM, so when that certificate is expiring
//! the setting is about to hold an expired certificate. A secret is certificate-backed when Key
//! Vault manages it (`managed: true`) or it holds a PFX/PEM, and a certificate of its name exists.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::classify::{Report, Warning};
use crate::vault::{VaultError, VaultService};

/// The content types Key Vault gives a certificate's secret.
const CERTIFICATE_CONTENT_TYPES: [&str; 2] = ["application/x-pkcs12", "application/x-pem-file"];

/// `(setting, secret)` for every setting that names a secret of the app's vault: the
/// `SETTING=SecretName` entries of `CONFIG_CHECK_SETTINGS`, and the settings whose value or
/// platform status is a reference to this vault.
pub fn referenced_secrets(
    report: &Report,
    backed: &[(String, String)],
    vault_name: Option<&str>,
) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = backed.to_vec();
    let ours = |vault: &str| vault_name.is_some_and(|v| v.eq_ignore_ascii_case(vault));
    for setting in &report.settings {
        if let Some(r) = setting.reference.as_ref().filter(|r| ours(&r.vault))
            && !found.iter().any(|(name, _)| *name == setting.name)
        {
            found.push((setting.name.clone(), r.secret.clone()));
        }
    }
    found
}

/// One warning per referenced certificate-backed secret whose certificate is expiring.
pub async fn warnings(vault: Option<&VaultService>, referenced: Vec<(String, String)>) -> Vec<Warning> {
    let Some(vault) = vault else {
        return Vec::new();
    };
    let checks = referenced.iter().map(|(setting, secret)| check(vault, setting, secret));
    futures::future::join_all(checks).await.into_iter().flatten().collect()
}

async fn check(vault: &VaultService, setting: &str, secret: &str) -> Option<Warning> {
    // A secret that cannot be read is the secret check's finding, not this one's.
    let meta = vault.get(secret).await.ok()?;
    let holds_certificate = meta.content_type.as_deref().is_some_and(|t| {
        CERTIFICATE_CONTENT_TYPES.iter().any(|c| t.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case(c)))
    });
    if !meta.managed && !holds_certificate {
        return None;
    }
    let warn = |kind, detail: String| Some(Warning::new(kind, Some(setting), Some(secret), detail));
    let cert = match vault.certificate(secret).await {
        Ok((cert, _)) => cert,
        // A PFX or PEM stored as a plain secret: no certificate to watch.
        Err(VaultError::CertificateNotFound { .. }) if !meta.managed => return None,
        Err(e) => {
            return warn(
                "certificate_lookup_failed",
                format!(
                    "{setting} references secret {secret}, which holds a certificate, but reading certificate {secret} failed: {}",
                    e.detail()
                ),
            );
        }
    };
    if !cert.enabled || !cert.expiring_soon {
        return None;
    }
    let when = cert.expires_on.and_then(|e| e.format(&Rfc3339).ok()).unwrap_or_else(|| "?".into());
    let days = cert.expires_in_days.unwrap_or_default();
    let state = if cert.expired(OffsetDateTime::now_utc()) {
        format!("expired on {when}")
    } else {
        format!("expires in {days} day(s), on {when}")
    };
    let renewal = match (&cert.auto_renew_trigger, cert.auto_renew) {
        (Some(trigger), true) => format!(
            "Key Vault renews it automatically{}; the platform then resolves the new version within 24 hours, or at once with `vaultfn references refresh`.",
            trigger.at.and_then(|at| at.format(&Rfc3339).ok()).map(|at| format!(" (from {at})")).unwrap_or_default()
        ),
        _ => format!(
            "Its policy has no auto-renew action (issuer {}): renew or replace the certificate, then let the platform resolve the new version.",
            cert.issuer.as_deref().unwrap_or("unknown")
        ),
    };
    warn(
        "certificate_expiring",
        format!(
            "{setting} references secret {secret}, the PFX/PEM of certificate {secret}, which {state} (within CERTIFICATE_EXPIRY_WARNING_DAYS, {} days). {renewal}",
            vault.certificate_warning_days()
        ),
    )
}
