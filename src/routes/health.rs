use axum::{Json, extract::State};
use serde::Serialize;

use super::SharedState;

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
