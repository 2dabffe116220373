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

/// How long the handler keeps a connection open that `behave` drives; panics past 25 s.
async fn open_for(port: u16, behave: impl AsyncFnOnce(&mut tokio::net::tcp::OwnedWriteHalf)) -> Duration {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = std::time::Instant::now();
    let reader = async {
        let mut buffer = [0u8; 1024];
        while let Ok(1..) = read.read(&mut buffer).await {}
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
    started.elapsed()
}

/// Any local process can reach the handler's port: one trickling request headers byte by byte,
/// or connecting and sending nothing, must not hold a connection open for long.
#[tokio::test]
async fn slow_and_idle_connections_are_cut_off() {
    let handler = TestHandler::spawn(&[]).await;
    let trickle = async |write: &mut tokio::net::tcp::OwnedWriteHalf| {
        if write.write_all(b"GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ").await.is_err() {
            return;
        }
        while write.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let silent = async |_: &mut tokio::net::tcp::OwnedWriteHalf| {};
    let (trickled, idle) = tokio::join!(open_for(handler.port, trickle), open_for(handler.port, silent));
    for (what, took) in [("trickled headers", trickled), ("an idle connection", idle)] {
        assert!(took < Duration::from_secs(15), "{what} kept a connection open for {took:?}");
        assert!(took >= Duration::from_secs(5), "{what} was cut off after only {took:?}");
    }
    assert_eq!(handler.get("/api/health").await.status(), 200, "still serving");
}

/// A keep-alive connection serves request after request, each within the header timeout.
#[tokio::test]
async fn a_busy_keep_alive_connection_stays_open() {
    let handler = TestHandler::spawn(&[]).await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", handler.port)).await.unwrap();
    for _ in 0..3 {
        stream.write_all(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await.unwrap().unwrap();
        assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
}
