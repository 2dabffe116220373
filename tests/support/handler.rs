//! The real handler binary, spawned as the Functions host spawns it (a free port, exactly the
//! given app settings), with its output and every response body it gives kept in the captures.

use std::path::Path;
use std::time::{Duration, Instant};

use super::capture::captures;
use vaultfn_testbed::process::HandlerProcess;

pub struct Handler {
    pub name: String,
    pub port: u16,
    client: reqwest::Client,
    process: HandlerProcess,
}

/// One answer, read whole, with how long it took.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub elapsed: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): status {}", self.status))
    }
}

impl Handler {
    /// Spawns the handler with `settings` (plus the port) and waits for `GET /` to answer; its
    /// output goes to the captures.
    pub async fn spawn(name: &str, settings: &[(String, String)]) -> Self {
        let mut all = vec![("RUST_LOG".to_owned(), "debug".to_owned())];
        all.extend_from_slice(settings);
        let process = HandlerProcess::spawn(Path::new(env!("CARGO_BIN_EXE_handler")), &all)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        captures().watch(format!("{name}: handler output"), process.output_handle());
        process.wait_ready(Instant::now(), Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let client = vaultfn_testbed::http_client_builder().build().unwrap();
        Self { name: name.to_owned(), port: process.port, client, process }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// GETs `path`; the body goes to the captures.
    pub async fn get(&self, path: &str) -> Answer {
        let started = Instant::now();
        let response = self.client.get(self.url(path)).send().await.expect("request");
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let body = response.text().await.expect("body");
        let elapsed = started.elapsed();
        captures().record(format!("{}: body of GET {path}", self.name), &body);
        Answer { status, headers, body, elapsed }
    }

    pub fn output(&self) -> String {
        self.process.output()
    }
}
