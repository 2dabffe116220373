use serde_json::Value;

use crate::api::helpers::{TestHandler, assert_no_fragment};

const API_KEY: &str = "Qx7#vK2!pL9@mZ4$wR8^";
const DB_PASSWORD: &str = "Hj3%Ty6&Nb1*Ue5(Io0)";
const URI_REF: &str = "@Microsoft.KeyVault(SecretUri=https://contoso-prod.vault.azure.net/secrets/storage-key/0123456789abcdef0123456789abcdef)";
const NAME_REF: &str = "@Microsoft.KeyVault(SecretName=smtp-password; VaultName=contoso-prod;)";
const SOVEREIGN_REF: &str = "@Microsoft.KeyVault(SecretUri=https://contoso-cn.vault.azure.cn/secrets/cn-key/)";
const MALFORMED_REF: &str = "@Microsoft.KeyVault(VaultName=contoso-prod;SecretNme=typo-secret)";

fn setting<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} not reported in {body}"))
}

#[tokio::test]
async fn reports_each_state_and_never_a_value() {
    let handler = TestHandler::spawn(&[
        (
            "CONFIG_CHECK_SETTINGS",
            "EXTERNAL_API_KEY=external-api-key, DATABASE_PASSWORD,STORAGE_KEY,SMTP_PASSWORD,MISSING_ONE,EMPTY_ONE,",
        ),
        ("EXTERNAL_API_KEY", API_KEY),
        ("DATABASE_PASSWORD", DB_PASSWORD),
        ("STORAGE_KEY", URI_REF),
        ("SMTP_PASSWORD", NAME_REF),
        ("EMPTY_ONE", ""),
        ("UNLISTED_CN", SOVEREIGN_REF),
        ("UNLISTED_BROKEN", MALFORMED_REF),
        ("KEY_VAULT_URL", "https://contoso-prod.vault.azure.net/"),
    ])
    .await;
    let response = handler.get("/api/config-check").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["key_vault"]["configured"], true);
    assert_eq!(body["key_vault"]["vault"], "https://contoso-prod.vault.azure.net/");
    assert_eq!(body["settings"].as_array().unwrap().len(), 8);

    let api_key = setting(&body, "EXTERNAL_API_KEY");
    assert_eq!(api_key["state"], "resolved");
    assert_eq!(api_key["secret"], "external-api-key");
    assert_eq!(api_key["listed"], true);
    assert_eq!(setting(&body, "DATABASE_PASSWORD")["state"], "resolved");

    let storage = setting(&body, "STORAGE_KEY");
    assert_eq!(storage["state"], "unresolved");
    assert_eq!(storage["reference"]["syntax"], "SecretUri");
    assert_eq!(storage["reference"]["vault"], "contoso-prod");
    assert_eq!(storage["reference"]["secret"], "storage-key");
    assert_eq!(storage["reference"]["version"], "0123456789abcdef0123456789abcdef");
    assert!(storage["hint"].as_str().unwrap().contains("Key Vault Secrets User"));

    let smtp = setting(&body, "SMTP_PASSWORD");
    assert_eq!(smtp["state"], "unresolved");
    assert_eq!(smtp["reference"]["syntax"], "VaultName");
    assert_eq!(smtp["reference"]["vault"], "contoso-prod");
    assert_eq!(smtp["reference"]["secret"], "smtp-password");
    assert_eq!(smtp["reference"]["version"], Value::Null);

    assert_eq!(setting(&body, "MISSING_ONE")["state"], "missing");
    assert_eq!(setting(&body, "EMPTY_ONE")["state"], "empty");

    let cn = setting(&body, "UNLISTED_CN");
    assert_eq!(cn["state"], "unresolved");
    assert_eq!(cn["listed"], false);
    assert_eq!(cn["reference"]["vault_url"], "https://contoso-cn.vault.azure.cn");

    let broken = setting(&body, "UNLISTED_BROKEN");
    assert_eq!(broken["state"], "unresolved");
    assert!(broken.get("reference").is_none());
    assert!(broken["reference_error"].as_str().unwrap().contains("cannot be parsed"));

    for (value, what) in [(API_KEY, "resolved api key"), (DB_PASSWORD, "resolved password")] {
        assert_no_fragment(&text, value, 4, what);
        assert_no_fragment(&handler.output(), value, 4, what);
    }
    for raw in [URI_REF, NAME_REF, SOVEREIGN_REF, MALFORMED_REF] {
        assert!(!text.contains(raw), "a raw reference was echoed");
        assert!(!handler.output().contains(raw), "a raw reference was logged");
    }
    assert!(!text.contains("typo-secret") && !text.contains("SecretNme"), "a malformed value leaked");
}

#[tokio::test]
async fn healthy_when_everything_listed_is_resolved() {
    let handler =
        TestHandler::spawn(&[("CONFIG_CHECK_SETTINGS", "A,B=b-secret"), ("A", "alpha-value-1"), ("B", "beta-value-2")])
            .await;
    let response = handler.get("/api/config-check").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["key_vault"]["configured"], false);
    assert_eq!(body["key_vault"]["vault"], Value::Null);
    assert_eq!(body["settings"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_entries_in_the_list_are_warnings() {
    let handler =
        TestHandler::spawn(&[("CONFIG_CHECK_SETTINGS", "A=not a secret name!,=x"), ("A", "alpha-value-1")]).await;
    let body: Value = handler.get("/api/config-check").await.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["warnings"].as_array().unwrap().len(), 2, "{body}");
}
