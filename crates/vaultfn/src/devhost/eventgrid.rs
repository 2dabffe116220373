//! The Event Grid extension's webhook, `POST /runtime/webhooks/eventgrid?functionName={name}`, as
//! the host serves it: authorised by the system key `eventgrid_extension` (or the master key),
//! `aeg-event-type: SubscriptionValidation` answered with the validation code, `Notification`
//! invoking the function once per event (in parallel, as the extension does) and answering 500 if
//! any invocation failed, so that Event Grid delivers the batch again. CloudEvents 1.0 bodies too,
//! structured (`application/cloudevents+json`) or batched (`application/cloudevents-batch+json`).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde_json::{Value, json};
use vaultfn_handler::problem::Problem;

use super::DevHost;
use super::triggers::{self, TriggerBinding};
use crate::keys::{AuthLevel, KeyError, KeyScope, KeySnapshot, KeyStore, presented_key, resolve_level};

/// The system key the host creates for the Event Grid extension's webhook.
pub use super::layout::EVENTGRID_SYSTEM_KEY as SYSTEM_KEY;
pub const EVENT_TYPE_HEADER: &str = "aeg-event-type";
/// What the extension answers a delivered batch with when every invocation succeeded.
pub const NOTIFICATION_ACCEPTED: StatusCode = StatusCode::ACCEPTED;
/// Events of one delivery invoked at once; Event Grid batches hold up to 5,000.
const PARALLEL_INVOCATIONS: usize = 16;

/// Creates the webhook's system key if the app has an Event Grid function, as the host does when
/// the extension starts. The value is never printed.
pub async fn ensure_system_key(keys: &KeyStore, layout: &super::layout::AppLayout) -> Result<(), String> {
    if !layout.triggered.iter().any(|f| f.kind == TriggerBinding::EventGrid) {
        return Ok(());
    }
    let failed = |e: KeyError| format!("cannot create the system key {SYSTEM_KEY}: {e}");
    if keys.get(KeyScope::System, SYSTEM_KEY).await.map_err(failed)?.is_none() {
        keys.generate(KeyScope::System, SYSTEM_KEY).await.map_err(failed)?;
        println!("Created the system key {SYSTEM_KEY} for the Event Grid webhook");
    }
    Ok(())
}

/// Whether `decoded` is the webhook's path (literals compared case-insensitively).
pub fn is_webhook(decoded: &str) -> bool {
    let trimmed = decoded.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.eq_ignore_ascii_case("runtime/webhooks/eventgrid")
}

/// The request as the webhook sees it; the body is read only once the key is accepted.
pub struct WebhookRequest<'a> {
    pub method: &'a Method,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Body,
}

pub async fn handle(host: &DevHost, req: WebhookRequest<'_>) -> Response {
    if *req.method != Method::POST && *req.method != Method::OPTIONS {
        return problem(StatusCode::NOT_FOUND, "not-found", "Not Found", "The Event Grid webhook takes POST.".into());
    }
    if !authorised(host, req.headers, req.query).await {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let name = super::forward::joined_query(req.query)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("functionName"))
        .map(|(_, v)| v)
        .unwrap_or_default();
    let function = host.layout.triggered.iter().find(|f| {
        f.kind == TriggerBinding::EventGrid && f.name.eq_ignore_ascii_case(&name) && !host.is_disabled(&f.name)
    });
    let Some(function) = function else {
        let detail = format!("cannot find function: '{name}' (no enabled eventGridTrigger function of that name)");
        return problem(StatusCode::NOT_FOUND, "not-found", "Not Found", detail);
    };
    if *req.method == Method::OPTIONS {
        return cloud_events_handshake(req.headers);
    }
    let body = match super::read_body(req.body, req.headers).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(parsed) => parsed,
        Err(e) => {
            let detail = format!("The body is not valid JSON (line {} column {}).", e.line(), e.column());
            return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail);
        }
    };
    let header = req.headers.get(EVENT_TYPE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let kind = if header.is_empty() && is_cloud_events(req.headers, &parsed) { "Notification" } else { header };
    if kind.eq_ignore_ascii_case("SubscriptionValidation") {
        return match validation_code(&parsed) {
            Some(code) => {
                println!("eventGrid {}: subscription validation handshake", function.name);
                axum::Json(json!({"validationResponse": code})).into_response()
            }
            None => bad_request("A SubscriptionValidation event carries data.validationCode.".into()),
        };
    }
    if kind.eq_ignore_ascii_case("Unsubscribe") {
        return StatusCode::ACCEPTED.into_response();
    }
    if !kind.eq_ignore_ascii_case("Notification") {
        return bad_request(format!(
            "{EVENT_TYPE_HEADER} must be SubscriptionValidation, Notification or Unsubscribe (or the body a CloudEvent)"
        ));
    }
    let events = match parsed {
        Value::Array(events) => events,
        event @ Value::Object(_) => vec![event],
        _ => return bad_request("A Notification body is an event or an array of events.".into()),
    };
    let total = events.len();
    let failed = futures::stream::iter(events)
        .map(|event| triggers::invoke(host, function, event, "eventGrid"))
        .buffer_unordered(PARALLEL_INVOCATIONS)
        .filter(|ok| std::future::ready(!*ok))
        .count()
        .await;
    if failed > 0 {
        let detail = format!("{failed} of {total} invocation(s) of {} failed; Event Grid would retry.", function.name);
        return problem(StatusCode::INTERNAL_SERVER_ERROR, "invocation-failed", "Invocation Failed", detail);
    }
    NOTIFICATION_ACCEPTED.into_response()
}

