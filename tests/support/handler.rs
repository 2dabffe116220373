//! The real handler binary, spawned as the Functions host spawns it (a free port, exactly the
//! given app settings), with its output and every response body it gives kept in the captures.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::capture::captures;
use super::output::free_port;

pub struct Handler {
    pub name: String,
    pub port: u16,
    client: reqwest::Client,
    child: Child,
    output: Arc<Mutex<String>>,
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
    /// Spawns the handler with `settings` (plus the port) and waits for `GET /` to answer.
    pub async fn spawn(name: &str, settings: &[(String, String)]) -> Self {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_handler"))
            .env_clear()
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
            .env("RUST_LOG", "debug")
            .envs(settings.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn handler");
        let output = captures().stream(format!("{name}: handler output"));
        super::output::collect(&mut child, &output);
        let handler = Self { name: name.to_owned(), port, client: reqwest::Client::new(), child, output };
        let started = Instant::now();
        while handler.client.get(handler.url("/")).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "{name}: handler never answered GET /");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        handler
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
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
