//! Spawns the real `vaultfn start` on a free port over a temporary copy of the app.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use vaultfn_testbed::process::collect;
pub use vaultfn_testbed::process::free_port;

fn repo() -> &'static Path {
    crate::support::repo()
}

/// A temporary script root holding host.json, the function templates and the example settings.
pub struct ScriptRoot {
    pub dir: tempfile::TempDir,
}

impl ScriptRoot {
    /// The app as cloned; `dev_vault` also copies dev-vault.example.json (references resolve).
    pub fn new(dev_vault: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut files = vec!["host.json", "local.settings.json.example"];
        if dev_vault {
            files.push("dev-vault.example.json");
        }
        for file in files {
            std::fs::copy(repo().join(file), dir.path().join(file)).unwrap();
        }
        for entry in std::fs::read_dir(repo().join("function-templates")).unwrap() {
            let entry = entry.unwrap();
            let target = dir.path().join("function-templates").join(entry.file_name());
            std::fs::create_dir_all(&target).unwrap();
            std::fs::copy(entry.path().join("function.json"), target.join("function.json")).unwrap();
        }
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn add_function(&self, name: &str, function_json: Value) {
        let dir = self.path().join("function-templates").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("function.json"), function_json.to_string()).unwrap();
    }

    pub fn edit_json(&self, relative: &str, edit: impl FnOnce(&mut Value)) {
        let path = self.path().join(relative);
        let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut json);
        std::fs::write(path, json.to_string()).unwrap();
    }

    pub fn secrets(&self) -> PathBuf {
        self.path().join(".vaultfn/secrets")
    }
}

/// A running `vaultfn start`, its output kept for assertions.
pub struct TestHost {
    pub port: u16,
    pub root: ScriptRoot,
    pub client: reqwest::Client,
    child: Child,
    output: Arc<Mutex<String>>,
}

pub fn spawn_vaultfn(root: &Path, args: &[&str]) -> (Child, Arc<Mutex<String>>) {
    spawn_vaultfn_with_env(root, args, &[])
}

/// [`spawn_vaultfn`] with `env` added to its process environment, which is where test settings
/// (pinned addresses, an extra CA, the identity endpoint) have to come from.
pub fn spawn_vaultfn_with_env(root: &Path, args: &[&str], env: &[(String, String)]) -> (Child, Arc<Mutex<String>>) {
    let mut child = Command::new(crate::support::vaultfn())
        .args(args)
        .current_dir(root)
        .env_remove("KEY_VAULT_URL")
        .env_remove("FUNCTIONS_SECRETS_PATH")
        .env_remove("VAULTFN_MASTER_KEY")
        .env_remove("AzureWebJobsStorage")
        .env_remove("AzureWebJobsSecretStorageType")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vaultfn");
    let output = Arc::new(Mutex::new(String::new()));
    collect(&mut child, &output);
    (child, output)
}

impl TestHost {
    pub async fn start(root: ScriptRoot) -> Self {
        Self::start_with(root, &[]).await
    }

    /// Starts `vaultfn start` and waits until the handler is ready (the banner is printed).
    pub async fn start_with(root: ScriptRoot, extra: &[&str]) -> Self {
        Self::start_with_env(root, extra, &[]).await
    }

    /// [`start_with`](Self::start_with) with `env` in the process environment of `vaultfn start`.
    pub async fn start_with_env(root: ScriptRoot, extra: &[&str], env: &[(String, String)]) -> Self {
        let port = free_port();
        let port_arg = port.to_string();
        let mut args = vec!["start", "--port", &port_arg, "--script-root", "."];
        args.extend_from_slice(extra);
        let (child, output) = spawn_vaultfn_with_env(root.path(), &args, env);
        let mut host = Self { port, root, client: vaultfn_handler::http_client::client(), child, output };
        host.wait_for_output("Listening on", Duration::from_secs(60)).await;
        host
    }

    pub async fn wait_for_output(&mut self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.output().contains(needle) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("vaultfn exited ({status}) before printing {needle:?}:\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("vaultfn did not print {needle:?} within {limit:?}:\n{}", self.output());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn key_file(&self, file: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.root.secrets().join(file)).unwrap()).unwrap()
    }

    pub fn master_key(&self) -> String {
        self.key_file("host.json")["masterKey"]["value"].as_str().unwrap().to_owned()
    }

    pub fn host_function_key(&self) -> String {
        self.key_file("host.json")["functionKeys"][0]["value"].as_str().unwrap().to_owned()
    }

    pub fn function_key(&self, function: &str) -> String {
        self.key_file(&format!("{function}.json"))["keys"][0]["value"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(key) = key {
            request = request.header("x-functions-key", key);
        }
        request.send().await.expect("request")
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The handler's pid: the process whose environment names this script root.
    pub fn handler_pid(&self) -> Option<u32> {
        let marker = format!("FUNCTIONS_APP_ROOT_PATH={}", self.root.path().display());
        std::fs::read_dir("/proc").ok()?.filter_map(Result::ok).find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            environ.split(|b| *b == 0).any(|var| var == marker.as_bytes()).then_some(pid)
        })
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            if self.wait_exit(Duration::from_secs(8)).is_none() {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

/// Runs `vaultfn start` where it is expected to refuse to start: its exit status (`None` if it
/// was still running after `limit`, then killed) and everything it printed.
pub fn start_failing(root: &Path, env: &[(String, String)], limit: Duration) -> (Option<ExitStatus>, String) {
    let port = free_port().to_string();
    let (mut child, output) = spawn_vaultfn_with_env(root, &["start", "--port", &port, "--script-root", "."], env);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The readers drain the pipes on their own threads; give them the last lines.
    std::thread::sleep(Duration::from_millis(100));
    let output = output.lock().unwrap().clone();
    (status, output)
}

/// The port of this test binary's Azurite (blob service only), started on first use on a free
/// port, with telemetry off, and ended with the test process. `None`, with the reason printed,
/// when Azurite is not installed; under `CI=true` that fails the test instead.
pub fn azurite_port() -> Option<u16> {
    static AZURITE: std::sync::OnceLock<Result<u16, String>> = std::sync::OnceLock::new();
    match AZURITE.get_or_init(start_azurite) {
        Ok(port) => Some(*port),
        Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("Azurite is required under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn start_azurite() -> Result<u16, String> {
    use std::os::unix::process::CommandExt as _;
    use vaultfn::devhost::azurite;

    let program = azurite::find(repo()).ok_or_else(|| {
        format!("{} is not installed (scripts/install-tools puts it in .tools/node_modules/.bin)", azurite::PROGRAM)
    })?;
    let port = free_port();
    let (started, spawned) = std::sync::mpsc::channel();
    // The child is killed when the thread that spawned it exits, so that thread lives as long as
    // the test process.
    std::thread::spawn(move || {
        let mut command = Command::new(&program);
        command.args(azurite::arguments(port)).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        #[allow(unsafe_code)] // the one way to tie Azurite's life to the test process's
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        match command.spawn() {
            Ok(_child) => {
                let _ = started.send(Ok(()));
                loop {
                    std::thread::park();
                }
            }
            Err(e) => {
                let _ = started.send(Err(format!("cannot start {}: {e}", program.display())));
            }
        }
    });
    spawned.recv().map_err(|_| "the Azurite thread ended".to_owned())??;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("Azurite did not listen on 127.0.0.1:{port} within 30 s"))
}
