//! Telemetry to Application Insights, end to end: the real handler, a connection string naming an
//! ingestion endpoint written here, and one request's `traceparent` followed through the Request,
//! the Dependencies and the Traces that arrive there.

use std::convert::Infallible;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::Value;
use vaultfn_testbed::identity::{IDENTITY_HEADER, IdentityServer, TOKEN_PREFIX};
use vaultfn_testbed::proxy::Proxy;
use vaultfn_testbed::{process::free_port, tls};

use crate::support::handler::Handler;
use crate::support::{Harness, harness};

const INSTRUMENTATION_KEY: &str = "00000000-0000-4000-8000-00000000a1b2";
const PARENT_SPAN: &str = "00f067aa0ba902b7";
const INVOCATION_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const PAYLOAD_PARENT: &str = "b7ad6b7169203331";
const PAYLOAD_INVOCATION_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// What the ingestion endpoint received: every envelope, and every body as text for the leak scan.
#[derive(Default)]
struct Sink {
    envelopes: Mutex<Vec<Value>>,
    text: Mutex<String>,
}

/// Application Insights' track API as the exporters call it: `POST /v2/track` or `/v2.1/track`,
/// a JSON array (or one envelope per line), gzipped or not.
async fn track(sink: Arc<Sink>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let answer = |status: u16, body: String| Ok(Response::builder().status(status).body(Full::from(body)).unwrap());
    let (parts, body) = request.into_parts();
    if parts.method != hyper::Method::POST || !matches!(parts.uri.path(), "/v2/track" | "/v2.1/track") {
        return answer(404, String::new());
    }
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return answer(400, String::new());
    };
    let gzip = parts.headers.get("content-encoding").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let mut text = String::new();
    let read = if gzip {
        flate2::read::GzDecoder::new(&body[..]).read_to_string(&mut text).is_ok()
    } else {
        String::from_utf8(body.to_vec()).map(|t| text = t).is_ok()
    };
    let items: Vec<Value> = match serde_json::from_str(&text) {
        Ok(Value::Array(items)) => items,
        _ => text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect(),
    };
    if !read || items.is_empty() {
        return answer(400, String::new());
    }
    let count = items.len();
    sink.text.lock().unwrap().push_str(&text);
    sink.envelopes.lock().unwrap().extend(items);
    answer(200, format!(r#"{{"itemsReceived":{count},"itemsAccepted":{count},"errors":[]}}"#))
}

/// The handler's settings for `harness`'s vault, tokens from an identity endpoint whose tokens
/// are always due for refresh (so each Key Vault call asks for one inside the request), and
/// telemetry to `ingestion`, whose CA joins the vault's in `KEY_VAULT_CA_FILE`.
fn settings(h: &Harness, ingestion: &str, ca_pem: &str, identity: &IdentityServer) -> (Vec<(String, String)>, Proxy) {
    let proxy = h.proxy();
    let mut settings = h.settings(&proxy, identity);
    let port = ingestion.rsplit(':').next().unwrap_or_default().trim_end_matches('/').to_owned();
    for (name, value) in &mut settings {
        if name == "KEY_VAULT_CA_FILE" {
            let bundle = h.dir.join(format!("ca-with-ingestion-{port}.pem"));
            let vault_ca = std::fs::read_to_string(&*value).unwrap();
            std::fs::write(&bundle, format!("{vault_ca}\n{ca_pem}")).unwrap();
            *value = bundle.display().to_string();
        }
    }
    let connection_string = format!("InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint={ingestion};");
    settings.push(("APPLICATIONINSIGHTS_CONNECTION_STRING".into(), connection_string));
    settings.push(("VAULTFN_TELEMETRY_INTERVAL_MS".into(), "100".into()));
    (settings, proxy)
}

/// An ingestion endpoint on 127.0.0.1 over HTTPS: its URL, its CA, what it receives.
async fn ingestion_endpoint() -> (String, String, Arc<Sink>) {
    let (ca_pem, tls_config) = tls::tls_for("127.0.0.1");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ingestion = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    let sink = Arc::new(Sink::default());
    tokio::spawn(tls::serve(listener, tls_config, sink.clone(), |_| false, track));
    (ingestion, ca_pem, sink)
}

fn named<'a>(envelopes: &'a [Value], kind: &str, trace_id: &str) -> Vec<&'a Value> {
    envelopes
        .iter()
        .filter(|e| {
            e["name"] == format!("Microsoft.ApplicationInsights.{kind}") && e["tags"]["ai.operation.id"] == trace_id
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_requests_traceparent_reaches_its_request_dependencies_and_traces() {
    let h = harness();
    let (ingestion, ca_pem, sink) = ingestion_endpoint().await;
    let identity = h.identity_server();
    identity.set_token_lifetime(Duration::from_secs(1));
    let (settings, _proxy) = settings(h, &ingestion, &ca_pem, &identity);
    let handler = Handler::spawn("telemetry", &settings).await;

    let trace_id = vaultfn_handler::telemetry::context::new_trace_id().to_string();
    let client = vaultfn_testbed::http_client_builder().build().unwrap();
    let response = client
        .get(handler.url("/api/secrets/plain-secret?code=AzFuKeyNeverInTelemetry0000=="))
        .header("traceparent", format!("00-{trace_id}-{PARENT_SPAN}-01"))
        .header("tracestate", "congo=t61rcWkgMzE")
        .header("x-azure-functions-invocationid", INVOCATION_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Payload mode: the trace context rides in the payload's copy of the caller's headers.
    let payload_trace = vaultfn_handler::telemetry::context::new_trace_id().to_string();
    let mut payload: Value = serde_json::from_str(include_str!("data/invocation-config-check.json")).unwrap();
    payload["Data"]["req"]["Headers"]["traceparent"] =
        serde_json::json!([format!("00-{payload_trace}-{PAYLOAD_PARENT}-01")]);
    payload["Metadata"]["InvocationId"] = serde_json::json!(PAYLOAD_INVOCATION_ID);
    let response = client.post(handler.url("/config-check")).json(&payload).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let started = Instant::now();
    let complete = |envelopes: &[Value]| {
        named(envelopes, "Request", &trace_id).len() == 1
            && named(envelopes, "Request", &payload_trace).len() == 1
            && named(envelopes, "RemoteDependency", &trace_id).len() >= 2
            && !named(envelopes, "Message", &trace_id).is_empty()
            && envelopes.iter().any(|e| e["data"]["baseData"]["metrics"][0]["name"] == "vaultfn.metadata_cache.misses")
    };
    while !complete(&sink.envelopes.lock().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not everything arrived: {:#?}",
            sink.envelopes.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let envelopes = sink.envelopes.lock().unwrap().clone();

    let request = named(&envelopes, "Request", &trace_id)[0];
    let data = &request["data"]["baseData"];
    assert_eq!(request["data"]["baseType"], "RequestData");
    assert_eq!(data["name"], "secret-metadata", "named by function: {request}");
    assert_eq!(data["responseCode"], "200");
    assert_eq!(data["success"], true);
    assert_eq!(data["url"], "/api/secrets/plain-secret", "no query: {request}");
    assert_eq!(data["properties"]["InvocationId"], INVOCATION_ID);
    assert_eq!(request["tags"]["ai.operation.parentId"], PARENT_SPAN, "continues the caller: {request}");
    assert_eq!(request["tags"]["ai.operation.name"], "secret-metadata");
    let request_id = data["id"].as_str().unwrap();
    assert_ne!(request_id, PARENT_SPAN);

    let invocation = named(&envelopes, "Request", &payload_trace)[0];
    assert_eq!(invocation["data"]["baseData"]["name"], "config-check", "{invocation}");
    assert_eq!(invocation["tags"]["ai.operation.parentId"], PAYLOAD_PARENT);
    assert_eq!(invocation["data"]["baseData"]["properties"]["InvocationId"], PAYLOAD_INVOCATION_ID);

    let dependencies = named(&envelopes, "RemoteDependency", &trace_id);
    for dependency in &dependencies {
        assert_eq!(dependency["tags"]["ai.operation.parentId"], request_id, "a child of the request: {dependency}");
        let data = &dependency["data"]["baseData"];
        assert_eq!(data["type"], "HTTP");
        assert!(!data["data"].as_str().unwrap().contains('?'), "no query string: {dependency}");
    }
    let kind = |d: &&&Value| d["data"]["baseData"]["properties"]["vaultfn.target"].clone();
    let vault = dependencies.iter().find(|d| kind(d) == "key-vault").expect("a Key Vault dependency");
    assert_eq!(vault["data"]["baseData"]["target"], vaultfn_testbed::VAULT_HOST);
    assert_eq!(vault["data"]["baseData"]["resultCode"], "200");
    let token = dependencies.iter().find(|d| kind(d) == "token").expect("a token dependency");
    let identity_host = identity.endpoint.split('/').nth(2).unwrap();
    assert_eq!(token["data"]["baseData"]["target"], identity_host);
    assert_eq!(token["data"]["baseData"]["resultCode"], "200");

    let traces = named(&envelopes, "Message", &trace_id);
    for trace in &traces {
        assert_eq!(trace["tags"]["ai.operation.parentId"], request_id, "written inside the request: {trace}");
        assert!(trace["data"]["baseData"]["severityLevel"].is_u64(), "a severity: {trace}");
    }
    assert!(envelopes.iter().all(|e| e["iKey"] == INSTRUMENTATION_KEY));

    // The stdout log carries the same ids.
    let output = handler.output();
    let line =
        output.lines().find(|l| l.contains(&format!(r#""trace_id":"{trace_id}""#))).expect("a log line of the request");
    assert!(line.contains(&format!(r#""span_id":"{request_id}""#)) && line.contains(INVOCATION_ID), "{line}");

    let text = sink.text.lock().unwrap().clone();
    h.assert_clean("the telemetry", &text);
    for secret in [IDENTITY_HEADER, TOKEN_PREFIX, "AzFuKeyNeverInTelemetry", "AzFuKeyPlaceholder", "Bearer", "code="] {
        assert!(!text.contains(secret), "the telemetry carries {secret}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_ingestion_endpoint_costs_requests_nothing() {
    let h = harness();
    let ingestion = format!("https://127.0.0.1:{}/", free_port());
    let identity = h.identity_server();
    let (settings, _proxy) = settings(h, &ingestion, "", &identity);
    let handler = Handler::spawn("telemetry to a closed port", &settings).await;
    let client = vaultfn_testbed::http_client_builder().build().unwrap();
    let mut slowest = Duration::ZERO;
    for i in 0..30 {
        let path = if i % 2 == 0 { "/api/secrets/plain-secret" } else { "/api/health" };
        let started = Instant::now();
        let response = client
            .get(handler.url(path))
            .header("traceparent", format!("00-{:032x}-{PARENT_SPAN}-01", i + 1))
            .send()
            .await
            .unwrap();
        slowest = slowest.max(started.elapsed());
        assert_eq!(response.status(), 200, "{path}");
        // Long enough for several batches to fail meanwhile.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // A request waiting on telemetry would wait out a connect timeout (5 s) or an upload (10 s).
    assert!(slowest < Duration::from_secs(1), "the slowest request took {slowest:?}");
    assert!(handler.output().contains("telemetry is exported to Application Insights"), "telemetry was on");
}

/// What Application Insights' SDKs score an operation id with (djb2 over its text, in [0, 100]).
fn sampling_score(operation_id: &str) -> f64 {
    let hash = operation_id.bytes().fold(5381i32, |h, b| h.wrapping_mul(33).wrapping_add(i32::from(b)));
    f64::from(hash.checked_abs().unwrap_or(i32::MAX)) / f64::from(i32::MAX) * 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_one_operation_in_n_is_recorded_and_counted_n_times() {
    let h = harness();
    let (ingestion, ca_pem, sink) = ingestion_endpoint().await;
    let identity = h.identity_server();
    let (mut settings, _proxy) = settings(h, &ingestion, &ca_pem, &identity);
    settings.push(("VAULTFN_TELEMETRY_MAX_PER_SECOND".into(), "5".into()));
    let handler = Handler::spawn("telemetry, sampled", &settings).await;
    let client = vaultfn_testbed::http_client_builder().build().unwrap();

    // A caller that did not sample its trace is not recorded here either.
    let unsampled = vaultfn_handler::telemetry::context::new_trace_id().to_string();
    let response = client
        .get(handler.url("/api/health"))
        .header("traceparent", format!("00-{unsampled}-{PARENT_SPAN}-00"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let started = Instant::now();
    let mut sent = 0u32;
    while started.elapsed() < Duration::from_millis(3500) {
        let batch = (0..8).map(|_| client.get(handler.url("/api/health")).send());
        for response in futures::future::join_all(batch).await {
            assert_eq!(response.unwrap().status(), 200);
            sent += 1;
        }
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let envelopes = sink.envelopes.lock().unwrap().clone();
    let requests: Vec<&Value> =
        envelopes.iter().filter(|e| e["name"] == "Microsoft.ApplicationInsights.Request").collect();
    assert!(named(&envelopes, "Request", &unsampled).is_empty(), "an unsampled caller's request was recorded");
    assert!(!requests.is_empty() && requests.len() < sent as usize / 2, "{} of {sent} recorded", requests.len());
    let rate = |e: &Value| e["sampleRate"].as_f64().unwrap_or(100.0);
    let sampled: Vec<&&Value> = requests.iter().filter(|e| rate(e) < 100.0).collect();
    assert!(!sampled.is_empty(), "no request says it was sampled: {sent} sent in 3.5 s");
    for request in &sampled {
        let id = request["tags"]["ai.operation.id"].as_str().unwrap();
        assert!(sampling_score(id) < rate(request), "kept at {} with score {}", rate(request), sampling_score(id));
        let n = 100.0 / rate(request);
        assert!((n - n.round()).abs() < 1e-6 && n.round() >= 2.0, "one in a whole N: {}", rate(request));
    }
    // Each kept request stands for 100/sampleRate of them: the count in the portal stays whole.
    let counted: f64 = requests.iter().map(|e| 100.0 / rate(e)).sum();
    let ratio = counted / f64::from(sent);
    assert!((0.25..4.0).contains(&ratio), "{counted:.0} counted for {sent} sent");
}
