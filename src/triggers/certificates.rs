//! Certificates in the triggers: Key Vault's certificate events (a new version drops the cached
//! certificate and its backing secret, since the secret of the same name is the certificate's
//! PFX/PEM that references resolve; near-expiry and expired events become one warning each), and
//! the certificates' part of the daily expiry scan.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::TriggerOutcome;
use super::events::VaultEvent;
use super::refresh;
use crate::problem::ApiError;
use crate::state::AppState;

/// One certificate event of this app's vault.
pub async fn on_event(state: &AppState, event: &VaultEvent) -> Result<TriggerOutcome, ApiError> {
    let certificate = event.object_name.as_str();
    let settings = state.config.references_to(&event.vault, certificate);
    let names: Vec<&str> = settings.iter().map(|(n, _)| n.as_str()).collect();
    let mut logs = Vec::new();
    match event.kind.as_str() {
        "CertificateNewVersionCreated" => {
            if let Ok(vault) = state.vault() {
                vault.evict_certificate(certificate).await;
                vault.evict(certificate).await;
            }
            tracing::info!(certificate, version = event.version.as_deref().unwrap_or(""), settings = ?names, "new certificate version: cached metadata of the certificate and its secret dropped");
            logs.push(format!("certificate {certificate}: new version, cache entries dropped"));
            let versionless = settings.iter().any(|(_, follows)| *follows);
            if state.config.refresh_on_rotation && versionless {
                let decision = match &state.arm {
                    Some((arm, site)) => state.refresher.request(arm.clone(), site.clone()).await,
                    None => refresh::Decision::Unavailable,
                };
                logs.push(format!("reference refresh: {decision}"));
            }
        }
        "CertificateNearExpiry" | "CertificateExpired" => {
            let days = event.days_left(OffsetDateTime::now_utc());
            let expired = event.kind == "CertificateExpired";
            tracing::warn!(
                event = %event.kind,
                certificate,
                settings = ?names,
                days_left = days,
                "certificate {}",
                if expired { "expired" } else { "expires soon" }
            );
            logs.push(format!(
                "certificate {certificate}: {} ({} day(s) left)",
                event.kind,
                days.map_or("?".into(), |d| d.to_string())
            ));
        }
        other => {
            tracing::debug!(kind = other, certificate, "Key Vault certificate event with nothing to do");
            logs.push(format!("nothing to do for {other}"));
        }
    }
    Ok(TriggerOutcome {
        logs,
        return_value: Some(json!({"event": event.kind, "certificate": certificate, "settings": names})),
    })
}

/// The certificates' part of the expiry scan.
#[derive(Debug, Default, Serialize)]
pub struct CertificateSummary {
    pub scanned: usize,
    pub disabled: Vec<String>,
    pub expired: Vec<String>,
    pub expiring: Vec<String>,
    /// Expired or expiring within `CERTIFICATE_EXPIRY_WARNING_DAYS` with no `AutoRenew` lifetime
    /// action: nobody but an operator will renew them.
    pub auto_renew_off: Vec<String>,
}

/// One listing of certificate metadata, one warning per disabled, expired or expiring certificate
/// (and one more for each of those Key Vault will not renew by itself). A failed listing is the
/// summary's error, not the scan's: the secrets' part stands.
pub async fn scan(state: &AppState) -> Result<CertificateSummary, String> {
    let vault = state.vault().map_err(|e| e.problem().detail)?;
    let (list, _) = vault.certificate_list().await.map_err(|e| e.detail())?;
    let now = OffsetDateTime::now_utc();
    let window = vault.certificate_warning_days();
    let mut summary = CertificateSummary { scanned: list.len(), ..CertificateSummary::default() };
    for cert in &list {
        let name = &cert.name;
        if !cert.enabled {
            tracing::warn!(certificate = %name, "certificate is disabled");
            summary.disabled.push(name.clone());
            continue;
        }
        if cert.expired(now) {
            tracing::warn!(certificate = %name, days_left = cert.expires_in_days, "certificate has expired");
            summary.expired.push(name.clone());
        } else if cert.expiring_soon {
            tracing::warn!(certificate = %name, days_left = cert.expires_in_days, window_days = window, "certificate expires soon");
            summary.expiring.push(name.clone());
        } else {
            continue;
        }
        if !cert.auto_renew {
            tracing::warn!(
                certificate = %name,
                days_left = cert.expires_in_days,
                issuer = cert.issuer.as_deref().unwrap_or(""),
                "certificate inside the expiry window has no auto-renew lifetime action: renew it by hand"
            );
            summary.auto_renew_off.push(name.clone());
        }
    }
    Ok(summary)
}

/// The scan's log line for the certificates' part.
pub fn line(summary: &Result<CertificateSummary, String>) -> String {
    match summary {
        Ok(s) => format!(
            "{} certificate(s), {} disabled, {} expired, {} expiring, {} of those without auto-renew",
            s.scanned,
            s.disabled.len(),
            s.expired.len(),
            s.expiring.len(),
            s.auto_renew_off.len()
        ),
        Err(why) => format!("certificates not scanned: {why}"),
    }
}
