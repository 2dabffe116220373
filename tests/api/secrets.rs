//! The secret metadata endpoints and the deep config-check, served from a dev vault file (the
//! same metadata answers and errors as Key Vault; tests/vault covers the Key Vault path).

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::api::helpers::{TestHandler, assert_no_fragment};

const CANARY: &str = "CANARY-api-7f3a9c";

fn at(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset).format(&Rfc3339).unwrap()
}

/// A dev vault with an enabled, a disabled, an expiring, an expired and a multi-version secret.
fn dev_vault() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let secrets = json!({ "secrets": [
        { "name": "api-key", "versions": [{ "version": "0123456789abcdef0123456789abcdef", "value": format!("{CANARY}-api"),
          "content_type": "text/plain", "tags": { "owner": "payments" }, "created": "2025-01-10T09:00:00Z" }] },
        { "name": "old-token", "versions": [{ "value": format!("{CANARY}-old"), "enabled": false, "created": "2024-03-01T00:00:00Z" }] },
        { "name": "soon", "versions": [{ "value": format!("{CANARY}-soon"), "created": "2025-02-01T00:00:00Z", "expires": at(Duration::days(5) + Duration::hours(1)) }] },
        { "name": "gone", "versions": [{ "value": format!("{CANARY}-gone"), "created": "2025-02-01T00:00:00Z", "expires": at(-Duration::days(2)) }] },
        { "name": "rotated", "versions": [
            { "version": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "value": format!("{CANARY}-v1"), "created": "2025-01-01T00:00:00Z" },
            { "version": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "value": format!("{CANARY}-v2"), "created": "2025-06-01T00:00:00Z" } ] }
    ]});
    std::fs::write(file.path(), serde_json::to_vec_pretty(&secrets).unwrap()).unwrap();
    file
}

async fn spawn_with_dev_vault(vault: &tempfile::NamedTempFile, extra: &[(&str, &str)]) -> TestHandler {
    let path = vault.path().to_str().unwrap().to_owned();
    let mut settings = vec![("VAULTFN_DEV_VAULT", path.as_str())];
    settings.extend_from_slice(extra);
    TestHandler::spawn(&settings).await
}

#[tokio::test]
async fn metadata_matches_the_vault_and_never_carries_a_value() {
    let vault = dev_vault();
    let handler = spawn_with_dev_vault(&vault, &[]).await;
    let mut bodies = String::new();

    let response = handler.get("/api/secrets/api-key").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-cache"], "miss");
    let text = response.text().await.unwrap();
    bodies.push_str(&text);
    let meta: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(meta["name"], "api-key");
    assert_eq!(meta["version"], "0123456789abcdef0123456789abcdef");
    assert_eq!(meta["enabled"], true);
    assert_eq!(meta["content_type"], "text/plain");
    assert_eq!(meta["tags"]["owner"], "payments");
    assert_eq!(meta["created_on"], "2025-01-10T09:00:00Z");
    assert_eq!(meta["expires_on"], Value::Null);
    assert_eq!(meta["expiring_soon"], false);
    assert_eq!(meta["stale"], false);
    for field in ["updated_on", "not_before", "managed", "recovery_level", "recoverable_days", "expires_in_days"] {
        assert!(meta.get(field).is_some(), "{field} missing");
    }
    assert_eq!(handler.get("/api/secrets/api-key").await.headers()["x-cache"], "hit");

    let soon: Value = handler.get("/api/secrets/soon").await.json().await.unwrap();
    assert_eq!((soon["expires_in_days"].as_i64(), soon["expiring_soon"].as_bool()), (Some(5), Some(true)));
    let old: Value = handler.get("/api/secrets/old-token").await.json().await.unwrap();
    assert_eq!(old["enabled"], false);
    let rotated: Value = handler.get("/api/secrets/rotated").await.json().await.unwrap();
    assert_eq!(rotated["version"], "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    let list = handler.get("/api/secrets").await;
    assert_eq!(list.status(), 200);
    assert_eq!(list.headers()["cache-control"], "no-store");
    let text = list.text().await.unwrap();
    bodies.push_str(&text);
    let list: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = list["secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api-key", "gone", "old-token", "rotated", "soon"]);

    assert!(!bodies.contains(CANARY), "a secret value reached a response");
    assert_no_fragment(&handler.output(), CANARY, 8, "handler log");
}

