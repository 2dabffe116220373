//! The handler's HTTP surface: `app(state)` builds the router that both the binary and the tests
//! drive. Forwarding mode serves `/api/...`; payload mode (`POST /{FunctionName}`) re-enters the
//! same routes, so both modes answer alike.

mod certificates;
pub mod config_check;
mod health;
mod secrets;
mod trace;

use axum::{
    Router,
    extract::{MatchedPath, Request},
    http::StatusCode,
    routing::{get, post},
};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{functions::MAX_BODY_BYTES, invocation, problem::ApiError, state::SharedState};

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

pub fn app(state: SharedState) -> Router {
    let functions = function_routes(state.clone());
    let invoke = {
        let functions = functions.clone();
        move |path, request| invocation::invoke(functions.clone(), state.clone(), path, request)
    };
    with_layers(Router::new().route("/", get(ready)).route("/{function}", post(invoke)).merge(functions))
}

/// What every request passes through: the body limit, a panic caught as a 500 (a dead handler
/// would lose every request in flight and wait for the host to restart it), the request span.
pub fn with_layers(routes: Router) -> Router {
    routes
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(tower::util::MapResponseLayer::new(body_too_large_as_problem))
        .layer(CatchPanicLayer::custom(
            panic_as_problem as fn(Box<dyn std::any::Any + Send>) -> axum::response::Response,
        ))
        .layer(trace::RequestSpanLayer { make_span: request_span })
}

/// The panic's message is left out of the answer and the log alike: it could quote a value.
fn panic_as_problem(_payload: Box<dyn std::any::Any + Send>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("the request panicked; answered 500 and kept serving");
    ApiError::Internal.into_response()
}

/// The router behind the host's path rules: function routes match in any letter case and with
/// or without a trailing slash, as the host matches them before forwarding the path unchanged.
pub fn service(state: SharedState) -> tower::util::MapRequest<Router, fn(Request) -> Request> {
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

/// The body limit answers 413 in plain text; every error we send is problem+json.
fn body_too_large_as_problem(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v == crate::problem::PROBLEM_JSON)
    {
        return response;
    }
    crate::problem::Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "Payload Too Large",
        format!("The request body is larger than {MAX_BODY_BYTES} bytes, the most any function of this app accepts."),
    )
    .into_response()
}

/// The host's readiness poll and health ping: any answer will do, so answer at once.
async fn ready() -> StatusCode {
    StatusCode::OK
}

async fn not_found(request: Request) -> ApiError {
    ApiError::RouteNotFound(format!("{} {}", request.method(), request.uri().path()))
}

/// One span per request, keyed on the route template and the host's invocation id (payload mode
/// records the invoked function too). The raw URI is left out on purpose: its query may carry
/// `code=<function key>`. At `debug`: at `info` every line already opens with the request's trace
/// id, span id, invocation id and function (`telemetry::WithTraceIds`), and a span per request
/// would cost a sixth of the throughput.
fn request_span(request: &Request) -> tracing::Span {
    // The fields are only computed when the span is enabled.
    tracing::debug_span!(
        "request",
        method = request.method().as_str(),
        route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str),
        invocation_id = request.headers().get(INVOCATION_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or(""),
        function = tracing::field::Empty
    )
}
