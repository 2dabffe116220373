//! The handler's HTTP surface: `app(state)` builds the router that both the binary and the tests
//! drive. Forwarding mode serves `/api/...`; payload mode (`POST /{FunctionName}`) re-enters the
//! same routes, so both modes answer alike.

mod certificates;
pub mod config_check;
pub mod guard;
mod health;
mod secrets;

use axum::{
    Router,
    extract::Request,
    http::StatusCode,
    routing::{get, post},
};

use crate::{invocation, problem::ApiError, state::SharedState};

pub use crate::telemetry::context::INVOCATION_ID_HEADER;

/// The functions' own routes, as the host forwards them (`/api/{route}`).
fn function_routes(state: SharedState) -> Router {
    Router::new()
        .route("/api/certificates", get(certificates::list))
        .route("/api/certificates/{name}", get(certificates::metadata))
        .route("/api/config-check", get(config_check::config_check))
        .route("/api/health", get(health::health))
        .route("/api/ready", get(health::ready))
        .route("/api/secrets", get(secrets::list))
        .route("/api/secrets/{name}", get(secrets::metadata))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state)
}

/// The handler's routes behind [`guard`]: what the binary serves and the tests drive.
pub type App = guard::Guarded<Router>;

pub fn app(state: SharedState) -> App {
    let functions = function_routes(state.clone());
    let invoke = {
        let functions = functions.clone();
        move |path, request| invocation::invoke(functions.clone(), state.clone(), path, request)
    };
    guard::Guarded::new(Router::new().route("/", get(ready)).route("/{function}", post(invoke)).merge(functions))
}

/// The router behind the host's path rules: function routes match in any letter case and with
/// or without a trailing slash, as the host matches them before forwarding the path unchanged.
pub fn service(state: SharedState) -> tower::util::MapRequest<App, fn(Request) -> Request> {
    tower::util::MapRequest::new(app(state), normalize_path as fn(Request) -> Request)
}

fn normalize_path(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    let trimmed = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let needs_lower =
        path.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("/api/")) && path.bytes().any(|b| b.is_ascii_uppercase());
    if trimmed.len() == path.len() && !needs_lower {
        return request;
    }
    // Key Vault names are case-insensitive, so lowering a `{name}` segment changes nothing it finds.
    let mut new_path = if needs_lower { trimmed.to_ascii_lowercase() } else { trimmed.to_owned() };
    if new_path.is_empty() {
        new_path.push('/');
    }
    if let Some(query) = uri.query() {
        new_path.push('?');
        new_path.push_str(query);
    }
    if let Ok(new_uri) = new_path.parse() {
        *request.uri_mut() = new_uri;
    }
    request
}

/// The host's readiness poll and health ping: any answer will do, so answer at once.
async fn ready() -> StatusCode {
    StatusCode::OK
}

async fn not_found(request: Request) -> ApiError {
    ApiError::RouteNotFound(format!("{} {}", request.method(), request.uri().path()))
}
