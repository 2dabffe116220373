use serde_json::Value;

use crate::api::helpers::TestHandler;

const CONFIG_CHECK: &str = include_str!("../data/invocation-config-check.json");
const HEALTH: &str = include_str!("../data/invocation-health.json");

async fn invoke(handler: &TestHandler, function: &str, body: &str) -> reqwest::Response {
    handler
        .client
        .post(handler.url(&format!("/{function}")))
        .header("content-type", "application/json")
        .header("X-Azure-Functions-InvocationId", "4f1e0a3c-0000-4000-8000-000000000001")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

fn output(body: &Value) -> &Value {
    &body["Outputs"]["res"]
}

#[tokio::test]
async fn payload_mode_answers_like_forwarding_mode() {
    let settings = [("CONFIG_CHECK_SETTINGS", "A,B"), ("A", "alpha-resolved-value")];
    let handler = TestHandler::spawn(&settings).await;

    let response = invoke(&handler, "config-check", CONFIG_CHECK).await;
    assert_eq!(response.status(), 200, "the host wants 2xx whatever the function answered");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let envelope: Value = response.json().await.unwrap();
    assert_eq!(output(&envelope)["statusCode"], 503);
    assert_eq!(envelope["ReturnValue"], Value::Null);
    assert!(envelope["Logs"].is_array());
    let inner: Value = serde_json::from_str(output(&envelope)["body"].as_str().unwrap()).unwrap();

    let forwarded: Value = handler.get("/api/config-check").await.json().await.unwrap();
    assert_eq!(inner, forwarded);
    assert_eq!(inner["settings"][1]["state"], "missing");

    let health = invoke(&handler, "health", HEALTH).await;
    assert_eq!(health.status(), 200);
    let envelope: Value = health.json().await.unwrap();
    assert_eq!(output(&envelope)["statusCode"], 200);
    assert!(output(&envelope)["headers"]["content-type"].as_str().unwrap().starts_with("application/json"));
    let inner: Value = serde_json::from_str(output(&envelope)["body"].as_str().unwrap()).unwrap();
    assert_eq!(inner["status"], "ok");

    assert!(!handler.output().contains("AzFuKeyPlaceholderNeverLogged"), "a function key was logged");
    assert!(handler.output().contains("4f1e0a3c-0000-4000-8000-000000000001"), "invocation id not in the request span");
}

#[tokio::test]
async fn malformed_payloads_are_400_problems_and_change_nothing() {
    let handler = TestHandler::spawn(&[("CONFIG_CHECK_SETTINGS", "A"), ("A", "alpha-resolved-value")]).await;
    let cases = [
        ("not json", "{\"Data\":"),
        ("not json at all", "hello"),
        ("no Data", "{\"Metadata\":{}}"),
        ("no req binding", "{\"Data\":{\"request\":{\"Method\":\"GET\"}},\"Metadata\":{}}"),
        (
            "headers not arrays",
            "{\"Data\":{\"req\":{\"Method\":\"GET\",\"Headers\":{\"x-functions-key\":\"secret-key-material\"}}}}",
        ),
        ("method not a string", "{\"Data\":{\"req\":{\"Method\":7}}}"),
        ("method not a method", "{\"Data\":{\"req\":{\"Method\":\"GE T\"}}}"),
        ("bad header name", "{\"Data\":{\"req\":{\"Method\":\"GET\",\"Headers\":{\"bad header\":[\"x\"]}}}}"),
    ];
    for (case, body) in cases {
        let response = invoke(&handler, "config-check", body).await;
        assert_eq!(response.status(), 400, "{case}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{case}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], 400);
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.len() > 20, "{case}: {detail}");
        assert!(!detail.contains("secret-key-material"), "{case}: the payload was echoed");
    }
    let unknown = invoke(&handler, "no-such-function", HEALTH).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["content-type"], "application/problem+json");
    // Still serving, same answers.
    assert_eq!(handler.get("/api/config-check").await.status(), 200);
}

/// The host sends `null` for an absent optional route parameter.
#[tokio::test]
async fn null_params_are_accepted() {
    let handler = TestHandler::spawn(&[]).await;
    let body = HEALTH.replace("\"Params\": {}", "\"Params\": {\"unused\": null}");
    assert!(body.contains("null"));
    let response = invoke(&handler, "health", &body).await;
    assert_eq!(response.status(), 200);
}
