//! Rotation end to end, in process (the router, no socket) against the Key Vault stand-in and the
//! fake Resource Manager: drift shows in `config-check?deep=true` until the platform serves the new
//! version; a `SecretNewVersionCreated` event drops the cached metadata at once and asks for one
//! debounced refresh however many events arrive; ARM failures are warnings within the budget.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use tower::ServiceExt;
use vaultfn_handler::routes;
use vaultfn_handler::settings::Config;
use vaultfn_handler::state::AppState;
use vaultfn_testbed::arm::{ArmFault, FakeArm, Reference, Site};

use crate::support::{Harness, harness};

struct App {
    router: routes::App,
    proxy: vaultfn_testbed::proxy::Proxy,
    arm: FakeArm,
    site: Site,
}

/// The app for `site`, reading the stand-in through a proxy of its own and the fake ARM, once
/// its start-up warm-up is done (so the calls a test counts are its own).
async fn app(h: &Harness, site_name: &str, extra: &[(&str, &str)]) -> App {
    let proxy = h.proxy();
    let arm = FakeArm::start(h.runtime());
    let site = arm.add_site("00000000-0000-0000-0000-00000000a11c", "vaultfn-rg", site_name);
    let mut vars = h.testbed.settings_with_arm(&proxy, &h.identity, &arm);
    vars.push(("AZURE_FUNCTIONAPP_RESOURCE_ID".into(), site.id().to_owned()));
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let state = Arc::new(AppState::new(Config::from_vars(vars).unwrap()));
    state.vault().expect("a vault is configured").ready().await;
    App { router: routes::app(state), proxy, arm, site }
}