/// The extension's key rule: the master key, or the system key named for the extension (another
/// system key does not open it). Compared in constant time like every other key.
async fn authorised(host: &DevHost, headers: &HeaderMap, query: Option<&str>) -> bool {
    if host.no_auth {
        return true;
    }
    let Some(presented) = presented_key(headers, query) else { return false };
    let snapshot = match host.keys.snapshot(std::iter::empty::<&str>()).await {
        Ok(snapshot) => snapshot,
        Err(e) => {
            eprintln!("Key store error: {e}");
            return false;
        }
    };
    let own: Vec<_> =
        snapshot.system_keys().iter().filter(|k| k.name.eq_ignore_ascii_case(SYSTEM_KEY)).cloned().collect();
    let narrowed = KeySnapshot::new(snapshot.master().cloned(), own, Vec::new());
    matches!(resolve_level(&narrowed, "", &presented), Some(AuthLevel::Admin | AuthLevel::System))
}

fn is_cloud_events(headers: &HeaderMap, body: &Value) -> bool {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    kind.starts_with("application/cloudevents") || body.get("specversion").is_some()
}

/// `[{"data":{"validationCode":...}}]`; a CloudEvent's validation event may carry its data as a
/// JSON string, which the extension reads too.
fn validation_code(body: &Value) -> Option<String> {
    let event = match body {
        Value::Array(events) => events.first()?,
        other => other,
    };
    let data = event.get("data")?;
    let owned;
    let data = match data {
        Value::String(text) => {
            owned = serde_json::from_str::<Value>(text).ok()?;
            &owned
        }
        other => other,
    };
    match data.get("validationCode")? {
        Value::String(code) => Some(code.clone()),
        other => Some(other.to_string()),
    }
}

/// The CloudEvents webhook abuse-protection handshake: the origin asking is allowed.
fn cloud_events_handshake(headers: &HeaderMap) -> Response {
    let Some(origin) = headers.get("webhook-request-origin").cloned() else {
        return bad_request("An OPTIONS request is the CloudEvents handshake: it needs WebHook-Request-Origin.".into());
    };
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert("webhook-allowed-origin", origin);
    response.headers_mut().insert("webhook-allowed-rate", HeaderValue::from_static("*"));
    response
}

fn bad_request(detail: String) -> Response {
    problem(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail)
}

fn problem(status: StatusCode, slug: &str, title: &str, detail: String) -> Response {
    Problem::new(status, slug, title, detail).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_path_is_matched_case_insensitively() {
        assert!(is_webhook("/runtime/webhooks/eventgrid"));
        assert!(is_webhook("/Runtime/WebHooks/EventGrid/"));
        assert!(!is_webhook("/runtime/webhooks/eventgrid/x"));
        assert!(!is_webhook("/runtime/webhooks/queue"));
    }

    #[test]
    fn validation_codes_from_both_schemas() {
        let grid = json!([{"id":"1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent",
            "data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}}]);
        assert_eq!(validation_code(&grid).as_deref(), Some("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
        let cloud = json!({"specversion":"1.0","data":"{\"validationCode\":\"abc\"}"});
        assert_eq!(validation_code(&cloud).as_deref(), Some("abc"));
        assert_eq!(validation_code(&json!([{"data":{}}])), None);
        assert_eq!(validation_code(&json!([])), None);
    }

    #[test]
    fn cloud_events_are_known_by_content_type_or_specversion() {
        let mut headers = HeaderMap::new();
        assert!(is_cloud_events(&headers, &json!({"specversion":"1.0"})));
        assert!(!is_cloud_events(&headers, &json!([{"eventType":"x"}])));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/cloudevents-batch+json"));
        assert!(is_cloud_events(&headers, &json!([])));
    }
}
