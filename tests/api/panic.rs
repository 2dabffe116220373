//! A panicking request is answered, not fatal: the router's own layers catch it.

use axum::{Router, body::Body, http::Request, routing::get};
use tower::ServiceExt;

const CANARY: &str = "CANARY-panic-value-5f2a";

async fn boom() -> &'static str {
    panic!("lost {CANARY}")
}

#[tokio::test]
async fn a_panic_becomes_a_500_problem_and_the_router_keeps_serving() {
    let routes = Router::new().route("/boom", get(boom)).route("/fine", get(|| async { "fine" }));
    let app = vaultfn_handler::routes::guard::Guarded::new(routes);

    let request = Request::get(format!("/boom?code={CANARY}")).header("x-functions-key", CANARY);
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["type"], "urn:vaultfn:problem:internal");
    assert!(!String::from_utf8_lossy(&body).contains("CANARY"), "the panic's message stays out of the answer");

    let after = app.oneshot(Request::get("/fine").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(after.status(), 200, "the same router answers the next request");
}
