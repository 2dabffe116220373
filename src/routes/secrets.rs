//! Secret metadata, live from Key Vault through the process's one client and cache. Never a value.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderName, HeaderValue, header},
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

/// One page of the list, in Key Vault's own paging shape.
#[derive(Serialize)]
pub struct SecretPage {
    pub value: Vec<SecretMetadata>,
    /// The next page (relative to this app's root), or `null` on the last one.
    #[serde(rename = "nextLink")]
    pub next_link: Option<String>,
    pub stale: bool,
}

/// The most a page may hold.
const MAX_PAGE: usize = 1000;
/// A page's size when only `$skiptoken` is given: Key Vault's own.
const DEFAULT_PAGE: usize = 25;

/// `GET /api/secrets` (function `secret-list`): the whole list, or with `?maxresults=N` (and the
/// `$skiptoken` of a `nextLink`) one page of it. Either way the vault is listed once and the list
/// cached whole, so paging through it costs Key Vault nothing more.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let page = page_request(&query)?;
    let (secrets, status) = state.vault()?.list_with_status().await?;
    let stale = status == CacheStatus::Stale;
    let Some((size, after)) = page else {
        return Ok(no_store(Json(SecretList { secrets, stale }), status));
    };
    let mut rest = secrets.into_iter().filter(|m| after.as_deref().is_none_or(|a| m.name.as_str() > a)).peekable();
    let value: Vec<SecretMetadata> = rest.by_ref().take(size).collect();
    let next_link = match (rest.peek(), value.last()) {
        (Some(_), Some(last)) => Some(format!(
            "/api/secrets?maxresults={size}&$skiptoken={}",
            url::form_urlencoded::byte_serialize(last.name.as_bytes()).collect::<String>()
        )),
        _ => None,
    };
    Ok(no_store(Json(SecretPage { value, next_link, stale }), status))
}

/// `Some((page size, names after))` when paging was asked for.
pub(super) fn page_request(query: &HashMap<String, String>) -> Result<Option<(usize, Option<String>)>, ApiError> {
    let size = query.get("maxresults").map(|raw| {
        raw.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("maxresults must be a whole number from 1 to {MAX_PAGE}.")))
    });
    let after = query.get("$skiptoken").cloned();
    match (size, after) {
        (None, None) => Ok(None),
        (size, after) => Ok(Some((size.transpose()?.unwrap_or(DEFAULT_PAGE), after))),
    }
}

pub(super) fn no_store(body: impl IntoResponse, status: CacheStatus) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A name made once: a `&str` key would be parsed on every answer.
    const X_CACHE_NAME: HeaderName = HeaderName::from_static(X_CACHE);
    headers.insert(
        X_CACHE_NAME,
        HeaderValue::from_static(match status {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Stale => "stale",
        }),
    );
    response
}
