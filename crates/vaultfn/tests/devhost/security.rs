//! The local host under attack from a local process: path tricks around the key check, slow or
//! oversized requests, key names cut short. Requests go out over raw TCP where a client library
//! would rewrite the path before sending it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::devhost::helpers::{ScriptRoot, TestHost};

/// The current version of `database-password` in dev-vault.example.json: in every metadata answer.
const SECRET_VERSION: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/// Sends `request` byte for byte and reads the answer until the server closes the connection.
async fn raw(port: u16, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buffer = [0u8; 8192];
        // A reset after the answer (the server refusing the rest) ends the read like a close.
        while let Ok(n @ 1..) = stream.read(&mut buffer).await {
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(8), read).await.expect("no complete answer within 8 s");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

fn request(method: &str, target: &str, headers: &str) -> Vec<u8> {
    format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n{headers}\r\n").into_bytes()
}

fn anonymous_catch_all(root: &ScriptRoot) {
    root.add_function(
        "files",
        json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous",
             "methods": ["get"], "route": "files/{*rest}"},
            {"type": "http", "direction": "out", "name": "res"}]}),
    );
}

#[tokio::test]
async fn no_spelling_of_a_dot_segment_opens_an_admin_function_without_its_key() {
    let root = ScriptRoot::new(true);
    anonymous_catch_all(&root);
    let host = TestHost::start(root).await;
    let master = format!("x-functions-key: {}\r\n", host.master_key());
    let (status, answer) = raw(host.port, &request("GET", "/api/secrets/database-password", &master)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(SECRET_VERSION), "the marker is in a metadata answer: {answer}");

    let tail = "secrets/database-password";
    let variants = [
        format!("/api/files/../{tail}"),
        format!("/api/files/%2e%2e/{tail}"),
        format!("/api/files/%2E%2e/{tail}"),
        format!("/api/files/%2E%2E/{tail}"),
        format!("/api/files/.%2e/{tail}"),
        format!("/api/files/%2e./{tail}"),
        format!("/api/files/./%2e%2e/{tail}"),
        format!("/api/files/x/%2e%2e/%2e%2e/{tail}"),
        format!("/api/files/%2e%2e/%2e%2e/api/{tail}"),
        "/api/Files/%2e%2e/SECRETS/database-password".to_owned(),
        format!("/api/files/%2e%2e/{tail}/"),
        format!("/api/files/%2e%2e/{tail}/."),
        "/api/files/%2e%2e/secrets/database%2Dpassword".to_owned(),
        "/api/files/%2e%2e/secrets".to_owned(),
        format!("/api/files/..%2f{tail}"),
        "/api/files/..%2Fsecrets%2Fdatabase-password".to_owned(),
        format!("/api/files/%2e%2e%2f{tail}"),
        format!("/api/files/%252e%252e/{tail}"),
        format!("/api/files/%25%32%65%25%32%65/{tail}"),
        format!("/api/files/..\\{tail}"),
        "/api/files/..\\secrets\\database-password".to_owned(),
        "/api/files/..%5csecrets%5cdatabase-password".to_owned(),
        format!("/api/files/%2e%2e%5c{tail}"),
        format!("/api/files/%u002e%u002e/{tail}"),
        format!("/api/files/%c0%ae%c0%ae/{tail}"),
        format!("/api/files/%2e%2e;/{tail}"),
        format!("/api/files//../{tail}"),
    ];
    for target in &variants {
        let (status, answer) = raw(host.port, &request("GET", target, "")).await;
        assert!(matches!(status, 400 | 401 | 404), "GET {target} without a key answered {status}:\n{answer}");
        assert!(!answer.contains(SECRET_VERSION), "GET {target} served secret metadata without a key");
        assert!(!answer.contains("dev-only"), "GET {target} served a secret value");
    }

    // With the master key a dot segment resolves as Azure resolves it: to the route that was
    // authorised, and a double-encoded one stays text, never reaching the secret.
    let (status, answer) = raw(host.port, &request("GET", &format!("/api/files/%2e%2e/{tail}"), &master)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(SECRET_VERSION));
    let (status, answer) = raw(host.port, &request("GET", &format!("/api/files/%252e%252e/{tail}"), &master)).await;
    assert_eq!(status, 404, "{answer}");
    assert!(!answer.contains(SECRET_VERSION));
    assert!(!host.output().contains(&host.master_key()), "the master key is never printed");
}

#[tokio::test]
async fn an_encoded_path_answers_as_its_decoded_form_and_invalid_utf8_is_refused() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let (status, answer) = raw(host.port, &request("GET", "/api/h%65alth", "")).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    let (status, _) = raw(host.port, &request("GET", "/api/%68%65%61%6C%74%68/", "")).await;
    assert_eq!(status, 200);

    for target in ["/api/health%C3", "/api/%FF%FEhealth", "/api/he%00alth"] {
        let (status, answer) = raw(host.port, &request("GET", target, "")).await;
        assert_eq!(status, 400, "{target}: {answer}");
        assert!(answer.contains("application/problem+json"), "{target}: {answer}");
    }
}

