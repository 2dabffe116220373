//! Azurite, the Azure Storage emulator, for `AzureWebJobsStorage=UseDevelopmentStorage=true`:
//! started when nothing listens on its blob port, stopped when `vaultfn start` ends. Always with
//! `--disableTelemetry` (Azurite reports to Application Insights otherwise, and nothing here may
//! send traffic off this machine) and in-memory persistence (nothing left on disk).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The blob service's program in the npm package.
pub const PROGRAM: &str = "azurite-blob";
/// How long Azurite may take to listen (Node starts in about a second).
const READY_WAIT: Duration = Duration::from_secs(30);

/// A running Azurite this process started; killed when stopped or dropped.
#[derive(Debug)]
pub struct Azurite {
    child: Child,
}

/// The arguments every Azurite this project starts gets.
pub fn arguments(port: u16) -> Vec<String> {
    let port = port.to_string();
    [
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        &port,
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--skipApiVersionCheck",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// `azurite-blob` on the PATH, else in `.tools/node_modules/.bin/` of the script root or of a
/// directory above it or above this executable (where `scripts/install-tools` puts it).
pub fn find(script_root: &Path) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join(PROGRAM)).collect::<Vec<_>>())
        .unwrap_or_default();
    let exe = std::env::current_exe().ok();
    let installed = script_root
        .ancestors()
        .chain(exe.iter().flat_map(|exe| exe.ancestors()))
        .map(|dir| dir.join(".tools/node_modules/.bin").join(PROGRAM));
    on_path.into_iter().chain(installed).find(|candidate| candidate.is_file())
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub async fn listening(port: u16) -> bool {
    let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
    matches!(tokio::time::timeout(Duration::from_millis(500), connect).await, Ok(Ok(_)))
}

impl Azurite {
    /// Starts Azurite's blob service on 127.0.0.1:`port` and waits until it listens.
    pub async fn start(program: &Path, port: u16) -> Result<Self, String> {
        let mut command = Command::new(program);
        command
            .args(arguments(port))
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // If this process dies without stopping it (SIGKILL), the kernel ends Azurite too, so no
        // emulator keeps the port and the keys in memory. The signal follows the spawning thread,
        // the main thread or a runtime worker here, both of which live as long as the process.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        #[allow(unsafe_code)] // the one way to ask for it; the SAFETY note above says why it holds
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
        if let Some(stderr) = child.stderr.take() {
            let tail = tail.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                    if tail.len() == 10 {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }
        let started = Instant::now();
        while started.elapsed() < READY_WAIT {
            if let Ok(Some(status)) = child.try_wait() {
                let tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                let said = tail.iter().cloned().collect::<Vec<_>>().join("\n");
                return Err(format!("Azurite exited ({status}) before listening on 127.0.0.1:{port}\n{said}"));
            }
            if listening(port).await {
                return Ok(Self { child });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.start_kill();
        Err(format!("Azurite did not listen on 127.0.0.1:{port} within {} s", READY_WAIT.as_secs()))
    }

    /// Ends it and waits for it to be gone, so the port is free when this returns.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}
