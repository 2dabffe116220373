use serde_json::Value;

use crate::devhost::helpers::{ScriptRoot, TestHost};

#[tokio::test]
async fn unresolved_references_show_in_config_check() {
    // No dev vault and no KEY_VAULT_URL: nothing can resolve the example's references.
    let host = TestHost::start(ScriptRoot::new(false)).await;
    let out = host.output();
    assert!(out.contains("local.settings.json.example"), "the fallback is announced:\n{out}");
    assert!(out.contains("Setting EXTERNAL_API_KEY: Key Vault reference not resolved"), "{out}");
    assert!(out.contains("Setting DATABASE_PASSWORD: Key Vault reference not resolved"), "{out}");
    let response = host.get("/api/config-check", Some(&host.function_key("config-check"))).await;
    assert_eq!(response.status(), 503);
    let report: Value = response.json().await.unwrap();
    let state = |name: &str| {
        report["settings"].as_array().unwrap().iter().find(|s| s["name"] == name).map(|s| s["state"].clone())
    };
    assert_eq!(state("EXTERNAL_API_KEY"), Some("unresolved".into()));
    assert_eq!(state("FEATURE_FLAGS"), Some("resolved".into()));
}

#[tokio::test]
async fn the_dev_vault_resolves_references_offline() {
    let root = ScriptRoot::new(true);
    let host = TestHost::start(root).await;
    let dev_vault = host.root.path().join(".vaultfn/dev-vault.json");
    assert!(dev_vault.is_file(), "created from the example on first start");
    let response = host.get("/api/config-check", Some(&host.function_key("config-check"))).await;
    assert_eq!(response.status(), 200, "{}", host.output());
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["status"], "healthy");
    assert!(!host.output().contains("dev-only-"), "values never reach the output");
}

#[tokio::test]
async fn a_reference_to_a_missing_secret_stays_raw() {
    let root = ScriptRoot::new(true);
    let settings = std::fs::read_to_string(root.path().join("local.settings.json.example")).unwrap();
    let settings = settings.replace("SecretName=database-password", "SecretName=no-such-secret");
    std::fs::write(root.path().join("local.settings.json"), settings).unwrap();
    let host = TestHost::start(root).await;
    let out = host.output();
    assert!(out.contains("Setting DATABASE_PASSWORD: Key Vault reference not resolved"), "{out}");
    assert!(out.contains("no-such-secret"), "the reason names the secret:\n{out}");
    let report: Value =
        host.get("/api/config-check", Some(&host.function_key("config-check"))).await.json().await.unwrap();
    let db = report["settings"].as_array().unwrap().iter().find(|s| s["name"] == "DATABASE_PASSWORD").unwrap();
    assert_eq!(db["state"], "unresolved");
}

/// A cloned repository's settings file must not choose where the developer's Key Vault token
/// goes: test settings in it are ignored (and said so), so nothing reaches the pinned address.
#[tokio::test]
async fn test_settings_in_a_settings_file_are_ignored() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = trap.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in trap.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });

    let root = ScriptRoot::new(false);
    root.edit_json("local.settings.json.example", |json| {
        let values = json["Values"].as_object_mut().unwrap();
        values.insert("VAULTFN_TEST_RESOLVE".into(), format!("vaultfn-dev.vault.azure.net=127.0.0.1:{port}").into());
        values.insert("KEY_VAULT_CA_FILE".into(), "/proc/self/environ".into());
        values.insert("VAULTFN_KEY_VAULT_EMULATOR".into(), "true".into());
        values.insert(
            "DATABASE_PASSWORD".into(),
            "@Microsoft.KeyVault(VaultName=vaultfn-dev;SecretName=database-password)".into(),
        );
    });
    let host = TestHost::start(root).await;
    let out = host.output();
    for setting in ["VAULTFN_TEST_RESOLVE", "KEY_VAULT_CA_FILE", "VAULTFN_KEY_VAULT_EMULATOR"] {
        assert!(out.contains(&format!("{setting} is a test setting and is ignored")), "{setting}:\n{out}");
    }
    assert!(out.contains("Setting DATABASE_PASSWORD: Key Vault reference not resolved"), "{out}");
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing may connect to the address a settings file pins");

    // `vaultfn check` says the same, one line per setting.
    let check = std::process::Command::new(crate::support::vaultfn())
        .args(["check", "--script-root"])
        .arg(host.root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(!check.status.success());
    assert!(stdout.contains("Values.VAULTFN_TEST_RESOLVE is a test setting"), "{stdout}");
    assert!(stdout.contains("Values.KEY_VAULT_CA_FILE is a test setting"), "{stdout}");
}
