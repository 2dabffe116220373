//! A Key Vault stand-in: the secrets REST API answered over HTTPS on 127.0.0.1 the way the real
//! service answers every call the official SDKs make, since it is the suite's only Key Vault when
//! no Lowkey Vault is given. Where the two differ, the stand-in follows Key Vault: a disabled
//! secret's value is refused with 403 `SecretDisabled`, and a deleted name stays reserved until it
//! is purged or recovered.
//!
//! `secrets` holds the live secrets (and backup and restore, which copy them), `deleted` soft
//! delete, `certificates` the certificates API's reads and their seeding; this file the server,
//! authorisation, the api-version check and the answers they share.

mod certificates;
mod deleted;
mod secrets;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::tls;
pub use certificates::{CertificateKey, CertificateSpec, Renewal, SeededCertificate};
use deleted::Deleted;
use secrets::Secret;

/// What the handler's SDK (azure_security_keyvault_secrets 1.0.1) sends, so seeding sends it too.
pub const API_VERSION: &str = "2025-07-01";
/// The stable versions Key Vault documents from 7.4 on. Older ones lack fields the SDKs now
/// expect; previews come and go, and Key Vault refuses them once they are retired.
const API_VERSIONS: [&str; 5] = ["7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"];
/// Named in the refusal, as Key Vault names its newest; azure-keyvault-secrets 4.12 sends it.
const LATEST_API_VERSION: &str = "2026-04-01";
/// What Key Vault's challenge names; the SDK checks that the vault host ends in `.vault.azure.net`.
const CHALLENGE: &str = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-0000000a7e57\", resource=\"https://vault.azure.net\"";
/// Key Vault may return fewer items than `maxresults` (default and maximum 25); a page this
/// small makes every list of more than two follow `nextLink`.
const PAGE: usize = 2;
/// A vault created today: soft delete on with 90 days' retention, purge protection off.
const RECOVERY_LEVEL: &str = "Recoverable+Purgeable";
const RECOVERABLE_DAYS: i64 = 90;

/// Every name is keyed lower-cased: Key Vault matches names case-insensitively, and a live and a
/// deleted secret never share one.
#[derive(Default)]
struct Vault {
    live: BTreeMap<String, Secret>,
    deleted: BTreeMap<String, Deleted>,
    certificates: BTreeMap<String, certificates::Certificate>,
}

struct State {
    vault: Mutex<Vault>,
    /// Items per list page (Key Vault: at most 25) and how long each page takes to answer.
    page_size: AtomicUsize,
    page_delay_ms: AtomicU64,
    /// Token prefixes that carry a role assignment on the vault; any other token is a caller
    /// without one, which Key Vault answers with 403 ForbiddenByRbac.
    granted: Vec<String>,
}

pub struct StandIn {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl StandIn {
    /// Serves on a free 127.0.0.1 port, on the caller's runtime.
    pub async fn start(tls: Arc<rustls::ServerConfig>, granted: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind Key Vault stand-in");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            vault: Mutex::new(Vault::default()),
            page_size: AtomicUsize::new(PAGE),
            page_delay_ms: AtomicU64::new(0),
            granted: granted.iter().map(|g| g.to_string()).collect(),
        });
        tokio::spawn(tls::serve(listener, tls, state.clone(), |_| false, handle));
        Self { addr, state }
    }

    /// Pages of `size` items (Key Vault's is 25), each answered after `delay`: a vault far away.
    pub fn set_paging(&self, size: usize, delay: Duration) {
        self.state.page_size.store(size.clamp(1, 25), Ordering::SeqCst);
        self.state.page_delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// `count` secrets named `{prefix}-{n}`, written directly (thousands in a moment).
    pub fn fill(&self, prefix: &str, count: usize, value_prefix: &str) {
        let mut vault = self.state.vault.lock().unwrap();
        for n in 0..count {
            secrets::fill_versions(&mut vault, &format!("{prefix}-{n:05}"), 1, value_prefix);
        }
    }

    /// Certificate `name` (a new version when it exists) and its backing secret, written directly
    /// as Key Vault creates them; the secret's value is PEM, key included.
    pub fn add_certificate(&self, name: &str, spec: &CertificateSpec) -> SeededCertificate {
        let base = format!("https://{}", crate::VAULT_HOST);
        certificates::add(&mut self.state.vault.lock().unwrap(), &base, name, spec)
    }

    /// `count` more versions of `name`, written directly.
    pub fn fill_versions(&self, name: &str, count: usize, value_prefix: &str) {
        secrets::fill_versions(&mut self.state.vault.lock().unwrap(), name, count, value_prefix);
    }
}

type Answer = Response<Full<Bytes>>;

