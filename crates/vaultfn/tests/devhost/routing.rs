use serde_json::{Value, json};

use crate::devhost::helpers::{ScriptRoot, TestHost};

#[tokio::test]
async fn route_constraints_decide_between_404_and_the_key_check() {
    let root = ScriptRoot::new(false);
    root.add_function(
        "items",
        json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "methods": ["get"], "route": "items/{id:int}/{name:alpha?}"},
            {"type": "http", "direction": "out", "name": "res"}]}),
    );
    let host = TestHost::start(root).await;
    // A matching route reaches the key check (401); a non-matching one never does (404).
    assert_eq!(host.get("/api/items/42", None).await.status(), 401);
    assert_eq!(host.get("/api/Items/42/abc", None).await.status(), 401);
    assert_eq!(host.get("/api/items/abc", None).await.status(), 404);
    assert_eq!(host.get("/api/items/42/a1", None).await.status(), 404);
    assert_eq!(host.get("/api/items/99999999999", None).await.status(), 404, "int is 32-bit");
}

#[tokio::test]
async fn functions_not_eligible_for_forwarding_use_payload_mode() {
    let root = ScriptRoot::new(false);
    // One more output binding: no longer exactly httpTrigger + http, so the host sends a payload.
    root.edit_json("function-templates/health/function.json", |f| {
        f["bindings"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "queue", "direction": "out", "name": "msg", "queueName": "q"}));
    });
    let host = TestHost::start(root).await;
    assert!(host.output().contains("payload mode"), "{}", host.output());
    let response = host.get("/api/health", None).await;
    assert_eq!(response.status(), 200, "{}", host.output());
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    // The output is collected by a reader thread: give it a moment under load.
    let started = std::time::Instant::now();
    while !host.output().contains("health answered 200") && started.elapsed() < std::time::Duration::from_secs(5) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(host.output().contains("health answered 200"), "the handler's Logs are printed");
    // The handler answers 404 to an invocation of an unknown function: the host makes that a 500.
    let missing = host.client.post(host.url("/api/health")).send().await.unwrap();
    assert_eq!(missing.status(), 404, "wrong method stays 404");
}
