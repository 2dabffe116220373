use std::process::Command;

use serde_json::Value;

use crate::devhost::helpers::{ScriptRoot, TestHost};

fn keys(host: &TestHost, args: &[&str]) -> (bool, String, String) {
    let base = host.base();
    let output = Command::new(crate::support::vaultfn())
        .arg("keys")
        .args(args)
        .args(["--url", &base, "--script-root"])
        .arg(host.root.path())
        .env_remove("VAULTFN_MASTER_KEY")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn keys_cli_manages_keys_of_a_running_start() {
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let (ok, out, err) = keys(&host, &["list", "--function", "config-check"]);
    assert!(ok, "{err}");
    assert!(out.contains("NAME") && out.contains("default") && out.contains(&host.function_key("config-check")));

    let (ok, out, err) = keys(&host, &["new", "deploy", "--function", "config-check", "--json"]);
    assert!(ok, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["name"], "deploy");
    let value = created["value"].as_str().unwrap().to_owned();
    assert_ne!(host.get("/api/config-check", Some(&value)).await.status(), 401);

    let (ok, _, err) = keys(&host, &["set", "deploy", "chosen-value-123", "--function", "config-check"]);
    assert!(ok, "{err}");
    let (ok, out, _) = keys(&host, &["show", "deploy", "--function", "config-check"]);
    assert!(ok && out.contains("chosen-value-123"));
    let (ok, _, _) = keys(&host, &["delete", "deploy", "--function", "config-check"]);
    assert!(ok);
    assert_eq!(host.get("/api/config-check", Some("chosen-value-123")).await.status(), 401);

    let (ok, _, err) = keys(&host, &["delete", "_master", "--host-scope", "systemkeys"]);
    assert!(!ok && err.contains("400"), "{err}");
    let (ok, out, _) = keys(&host, &["show", "_master", "--host-scope", "systemkeys"]);
    assert!(ok && out.contains(&host.master_key()));
    let (ok, _, err) = keys(&host, &["list", "--master-key", "wrong"]);
    assert!(!ok && err.contains("401"), "{err}");
    assert!(!err.contains("wrong"), "errors never echo a key");
}
