use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{AppState, SharedState};
use crate::{
    error::ApiError,
    settings::classify::{self, Report, Warning},
    vault::{VaultError, VaultService},
};

/// 200 when every reported setting is resolved, 503 otherwise, so App Service health checks can
/// point at it. `?deep=true` also looks up the Key Vault secret behind each `SETTING=SecretName`
/// entry and warns about disabled, expired and expiring secrets without changing the status.
pub async fn config_check(
    State(state): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let deep = match query.get("deep").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" || v == "1" => true,
        Some(v) if v == "false" || v == "0" || v.is_empty() => false,
        Some(_) => return Err(ApiError::BadRequest("The query parameter deep must be true or false.".into())),
    };
    if !deep {
        tracing::debug!(healthy = state.config_check.status == StatusCode::OK, "config-check");
        return Ok(no_store((state.config_check.status, [json_content_type()], state.config_check.body.clone())));
    }
    let mut report = classify::evaluate(&state.config, state.key_vault_info());
    deep_check(&state, &mut report).await;
    Ok(no_store((status_of(&report), Json(report))))
}

/// The answer without `deep`, built once at start (and the unhealthy settings logged once).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Prepared {
    pub fn new(state: &AppState) -> Self {
        let report = classify::evaluate(&state.config, state.key_vault_info());
        if !report.healthy() {
            let failing: Vec<&str> = report
                .settings
                .iter()
                .filter(|s| s.state != classify::State::Resolved)
                .map(|s| s.name.as_str())
                .collect();
            tracing::warn!(?failing, "config-check unhealthy: these settings are not resolved");
        }
        let body = serde_json::to_vec(&report).map(Bytes::from).unwrap_or_default();
        Self { status: status_of(&report), body }
    }
}

fn status_of(report: &Report) -> StatusCode {
    if report.healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}

fn json_content_type() -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
}

fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn deep_check(state: &SharedState, report: &mut Report) {
    let backed: Vec<(String, String)> =
        state.config.expected.iter().filter_map(|e| Some((e.name.clone(), e.secret.clone()?))).collect();
    if backed.is_empty() {
        return;
    }
    let vault = match state.vault() {
        Ok(vault) => vault,
        Err(e) => {
            report.warnings.push(Warning {
                kind: "secret_lookup_failed",
                setting: None,
                secret: None,
                detail: format!("deep check skipped: {}", e.problem().detail),
            });
            return;
        }
    };
    let lookups = backed.iter().map(|(setting, secret)| lookup(vault, setting, secret));
    report.warnings.extend(futures::future::join_all(lookups).await.into_iter().flatten());
}

async fn lookup(vault: &VaultService, setting: &str, secret: &str) -> Option<Warning> {
    let warn = |kind, detail: String| {
        Some(Warning { kind, setting: Some(setting.to_owned()), secret: Some(secret.to_owned()), detail })
    };
    match vault.get(secret).await {
        Ok(meta) if !meta.enabled => warn(
            "secret_disabled",
            format!(
                "Secret {secret} behind {setting} is disabled: the platform cannot resolve it; enable it or point the reference at an enabled version."
            ),
        ),
        Ok(meta) => match meta.expires_in_days {
            Some(days) if days < 0 || meta.expires_on.is_some_and(|e| e <= time::OffsetDateTime::now_utc()) => warn(
                "secret_expired",
                format!("Secret {secret} behind {setting} has expired; set a new version with a later expiry."),
            ),
            Some(days) if meta.expiring_soon => warn(
                "secret_expiring_soon",
                format!("Secret {secret} behind {setting} expires in {days} day(s); rotate it before then."),
            ),
            _ => None,
        },
        Err(VaultError::NotFound { .. }) => warn(
            "secret_not_found",
            format!("Secret {secret} named for {setting} in CONFIG_CHECK_SETTINGS does not exist in the vault."),
        ),
        Err(e) => {
            warn("secret_lookup_failed", format!("Looking up secret {secret} behind {setting} failed: {}", e.detail()))
        }
    }
}
