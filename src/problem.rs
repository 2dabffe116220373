//! The one error type of the HTTP surface, mapped to RFC 7807 `application/problem+json` here and
//! nowhere else. Internal causes are logged by the caller; a response only ever carries a `detail`
//! written for the operator, never a setting's value, a key or a token.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::config_error::ConfigError;
use crate::vault::VaultError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no function answers {0}")]
    RouteNotFound(String),
    #[error("malformed invocation payload: {0}")]
    InvalidPayload(String),
    #[error("invalid request: {0}")]
    BadRequest(String),
    #[error("secret lookup failed: {0}")]
    Vault(#[from] VaultError),
    #[error("the vault settings are invalid: {0}")]
    VaultSettings(ConfigError),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::RouteNotFound(_) => StatusCode::NOT_FOUND,
            Self::InvalidPayload(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Vault(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_GATEWAY),
            Self::VaultSettings(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::RouteNotFound(_) => "not-found",
            Self::InvalidPayload(_) => "invalid-payload",
            Self::BadRequest(_) => "bad-request",
            Self::Vault(e) => e.type_slug(),
            Self::VaultSettings(_) => "key-vault-settings-invalid",
            Self::Internal => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::RouteNotFound(_) => "Not Found",
            Self::InvalidPayload(_) => "Malformed invocation payload",
            Self::BadRequest(_) => "Bad Request",
            Self::Vault(e) => e.title(),
            Self::VaultSettings(_) => "Key Vault settings are invalid",
            Self::Internal => "Internal Server Error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::RouteNotFound(path) => format!("No function answers {path}."),
            Self::InvalidPayload(why) => format!(
                "The request body is not a Functions host invocation payload: {why}. \
                 Expected {{\"Data\":{{\"req\":{{...}}}},\"Metadata\":{{...}}}}."
            ),
            Self::BadRequest(why) => why.clone(),
            Self::Vault(e) => e.detail(),
            Self::VaultSettings(e) => e.to_string(),
            Self::Internal => "The handler failed to answer; see its log for the cause.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        match self {
            Self::Vault(e) => {
                let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                Problem::new(status, e.type_slug(), e.title(), e.detail()).with_retry_after(e.retry_after())
            }
            Self::VaultSettings(e) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "key-vault-settings-invalid",
                "Key Vault settings are invalid",
                format!(
                    "The secret backend is not available because a setting is invalid: {e}. Fix the app setting and restart the app."
                ),
            ),
            _ => Problem::new(self.status(), self.slug(), self.title(), self.detail()),
        }
    }
}

/// The problem+json body. Built by every error type of the crate so that one shape goes out.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: String) -> Self {
        Self {
            kind: format!("urn:vaultfn:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.problem().into_response()
    }
}
