//! `vaultfn start`: a local Functions host that runs the app the way Azure does — the route
//! table from host.json and function.json, function keys enforced, the admin key API, the handler
//! process supervised and requests forwarded to it (or invoked in payload mode).

pub mod admin;
pub mod constraint;
pub mod forward;
pub mod layout;
pub mod references;
pub mod routing;
pub mod settings;
pub mod start;
pub mod supervisor;

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::watch;

use crate::keys::{self, AuthLevel, KeyStore};
use forward::{Forwarder, Incoming};
use layout::AppLayout;
use routing::RouteTable;
use supervisor::HandlerState;

/// The Functions host version this local host follows (sent as `X-Azure-Functions-HostVersion`).
pub const HOST_VERSION: &str = "4.1037.0.0";
/// The host's default request size limit.
pub const MAX_REQUEST_BYTES: usize = 100 * 1024 * 1024;
pub const DEFAULT_PORT: u16 = 7071;

/// Everything a request needs, shared by all of them.
pub struct DevHost {
    pub layout: AppLayout,
    pub routes: RouteTable,
    pub keys: KeyStore,
    pub no_auth: bool,
    pub port: u16,
    pub handler_state: watch::Receiver<HandlerState>,
    pub forwarder: Forwarder,
    /// Functions turned off with `AzureWebJobs.<name>.Disabled`.
    pub disabled: Vec<String>,
    pub homepage_disabled: bool,
    pub host_id: String,
    pub instance_id: String,
    pub computer_name: String,
    pub started: Instant,
}

impl DevHost {
    /// The level the request's key grants: master → Admin, system → System, host or the
    /// function's own key → Function. With `--no-auth` everyone is Admin, as in Core Tools.
    pub fn grant(&self, headers: &HeaderMap, query: Option<&str>, function: Option<&str>) -> Option<AuthLevel> {
        if self.no_auth {
            return Some(AuthLevel::Admin);
        }
        let presented = keys::presented_key(headers, query)?;
        let snapshot = match self.keys.snapshot(function) {
            Ok(snapshot) => snapshot,
            Err(e) => {
                eprintln!("Key store error: {e}");
                return None;
            }
        };
        keys::resolve_level(&snapshot, function.unwrap_or(""), &presented)
    }

    /// The canonical name of a function folder, matched case-insensitively.
    pub fn function_name(&self, name: &str) -> Option<String> {
        let http = self.layout.functions.iter().map(|f| &f.name);
        http.chain(self.layout.skipped.iter()).find(|n| n.eq_ignore_ascii_case(name)).cloned()
    }

    /// The request's own URL without its query, which the admin API returns as its `self` link.
    pub fn self_link(&self, headers: &HeaderMap, path: &str) -> String {
        let authority = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map_or_else(|| format!("127.0.0.1:{}", self.port), str::to_owned);
        format!("http://{authority}{path}")
    }
}

pub fn app(host: std::sync::Arc<DevHost>) -> axum::Router {
    axum::Router::new().fallback(dispatch).with_state(host)
}

/// The host's order: admin routes, then function routes, then the home page at `/`, else 404.
async fn dispatch(State(host): State<std::sync::Arc<DevHost>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path();
    let query = parts.uri.query();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if first.eq_ignore_ascii_case("admin") {
        let req = admin::AdminRequest { method: &parts.method, path, query, headers: &parts.headers, body };
        return admin::handle(&host, req).await;
    }
    let Some(matched) = host.routes.find(parts.method.as_str(), path) else {
        if path == "/" {
            return homepage(host.homepage_disabled);
        }
        return vaultfn_handler::error::ApiError::RouteNotFound(format!("{} {path}", parts.method)).into_response();
    };
    let function = &host.layout.functions[matched.function];
    let granted = host.grant(&parts.headers, query, Some(&function.name));
    let response = if !keys::authorized(function.auth_level, granted) {
        // An empty 401, as the host sends.
        StatusCode::UNAUTHORIZED.into_response()
    } else if (function.disabled || host.disabled.iter().any(|d| d.eq_ignore_ascii_case(&function.name)))
        && granted != Some(AuthLevel::Admin)
    {
        vaultfn_handler::error::ApiError::RouteNotFound(format!("{} {path}", parts.method)).into_response()
    } else {
        let authority = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let incoming = Incoming {
            url: format!("http://{authority}{}", parts.uri.path_and_query().map_or(path, |p| p.as_str())),
            method: parts.method.clone(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers: parts.headers.clone(),
            body,
            params: matched.params,
            granted,
        };
        host.forwarder.invoke(function, host.layout.host.forwarding, incoming).await
    };
    // The path only: the query may carry `code=<key>`.
    println!(
        "{} {path} -> {} {} ({} ms)",
        parts.method,
        response.status().as_u16(),
        function.name,
        started.elapsed().as_millis()
    );
    response
}

/// What the host answers at `/` when no function claims it: its home page, or 204 when
/// `AzureWebJobsDisableHomepage` is true.
fn homepage(disabled: bool) -> Response {
    if disabled {
        return StatusCode::NO_CONTENT.into_response();
    }
    let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Your Functions 4.0 app is up and running</title>\
                </head><body><h1>Your Functions 4.0 app is up and running</h1>\
                <p>Served locally by vaultfn start.</p></body></html>";
    let mut response = Html(page).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html"));
    response
}

/// A random (version 4) GUID in the host's lower-case hyphenated form.
pub fn new_guid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
