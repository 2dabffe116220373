//! Certificate metadata, live from Key Vault through the process's one certificate client and the
//! shared cache. Only public facts: never the private key, the backing secret or its value.
//!
//! Key Vault calls (all allowed to the role "Key Vault Reader"): `GET /certificates/{name}/versions`
//! and `GET /certificates/{name}/policy` for one certificate (plus `GET /certificates/{name}/{version}`
//! only when the version has no `x5t` or no policy can be read); `GET /certificates` and each
//! certificate's policy for the list, read once in the background and cached whole.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use serde::Serialize;

use super::secrets::{no_store, page_request};
use crate::state::SharedState;
use crate::{
    problem::ApiError,
    vault::{CacheStatus, CertificateMetadata},
};

#[derive(Serialize)]
pub struct CertificateList {
    pub certificates: Vec<CertificateMetadata>,
    /// True when Key Vault could not be asked and the list comes from the cache.
    pub stale: bool,
}

/// One page of the list, in Key Vault's own paging shape.
#[derive(Serialize)]
pub struct CertificatePage {
    pub value: Vec<CertificateMetadata>,
    /// The next page (relative to this app's root), or `null` on the last one.
    #[serde(rename = "nextLink")]
    pub next_link: Option<String>,
    pub stale: bool,
}

/// `GET /api/certificates/{name}` (function `certificate-metadata`).
pub async fn metadata(State(state): State<SharedState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let (meta, status) = state.vault()?.certificate(&name).await?;
    Ok(no_store(Json(meta), status))
}

/// `GET /api/certificates` (function `certificate-list`): the whole list, or with `?maxresults=N`
/// (and the `$skiptoken` of a `nextLink`) one page of it. Either way the vault is listed once and
/// the list cached whole, so paging through it costs Key Vault nothing more.
pub async fn list(
    State(state): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let page = page_request(&query)?;
    let (certificates, status) = state.vault()?.certificate_list().await?;
    let stale = status == CacheStatus::Stale;
    let Some((size, after)) = page else {
        return Ok(no_store(Json(CertificateList { certificates, stale }), status));
    };
    let mut rest = certificates.into_iter().filter(|m| after.as_deref().is_none_or(|a| m.name.as_str() > a)).peekable();
    let value: Vec<CertificateMetadata> = rest.by_ref().take(size).collect();
    let next_link = match (rest.peek(), value.last()) {
        (Some(_), Some(last)) => Some(format!(
            "/api/certificates?maxresults={size}&$skiptoken={}",
            url::form_urlencoded::byte_serialize(last.name.as_bytes()).collect::<String>()
        )),
        _ => None,
    };
    Ok(no_store(Json(CertificatePage { value, next_link, stale }), status))
}
