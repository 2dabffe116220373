//! The functions the host invokes for something other than an HTTP request: Key Vault's events
//! (`secret-events`) and the daily expiry scan (`secret-expiry-scan`). Each takes its trigger's data
//! from the payload and answers with logs and a return value; an error is a non-2xx answer, which
//! fails the invocation (and makes Event Grid retry).

pub mod certificates;
pub mod events;
pub mod expiry;
pub mod refresh;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::functions::{TriggerKind, Triggered};
use crate::problem::ApiError;
use crate::state::AppState;

/// What an invocation answers besides its (empty) outputs.
#[derive(Debug, Default)]
pub struct TriggerOutcome {
    pub logs: Vec<String>,
    pub return_value: Option<Value>,
}

pub async fn run(state: &AppState, function: &Triggered, data: &Value) -> Result<TriggerOutcome, ApiError> {
    match function.kind {
        TriggerKind::EventGridTrigger => on_event(state, data).await,
        TriggerKind::TimerTrigger => expiry::scan(state).await,
    }
}

async fn on_event(state: &AppState, data: &Value) -> Result<TriggerOutcome, ApiError> {
    let event =
        events::parse(data).map_err(|why| ApiError::InvalidPayload(format!("malformed Key Vault event: {why}")))?;
    let ours = state.vault_name();
    if event.is_certificate() && ours.is_some_and(|v| v.eq_ignore_ascii_case(&event.vault)) {
        return certificates::on_event(state, &event).await;
    }
    if !event.is_secret() || !ours.is_some_and(|v| v.eq_ignore_ascii_case(&event.vault)) {
        tracing::debug!(kind = %event.kind, vault = %event.vault, "event ignored: not about a secret of this app's vault");
        return Ok(TriggerOutcome {
            logs: vec![format!("ignored {}", event.kind)],
            return_value: Some(json!({"ignored": true})),
        });
    }
    let secret = event.object_name.as_str();
    let settings = state.config.references_to(&event.vault, secret);
    let names: Vec<&str> = settings.iter().map(|(n, _)| n.as_str()).collect();
    let mut logs = Vec::new();
    match event.kind.as_str() {
        "SecretNewVersionCreated" => {
            if let Ok(vault) = state.vault() {
                vault.evict(secret).await;
            }
            tracing::info!(secret, version = event.version.as_deref().unwrap_or(""), settings = ?names, "new secret version: cached metadata dropped");
            logs.push(format!("secret {secret}: new version, cache entry dropped"));
            let versionless = settings.iter().any(|(_, follows)| *follows);
            if state.config.refresh_on_rotation && versionless {
                let decision = match &state.arm {
                    Some((arm, site)) => state.refresher.request(arm.clone(), site.clone()).await,
                    None => refresh::Decision::Unavailable,
                };
                logs.push(format!("reference refresh: {decision}"));
            }
        }
        "SecretNearExpiry" | "SecretExpired" => {
            let days = event.days_left(OffsetDateTime::now_utc());
            tracing::warn!(
                event = %event.kind,
                secret,
                settings = ?names,
                days_left = days,
                "secret {}",
                if event.kind == "SecretExpired" { "expired" } else { "expires soon" }
            );
            logs.push(format!(
                "secret {secret}: {} ({} day(s) left)",
                event.kind,
                days.map_or("?".into(), |d| d.to_string())
            ));
        }
        other => {
            tracing::debug!(kind = other, secret, "Key Vault secret event with nothing to do");
            logs.push(format!("nothing to do for {other}"));
        }
    }
    Ok(TriggerOutcome { logs, return_value: Some(json!({"event": event.kind, "secret": secret, "settings": names})) })
}