async fn call(router: &routes::App, request: Request<Body>) -> (u16, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    assert!(!harness().leaks(&String::from_utf8_lossy(&body)), "an answer leaks a value");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get(router: &routes::App, path: &str) -> (u16, Value) {
    call(router, Request::get(path).body(Body::empty()).unwrap()).await
}

fn warnings(report: &Value, kind: &str) -> Vec<Value> {
    report["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).cloned().collect()
}

/// An event as Event Grid delivers it to the function, in the host's payload.
fn event_payload(secret: &str, version: &str) -> Request<Body> {
    let event = json!({
        "id": format!("evt-{version}"),
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/vaultfn",
        "subject": secret,
        "eventType": "Microsoft.KeyVault.SecretNewVersionCreated",
        "eventTime": "2026-12-01T00:00:00Z",
        "data": {"Id": format!("https://vaultfn.vault.azure.net/secrets/{secret}/{version}"), "VaultName": "vaultfn",
                 "ObjectType": "Secret", "ObjectName": secret, "Version": version, "NBF": null, "EXP": null},
        "dataVersion": "1", "metadataVersion": "1"
    });
    let payload = json!({"Data": {"event": event}, "Metadata": {"sys": {"MethodName": "secret-events"}}});
    Request::post("/secret-events")
        .header("content-type", "application/json")
        .body(Body::from(payload.to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_rotated_secret_is_pending_until_the_platform_serves_it() {
    let h = harness();
    let secret = "rotation-drift";
    let v1 = h.testbed.rotate(secret).await.unwrap();
    let app = app(
        h,
        "drift-app",
        &[("CONFIG_CHECK_SETTINGS", "DB"), ("DB", "resolved"), ("SECRET_METADATA_TTL_SECONDS", "0")],
    )
    .await;
    app.site.add_reference(Reference::new("DB", "vaultfn", secret).with_active_version(&v1));

    let (status, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert_eq!(status, 200, "{report}");
    assert!(warnings(&report, "rotation_pending").is_empty(), "{report}");
    let db = report["settings"].as_array().unwrap().iter().find(|s| s["name"] == "DB").unwrap().clone();
    assert_eq!(db["platform_status"], "Resolved", "ARM's status stands in for WEBSITE_KEYVAULT_REFERENCES");

    // Key Vault's `created` has whole seconds: a new second makes the new version the newest.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let v2 = h.testbed.rotate(secret).await.unwrap();
    let (_, report) = get(&app.router, "/api/config-check?deep=true").await;
    let pending = warnings(&report, "rotation_pending");
    assert_eq!(pending.len(), 1, "{report}");
    assert_eq!((pending[0]["setting"].as_str(), pending[0]["secret"].as_str()), (Some("DB"), Some(secret)));
    assert_eq!(pending[0]["active_version"], v1.as_str());
    assert_eq!(pending[0]["current_version"], v2.as_str());
    assert!(pending[0]["refetch_by"].as_str().is_some_and(|t| t.starts_with("20")), "{}", pending[0]);

    app.site.set_active_version("DB", Some(&v2));
    let (_, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert!(warnings(&report, "rotation_pending").is_empty(), "the platform caught up: {report}");
}

#[tokio::test]
async fn a_new_version_event_evicts_at_once_and_refreshes_once() {
    let h = harness();
    let secret = "rotation-event";
    let v1 = h.testbed.rotate(secret).await.unwrap();
    let app = app(
        h,
        "event-app",
        &[
            ("CONFIG_CHECK_SETTINGS", "API_KEY=rotation-event"),
            ("API_KEY", "resolved"),
            ("REFRESH_REFERENCES_ON_ROTATION", "true"),
        ],
    )
    .await;
    app.site.add_reference(Reference::new("API_KEY", "vaultfn", secret).with_active_version(&v1));

    let path = format!("/api/secrets/{secret}");
    let (status, meta) = get(&app.router, &path).await;
    assert_eq!((status, meta["version"].as_str()), (200, Some(v1.as_str())));
    let (_, _) = get(&app.router, &path).await;
    let before = app.proxy.total();

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let v2 = h.testbed.rotate(secret).await.unwrap();
    app.site.set_pending_version("API_KEY", &v2);
    let (status, answer) = call(&app.router, event_payload(secret, &v2)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ReturnValue"]["settings"], json!(["API_KEY"]));

    let (_, meta) = get(&app.router, &path).await;
    assert_eq!(meta["version"].as_str(), Some(v2.as_str()), "the next request sees the new version");
    assert_eq!(app.proxy.total() - before, 1, "exactly one Key Vault call after the event");

    for _ in 0..100 {
        let (status, _) = call(&app.router, event_payload(secret, &v2)).await;
        assert_eq!(status, 200);
    }
    assert_eq!(app.site.refreshes(), 1, "one refresh however many events arrive");
    assert_eq!(app.site.references()[0].active_version.as_deref(), Some(v2.as_str()), "the platform re-resolved");
}

#[tokio::test]
async fn malformed_and_foreign_events() {
    let h = harness();
    let app = app(h, "events-app", &[]).await;
    let bad = json!({"Data": {"event": {"eventType": "Microsoft.KeyVault.SecretNewVersionCreated", "data": {}}}});
    let request = Request::post("/secret-events").body(Body::from(bad.to_string())).unwrap();
    let (status, problem) = call(&app.router, request).await;
    assert_eq!(status, 400, "a malformed event fails the invocation, so Event Grid retries it: {problem}");
    assert!(problem["detail"].as_str().unwrap().contains("no vault"), "{problem}");

    let other_vault = event_payload("x", "v").into_body();
    let bytes = axum::body::to_bytes(other_vault, 1 << 16).await.unwrap();
    let text = String::from_utf8_lossy(&bytes)
        .replace("\"vaultfn\"", "\"someone-else\"")
        .replace("vaults/vaultfn", "vaults/someone-else");
    let (status, answer) = call(&app.router, Request::post("/secret-events").body(Body::from(text)).unwrap()).await;
    assert_eq!((status, &answer["ReturnValue"]["ignored"]), (200, &json!(true)));
}

#[tokio::test]
async fn resource_manager_failures_are_warnings_within_the_budget() {
    let h = harness();
    let app =
        app(h, "failing-app", &[("CONFIG_CHECK_SETTINGS", "A"), ("A", "x"), ("KEY_VAULT_TIMEOUT_MS", "1000")]).await;
    app.site.add_reference(Reference::new("A", "vaultfn", "plain-secret").with_identity("UserAssigned"));

    let (status, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert_eq!(status, 200);
    let mismatch = warnings(&report, "identity_mismatch");
    assert_eq!(mismatch.len(), 1, "the platform resolves with another identity than the app's client: {report}");

    app.arm.set_fault(ArmFault::Forbidden);
    let (status, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert_eq!(status, 200, "never a failed config-check");
    let unavailable = warnings(&report, "platform_unavailable");
    assert!(unavailable[0]["detail"].as_str().unwrap().contains("Reader"), "{report}");

    app.arm.set_fault(ArmFault::Throttled { retry_after_secs: 30 });
    let (_, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert_eq!(warnings(&report, "platform_unavailable").len(), 1, "{report}");

    app.arm.set_fault(ArmFault::Slow(Duration::from_secs(10)));
    let started = Instant::now();
    let (status, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert!(started.elapsed() < Duration::from_millis(1500), "took {:?}", started.elapsed());
    assert_eq!((status, warnings(&report, "platform_unavailable").len()), (200, 1), "{report}");
}

#[tokio::test]
async fn arm_reports_the_status_where_the_platform_variable_is_absent() {
    let h = harness();
    let app = app(h, "status-app", &[]).await;
    app.site.add_reference(
        Reference::new("MISSING_ONE", "vaultfn", "no-such-secret")
            .with_status("SecretNotFound", "Secret not found in vault."),
    );
    let (status, report) = get(&app.router, "/api/config-check?deep=true").await;
    assert_eq!(status, 503, "{report}");
    let setting = report["settings"].as_array().unwrap().iter().find(|s| s["name"] == "MISSING_ONE").unwrap();
    assert_eq!(
        (setting["state"].as_str(), setting["platform_status"].as_str()),
        (Some("unresolved"), Some("SecretNotFound"))
    );
    assert!(setting["hint"].as_str().unwrap().contains("no-such-secret"), "{setting}");
}
