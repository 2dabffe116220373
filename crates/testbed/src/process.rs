//! The handler process as the Functions host runs it: exactly the given app settings plus the
//! port, output drained line by line (as the host drains it) and kept for assertions and leak
//! scans, ready once `GET /` answers. The one way tests and `vaultfn bench` start a handler.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Appends every line `child` writes to its piped stdout and stderr to `into`, echoing it to
/// stderr when `TEST_LOG` is set.
pub fn collect(child: &mut Child, into: &Arc<Mutex<String>>) {
    let stdout = child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    let stderr = child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    for stream in [stdout, stderr].into_iter().flatten() {
        let into = into.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if std::env::var_os("TEST_LOG").is_some() {
                    eprintln!("{line}");
                }
                let mut out = into.lock().unwrap_or_else(|e| e.into_inner());
                out.push_str(&line);
                out.push('\n');
            }
        });
    }
}

/// A running handler; killed when dropped.
pub struct HandlerProcess {
    pub port: u16,
    child: Child,
    output: Arc<Mutex<String>>,
}

impl HandlerProcess {
    /// Starts `binary` with exactly `settings` (plus `FUNCTIONS_CUSTOMHANDLER_PORT`); nothing
    /// waits yet.
    pub fn spawn<K: AsRef<str>, V: AsRef<str>>(binary: &Path, settings: &[(K, V)]) -> Result<Self, String> {
        let port = free_port();
        let mut child = Command::new(binary)
            .env_clear()
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
            .envs(settings.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        collect(&mut child, &output);
        Ok(Self { port, child, output })
    }

    /// Polls `GET /` every millisecond until any answer, as the host's readiness probe does;
    /// the time from `since`.
    pub async fn wait_ready(&self, since: Instant, limit: Duration) -> Result<Duration, String> {
        let client = crate::http_client_builder().build().map_err(|e| e.to_string())?;
        let url = self.url("/");
        while since.elapsed() < limit {
            if client.get(&url).send().await.is_ok() {
                return Ok(since.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Err(format!("the handler did not answer GET / within {limit:?}; its output:\n{}", self.output()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The buffer its output goes to, for a caller that scans it later.
    pub fn output_handle(&self) -> Arc<Mutex<String>> {
        self.output.clone()
    }

    /// Sends `signal` (`TERM`, `INT`, …) with `kill`.
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() { Ok(()) } else { Err(format!("kill -{signal} failed")) }
    }

    /// Waits for the process to exit: its status (None when still running) and the time waited.
    pub fn wait_exit(&mut self, limit: Duration) -> (Option<ExitStatus>, Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (Some(status), start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (None, start.elapsed())
    }

    /// VmRSS and VmHWM (peak) in kB.
    pub fn memory_kb(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for HandlerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