/// What answers need from the request besides its path and body.
struct Call {
    /// The vault as the caller addressed it, so ids point back where the caller can reach them.
    base: String,
    /// The caller's, written into nextLinks so the next page is read with the same one.
    api_version: String,
    query: HashMap<String, String>,
    page_size: usize,
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Answer, Infallible> {
    let (parts, body) = req.into_parts();
    let delay = state.page_delay_ms.load(Ordering::SeqCst);
    let path = parts.uri.path().trim_end_matches('/');
    let listing = parts.method == hyper::Method::GET
        && ["/secrets", "/versions", "/deletedsecrets", "/certificates"].iter().any(|end| path.ends_with(end));
    if delay > 0 && listing {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    Ok(route(&state, &parts, &body))
}

fn route(state: &State, parts: &Parts, body: &[u8]) -> Answer {
    // Key Vault challenges before it looks at anything else, the api-version included.
    let token = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return respond(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}),
            Some(CHALLENGE),
        );
    };
    if !state.granted.iter().any(|g| token.starts_with(g.as_str())) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Caller is not authorized to perform action on resource. Assignment: (not found)",
            Some("ForbiddenByRbac"),
        );
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let api_version = match query.get("api-version") {
        Some(version) if API_VERSIONS.contains(&version.as_str()) => version.clone(),
        None => return bad_parameter("The 'api-version' parameter is missing."),
        Some(other) => {
            return bad_parameter(&format!(
                "The specified version ({other}) is not recognized. Consider using the latest supported version ({LATEST_API_VERSION})."
            ));
        }
    };
    let host = parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let call =
        Call { base: format!("https://{host}"), api_version, query, page_size: state.page_size.load(Ordering::SeqCst) };
    // `get_secret` without a version asks for `/secrets/{name}/`: the empty segment is the latest.
    let segments: Vec<&str> = parts.uri.path().trim_matches('/').split('/').collect();
    if let Some(name) = segments.get(1).filter(|n| !valid_name(n)) {
        return bad_parameter(&format!("The request URI contains an invalid name: {name}"));
    }
    let mut vault = state.vault.lock().unwrap();
    let vault = &mut *vault;
    let method = &parts.method;
    match segments.as_slice() {
        ["secrets"] if method == Method::GET => secrets::list(vault, &call),
        ["secrets", name, "versions"] if method == Method::GET => secrets::versions(vault, &call, name),
        ["secrets", name] if method == Method::GET => secrets::get(vault, &call, name, None),
        ["secrets", name, version] if method == Method::GET => secrets::get(vault, &call, name, Some(version)),
        ["secrets", name] if method == Method::PUT => secrets::set(vault, &call, name, body),
        ["secrets", name] if method == Method::PATCH => secrets::update(vault, &call, name, None, body),
        ["secrets", name, version] if method == Method::PATCH => {
            secrets::update(vault, &call, name, Some(version), body)
        }
        ["secrets", "restore"] if method == Method::POST => secrets::restore(vault, &call, body),
        ["secrets", name, "backup"] if method == Method::POST => secrets::backup(vault, name),
        ["secrets", name] if method == Method::DELETE => deleted::delete(vault, &call, name),
        ["certificates"] if method == Method::GET => certificates::list(vault, &call),
        ["certificates", name, "versions"] if method == Method::GET => certificates::versions(vault, &call, name),
        ["certificates", name, "policy"] if method == Method::GET => certificates::policy_of(vault, &call, name),
        ["certificates", name] if method == Method::GET => certificates::get(vault, &call, name, None),
        ["certificates", name, version] if method == Method::GET => {
            certificates::get(vault, &call, name, Some(version))
        }
        ["deletedsecrets"] if method == Method::GET => deleted::list(vault, &call),
        ["deletedsecrets", name] if method == Method::GET => deleted::get(vault, &call, name),
        ["deletedsecrets", name] if method == Method::DELETE => deleted::purge(vault, name),
        ["deletedsecrets", name, "recover"] if method == Method::POST => deleted::recover(vault, &call, name),
        _ => bad_parameter("The request URI or method is not supported by the secrets API."),
    }
}

fn valid_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Where a name is kept: Key Vault matches names case-insensitively.
fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// One page of a list, Key Vault's way: `$skiptoken` says where it starts, and `nextLink` is
/// there while more remain.
fn page(call: &Call, path: &str, items: Vec<Value>) -> Answer {
    page_of(call, path, items.len(), |skip, take| items.into_iter().skip(skip).take(take).collect())
}

/// [`page`] of a list of `total` items where `items(skip, take)` renders only the page's: a
/// vault of thousands answers a page in the same time as a vault of a few, and so must this.
fn page_of(call: &Call, path: &str, total: usize, items: impl FnOnce(usize, usize) -> Vec<Value>) -> Answer {
    let max = match call.query.get("maxresults").map(|m| m.parse::<usize>()) {
        None => 25,
        Some(Ok(n @ 1..=25)) => n,
        Some(_) => return bad_parameter("The value for maxresults must be between 1 and 25."),
    };
    let skip: usize = call.query.get("$skiptoken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let page = items(skip, max.min(call.page_size));
    let next = skip + page.len();
    // Key Vault writes the default port into nextLink.
    let base = &call.base;
    let authority = if base.matches(':').count() > 1 { base.to_owned() } else { format!("{base}:443") };
    let next_link = (next < total)
        .then(|| format!("{authority}{path}?api-version={}&$skiptoken={next}&maxresults={max}", call.api_version));
    respond(StatusCode::OK, json!({"value": page, "nextLink": next_link}), None)
}

fn not_found(what: &str) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        &format!(
            "A secret with (name/id) {what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
        None,
    )
}

fn bad_parameter(message: &str) -> Answer {
    error(StatusCode::BAD_REQUEST, "BadParameter", message, None)
}

fn conflict(message: &str) -> Answer {
    error(StatusCode::CONFLICT, "Conflict", message, None)
}

/// Messages carry names and ids only: a value never reaches an error, where callers log it.
fn error(status: StatusCode, code: &str, message: &str, inner: Option<&str>) -> Answer {
    let mut error = json!({"code": code, "message": message});
    if let Some(inner) = inner {
        error["innererror"] = json!({"code": inner});
    }
    respond(status, json!({"error": error}), None)
}

fn respond(status: StatusCode, body: Value, challenge: Option<&str>) -> Answer {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-cache");
    if let Some(challenge) = challenge {
        builder = builder.header("www-authenticate", challenge);
    }
    builder.body(Full::new(Bytes::from(body.to_string()))).unwrap()
}

/// Purge's answer: Key Vault sends no body with it.
fn no_content() -> Answer {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("cache-control", "no-cache")
        .body(Full::default())
        .unwrap()
}
