//! Functions that something other than an HTTP request triggers, run locally as the host runs
//! them: in payload mode (`POST /{name}` to the handler with `{"Data":{"<binding>": ...},
//! "Metadata":{...}}`), from the Event Grid webhook (`eventgrid.rs`), their timer schedule
//! (`timer.rs`), or on demand through `POST /admin/functions/{name}` with the master key.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use vaultfn_handler::problem::Problem;

use super::DevHost;
pub use super::layout::{TriggerBinding, TriggerDef};
use crate::keys::AuthLevel;

/// `{"Data":{"<binding>": data},"Metadata":{"sys":{...}}}`, as the host sends a trigger's data.
pub fn payload(function: &TriggerDef, data: Value) -> Value {
    let sys = json!({"MethodName": function.name, "UtcNow": super::now_rfc3339(), "RandGuid": super::new_guid()});
    json!({"Data": {function.binding.clone(): data}, "Metadata": {"sys": sys}})
}

/// Invokes `function` once with its trigger `data` and logs one line: what started it, the
/// handler's status, the time taken and the return value. True when the handler answered 2xx.
pub async fn invoke(host: &DevHost, function: &TriggerDef, data: Value, cause: &str) -> bool {
    let started = Instant::now();
    let outcome = host.forwarder.post_invocation(&function.name, &payload(function, data)).await;
    let ms = started.elapsed().as_millis();
    let response = match outcome {
        Ok(response) => response,
        Err(why) => {
            eprintln!("{cause} {} -> failed: {why} ({ms} ms)", function.name);
            return false;
        }
    };
    let status = response.status();
    let result: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        // The host drops a failed invocation's logs; the problem's detail names what was wrong
        // (the handler never quotes an event in it).
        let detail = result.get("detail").and_then(Value::as_str).unwrap_or("");
        eprintln!("{cause} {} -> {} ({ms} ms) {}", function.name, status.as_u16(), shorten(detail));
        return false;
    }
    for log in result.get("Logs").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        println!("[{}] {log}", function.name);
    }
    let returned = match result.get("ReturnValue") {
        None | Some(Value::Null) => String::new(),
        Some(value) => format!(" returned {}", shorten(&value.to_string())),
    };
    println!("{cause} {} -> {} ({ms} ms){returned}", function.name, status.as_u16());
    true
}

fn shorten(text: &str) -> String {
    const MAX: usize = 400;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The timer data the host passes when it runs a timer function on demand: no schedule status.
pub fn on_demand_timer() -> Value {
    json!({"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false})
}

/// `POST /admin/functions/{name}`: the name, when the request is for this route.
pub fn invoke_route(method: &Method, decoded: &str) -> Option<String> {
    let trimmed = decoded.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    match trimmed.split('/').collect::<Vec<_>>().as_slice() {
        [admin, functions, name]
            if method == Method::POST
                && admin.eq_ignore_ascii_case("admin")
                && functions.eq_ignore_ascii_case("functions")
                && !name.is_empty() =>
        {
            Some((*name).to_owned())
        }
        _ => None,
    }
}

/// Runs a non-HTTP function on demand, as the host's `FunctionsController.Invoke` does: master
/// key, a body `{"input": "..."}`, 202 at once and the invocation in the background (its outcome
/// is logged). A timer gets the host's on-demand timer data, an Event Grid function the input
/// parsed as its event.
pub async fn admin_invoke(
    host: Arc<DevHost>,
    name: String,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
) -> Response {
    if host.grant(headers, query, None).await != Some(AuthLevel::Admin) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(function) = host.layout.triggered.iter().find(|f| f.name.eq_ignore_ascii_case(&name)).cloned() else {
        if host.layout.function(&name).is_some() {
            return bad_request(format!("{name} is an HTTP function: call its route instead"));
        }
        return vaultfn_handler::problem::ApiError::RouteNotFound(format!("function {name}")).into_response();
    };
    let body = match super::read_body(body, headers).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let input = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(invocation)) => {
            invocation.iter().find(|(k, _)| k.eq_ignore_ascii_case("input")).map_or(Value::Null, |(_, v)| v.clone())
        }
        _ => return bad_request("the body must be a JSON object: {\"input\": \"...\"}".to_owned()),
    };
    let data = match function.kind {
        TriggerBinding::Timer { .. } => on_demand_timer(),
        // The host parses the input as the event; what does not parse goes as the string it is.
        TriggerBinding::EventGrid => match input {
            Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            other => other,
        },
    };
    tokio::spawn(async move {
        invoke(&host, &function, data, "admin").await;
    });
    StatusCode::ACCEPTED.into_response()
}

fn bad_request(detail: String) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail).into_response()
}

