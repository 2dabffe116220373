//! Secret metadata, live from Key Vault through the process's one client and cache. Never a value.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::state::SharedState;
use crate::{
    problem::ApiError,
    vault::{CacheStatus, SecretMetadata},
};

pub const X_CACHE: &str = "x-cache";

#[derive(Serialize)]
pub struct SecretList {
    pub secrets: Vec<SecretMetadata>,
    /// True when Key Vault could not be asked and the list comes from the cache.
    pub stale: bool,
}

/// `GET /api/secrets/{name}` (function `secret-metadata`).
pub async fn metadata(State(state): State<SharedState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let (json, status) = state.vault()?.get_json(&name).await?;
    Ok(match json {
        // What `Json` sends for the same metadata, without serialising it again.
        Ok(body) => no_store(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body), status),
        Err(meta) => no_store(Json(meta), status),
    })
}

/// `GET /api/secrets` (function `secret-list`).
pub async fn list(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let (secrets, status) = state.vault()?.list_with_status().await?;
    let stale = status == CacheStatus::Stale;
    Ok(no_store(Json(SecretList { secrets, stale }), status))
}

fn no_store(body: impl IntoResponse, status: CacheStatus) -> Response {
    crate::telemetry::metrics::cache_answer(status);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        X_CACHE,
        HeaderValue::from_static(match status {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Stale => "stale",
        }),
    );
    response
}
