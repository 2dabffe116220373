//! `secret-expiry-scan`: one listing of secret metadata, one structured warning per disabled,
//! expired or expiring secret, one summary line, and the summary as the invocation's return value.
//! Certificates are scanned the same way (see `certificates::scan`).

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::TriggerOutcome;
use super::certificates::{self, CertificateSummary};
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub scanned: usize,
    pub disabled: Vec<String>,
    pub expired: Vec<String>,
    pub expiring: Vec<String>,
    /// `null` when the certificates could not be listed (`certificate_error` says why).
    pub certificates: Option<CertificateSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_error: Option<String>,
}

pub async fn scan(state: &AppState) -> Result<TriggerOutcome, ApiError> {
    let vault = state.vault()?;
    let list = vault.list().await?;
    let now = OffsetDateTime::now_utc();
    let mut summary = Summary { scanned: list.len(), ..Summary::default() };
    for meta in &list {
        let expired = meta.expires_on.is_some_and(|e| e <= now);
        if !meta.enabled {
            tracing::warn!(secret = %meta.name, "secret is disabled: references to it cannot resolve");
            summary.disabled.push(meta.name.clone());
        } else if expired {
            tracing::warn!(secret = %meta.name, days_left = meta.expires_in_days, "secret has expired");
            summary.expired.push(meta.name.clone());
        } else if meta.expiring_soon {
            tracing::warn!(secret = %meta.name, days_left = meta.expires_in_days, "secret expires soon");
            summary.expiring.push(meta.name.clone());
        }
    }
    let certificates = certificates::scan(state).await;
    let line = format!(
        "expiry scan: {} secret(s), {} disabled, {} expired, {} expiring within the warning window; {}",
        summary.scanned,
        summary.disabled.len(),
        summary.expired.len(),
        summary.expiring.len(),
        certificates::line(&certificates)
    );
    match certificates {
        Ok(found) => summary.certificates = Some(found),
        Err(why) => summary.certificate_error = Some(why),
    }
    tracing::info!(
        scanned = summary.scanned,
        disabled = summary.disabled.len(),
        expired = summary.expired.len(),
        expiring = summary.expiring.len(),
        "{line}"
    );
    Ok(TriggerOutcome { logs: vec![line], return_value: Some(json!(summary)) })
}
