//! A Key Vault stand-in: the secrets REST API (api-version 2025-07-01) answered over HTTPS on
//! 127.0.0.1 the way the real service answers the calls vaultfn makes, for machines without Lowkey
//! Vault (Java 25 and Maven) and for `VAULTFN_TEST_VAULT=standin`. Where the two differ, the
//! stand-in follows Key Vault: a disabled secret's value is refused with 403 `SecretDisabled`.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::tls;

pub const API_VERSION: &str = "2025-07-01";
/// What Key Vault's challenge names; the SDK checks that the vault host ends in `.vault.azure.net`.
const CHALLENGE: &str = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-0000000a7e57\", resource=\"https://vault.azure.net\"";
/// Key Vault may return fewer items than `maxresults` (default and maximum 25); a page this
/// small makes the secrets list and a three-version history follow `nextLink`.
const PAGE: usize = 2;
/// A vault created today: soft delete on with 90 days' retention, purge protection off.
const RECOVERY_LEVEL: &str = "Recoverable+Purgeable";
const RECOVERABLE_DAYS: u32 = 90;

struct Version {
    id: String,
    value: String,
    content_type: Option<String>,
    tags: Option<Value>,
    enabled: bool,
    exp: Option<i64>,
    nbf: Option<i64>,
    created: i64,
    updated: i64,
}

struct Secret {
    /// As first written: Key Vault matches names case-insensitively but keeps their case.
    name: String,
    /// In creation order, so the last one is the current version.
    versions: Vec<Version>,
}

struct State {
    /// By lower-cased name.
    secrets: Mutex<BTreeMap<String, Secret>>,
    /// Token prefixes that carry a role assignment on the vault; any other token is a caller
    /// without one, which Key Vault answers with 403 ForbiddenByRbac.
    granted: Vec<String>,
}

pub struct StandIn {
    pub addr: SocketAddr,
}

impl StandIn {
    /// Serves on a free 127.0.0.1 port, on the caller's runtime.
    pub async fn start(tls: Arc<rustls::ServerConfig>, granted: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind Key Vault stand-in");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            secrets: Mutex::new(BTreeMap::new()),
            granted: granted.iter().map(|g| g.to_string()).collect(),
        });
        tokio::spawn(tls::serve(listener, tls, state, |_| false, handle));
        Self { addr }
    }
}

type Answer = Response<Full<Bytes>>;

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Answer, Infallible> {
    let (parts, body) = req.into_parts();
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
    match query.get("api-version").map(String::as_str) {
        Some(API_VERSION) => {}
        None => return bad_parameter("The 'api-version' parameter is missing."),
        Some(other) => {
            return bad_parameter(&format!(
                "The specified version ({other}) is not recognized. Consider using the latest supported version ({API_VERSION})."
            ));
        }
    }
    let host = parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let base = format!("https://{host}");
    // `get_secret` without a version asks for `/secrets/{name}/`: the empty segment is the latest.
    let segments: Vec<&str> = parts.uri.path().trim_matches('/').split('/').collect();
    if let Some(name) = segments.get(1).filter(|n| !valid_name(n)) {
        return bad_parameter(&format!("The request URI contains an invalid name: {name}"));
    }
    let method = &parts.method;
    match segments.as_slice() {
        ["secrets"] if method == Method::GET => list(state, &query, &base, None),
        ["secrets", name, "versions"] if method == Method::GET => list(state, &query, &base, Some(name)),
        ["secrets", name] if method == Method::GET => get(state, &base, name, None),
        ["secrets", name, version] if method == Method::GET => get(state, &base, name, Some(version)),
        ["secrets", name] if method == Method::PUT => set(state, &base, name, body),
        ["secrets", name] if method == Method::PATCH => update(state, &base, name, None, body),
        ["secrets", name, version] if method == Method::PATCH => update(state, &base, name, Some(version), body),
        _ => bad_parameter("The request URI or method is not supported by the secrets API."),
    }
}