#[tokio::test]
async fn bad_names_unknown_secrets_and_no_vault_are_problems() {
    let vault = dev_vault();
    let handler = spawn_with_dev_vault(&vault, &[]).await;
    let cases = [
        ("/api/secrets/no-such-secret", 404, "secret-not-found"),
        ("/api/secrets/bad_name", 400, "invalid-secret-name"),
        ("/api/secrets/a%2Fb", 400, "invalid-secret-name"),
        (&format!("/api/secrets/{}", "a".repeat(128)), 400, "invalid-secret-name"),
    ];
    for (path, status, slug) in cases {
        let response = handler.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["type"], format!("urn:vaultfn:problem:{slug}"), "{path}");
        assert!(problem["detail"].as_str().unwrap().len() > 20);
    }

    let bare = TestHandler::spawn(&[]).await;
    let response = bare.get("/api/secrets/api-key").await;
    assert_eq!(response.status(), 503);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:vaultfn:problem:key-vault-not-configured");
}

#[tokio::test]
async fn the_dev_vault_is_refused_in_azure() {
    let vault = dev_vault();
    let handler = spawn_with_dev_vault(&vault, &[("WEBSITE_INSTANCE_ID", "0123abcd")]).await;
    let response = handler.get("/api/secrets/api-key").await;
    assert_eq!(response.status(), 503);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("VAULTFN_DEV_VAULT"), "{problem}");
}

#[tokio::test]
async fn deep_config_check_warns_without_changing_the_status() {
    let vault = dev_vault();
    let settings = [
        ("CONFIG_CHECK_SETTINGS", "API_KEY=api-key,OLD=old-token,SOON=soon,GONE=gone,TYPO=no-such-secret,PLAIN"),
        ("API_KEY", "resolved-1"),
        ("OLD", "resolved-2"),
        ("SOON", "resolved-3"),
        ("GONE", "resolved-4"),
        ("TYPO", "resolved-5"),
        ("PLAIN", "resolved-6"),
    ];
    let handler = spawn_with_dev_vault(&vault, &settings).await;

    let shallow: Value = handler.get("/api/config-check").await.json().await.unwrap();
    assert_eq!(shallow["warnings"], json!([]));
    assert_eq!(shallow["key_vault"]["backend"], "dev-vault");

    let response = handler.get("/api/config-check?deep=true").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    let mut kinds: Vec<(String, String)> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["setting"].as_str().unwrap().to_owned(), w["kind"].as_str().unwrap().to_owned()))
        .collect();
    kinds.sort();
    let expected = [
        ("GONE", "secret_expired"),
        ("OLD", "secret_disabled"),
        ("SOON", "secret_expiring_soon"),
        ("TYPO", "secret_not_found"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(kinds, expected);

    let bad = handler.get("/api/config-check?deep=maybe").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn payload_mode_carries_route_params() {
    let vault = dev_vault();
    let handler = spawn_with_dev_vault(&vault, &[]).await;
    let payload = include_str!("../data/invocation-secret-metadata.json");
    let response = handler.client.post(handler.url("/secret-metadata")).body(payload).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let envelope: Value = response.json().await.unwrap();
    let res = &envelope["Outputs"]["res"];
    assert_eq!(res["statusCode"], 200);
    assert_eq!(res["headers"]["cache-control"], "no-store");
    let meta: Value = serde_json::from_str(res["body"].as_str().unwrap()).unwrap();
    assert_eq!(meta["name"], "api-key");
}
