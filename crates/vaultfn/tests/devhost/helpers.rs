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
    let mut child = Command::new(crate::support::vaultfn())
        .args(args)
        .current_dir(root)
        .env_remove("KEY_VAULT_URL")
        .env_remove("FUNCTIONS_SECRETS_PATH")
        .env_remove("VAULTFN_MASTER_KEY")
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
        let port = free_port();
        let port_arg = port.to_string();
        let mut args = vec!["start", "--port", &port_arg, "--script-root", "."];
        args.extend_from_slice(extra);
        let (child, output) = spawn_vaultfn(root.path(), &args);
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
