//! The handler's HTTP surface: `app(state)` builds the router that both the binary and the tests
//! drive. Forwarding mode serves `/api/...`; payload mode (`POST /{FunctionName}`) re-enters the
//! same routes, so both modes answer alike.

mod config_check;
mod health;

use std::{sync::Arc, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::StatusCode,
    routing::{get, post},
};
use tower_http::{limit::RequestBodyLimitLayer, trace::TraceLayer};
use tracing::Level;

use crate::{error::ApiError, invocation, settings::Config, settings::check::KeyVaultInfo};

/// Largest request body accepted; nothing the functions take comes near it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";

pub struct AppState {
    pub config: Config,
    pub started: Instant,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        Self { config, started: Instant::now() }
    }

    pub fn key_vault_info(&self) -> KeyVaultInfo {
        let vault = self.config.plain("KEY_VAULT_URL").map(str::to_owned);
        KeyVaultInfo { configured: vault.is_some(), vault }
    }
}

pub type SharedState = Arc<AppState>;

/// The functions' own routes, as the host forwards them (`/api/{route}`).
fn function_routes(state: SharedState) -> Router {
    Router::new()
        .route("/api/config-check", get(config_check::config_check))
        .route("/api/health", get(health::health))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state)
}

pub fn app(state: SharedState) -> Router {
    let functions = function_routes(state);
    let invoke = {
        let functions = functions.clone();
        move |path, request| invocation::invoke(functions.clone(), path, request)
    };
    Router::new()
        .route("/", get(ready))
        .route("/{function}", post(invoke))
        .merge(functions)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// The host's readiness poll and health ping: any answer will do, so answer at once.
async fn ready() -> StatusCode {
    StatusCode::OK
}

async fn not_found(request: Request) -> ApiError {
    ApiError::RouteNotFound(format!("{} {}", request.method(), request.uri().path()))
}

/// One span per request, keyed on the route template and the host's invocation id (payload mode
/// records the invoked function too). The raw URI is
/// left out on purpose: its query may carry `code=<function key>`.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let invocation_id = request.headers().get(INVOCATION_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %request.method(), route, invocation_id, function = tracing::field::Empty)
}
