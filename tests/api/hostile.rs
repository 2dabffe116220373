//! Input built to hurt: oversized headers and bodies, path tricks, malformed payloads.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::helpers::TestHandler;

async fn raw(handler: &TestHandler, request: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", handler.port)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer)).await.unwrap().unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test]
async fn oversized_headers_get_431_and_bodies_413() {
    let handler = TestHandler::spawn(&[]).await;
    let mut request = b"GET /api/health HTTP/1.1\r\nhost: x\r\nx-big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 512 * 1024));
    request.extend(b"\r\n\r\n");
    assert!(raw(&handler, &request).await.starts_with("HTTP/1.1 431"));

    let body = "a".repeat(300 * 1024);
    let response = handler.client.post(handler.url("/health")).body(body).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 413);

    // Still serving (on a new connection: the server closes one whose body it refused).
    let fresh = reqwest::Client::new();
    assert_eq!(fresh.get(handler.url("/api/health")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn path_tricks_never_become_another_secret_name() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    std::fs::write(&vault, r#"{"secrets":[{"name":"a","versions":[{"value":"CANARY-hostile-1"}]}]}"#).unwrap();
    let handler = TestHandler::spawn(&[("VAULTFN_DEV_VAULT", vault.to_str().unwrap())]).await;
    for path in [
        "/api/secrets/%2E%2E",
        "/api/secrets/..",
        "/api/secrets/a%2Fb",
        "/api/secrets/a%00",
        "/api/secrets/%C3%A9",
        "/api/secrets/a%20",
        "/api/secrets/a.b",
    ] {
        // Sent raw: an HTTP client library would normalise the dot segments away.
        let answer = raw(&handler, format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(answer.contains("application/problem+json"), "{path}");
    }
    for path in ["/api/secrets/a/..", "/api/secrets/a/b", "/api/secrets/../health/x"] {
        let answer = raw(&handler, format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
    }
    assert_eq!(handler.get("/api/secrets/a").await.status(), 200);
    assert!(!handler.output().contains("CANARY-hostile"));
}
