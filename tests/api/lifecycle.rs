use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::helpers::TestHandler;

#[tokio::test]
async fn answers_readiness_and_health() {
    let handler = TestHandler::spawn(&[]).await;
    assert_eq!(handler.get("/").await.status(), 200);
    let response = handler.get("/api/health").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_seconds"].is_u64());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_404s() {
    let handler = TestHandler::spawn(&[]).await;
    for (method, path) in [("GET", "/api/nope"), ("DELETE", "/api/health"), ("GET", "/admin/host/status")] {
        let response = handler.client.request(method.parse().unwrap(), handler.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 404);
        assert!(body["detail"].as_str().unwrap().contains(path));
    }
}

#[tokio::test]
async fn listens_on_loopback_only() {
    let handler = TestHandler::spawn(&[]).await;
    let out = std::process::Command::new("ss").args(["-ltnp"]).output();
    if let Ok(out) = out {
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find(|l| l.contains(&format!(":{} ", handler.port))).expect("listening socket");
        assert!(line.contains(&format!("127.0.0.1:{}", handler.port)), "{line}");
    }
}

/// SIGTERM while a request is half-sent: the request must still be answered, then the process exits.
#[tokio::test]
async fn sigterm_drains_a_request_in_flight() {
    let mut handler = TestHandler::spawn(&[]).await;
    let payload = include_str!("../data/invocation-health.json");
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", handler.port)).await.unwrap();
    let head = format!(
        "POST /health HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = payload.split_at(payload.len() / 2);
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    handler.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"Outputs\""), "{answer}");

    let (status, took) = tokio::task::spawn_blocking(move || handler.wait_exit(Duration::from_secs(6))).await.unwrap();
    let status = status.expect("handler did not exit after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test]
async fn sigterm_exits_promptly_when_idle() {
    let mut handler = TestHandler::spawn(&[]).await;
    handler.signal("TERM");
    let (status, _) = tokio::task::spawn_blocking(move || handler.wait_exit(Duration::from_secs(5))).await.unwrap();
    assert!(status.expect("no exit").success());
}

/// The host matches routes in any case and with a trailing slash, then forwards the path as sent.
#[tokio::test]
async fn routes_match_in_any_case_and_with_a_trailing_slash() {
    let handler = TestHandler::spawn(&[("CONFIG_CHECK_SETTINGS", "A"), ("A", "alpha-resolved")]).await;
    for path in ["/API/Config-Check", "/api/config-check/", "/Api/Health/?x=1"] {
        assert_eq!(handler.get(path).await.status(), 200, "{path}");
    }
}
