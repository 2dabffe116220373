//! The App Service managed-identity token endpoint, as the platform serves it to the app:
//! `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=...` with `X-IDENTITY-HEADER`.
//! Each server has its own fault mode, so tests that break one do not disturb the others.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

pub const IDENTITY_HEADER: &str = "vaultfn-test-identity-header";
/// Every token this endpoint issues starts with this.
pub const TOKEN_PREFIX: &str = "test-access-token-";
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-00000000c1d0";

/// How the token endpoint misbehaves, for the fault suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TokenMode {
    Normal = 0,
    /// 200 with a body that is not a token.
    Garbage = 1,
    /// Holds requests far past any budget.
    Slow = 2,
    /// 500 with an empty body.
    Error = 3,
    /// Drops connections without answering, like an endpoint that is down.
    Down = 4,
}

impl TokenMode {
    fn from_u8(mode: u8) -> Self {
        [Self::Normal, Self::Garbage, Self::Slow, Self::Error, Self::Down]
            .into_iter()
            .find(|m| *m as u8 == mode)
            .unwrap_or(Self::Normal)
    }
}

struct Shared {
    requests: AtomicUsize,
    /// Token requests by the `client_id` they named (a user-assigned identity), so a test can
    /// count its own service's requests while others share the endpoint.
    by_client: std::sync::Mutex<HashMap<String, usize>>,
    mode: AtomicU8,
    /// Seconds until an issued token expires. A token inside the SDK's five-minute refresh
    /// window is fetched again on every call, which is how a token fault reaches a process that
    /// already holds a token.
    lifetime: AtomicU64,
}

#[derive(Clone)]
pub struct IdentityServer {
    pub endpoint: String,
    shared: Arc<Shared>,
}

impl IdentityServer {
    /// Binds now (so the endpoint is known) and serves on `runtime`.
    pub fn start(runtime: &tokio::runtime::Handle) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind identity server");
        listener.set_nonblocking(true).expect("non-blocking identity listener");
        let addr = listener.local_addr().expect("identity server address");
        let shared = Arc::new(Shared {
            requests: AtomicUsize::new(0),
            by_client: Default::default(),
            mode: AtomicU8::new(TokenMode::Normal as u8),
            lifetime: AtomicU64::new(3600),
        });
        let serving = shared.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("identity listener");
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                if serving.mode() == TokenMode::Down {
                    drop(tcp);
                    continue;
                }
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| token(state.clone(), req));
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
        });
        Self { endpoint: format!("http://{addr}/msi/token"), shared }
    }

    /// Token requests that named `client_id`.
    pub fn requests_for(&self, client_id: &str) -> usize {
        self.shared.by_client.lock().unwrap().get(client_id).copied().unwrap_or(0)
    }

    pub fn set_mode(&self, mode: TokenMode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// How long tokens issued from now on stay valid.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lifetime.store(lifetime.as_secs(), Ordering::SeqCst);
    }
}

impl Shared {
    fn mode(&self) -> TokenMode {
        TokenMode::from_u8(self.mode.load(Ordering::SeqCst))
    }
}

fn answer(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts")
}

async fn token(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let header = req.headers().get("x-identity-header").and_then(|v| v.to_str().ok());
    if req.uri().path() != "/msi/token" || header != Some(IDENTITY_HEADER) {
        return Ok(answer(StatusCode::BAD_REQUEST, "text/plain", "missing or wrong X-IDENTITY-HEADER".into()));
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes()).into_owned().collect();
    if let Some(client_id) = query.get("client_id") {
        *shared.by_client.lock().unwrap().entry(client_id.clone()).or_default() += 1;
    }
    let (Some("2019-08-01"), Some(resource)) = (query.get("api-version").map(String::as_str), query.get("resource"))
    else {
        return Ok(answer(
            StatusCode::BAD_REQUEST,
            "text/plain",
            "api-version=2019-08-01 and resource are required".into(),
        ));
    };
    match shared.mode() {
        // An error from the service makes hyper drop the connection, which is what a kept-alive
        // connection to an endpoint that went down sees.
        TokenMode::Down => return Err(std::io::Error::other("token endpoint down")),
        TokenMode::Garbage => return Ok(answer(StatusCode::OK, "text/html", "<html>not json</html>".into())),
        TokenMode::Error => return Ok(answer(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", String::new())),
        TokenMode::Slow => tokio::time::sleep(Duration::from_secs(600)).await,
        TokenMode::Normal => {}
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let expires_on = now + shared.lifetime.load(Ordering::SeqCst);
    let body = serde_json::json!({
        // Recognisable in logs if it leaked; the stand-in grants tokens with this prefix a role.
        "access_token": format!("{TOKEN_PREFIX}{n}"),
        "expires_on": expires_on.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": CLIENT_ID,
    });
    Ok(answer(StatusCode::OK, "application/json", body.to_string()))
}
