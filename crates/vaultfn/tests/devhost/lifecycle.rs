use std::time::Duration;

use serde_json::json;

use crate::devhost::helpers::{ScriptRoot, TestHost, free_port, spawn_vaultfn};

#[tokio::test]
async fn a_killed_handler_comes_back() {
    let mut host = TestHost::start(ScriptRoot::new(false)).await;
    let first = host.handler_pid().expect("handler pid");
    std::process::Command::new("kill").args(["-KILL", &first.to_string()]).status().unwrap();
    host.wait_for_output("restarting (1 of 3", Duration::from_secs(10)).await;
    // Requests made while it restarts wait for it.
    let health = host.get("/api/health", None).await;
    assert_eq!(health.status(), 200, "{}", host.output());
    let second = host.handler_pid().expect("a new handler");
    assert_ne!(first, second);

    host.signal("TERM");
    let status = host.wait_exit(Duration::from_secs(10)).expect("vaultfn stops on SIGTERM");
    assert!(status.success(), "{status}");
    assert!(host.handler_pid().is_none(), "the handler is stopped with it");
}

#[tokio::test]
async fn a_handler_that_keeps_dying_ends_the_host_with_its_stderr() {
    let root = ScriptRoot::new(false);
    root.edit_json("host.json", |h| {
        h["customHandler"]["description"] = json!({
            "defaultExecutablePath": "/bin/sh",
            "arguments": ["-c", "echo handler-broke-here >&2; exit 3"]
        });
    });
    let port = free_port().to_string();
    let (mut child, output) = spawn_vaultfn(root.path(), &["start", "--port", &port]);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "vaultfn kept running:\n{}", output.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    std::thread::sleep(Duration::from_millis(100));
    let out = output.lock().unwrap().clone();
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("giving up"), "{out}");
    assert!(out.contains("handler-broke-here"), "the last stderr lines are printed:\n{out}");
    assert_eq!(out.matches("restarting (").count(), 3, "{out}");
}

#[tokio::test]
async fn reserved_routes_are_refused_at_start() {
    let root = ScriptRoot::new(false);
    root.add_function(
        "sneaky",
        json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "route": "admin/backdoor"},
            {"type": "http", "direction": "out", "name": "res"}]}),
    );
    let port = free_port().to_string();
    let (mut child, output) = spawn_vaultfn(root.path(), &["start", "--port", &port]);
    let status = child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let out = output.lock().unwrap().clone();
    assert!(!status.success());
    assert!(out.contains("sneaky") && out.contains("built in routes"), "{out}");
}
