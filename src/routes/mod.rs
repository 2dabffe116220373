//! The handler's HTTP surface: `app(state)` builds the router that both the binary and the tests
//! drive. Forwarding mode serves `/api/...`; payload mode (`POST /{FunctionName}`) re-enters the
//! same routes, so both modes answer alike.

mod config_check;
mod health;
mod secrets;

use std::{sync::Arc, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::StatusCode,
    routing::{get, post},
};
use tower_http::{limit::RequestBodyLimitLayer, trace::TraceLayer};
use tracing::Level;

use crate::{
    error::ApiError,
    invocation,
    settings::Config,
    settings::check::KeyVaultInfo,
    vault::{BackendConfig, BackendKind, VaultService},
};

/// Largest request body accepted; nothing the functions take comes near it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";

pub struct AppState {
    pub config: Config,
    pub started: Instant,
    /// One per process: one client, one cache, warmed at start.
    pub vault: Option<VaultService>,
}

impl AppState {
    /// Builds the secret backend (and starts warming it); must run inside the Tokio runtime.
    pub fn new(config: Config) -> Self {
        let vault = match &config.vault {
            Ok(Some(cfg)) => match VaultService::from_config(cfg) {
                Ok(service) => Some(service),
                Err(e) => {
                    tracing::error!(error = %e, "secret backend unavailable");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "vault settings invalid");
                None
            }
        };
        Self { config, started: Instant::now(), vault }
    }

    pub fn key_vault_info(&self) -> KeyVaultInfo {
        let (vault, backend) = match (&self.config.vault, self.vault.as_ref().map(VaultService::kind)) {
            (Ok(Some(cfg)), Some(kind)) => {
                let url = match &cfg.backend {
                    BackendConfig::KeyVault(kv) => Some(kv.url.to_string()),
                    BackendConfig::DevVault { .. } => None,
                };
                let backend = match kind {
                    BackendKind::KeyVault { .. } => "key-vault",
                    BackendKind::DevVault => "dev-vault",
                };
                (url, Some(backend))
            }
            _ => (self.config.plain("KEY_VAULT_URL").map(str::to_owned), None),
        };
        KeyVaultInfo { configured: backend.is_some(), vault, backend }
    }

    /// The secret backend, or the error that explains why there is none.
    pub fn vault(&self) -> Result<&VaultService, ApiError> {
        match (&self.vault, &self.config.vault) {
            (Some(service), _) => Ok(service),
            (None, Err(e)) => Err(ApiError::VaultSettings(e.clone())),
            (None, _) => Err(ApiError::Vault(crate::vault::VaultError::NotConfigured)),
        }
    }
}

pub type SharedState = Arc<AppState>;

/// The functions' own routes, as the host forwards them (`/api/{route}`).
fn function_routes(state: SharedState) -> Router {
    Router::new()
        .route("/api/config-check", get(config_check::config_check))
        .route("/api/health", get(health::health))
        .route("/api/secrets", get(secrets::list))
        .route("/api/secrets/{name}", get(secrets::metadata))
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
