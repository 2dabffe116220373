//! The host's admin API under `/admin`: key management (KeysController), `host/status` and
//! `host/ping`. Routes are matched before keys are checked, so an unknown admin path is a 404
//! whatever the key, and a known one without the master key a 401 even for an unknown function.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

use super::DevHost;
use super::path::RequestPath;
use super::supervisor::HandlerState;
use crate::keys::{AuthLevel, KeyError, KeyScope, MASTER_KEY_NAME, NamedKey, Outcome};
use vaultfn_handler::problem::Problem;

/// The request as the admin API sees it; the body is read only once route and key are accepted.
pub struct AdminRequest<'a> {
    pub method: &'a Method,
    pub path: &'a RequestPath,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Body,
}

enum Scope {
    Function(String),
    HostFunction,
    System,
}

enum Route {
    Ping,
    Status,
    List(Scope),
    Key(Scope, String),
}

pub async fn handle(host: &DevHost, req: AdminRequest<'_>) -> Response {
    let path = req.path.wire();
    let Some(route) = route(req.method, req.path.decoded()) else {
        return not_found(path);
    };
    if !matches!(route, Route::Ping) && host.grant(req.headers, req.query, None).await != Some(AuthLevel::Admin) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let self_link = host.self_link(req.headers, path);
    match route {
        Route::Ping => StatusCode::OK.into_response(),
        Route::Status => Json(status(host)).into_response(),
        Route::List(scope) => {
            let Some(scope) = resolve(host, scope) else { return not_found(path) };
            match host.keys.list(scope.as_key_scope()).await {
                Ok(keys) => {
                    Json(json!({"keys": keys.iter().map(key_json).collect::<Vec<_>>(), "links": links(&self_link)}))
                        .into_response()
                }
                Err(e) => key_error(e, path),
            }
        }
        Route::Key(scope, name) => {
            // Checked before the scope: a name the host would refuse never reaches the store.
            if !valid_key_name(&name) {
                return bad_request("Invalid key name: use 1 to 128 letters, digits, '_', '-' or '.'.");
            }
            let Some(scope) = resolve(host, scope) else { return not_found(path) };
            key_operation(host, req, scope, &name, &self_link).await
        }
    }
}

/// The key names the host accepts in its admin API: letters, digits, `_`, `-` and `.`, at most
/// 128 of them. The store is stricter still for the keys it creates.
fn valid_key_name(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// A scope whose function exists (case-insensitively, under its own spelling).
struct Resolved(Option<String>, bool);

impl Resolved {
    fn as_key_scope(&self) -> KeyScope<'_> {
        match (&self.0, self.1) {
            (Some(function), _) => KeyScope::Function(function),
            (None, true) => KeyScope::System,
            (None, false) => KeyScope::HostFunction,
        }
    }
}

fn resolve(host: &DevHost, scope: Scope) -> Option<Resolved> {
    Some(match scope {
        Scope::Function(name) => Resolved(Some(host.function_name(&name)?), false),
        Scope::HostFunction => Resolved(None, false),
        Scope::System => Resolved(None, true),
    })
}

async fn key_operation(
    host: &DevHost,
    req: AdminRequest<'_>,
    scope: Resolved,
    name: &str,
    self_link: &str,
) -> Response {
    let path = req.path.wire();
    // Read (within its limits) only now that route, key and name are accepted; whatever the
    // method, so that the connection can be kept alive.
    let request_body = match super::read_body(req.body, req.headers).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let is_master = name.eq_ignore_ascii_case(MASTER_KEY_NAME);
    let host_scope = scope.0.is_none();
    let store = &host.keys;
    let key_scope = scope.as_key_scope();
    let written = |outcome: Outcome, value: &SecretString| {
        let body = json!({"name": name, "value": value.expose_secret(), "links": links(self_link)});
        match outcome {
            Outcome::Created => {
                let mut response = (StatusCode::CREATED, Json(body)).into_response();
                if let Ok(location) = HeaderValue::from_str(self_link) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Outcome::Replaced => Json(body).into_response(),
        }
    };
    match *req.method {
        Method::GET => match store.get(key_scope, name).await {
            Ok(Some(key)) => Json(json!({"name": name, "value": key.value.expose_secret(), "links": links(self_link)}))
                .into_response(),
            Ok(None) => not_found(path),
            Err(e) => key_error(e, path),
        },
        Method::POST => match store.generate(key_scope, name).await {
            // The host answers 201 for a regenerated master key although it existed.
            Ok((_, key)) if is_master && host_scope => written(Outcome::Created, &key.value),
            Ok((outcome, key)) => written(outcome, &key.value),
            Err(e) => key_error(e, path),
        },
        Method::PUT => {
            let value = serde_json::from_slice::<Value>(&request_body)
                .ok()
                .and_then(|b| ["value", "Value"].iter().find_map(|k| b.get(*k)?.as_str().map(str::to_owned)));
            let Some(value) = value.map(SecretString::from) else {
                return bad_request("Invalid key value");
            };
            match store.put(key_scope, name, value.clone()).await {
                Ok(outcome) => written(outcome, &value),
                Err(e) => key_error(e, path),
            }
        }
        Method::DELETE => {
            if is_master {
                return bad_request("Cannot delete System Key.");
            }
            match store.delete(key_scope, name).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => key_error(e, path),
            }
        }
        _ => not_found(path),
    }
}

