//! Runs the custom handler the way the host does: a free port in `FUNCTIONS_CUSTOMHANDLER_PORT`,
//! the app settings as environment, `GET /` polled every 25 ms until any HTTP answer (30 s at
//! most), restarts when it dies (3 within 30 minutes, then give up), SIGTERM on shutdown. Asked
//! to (`vaultfn start --watch`), it replaces a running handler with a new one without a gap: the
//! new one takes requests once it answers, and only then is the old one stopped.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use super::layout::HandlerDescription;

pub const POLL_INTERVAL: Duration = Duration::from_millis(25);
pub const INIT_TIMEOUT: Duration = Duration::from_secs(30);
pub const MAX_RESTARTS: usize = 3;
pub const RESTART_WINDOW: Duration = Duration::from_secs(30 * 60);
/// The handler drains for up to 4.5 s after SIGTERM; then it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(6);
const STDERR_LINES_KEPT: usize = 20;

/// What request forwarding needs to know about the handler process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerState {
    Starting,
    Ready { port: u16 },
    Stopped,
}

/// The command that starts the handler, resolved once at start.
#[derive(Debug, Clone)]
pub struct HandlerCommand {
    pub program: PathBuf,
    pub arguments: Vec<String>,
    pub working_directory: PathBuf,
    pub script_root: PathBuf,
    pub environment: BTreeMap<String, String>,
}

pub struct Supervisor {
    command: HandlerCommand,
    state: watch::Sender<HandlerState>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    worker_id: String,
    replacements: mpsc::UnboundedReceiver<Replace>,
    replacer: mpsc::UnboundedSender<Replace>,
}

/// A request to replace the running handler, answered with the new one's pid or why it failed.
struct Replace {
    /// A new command (host.json changed), else the same one again (the binary was rebuilt).
    command: Option<HandlerCommand>,
    done: oneshot::Sender<Result<u32, String>>,
}

/// Asks the supervisor for a new handler process.
#[derive(Clone)]
pub struct Replacer(mpsc::UnboundedSender<Replace>);

impl Replacer {
    /// Starts a new handler (with `command`, if given) and, once it answers, sends requests to it
    /// and stops the old one; the new pid. When the new one fails to start, the old one keeps
    /// serving (and its command stays) and the error says why.
    pub async fn replace(&self, command: Option<HandlerCommand>) -> Result<u32, String> {
        let (done, answer) = oneshot::channel();
        self.0.send(Replace { command, done }).map_err(|_| "the host is stopping".to_owned())?;
        answer.await.map_err(|_| "the host is stopping".to_owned())?
    }
}

/// The handler process serving requests.
struct Running {
    child: Child,
    port: u16,
}

/// What became of a replacement.
enum Replaced {
    Done,
    /// The stop signal came while the new handler was starting.
    Stopping,
}

impl Supervisor {
    pub fn new(command: HandlerCommand) -> (Self, watch::Receiver<HandlerState>) {
        let (state, receiver) = watch::channel(HandlerState::Starting);
        let worker_id = super::new_guid();
        let (replacer, replacements) = mpsc::unbounded_channel();
        (Self { command, state, stderr_tail: Arc::default(), worker_id, replacements, replacer }, receiver)
    }

    pub fn replacer(&self) -> Replacer {
        Replacer(self.replacer.clone())
    }

