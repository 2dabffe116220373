use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::SharedState;
use crate::settings::check;

/// 200 when every reported setting is resolved, 503 otherwise, so App Service health checks can
/// point at it.
pub async fn config_check(State(state): State<SharedState>) -> Response {
    let report = check::evaluate(&state.config, state.key_vault_info());
    let status = if report.healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    if !report.healthy() {
        let failing: Vec<&str> =
            report.settings.iter().filter(|s| s.state != check::State::Resolved).map(|s| s.name.as_str()).collect();
        tracing::warn!(?failing, "config-check unhealthy");
    }
    let mut response = (status, Json(report)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