/// Matches the admin routes the host defines, literals case-insensitively, a trailing slash
/// ignored; `None` (404) for anything else, including a known path with another method. `path`
/// is the normalised path, already decoded once: its segments are taken as they are (a `&` or a
/// `+` is part of a name, not a query separator).
fn route(method: &Method, path: &str) -> Option<Route> {
    let trimmed = path.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let segments: Vec<String> = trimmed.split('/').map(str::to_owned).collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let key_methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
    let host_scope = |s: &str| match s {
        "keys" | "functionkeys" => Some(Scope::HostFunction),
        "systemkeys" => Some(Scope::System),
        _ => None,
    };
    let nonempty = |s: &String| (!s.is_empty()).then(|| s.clone());
    match lower.as_slice() {
        ["admin", "host", "ping"] if matches!(*method, Method::GET | Method::POST) => Some(Route::Ping),
        ["admin", "host", "status"] if method == Method::GET => Some(Route::Status),
        ["admin", "functions", _, "keys"] if method == Method::GET => {
            Some(Route::List(Scope::Function(nonempty(&segments[2])?)))
        }
        ["admin", "functions", _, "keys", _] if key_methods.contains(method) => {
            Some(Route::Key(Scope::Function(nonempty(&segments[2])?), nonempty(&segments[4])?))
        }
        ["admin", "host", scope] if method == Method::GET => Some(Route::List(host_scope(scope)?)),
        ["admin", "host", scope, _] if key_methods.contains(method) => {
            Some(Route::Key(host_scope(scope)?, nonempty(&segments[3])?))
        }
        _ => None,
    }
}

fn key_json(key: &NamedKey) -> Value {
    json!({"name": key.name, "value": key.value.expose_secret()})
}

fn links(href: &str) -> Value {
    json!([{"rel": "self", "href": href}])
}

fn status(host: &DevHost) -> Value {
    let state = match *host.handler_state.borrow() {
        HandlerState::Ready { .. } => "Running",
        HandlerState::Starting => "Initialized",
        HandlerState::Stopped => "Stopped",
    };
    let mut status = json!({
        "id": host.host_id,
        "state": state,
        "version": super::HOST_VERSION,
        "versionDetails": format!("vaultfn {} local host emulating Functions host {}", env!("CARGO_PKG_VERSION"), super::HOST_VERSION),
        "instanceId": host.instance_id,
        "computerName": host.computer_name,
        "processUptime": host.started.elapsed().as_millis() as u64,
        "functionAppContentEditingState": "Unknown",
    });
    if let Some((id, version)) = &host.layout.host.extension_bundle {
        status["extensionBundle"] = json!({"id": id, "version": version});
    }
    status
}

fn not_found(path: &str) -> Response {
    vaultfn_handler::problem::ApiError::RouteNotFound(path.to_owned()).into_response()
}

fn bad_request(detail: &str) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail.to_owned()).into_response()
}

/// Key errors name keys and files, never values, so their text can go to the caller.
fn key_error(error: KeyError, path: &str) -> Response {
    match error {
        KeyError::NotFound { .. } | KeyError::InvalidFunctionName(_) => not_found(path),
        KeyError::InvalidName { .. }
        | KeyError::InvalidValue(_)
        | KeyError::ReservedName(_)
        | KeyError::MasterKeyUndeletable
        | KeyError::InvalidAuthLevel(_) => bad_request(&error.to_string()),
        other => {
            eprintln!("Key store error: {other}");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "key-store",
                "Key store error",
                "The key store could not be read or written; see the vaultfn output.".to_owned(),
            )
            .into_response()
        }
    }
}
