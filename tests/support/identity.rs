//! The App Service managed-identity token endpoint, as the platform serves it to the app:
//! `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=...` with `X-IDENTITY-HEADER`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub const IDENTITY_HEADER: &str = "vaultfn-test-identity-header";
/// Every token this endpoint issues starts with this.
pub const TOKEN_PREFIX: &str = "test-access-token-";
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c1d0";

/// How the token endpoint misbehaves, for the fault suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TokenMode {
    Normal = 0,
    Garbage = 1,
    Slow = 2,
    Error = 3,
}

#[derive(Default)]
struct Shared {
    requests: AtomicUsize,
    mode: AtomicU8,
}

#[derive(Clone)]
pub struct IdentityServer {
    pub endpoint: String,
    shared: Arc<Shared>,
}

impl IdentityServer {
    /// Starts on a free 127.0.0.1 port, on the caller's runtime.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind identity server");
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = Router::new().route("/msi/token", get(token)).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Self { endpoint: format!("http://{addr}/msi/token"), shared }
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    pub fn set_mode(&self, mode: TokenMode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    if headers.get("x-identity-header").and_then(|v| v.to_str().ok()) != Some(IDENTITY_HEADER) {
        return (StatusCode::BAD_REQUEST, "missing or wrong X-IDENTITY-HEADER").into_response();
    }
    let (Some("2019-08-01"), Some(resource)) = (query.get("api-version").map(String::as_str), query.get("resource"))
    else {
        return (StatusCode::BAD_REQUEST, "api-version=2019-08-01 and resource are required").into_response();
    };
    match shared.mode.load(Ordering::SeqCst) {
        m if m == TokenMode::Garbage as u8 => {
            return (StatusCode::OK, "<html>not json</html>").into_response();
        }
        m if m == TokenMode::Error as u8 => {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        m if m == TokenMode::Slow as u8 => tokio::time::sleep(Duration::from_secs(30)).await,
        _ => {}
    }
    let expires_on = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    Json(serde_json::json!({
        // Recognisable in logs if it leaked; the stand-in grants tokens with this prefix a role.
        "access_token": format!("{TOKEN_PREFIX}{}", shared.requests.load(Ordering::SeqCst)),
        "expires_on": expires_on.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": CLIENT_ID,
    }))
    .into_response()
}