#[tokio::test]
async fn an_ampersand_or_escape_is_part_of_a_key_name_and_such_names_are_refused() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let base = "/admin/functions/config-check/keys";
    let with_master = |method: reqwest::Method, path: &str| {
        host.client.request(method, host.url(path)).header("x-functions-key", host.master_key())
    };
    let created = with_master(reqwest::Method::POST, &format!("{base}/victim")).send().await.unwrap();
    assert_eq!(created.status(), 201);

    for name in ["victim&x", "victim%26x", "victim&", "victim+x", "victim%20x", "victim%2Fx", "victim;x", "vict%C3%A9m"]
    {
        for method in [reqwest::Method::DELETE, reqwest::Method::GET, reqwest::Method::POST] {
            let response = with_master(method.clone(), &format!("{base}/{name}")).send().await.unwrap();
            assert_eq!(response.status(), 400, "{method} {name}");
            assert_eq!(response.headers()["content-type"], "application/problem+json", "{method} {name}");
        }
    }
    let (status, answer) = raw(host.port, &request("DELETE", &format!("{base}/victim&x"), "")).await;
    assert_eq!(status, 401, "the key check still comes first: {answer}");

    let kept = with_master(reqwest::Method::GET, &format!("{base}/victim")).send().await.unwrap();
    assert_eq!(kept.status(), 200, "nothing was deleted");
    let keys: Value = with_master(reqwest::Method::GET, base).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = keys["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "victim"], "and nothing was created");
}

#[tokio::test]
async fn route_and_key_are_checked_before_the_body_is_read() {
    let root = ScriptRoot::new(false);
    root.add_function(
        "upload",
        json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "function",
             "methods": ["post"], "route": "upload"},
            {"type": "http", "direction": "out", "name": "res"}]}),
    );
    let host = TestHost::start(root).await;
    // Heads only: an answer that waited for the announced body would never come.
    let huge = "content-length: 95000000\r\ncontent-type: application/octet-stream\r\n";
    let (status, answer) = raw(host.port, &request("POST", "/api/upload", huge)).await;
    assert_eq!(status, 401, "{answer}");
    let (status, answer) = raw(host.port, &request("PUT", "/admin/functions/upload/keys/k", huge)).await;
    assert_eq!(status, 401, "{answer}");
    let (status, answer) = raw(host.port, &request("POST", "/api/nowhere", huge)).await;
    assert_eq!(status, 404, "{answer}");

    let key = format!("x-functions-key: {}\r\n", host.function_key("upload"));
    let (status, answer) = raw(host.port, &request("POST", "/api/upload", &format!("{key}{huge}"))).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    let master = format!("x-functions-key: {}\r\n", host.master_key());
    let (status, answer) =
        raw(host.port, &request("PUT", "/admin/functions/upload/keys/k", &format!("{master}{huge}"))).await;
    assert_eq!(status, 413, "{answer}");
    assert!(!answer.contains(&host.master_key()));
}

#[tokio::test]
async fn oversized_or_padded_keys_are_refused() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let master = host.master_key();
    for presented in [format!("{master}{}", "A".repeat(300 * 1024)), "k".repeat(5000), format!("{master}=")] {
        let response = host.get("/admin/host/status", Some(&presented)).await;
        assert_eq!(response.status(), 401);
        let response = host.get("/api/config-check", Some(&presented)).await;
        assert_eq!(response.status(), 401);
    }
    assert_eq!(host.get("/admin/host/status", Some(&master)).await.status(), 200);
}

#[tokio::test]
async fn chunked_bodies_reach_the_handler() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let chunked = |size: usize| {
        let mut bytes = request("GET", "/api/health", "transfer-encoding: chunked\r\ncontent-type: text/plain\r\n");
        let mut left = size;
        while left > 0 {
            let n = left.min(16 * 1024);
            bytes.extend(format!("{n:x}\r\n").as_bytes());
            bytes.extend(std::iter::repeat_n(b'a', n));
            bytes.extend(b"\r\n");
            left -= n;
        }
        bytes.extend(b"0\r\n\r\n");
        bytes
    };
    let (status, answer) = raw(host.port, &chunked(16)).await;
    assert_eq!(status, 200, "{answer}");
    // Over the handler's own body limit (256 KiB) but under the local host's: the handler's 413
    // shows that it got the body, chunked or not.
    let (status, answer) = raw(host.port, &chunked(300 * 1024)).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("body-too-large"), "the handler's own refusal: {answer}");
}

/// How long the server keeps a connection open that `behave` drives; panics past 25 s.
async fn open_for(port: u16, behave: impl AsyncFnOnce(&mut tokio::net::tcp::OwnedWriteHalf)) -> (Duration, String) {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    let mut answer = Vec::new();
    let reader = async {
        let mut buffer = [0u8; 1024];
        while let Ok(n @ 1..) = read.read(&mut buffer).await {
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    let writer = async {
        behave(&mut write).await;
        std::future::pending::<()>().await;
    };
    let closed = async {
        tokio::select! {
            () = reader => {}
            () = writer => {}
        }
    };
    tokio::time::timeout(Duration::from_secs(25), closed).await.expect("the connection was still open after 25 s");
    (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
}

/// Request headers one byte every 250 ms, never finished.
async fn trickle_headers(write: &mut tokio::net::tcp::OwnedWriteHalf) {
    if write.write_all(b"GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ").await.is_err() {
        return;
    }
    while write.write_all(b"a").await.is_ok() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_cut_off() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let silent = async |_: &mut tokio::net::tcp::OwnedWriteHalf| {};
    let stalled_body = async |write: &mut tokio::net::tcp::OwnedWriteHalf| {
        let head = "GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100\r\n\r\n0123456789";
        let _ = write.write_all(head.as_bytes()).await;
    };
    let ((trickled, _), (idle, _), (stalled, answer)) = tokio::join!(
        open_for(host.port, trickle_headers),
        open_for(host.port, silent),
        open_for(host.port, stalled_body),
    );
    for (what, took) in [("trickled headers", trickled), ("an idle connection", idle), ("a stalled body", stalled)] {
        assert!(took < Duration::from_secs(15), "{what} kept a connection open for {took:?}");
        assert!(took >= Duration::from_secs(5), "{what} was cut off after only {took:?}");
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert_eq!(host.get("/api/health", None).await.status(), 200, "still serving");
}
