//! `vaultfn start --watch` driven by editing files. Building the handler from sources is what a
//! developer's checkout does; here the build is a shell command in `VAULTFN_WATCH_BUILD` that
//! copies a prepared handler, fails, or only counts, so each test takes seconds.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::devhost::helpers::{ScriptRoot, TestHost};

const LIMIT: Duration = Duration::from_secs(20);

fn build_with(command: &str) -> Vec<(String, String)> {
    vec![("VAULTFN_WATCH_BUILD".to_owned(), command.to_owned())]
}

/// Saves `function-templates/health/function.json` again, as an editor does.
fn save_health(root: &ScriptRoot, spaces: usize) {
    let path = root.path().join("function-templates/health/function.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{}{}", text.trim_end(), " ".repeat(spaces))).unwrap();
}

async fn wait_until(what: &str, host: &TestHost, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < LIMIT, "{what} did not happen within {LIMIT:?}:\n{}", host.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A shell script that says which build it is and runs the real handler.
fn wrapper(path: &Path, build: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let handler = crate::support::handler();
    std::fs::write(path, format!("#!/bin/sh\necho handler-build-{build} >&2\nexec '{}' \"$@\"\n", handler.display()))
        .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn a_new_function_json_adds_its_route() {
    let root = ScriptRoot::new(false);
    std::fs::remove_dir_all(root.path().join("function-templates/ready")).unwrap();
    let host = TestHost::start_with(root, &["--watch"]).await;
    let before = host.get("/api/ready", None).await;
    assert_eq!(before.status(), 404, "{}", host.output());

    host.root.add_function(
        "ready",
        json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous",
             "methods": ["get"], "route": "ready"},
            {"type": "http", "direction": "out", "name": "res"}]}),
    );
    wait_until("the reload", &host, || host.output().contains("Routes reloaded")).await;
    let after = host.get("/api/ready", None).await;
    assert_ne!(after.status(), 404, "{}", host.output());
    assert!(host.output().contains("GET /api/ready -> "), "the host routed it to the function:\n{}", host.output());
}

#[tokio::test]
async fn a_failed_build_prints_its_error_and_the_old_handler_keeps_serving() {
    let env = build_with("echo 'error[E0425]: cannot find value `oops` in this scope' >&2; exit 101");
    let host = TestHost::start_with_env(ScriptRoot::new(false), &["--watch"], &env).await;
    let pid = host.handler_pid().expect("handler pid");

    save_health(&host.root, 1);
    wait_until("the failed build", &host, || host.output().contains("The build failed")).await;
    let output = host.output();
    assert!(output.contains("error[E0425]: cannot find value `oops`"), "the compiler's error is shown:\n{output}");
    assert_eq!(host.get("/api/health", None).await.status(), 200, "{}", host.output());
    assert_eq!(host.handler_pid(), Some(pid), "the same handler serves");
    assert!(!host.output().contains("Handler restarted"), "{}", host.output());
}

#[tokio::test]
async fn a_successful_rebuild_restarts_the_handler_on_the_same_port_with_the_same_keys() {
    let root = ScriptRoot::new(false);
    wrapper(&root.path().join("bin/handler"), 1);
    wrapper(&root.path().join("prepared/handler"), 2);
    root.edit_json("host.json", |h| h["customHandler"]["description"]["defaultExecutablePath"] = json!("bin/handler"));
    let env = build_with("cp prepared/handler bin/handler.new && mv bin/handler.new bin/handler");
    let host = TestHost::start_with_env(root, &["--watch"], &env).await;
    let first = host.handler_pid().expect("handler pid");
    let (master, key) = (host.master_key(), host.function_key("config-check"));
    assert_ne!(host.get("/api/config-check", Some(&key)).await.status(), 401);
    assert!(host.output().contains("[handler] handler-build-1"), "{}", host.output());

    save_health(&host.root, 1);
    wait_until("the restart", &host, || host.output().contains("Handler restarted")).await;
    assert!(host.output().contains("[handler] handler-build-2"), "the rebuilt handler runs:\n{}", host.output());
    let old_gone = || !Path::new(&format!("/proc/{first}")).exists();
    wait_until("the old handler's exit", &host, old_gone).await;
    let second = host.handler_pid().expect("a new handler");
    assert_ne!(first, second);

    // Same port (the host's), same keys.
    assert_eq!(host.get("/api/health", None).await.status(), 200, "{}", host.output());
    assert_eq!(host.master_key(), master);
    assert_eq!(host.function_key("config-check"), key);
    assert_ne!(host.get("/api/config-check", Some(&key)).await.status(), 401, "{}", host.output());
    assert_eq!(host.get("/api/config-check", Some("not-the-key")).await.status(), 401);
}

#[tokio::test]
async fn a_burst_of_ten_edits_makes_one_build() {
    let counts = tempfile::tempdir().unwrap();
    let log = counts.path().join("builds.log");
    let env = build_with(&format!("echo built >> '{}'", log.display()));
    let host = TestHost::start_with_env(ScriptRoot::new(false), &["--watch"], &env).await;

    for spaces in 1..=10 {
        save_health(&host.root, spaces);
        // Far inside the 300 ms quiet period, even on a busy machine.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_until("the restart", &host, || host.output().contains("Handler restarted")).await;
    // Well past the quiet period: a second build would have started by now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let builds = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(builds.lines().count(), 1, "{}", host.output());
    assert_eq!(host.output().matches("Handler restarted").count(), 1, "{}", host.output());
    assert_eq!(host.get("/api/health", None).await.status(), 200);
}
