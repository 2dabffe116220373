//! The release handler as the benchmark runs it: found (or built) next to `vaultfn`, spawned as
//! the Functions host spawns it, its output drained (and searched for leaks), its memory read
//! from /proc.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The `handler` binary next to the running `vaultfn`. From a source checkout it is (re)built
/// first with the same profile, so the numbers are never those of a stale binary.
pub fn locate_handler() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the running executable: {e}"))?;
    let dir = exe.parent().ok_or("the running executable has no folder")?.to_path_buf();
    let handler = dir.join(format!("handler{}", std::env::consts::EXE_SUFFIX));
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    if checkout.join("Cargo.toml").is_file() {
        let mut args = vec!["build", "--bin", "handler"];
        if dir.file_name().is_some_and(|n| n == "release") {
            args.push("--release");
        }
        eprintln!("bench: cargo {}", args.join(" "));
        let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(&args)
            .current_dir(checkout)
            .status()
            .is_ok_and(|s| s.success());
        if !built && !handler.is_file() {
            return Err("building the handler failed".into());
        }
    }
    if !handler.is_file() {
        return Err(format!("no handler binary at {}", handler.display()));
    }
    Ok(handler)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

pub struct Running {
    pub port: u16,
    child: Child,
    /// Output lines carrying a leak marker.
    pub leaks: Arc<AtomicUsize>,
}

/// Spawns `handler` with exactly `settings` and the port, like the host; nothing waits yet.
pub fn spawn(handler: &Path, settings: &[(String, String)], markers: &[String]) -> Result<Running, String> {
    let port = free_port();
    let mut child = Command::new(handler)
        .env_clear()
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .envs(settings.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", handler.display()))?;
    let leaks = Arc::new(AtomicUsize::new(0));
    // Drained, as the host drains it, so a full pipe never slows the handler down.
    for stream in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as _),
    ]
    .into_iter()
    .flatten()
    {
        let (leaks, markers) = (leaks.clone(), markers.to_vec());
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if markers.iter().any(|m| line.contains(m.as_str())) {
                    leaks.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
    Ok(Running { port, child, leaks })
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /` every millisecond until any answer; the time from `since`.
    pub async fn wait_ready(&self, since: Instant, client: &reqwest::Client) -> Result<Duration, String> {
        let url = self.url("/");
        while since.elapsed() < Duration::from_secs(10) {
            if client.get(&url).send().await.is_ok() {
                return Ok(since.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Err("the handler did not answer GET / within 10 s".into())
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

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
