use std::{
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[path = "../support/output.rs"]
mod output;
use output::free_port;

/// A handler process on a free port, with everything it printed kept for leak checks.
pub struct TestHandler {
    pub port: u16,
    pub client: reqwest::Client,
    child: Child,
    output: Arc<Mutex<String>>,
}

impl TestHandler {
    /// Spawns the handler with exactly `settings` as its app settings (plus the port), the way the
    /// host does, and waits for `GET /` to answer.
    pub async fn spawn(settings: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_handler"));
        command
            .env_clear()
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
            .env("RUST_LOG", "debug")
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn handler");
        let output = Arc::new(Mutex::new(String::new()));
        output::collect(&mut child, &output);
        let handler = Self { port, client: reqwest::Client::new(), child, output };
        handler.wait_ready(Duration::from_secs(10)).await;
        handler
    }

    async fn wait_ready(&self, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.client.get(self.url("/")).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("handler did not answer GET / within {limit:?}; output:\n{}", self.output());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, returning its exit status and how long that took.
    pub fn wait_exit(&mut self, limit: Duration) -> (Option<std::process::ExitStatus>, Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (Some(status), start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (None, start.elapsed())
    }
}

impl Drop for TestHandler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts that no byte sequence of `value` of `min_len` or more appears in `haystack`: neither
/// the value nor any fragment that could identify it.
pub fn assert_no_fragment(haystack: &str, value: &str, min_len: usize, what: &str) {
    let bytes = value.as_bytes();
    if bytes.len() < min_len {
        assert!(!haystack.contains(value), "{what} contains a value");
        return;
    }
    for window in bytes.windows(min_len) {
        let fragment = String::from_utf8_lossy(window);
        assert!(!haystack.contains(fragment.as_ref()), "{what} contains a {min_len}-byte fragment of a value");
    }
}