/// The banner lines for the non-HTTP functions: where to reach each and what starts it.
pub fn announce(host: &DevHost, base: &str) {
    for function in &host.layout.triggered {
        let disabled = if host.is_disabled(&function.name) { "  (disabled)" } else { "" };
        match &function.kind {
            TriggerBinding::EventGrid => println!(
                "        {}: eventGridTrigger  POST {base}/runtime/webhooks/eventgrid?functionName={}  \
                 (system key {}){disabled}",
                function.name,
                function.name,
                super::layout::EVENTGRID_SYSTEM_KEY
            ),
            TriggerBinding::Timer { schedule, run_on_startup } => println!(
                "        {}: timerTrigger  schedule {schedule}{}{disabled}",
                function.name,
                if *run_on_startup { ", runOnStartup" } else { "" }
            ),
        }
        println!("            run now: POST {base}/admin/functions/{} {{\"input\": \"\"}} (master key)", function.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devhost::layout::{LayoutError, parse_trigger};
    use std::path::Path;

    fn parse(json: Value) -> Result<Option<TriggerDef>, LayoutError> {
        parse_trigger("f", Path::new("function.json"), &json)
    }

    #[test]
    fn event_grid_and_timer_triggers_are_read() {
        let events = parse(json!({"bindings":[{"type":"eventGridTrigger","direction":"in","name":"event"}]}));
        assert_eq!(events.unwrap().unwrap().kind, TriggerBinding::EventGrid);
        let timer = parse(json!({"disabled": true, "bindings":[{"type":"TimerTrigger","direction":"in","name":"t",
            "schedule":"%S%","runOnStartup":true}]}))
        .unwrap()
        .unwrap();
        assert_eq!(timer.binding, "t");
        assert!(timer.disabled);
        assert_eq!(timer.kind, TriggerBinding::Timer { schedule: "%S%".to_owned(), run_on_startup: true });
    }

    #[test]
    fn other_triggers_are_not_ours_and_incomplete_ones_are_refused() {
        assert!(parse(json!({"bindings":[{"type":"queueTrigger","direction":"in","name":"q"}]})).unwrap().is_none());
        let no_schedule = parse(json!({"bindings":[{"type":"timerTrigger","direction":"in","name":"t"}]}));
        assert!(no_schedule.unwrap_err().to_string().contains("no schedule"));
        let no_name = parse(json!({"bindings":[{"type":"eventGridTrigger","direction":"in"}]}));
        assert!(no_name.unwrap_err().to_string().contains("no name"));
    }

    #[test]
    fn the_invoke_route_is_post_on_a_function_name() {
        assert_eq!(
            invoke_route(&Method::POST, "/admin/functions/secret-expiry-scan"),
            Some("secret-expiry-scan".into())
        );
        assert_eq!(invoke_route(&Method::POST, "/Admin/Functions/x/"), Some("x".into()));
        assert_eq!(invoke_route(&Method::GET, "/admin/functions/x"), None);
        assert_eq!(invoke_route(&Method::POST, "/admin/functions/x/keys"), None);
        assert_eq!(invoke_route(&Method::POST, "/admin/functions/"), None);
    }

    #[test]
    fn the_payload_has_the_binding_and_sys_metadata() {
        let f =
            TriggerDef { name: "f".into(), binding: "timer".into(), kind: TriggerBinding::EventGrid, disabled: false };
        let p = payload(&f, on_demand_timer());
        assert_eq!(p["Data"]["timer"]["IsPastDue"], false);
        assert_eq!(p["Metadata"]["sys"]["MethodName"], "f");
        assert!(p["Metadata"]["sys"]["RandGuid"].as_str().is_some_and(|g| g.len() == 36));
    }
}
