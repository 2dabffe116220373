//! A TLS-terminating proxy in front of the test Key Vault: it counts Key Vault requests per path and
//! can inject faults. The client under test reaches it through `VAULTFN_TEST_RESOLVE` and trusts
//! it through `KEY_VAULT_CA_FILE`, exactly as it would reach a real vault.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use crate::tls;

/// What the proxy does with the next requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Drops connections without answering, like a vault that is down.
    Refuse,
    /// Holds requests far past any budget.
    Hang,
    Throttle {
        retry_after: u64,
    },
    ServerError,
    /// A 403 carrying this inner error code.
    Forbidden(&'static str),
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorized: bool,
    /// When it arrived (its TLS handshake done), and when its answer left: timings of one
    /// handler's calls, such as `vaultfn bench`'s breakdown of the first metadata request.
    pub at: Instant,
    /// `None` while in flight, or when the proxy dropped it unanswered.
    pub answered: Option<Instant>,
}

struct State {
    upstream: reqwest::Client,
    upstream_base: String,
    fault: Mutex<Fault>,
    seen: Mutex<Vec<Seen>>,
}

#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Proxy {
    /// Binds now (so the port is known) and serves on `runtime`.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        tls: Arc<rustls::ServerConfig>,
        upstream: reqwest::Client,
        upstream_base: String,
    ) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let state =
            Arc::new(State { upstream, upstream_base, fault: Mutex::new(Fault::None), seen: Mutex::new(Vec::new()) });
        let serving = state.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tls::serve(listener, tls, serving, |state| *state.fault.lock().unwrap() == Fault::Refuse, handle).await;
        });
        Self { addr, state }
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests whose path is exactly `path` (query ignored).
    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    pub fn total(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }
}

fn answer(status: StatusCode, body: String, extra: &[(&str, String)]) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(status).header("content-type", "application/json");
    for (name, value) in extra {
        builder = builder.header(*name, value);
    }
    builder.body(Full::new(Bytes::from(body))).unwrap()
}

fn kv_error(code: &str, inner: Option<&str>) -> String {
    let mut error = serde_json::json!({ "code": code, "message": "injected by the test proxy" });
    if let Some(inner) = inner {
        error["innererror"] = serde_json::json!({ "code": inner });
    }
    serde_json::json!({ "error": error }).to_string()
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let index = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            authorized: req.headers().contains_key("authorization"),
            at: Instant::now(),
            answered: None,
        });
        seen.len() - 1
    };
    let answer = respond(&state, req).await;
    if answer.is_ok() {
        state.seen.lock().unwrap()[index].answered = Some(Instant::now());
    }
    answer
}

async fn respond(state: &State, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let fault = state.fault.lock().unwrap().clone();
    match fault {
        // An error from the service makes hyper drop the connection, which is what a pooled
        // connection to a dead vault sees.
        Fault::Refuse => return Err(std::io::Error::other("refused by the test proxy")),
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            return Err(std::io::Error::other("hung by the test proxy"));
        }
        Fault::Throttle { retry_after } => {
            return Ok(answer(
                StatusCode::TOO_MANY_REQUESTS,
                kv_error("Throttled", None),
                &[("retry-after", retry_after.to_string())],
            ));
        }
        Fault::ServerError => {
            return Ok(answer(StatusCode::INTERNAL_SERVER_ERROR, kv_error("InternalServerError", None), &[]));
        }
        Fault::Forbidden(inner) => {
            return Ok(answer(StatusCode::FORBIDDEN, kv_error("Forbidden", Some(inner)), &[]));
        }
        Fault::None => {}
    }
    Ok(forward(state, req).await.unwrap_or_else(|reason| {
        answer(StatusCode::BAD_GATEWAY, kv_error("ProxyError", None), &[("x-proxy-error", reason)])
    }))
}

async fn forward(state: &State, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, String> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream =
        state.upstream.request(parts.method.clone(), format!("{}{path}", state.upstream_base)).body(body);
    for (name, value) in &parts.headers {
        // The Host header is kept: the vault picks itself by it (Lowkey Vault knows ours as an alias)
        // and builds ids from it.
        if !matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding") {
            upstream = upstream.header(name, value);
        }
    }
    let rsp = upstream.send().await.map_err(|e| e.to_string())?;
    let mut out = Response::builder().status(rsp.status());
    for (name, value) in rsp.headers() {
        if !matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding") {
            out = out.header(name, value);
        }
    }
    let bytes = rsp.bytes().await.map_err(|e| e.to_string())?;
    out.body(Full::new(bytes)).map_err(|e| e.to_string())
}
