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
