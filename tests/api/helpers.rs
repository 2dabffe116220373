//! The handler as the host runs it, for tests where the process is what is tested (start-up,
//! signals, the host's protocols), with everything it printed kept for leak checks.

use std::time::{Duration, Instant};

use vaultfn_testbed::process::HandlerProcess;

pub struct TestHandler {
    pub port: u16,
    pub client: reqwest::Client,
    process: HandlerProcess,
}

impl TestHandler {
    /// Spawns the handler with exactly `settings` as its app settings (plus the port and debug
    /// logging), the way the host does, and waits for `GET /` to answer.
    pub async fn spawn(settings: &[(&str, &str)]) -> Self {
        let mut all = vec![("RUST_LOG", "debug")];
        all.extend_from_slice(settings);
        let process = HandlerProcess::spawn(std::path::Path::new(env!("CARGO_BIN_EXE_handler")), &all)
            .unwrap_or_else(|e| panic!("{e}"));
        process.wait_ready(Instant::now(), Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{e}"));
        Self { port: process.port, client: vaultfn_testbed::http_client_builder().build().unwrap(), process }
    }

    pub fn url(&self, path: &str) -> String {
        self.process.url(path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub fn output(&self) -> String {
        self.process.output()
    }

    pub fn signal(&self, signal: &str) {
        self.process.signal(signal).unwrap();
    }

    /// Waits for the process to exit, returning its exit status and how long that took.
    pub fn wait_exit(&mut self, limit: Duration) -> (Option<std::process::ExitStatus>, Duration) {
        self.process.wait_exit(limit)
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
