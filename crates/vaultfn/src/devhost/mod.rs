//! `vaultfn start`: a local Functions host that runs the app the way Azure does — the route
//! table from host.json and function.json, function keys enforced, the admin key API, the handler
//! process supervised and requests forwarded to it (or invoked in payload mode).

pub mod admin;
pub mod azurite;
pub mod constraint;
pub mod eventgrid;
pub mod forward;
pub mod layout;
pub mod local_settings;
pub mod ncrontab;
pub mod path;
pub mod resolve;
pub mod routing;
pub mod start;
pub mod supervisor;
pub mod timer;
pub mod triggers;
pub mod watch;

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures::StreamExt as _;
use vaultfn_handler::problem::Problem;

use crate::keys::{self, AuthLevel, KeyStore};
use forward::{Forwarder, IncomingRequest};
use layout::AppLayout;
use routing::RouteTable;
use supervisor::HandlerState;

/// The Functions host version this local host follows (sent as `X-Azure-Functions-HostVersion`).
pub const HOST_VERSION: &str = "4.1037.0.0";
/// The largest request body the local host reads. The host itself takes up to 100 MiB, but this
/// one buffers bodies whole, and the handler refuses anything over its own limit anyway: a few
/// MiB keeps every answer the handler would give (its own 413 included) while bounding memory.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
const _: () = assert!(MAX_REQUEST_BYTES > vaultfn_handler::functions::MAX_BODY_BYTES);
/// How long a request body may take to arrive once its route and key have been accepted.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may take to send a request's head, which is also how long an idle
/// keep-alive connection stays open: a client trickling headers is cut off after it.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_PORT: u16 = 7071;

/// Everything a request needs, shared by all of them. `--watch` swaps in a copy with a new route
/// table; what the copies share (keys, the handler) is shared, not copied.
#[derive(Clone)]
pub struct DevHost {
    pub layout: AppLayout,
    pub routes: RouteTable,
    pub keys: std::sync::Arc<KeyStore>,
    pub no_auth: bool,
    pub port: u16,
    pub handler_state: tokio::sync::watch::Receiver<HandlerState>,
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
    pub async fn grant(&self, headers: &HeaderMap, query: Option<&str>, function: Option<&str>) -> Option<AuthLevel> {
        if self.no_auth {
            return Some(AuthLevel::Admin);
        }
        let presented = keys::presented_key(headers, query)?;
        let snapshot = match self.keys.snapshot(function).await {
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
        let triggered = self.layout.triggered.iter().map(|f| &f.name);
        http.chain(triggered).chain(self.layout.skipped.iter()).find(|n| n.eq_ignore_ascii_case(name)).cloned()
    }

    /// Whether a function is turned off, in its function.json or with `AzureWebJobs.<name>.Disabled`.
    pub fn is_disabled(&self, name: &str) -> bool {
        let in_json = self.layout.function(name).is_some_and(|f| f.disabled)
            || self.layout.triggered.iter().any(|f| f.disabled && f.name.eq_ignore_ascii_case(name));
        in_json || self.disabled.iter().any(|d| d.eq_ignore_ascii_case(name))
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
/// Route and key are checked on the normalised path before any of the body is read.
pub(crate) async fn dispatch(State(host): State<std::sync::Arc<DevHost>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path = match path::RequestPath::parse(parts.uri.path()) {
        Ok(path) => path,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", e.to_string()),
    };
    let decoded = path.decoded();
    let query = parts.uri.query();
    let first = decoded.trim_start_matches('/').split('/').next().unwrap_or("");
    if first.eq_ignore_ascii_case("admin")
        && let Some(name) = triggers::invoke_route(&parts.method, decoded)
    {
        return triggers::admin_invoke(host.clone(), name, &parts.headers, query, body).await;
    }
    if eventgrid::is_webhook(decoded) {
        let req = eventgrid::WebhookRequest { method: &parts.method, query, headers: &parts.headers, body };
        let response = eventgrid::handle(&host, req).await;
        // The path only: the query carries `code=<key>`.
        let ms = started.elapsed().as_millis();
        println!("{} {} -> {} ({ms} ms)", parts.method, path.wire(), response.status().as_u16());
        return response;
    }
    if first.eq_ignore_ascii_case("admin") {
        let req = admin::AdminRequest { method: &parts.method, path: &path, query, headers: &parts.headers, body };
        return admin::handle(&host, req).await;
    }
    let Some(matched) = host.routes.find(parts.method.as_str(), decoded) else {
        if decoded == "/" {
            return homepage(host.homepage_disabled);
        }
        return route_not_found(&parts.method, &path);
    };
    let function = &host.layout.functions[matched.function];
    let granted = host.grant(&parts.headers, query, Some(&function.name)).await;
    let response = if !keys::authorized(function.auth_level, granted) {
        // An empty 401, as the host sends.
        StatusCode::UNAUTHORIZED.into_response()
    } else if (function.disabled || host.disabled.iter().any(|d| d.eq_ignore_ascii_case(&function.name)))
        && granted != Some(AuthLevel::Admin)
    {
        route_not_found(&parts.method, &path)
    } else {
        match read_body(body, &parts.headers).await {
            Err(refused) => refused,
            Ok(body) => {
                let authority = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
                let wire = path.wire();
                let url = match query {
                    Some(query) => format!("http://{authority}{wire}?{query}"),
                    None => format!("http://{authority}{wire}"),
                };
                let incoming = IncomingRequest {
                    url,
                    method: parts.method.clone(),
                    path: wire.to_owned(),
                    query: query.map(str::to_owned),
                    headers: parts.headers.clone(),
                    body,
                    params: matched.params,
                    granted,
                };
                host.forwarder.invoke(function, host.layout.host.forwarding, incoming).await
            }
        }
    };
    // The path only, in its encoded form: the query may carry `code=<key>`, and a decoded path
    // could carry control characters to the terminal.
    println!(
        "{} {} -> {} {} ({} ms)",
        parts.method,
        path.wire(),
        response.status().as_u16(),
        function.name,
        started.elapsed().as_millis()
    );
    response
}

fn route_not_found(method: &axum::http::Method, path: &path::RequestPath) -> Response {
    vaultfn_handler::problem::ApiError::RouteNotFound(format!("{method} {}", path.wire())).into_response()
}

fn problem(status: StatusCode, slug: &str, title: &str, detail: String) -> Response {
    Problem::new(status, slug, title, detail).into_response()
}

/// Reads a request body of at most [`MAX_REQUEST_BYTES`] within [`BODY_READ_TIMEOUT`], with or
/// without a Content-Length (chunked bodies are read like any other). A declared length over the
/// limit is refused before anything is read.
pub async fn read_body(body: Body, headers: &HeaderMap) -> Result<Bytes, Response> {
    let too_large = || {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload Too Large",
            format!("The local host accepts request bodies of at most {MAX_REQUEST_BYTES} bytes."),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BYTES as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buffer = Vec::new();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { return Err(None) };
            if buffer.len() + chunk.len() > MAX_REQUEST_BYTES {
                return Err(Some(too_large()));
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buffer))
    };
    match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(Some(refused))) => Err(refused),
        Ok(Err(None)) => Err(problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad Request",
            "The request body broke off.".to_owned(),
        )),
        Err(_) => Err(problem(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            "Request Timeout",
            format!("The request body did not arrive within {} s.", BODY_READ_TIMEOUT.as_secs()),
        )),
    }
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