    /// Keeps the handler running until `stop` completes (then stops it with SIGTERM and returns
    /// `Ok`), or until it died more often than the restart policy allows (then returns the reason
    /// with the handler's last stderr lines).
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) -> Result<(), String> {
        tokio::pin!(stop);
        let mut deaths: VecDeque<Instant> = VecDeque::new();
        loop {
            let _ = self.state.send(HandlerState::Starting);
            let started = Instant::now();
            let port = free_port().map_err(|e| format!("cannot find a free port for the handler: {e}"))?;
            let mut child = self.spawn(port)?;
            let outcome = tokio::select! {
                ready = wait_ready(port, &mut child) => ready,
                () = &mut stop => {
                    self.shutdown(&mut child).await;
                    return Ok(());
                }
            };
            let why = match outcome {
                Ok(()) => {
                    let _ = self.state.send(HandlerState::Ready { port });
                    println!("Handler ready on 127.0.0.1:{port} after {} ms", started.elapsed().as_millis());
                    let mut running = Running { child, port };
                    loop {
                        tokio::select! {
                            status = running.child.wait() => break describe_exit(status),
                            () = &mut stop => {
                                self.shutdown(&mut running.child).await;
                                return Ok(());
                            }
                            Some(replace) = self.replacements.recv() => {
                                if let Replaced::Stopping = self.replace(&mut running, replace, &mut stop).await {
                                    self.shutdown(&mut running.child).await;
                                    return Ok(());
                                }
                            }
                        }
                    }
                }
                Err(why) => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    why
                }
            };
            let _ = self.state.send(HandlerState::Starting);
            let now = Instant::now();
            deaths.retain(|t| now.duration_since(*t) < RESTART_WINDOW);
            deaths.push_back(now);
            if deaths.len() > MAX_RESTARTS {
                let _ = self.state.send(HandlerState::Stopped);
                return Err(format!(
                    "the handler {why}, its {} failure within 30 minutes; giving up (the host restarts it at most \
                     {MAX_RESTARTS} times).{}",
                    deaths.len(),
                    self.last_stderr()
                ));
            }
            eprintln!("Handler {why}; restarting ({} of {MAX_RESTARTS} within 30 minutes)", deaths.len());
        }
    }

    /// Starts the replacement next to `running`, which serves until the new one answers; then
    /// swaps them and stops the old one in the background (its requests in flight drain).
    async fn replace(
        &mut self,
        running: &mut Running,
        replace: Replace,
        stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> Replaced {
        let previous = replace.command.map(|command| std::mem::replace(&mut self.command, command));
        let started = Instant::now();
        let attempt = async {
            let port = free_port().map_err(|e| format!("cannot find a free port for the handler: {e}"))?;
            let mut child = self.spawn(port)?;
            match wait_ready(port, &mut child).await {
                Ok(()) => Ok(Running { child, port }),
                Err(why) => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    Err(format!("the new handler {why}"))
                }
            }
        };
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            () = stop.as_mut() => return Replaced::Stopping,
        };
        let answer = match outcome {
            Ok(new) => {
                let _ = self.state.send(HandlerState::Ready { port: new.port });
                let mut old = std::mem::replace(running, new);
                let pid = running.child.id().unwrap_or_default();
                println!(
                    "Handler restarted on 127.0.0.1:{} (pid {pid}) after {} ms; the previous one stops once its requests are done",
                    running.port,
                    started.elapsed().as_millis()
                );
                tokio::spawn(async move {
                    terminate(&mut old.child);
                    if tokio::time::timeout(STOP_GRACE, old.child.wait()).await.is_err() {
                        let _ = old.child.start_kill();
                        let _ = old.child.wait().await;
                    }
                });
                Ok(pid)
            }
            Err(why) => {
                if let Some(previous) = previous {
                    self.command = previous;
                }
                eprintln!("{why}; the running handler keeps serving.{}", self.last_stderr());
                Err(why)
            }
        };
        let _ = replace.done.send(answer);
        Replaced::Done
    }

    fn spawn(&self, port: u16) -> Result<Child, String> {
        let c = &self.command;
        let port = port.to_string();
        let mut command = Command::new(&c.program);
        command
            .args(&c.arguments)
            .current_dir(&c.working_directory)
            .envs(&c.environment)
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", &port)
            .env("FUNCTIONS_HTTPWORKER_PORT", &port)
            .env("FUNCTIONS_CUSTOMHANDLER_WORKER_ID", &self.worker_id)
            .env("FUNCTIONS_HTTPWORKER_ID", &self.worker_id)
            .env("FUNCTIONS_APP_ROOT_PATH", &c.script_root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child =
            command.spawn().map_err(|e| format!("cannot start the handler {}: {e}", c.program.display()))?;
        if let Some(out) = child.stdout.take() {
            tokio::spawn(relay(out, None));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(relay(err, Some(self.stderr_tail.clone())));
        }
        Ok(child)
    }

    /// SIGTERM, as the host sends it, then a kill if the handler outlives its drain window.
    async fn shutdown(&self, child: &mut Child) {
        let _ = self.state.send(HandlerState::Stopped);
        terminate(child);
        if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_err() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    fn last_stderr(&self) -> String {
        let tail = self.stderr_tail.lock().unwrap_or_else(|p| p.into_inner());
        if tail.is_empty() {
            return " It wrote nothing to stderr.".to_owned();
        }
        let lines: Vec<&str> = tail.iter().map(String::as_str).collect();
        format!("\nLast lines the handler wrote to stderr:\n  {}", lines.join("\n  "))
    }
}

/// Polls `GET /` until any HTTP response; fails if the process exits or the timeout passes.
async fn wait_ready(port: u16, child: &mut Child) -> Result<(), String> {
    let client = vaultfn_handler::http_client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let url = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + INIT_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(describe_exit(Ok(status)));
        }
        if client.get(&url).send().await.is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("did not answer GET / within {} s", INIT_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => match status.code() {
            Some(code) => format!("exited with code {code}"),
            None => "was killed by a signal".to_owned(),
        },
        Err(e) => format!("could not be waited for ({e})"),
    }
}

/// Prints the handler's output as Core Tools does, keeping the last stderr lines for the fatal
/// message. The handler never logs values, so relaying is safe.
async fn relay(stream: impl AsyncRead + Unpin, tail: Option<Arc<Mutex<VecDeque<String>>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        println!("[handler] {line}");
        if let Some(tail) = &tail {
            let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
            if tail.len() == STDERR_LINES_KEPT {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
}

fn terminate(child: &mut Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) on the pid of a child we own and have not reaped yet.
        #[allow(unsafe_code)] // the one way to do this; the SAFETY note above says why it holds
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        return;
    }
    let _ = child.start_kill();
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where the handler's executable is: `defaultExecutablePath` in the working directory when it
/// exists there, else (a source checkout, where the script root holds no build) the `handler`
/// binary next to the running `vaultfn`, built with cargo when missing, else a program on PATH.
pub fn resolve_executable(description: &HandlerDescription, script_root: &Path) -> PathBuf {
    let configured = Path::new(&description.executable);
    if configured.is_absolute() {
        return configured.to_path_buf();
    }
    let in_root = description.working_directory.join(configured);
    if in_root.is_file() {
        return in_root;
    }
    let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) else {
        return configured.to_path_buf();
    };
    let sibling = exe_dir.join(format!("{}{}", description.executable, std::env::consts::EXE_SUFFIX));
    if sibling.is_file() {
        println!("{} has no {}; using {}", script_root.display(), description.executable, sibling.display());
        return sibling;
    }
    if script_root.join("Cargo.toml").is_file() {
        let release = exe_dir.file_name().is_some_and(|n| n == "release");
        let mut args = vec!["build", "--bin", description.executable.as_str()];
        if release {
            args.push("--release");
        }
        println!("Building the handler: cargo {}", args.join(" "));
        let built = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args(&args)
            .current_dir(script_root)
            .status()
            .is_ok_and(|s| s.success());
        if built && sibling.is_file() {
            return sibling;
        }
    }
    configured.to_path_buf()
}