fn valid_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// `GET /secrets` (each secret's current version, ids without a version) or
/// `GET /secrets/{name}/versions`, one page per request.
fn list(state: &State, query: &HashMap<String, String>, base: &str, name: Option<&str>) -> Answer {
    let max = match query.get("maxresults").map(|m| m.parse::<usize>()) {
        None => 25,
        Some(Ok(n @ 1..=25)) => n,
        Some(_) => return bad_parameter("The value for maxresults must be between 1 and 25."),
    };
    let skip: usize = query.get("$skiptoken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let secrets = state.secrets.lock().unwrap();
    let items: Vec<Value> = match name {
        None => secrets
            .values()
            .filter_map(|s| {
                let current = s.versions.last()?;
                Some(properties(current, format!("{base}/secrets/{}", s.name)))
            })
            .collect(),
        // An unknown name lists no versions (200, empty), as Key Vault does; no 404 here.
        Some(name) => match secrets.get(&name.to_ascii_lowercase()) {
            None => Vec::new(),
            Some(s) => {
                // Key Vault's order is stable but not by date; clients must compare `created`.
                let mut versions: Vec<&Version> = s.versions.iter().collect();
                versions.sort_by(|a, b| a.id.cmp(&b.id));
                versions.into_iter().map(|v| properties(v, format!("{base}/secrets/{}/{}", s.name, v.id))).collect()
            }
        },
    };
    let page: Vec<Value> = items.iter().skip(skip).take(max.min(PAGE)).cloned().collect();
    let next = skip + page.len();
    // Key Vault writes the default port into nextLink.
    let authority = if base.matches(':').count() > 1 { base.to_owned() } else { format!("{base}:443") };
    let next_link = (next < items.len()).then(|| {
        format!(
            "{authority}{}?api-version={API_VERSION}&$skiptoken={next}&maxresults={max}",
            name.map_or("/secrets".to_owned(), |n| format!("/secrets/{n}/versions"))
        )
    });
    respond(StatusCode::OK, json!({"value": page, "nextLink": next_link}), None)
}

/// `GET /secrets/{name}[/{version}]`: the value, which Key Vault refuses for a disabled version
/// but returns outside the nbf/exp window.
fn get(state: &State, base: &str, name: &str, version: Option<&str>) -> Answer {
    let secrets = state.secrets.lock().unwrap();
    let Some(secret) = secrets.get(&name.to_ascii_lowercase()) else {
        return not_found(name);
    };
    let found = match version {
        None => secret.versions.last(),
        Some(id) => secret.versions.iter().find(|v| v.id.eq_ignore_ascii_case(id)),
    };
    let Some(v) = found else {
        return not_found(&format!("{name}/{}", version.unwrap_or_default()));
    };
    if !v.enabled {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
            Some("SecretDisabled"),
        );
    }
    respond(StatusCode::OK, bundle(v, &secret.name, base, true), None)
}

/// `PUT /secrets/{name}`: a new version, which becomes the current one.
fn set(state: &State, base: &str, name: &str, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(value) = body["value"].as_str() else {
        return bad_parameter("Property 'value' is required.");
    };
    let attributes = &body["attributes"];
    let created = now();
    let version = Version {
        id: format!("{:032x}", rand::random::<u128>()),
        value: value.to_owned(),
        content_type: body["contentType"].as_str().map(str::to_owned),
        tags: body.get("tags").filter(|t| t.is_object()).cloned(),
        enabled: attributes["enabled"].as_bool().unwrap_or(true),
        exp: attributes["exp"].as_i64(),
        nbf: attributes["nbf"].as_i64(),
        created,
        updated: created,
    };
    let mut secrets = state.secrets.lock().unwrap();
    let secret = secrets
        .entry(name.to_ascii_lowercase())
        .or_insert_with(|| Secret { name: name.to_owned(), versions: Vec::new() });
    let answer = bundle(&version, &secret.name, base, true);
    secret.versions.push(version);
    respond(StatusCode::OK, answer, None)
}

/// `PATCH /secrets/{name}/{version}`: attributes, content type and tags; only what is sent changes.
fn update(state: &State, base: &str, name: &str, version: Option<&str>, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let mut secrets = state.secrets.lock().unwrap();
    let Some(secret) = secrets.get_mut(&name.to_ascii_lowercase()) else {
        return not_found(name);
    };
    let found = match version {
        None => secret.versions.last_mut(),
        Some(id) => secret.versions.iter_mut().find(|v| v.id.eq_ignore_ascii_case(id)),
    };
    let Some(v) = found else {
        return not_found(&format!("{name}/{}", version.unwrap_or_default()));
    };
    let attributes = &body["attributes"];
    if let Some(enabled) = attributes["enabled"].as_bool() {
        v.enabled = enabled;
    }
    if let Some(exp) = attributes.get("exp") {
        v.exp = exp.as_i64();
    }
    if let Some(nbf) = attributes.get("nbf") {
        v.nbf = nbf.as_i64();
    }
    if let Some(content_type) = body.get("contentType") {
        v.content_type = content_type.as_str().map(str::to_owned);
    }
    if let Some(tags) = body.get("tags") {
        v.tags = tags.is_object().then(|| tags.clone());
    }
    v.updated = now();
    respond(StatusCode::OK, bundle(v, &secret.name, base, false), None)
}

/// A secret item as lists return it: never the value.
fn properties(v: &Version, id: String) -> Value {
    let mut attributes = json!({
        "enabled": v.enabled,
        "created": v.created,
        "updated": v.updated,
        "recoveryLevel": RECOVERY_LEVEL,
        "recoverableDays": RECOVERABLE_DAYS,
    });
    if let Some(nbf) = v.nbf {
        attributes["nbf"] = json!(nbf);
    }
    if let Some(exp) = v.exp {
        attributes["exp"] = json!(exp);
    }
    let mut item = json!({"id": id, "attributes": attributes});
    if let Some(content_type) = &v.content_type {
        item["contentType"] = json!(content_type);
    }
    if let Some(tags) = &v.tags {
        item["tags"] = tags.clone();
    }
    item
}

/// A secret bundle: one version under its full id, with the value only where Key Vault sends it.
fn bundle(v: &Version, name: &str, base: &str, with_value: bool) -> Value {
    let mut bundle = properties(v, format!("{base}/secrets/{name}/{}", v.id));
    if with_value {
        bundle["value"] = json!(v.value);
    }
    bundle
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
