//! config-check and ready with a platform-shaped environment, in process (the router, no socket):
//! the platform's own status per reference, optional settings, reference lints, and App
//! Service's health check on `/api/ready`.

use std::sync::Arc;

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use tower::ServiceExt;
use vaultfn_handler::settings::Config;
use vaultfn_handler::{routes, state::AppState};

const VALUE: &str = "CANARY-resolved-platform-value";

async fn get(vars: &[(&str, String)], path: &str) -> (u16, String) {
    let config = Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.clone()))).unwrap();
    let app = routes::app(Arc::new(AppState::new(config)));
    let response = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains(VALUE), "{path} leaks a value");
    (status, body)
}

fn reference(secret: &str) -> String {
    format!("@Microsoft.KeyVault(VaultName=contoso-prod;SecretName={secret})")
}

fn setting<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["settings"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}"))
}

#[tokio::test]
async fn the_platform_status_of_each_reference_is_reported_and_believed() {
    let statuses = [
        "Resolved",
        "Initialized",
        "MSINotEnabled",
        "AccessToKeyVaultDenied",
        "VaultNotFound",
        "SecretNotFound",
        "SecretVersionNotFound",
        "FetchTimedOut",
        "UnauthorizedClient",
        "InvalidSyntax",
        "OtherReasons",
        "ValueNotFound",
        "SomethingNew",
    ];
    let mut platform = serde_json::Map::new();
    let mut vars = vec![];
    for (i, status) in statuses.iter().enumerate() {
        let name = format!("S{i}");
        platform.insert(name.clone(), json!({"rawReference": reference(&format!("secret-{i}")), "status": status}));
        // The platform hands some failures over as an empty string, others as the raw reference.
        let value = match i % 3 {
            0 => VALUE.to_owned(),
            1 => String::new(),
            _ => reference(&format!("secret-{i}")),
        };
        vars.push((name, value));
    }
    let mut vars: Vec<(&str, String)> = vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let platform = Value::Object(platform).to_string();
    vars.push(("WEBSITE_KEYVAULT_REFERENCES", platform));

    let (status, body) = get(&vars, "/api/config-check").await;
    assert_eq!(status, 503, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    let mut hints = std::collections::BTreeSet::new();
    for (i, expected) in statuses.iter().enumerate() {
        let s = setting(&report, &format!("S{i}"));
        assert_eq!(s["platform_status"], *expected, "verbatim");
        assert_eq!(s["listed"], false, "found through the platform's list");
        assert_eq!(s["reference"]["secret"], format!("secret-{i}"));
        if *expected == "Resolved" {
            assert_eq!(s["state"], "resolved", "{s}");
        } else {
            assert_eq!(s["state"], "unresolved", "{expected}: the platform's word wins: {s}");
            hints.insert(
                s["hint"].as_str().unwrap().replace(&format!("S{i}"), "S").replace(&format!("secret-{i}"), "x"),
            );
        }
    }
    assert_eq!(hints.len(), statuses.len() - 1, "each status has a hint of its own");

    let (status, body) = get(&vars, "/api/ready").await;
    assert_eq!((status, body.as_str()), (503, r#"{"status":"unhealthy"}"#));
}

#[tokio::test]
async fn a_malformed_platform_variable_is_a_warning_not_a_failure() {
    let vars = [
        ("CONFIG_CHECK_SETTINGS", "A".to_owned()),
        ("A", VALUE.to_owned()),
        ("WEBSITE_KEYVAULT_REFERENCES", "{\"A\": [1, 2".to_owned()),
    ];
    let (status, body) = get(&vars, "/api/config-check").await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["warnings"][0]["kind"], "platform_references");
    assert_eq!(get(&vars, "/api/ready").await, (200, r#"{"status":"healthy"}"#.to_owned()));
}

#[tokio::test]
async fn optional_settings_are_reported_but_never_make_ready_fail() {
    let optional = [("CONFIG_CHECK_SETTINGS", "A,?FEATURE_FLAGS".to_owned()), ("A", VALUE.to_owned())];
    let (status, body) = get(&optional, "/api/config-check").await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    let flags = setting(&report, "FEATURE_FLAGS");
    assert_eq!((flags["state"].as_str(), flags["optional"].as_bool()), (Some("missing"), Some(true)));
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w["kind"] == "optional_setting_unresolved"));
    assert_eq!(get(&optional, "/api/ready").await, (200, r#"{"status":"healthy"}"#.to_owned()));

    let required = [("CONFIG_CHECK_SETTINGS", "A,FEATURE_FLAGS".to_owned()), ("A", VALUE.to_owned())];
    let (status, body) = get(&required, "/api/ready").await;
    assert_eq!((status, body.as_str()), (503, r#"{"status":"unhealthy"}"#), "no names, no detail");
}

#[tokio::test]
async fn reference_lints_are_warnings() {
    let pinned = "@Microsoft.KeyVault(SecretUri=https://contoso-prod.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef)";
    let platform = json!({
        "NO_SLASH": {"rawReference": "@Microsoft.KeyVault(SecretUri=https://contoso-prod.vault.azure.net/secrets/api)", "status": "Resolved"},
        "PINNED": {"rawReference": pinned, "status": "Resolved"},
        "FOLLOWS": {"rawReference": reference("db"), "status": "Resolved"},
    });
    let vars = [
        ("NO_SLASH", VALUE.to_owned()),
        ("PINNED", VALUE.to_owned()),
        ("FOLLOWS", VALUE.to_owned()),
        ("WEBSITE_KEYVAULT_REFERENCES", platform.to_string()),
    ];
    let (status, body) = get(&vars, "/api/config-check").await;
    assert_eq!(status, 200, "lints never change the status: {body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    let kinds: Vec<(String, String)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["kind"].as_str().unwrap().to_owned(), w["setting"].as_str().unwrap_or_default().to_owned()))
        .collect();
    for expected in [
        ("secret_uri_without_trailing_slash", "NO_SLASH"),
        ("pinned_version", "PINNED"),
        ("conflicting_versions", "FOLLOWS"),
    ] {
        assert!(kinds.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {kinds:?}");
    }
}
