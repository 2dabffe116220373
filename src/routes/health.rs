use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::state::SharedState;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    uptime_seconds: u64,
}

/// Anonymous liveness: the process answers; says nothing about configuration.
pub async fn health(State(state): State<SharedState>) -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION"), uptime_seconds: state.started.elapsed().as_secs() })
}

/// App Service's health check: anonymous (the platform's ping carries no function key), 200 or 503
/// from the same state as config-check, and nothing more: no setting names, no detail.
pub async fn ready(State(state): State<SharedState>) -> Response {
    let healthy = state.config_check.status == StatusCode::OK;
    let body: &'static [u8] = if healthy { br#"{"status":"healthy"}"# } else { br#"{"status":"unhealthy"}"# };
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
