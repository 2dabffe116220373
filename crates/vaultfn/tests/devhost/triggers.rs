//! Non-HTTP functions through `vaultfn start`: the Event Grid webhook (handshake, notifications in
//! both schemas, its key), the admin API's on-demand run, timer schedules and `vaultfn events send`.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::devhost::helpers::{ScriptRoot, TestHost, start_failing};

const WEBHOOK: &str = "/runtime/webhooks/eventgrid?functionName=secret-events";
const FAST_SCHEDULE: &str = "* * * * * *";

fn system_key(host: &TestHost, name: &str) -> String {
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(host.root.secrets().join("host.json")).unwrap()).unwrap();
    let keys = file["systemKeys"].as_array().unwrap();
    let key = keys.iter().find(|k| k["name"] == name).unwrap_or_else(|| panic!("no system key {name} in {file}"));
    key["value"].as_str().unwrap().to_owned()
}

fn eventgrid_key(host: &TestHost) -> String {
    system_key(host, "eventgrid_extension")
}

async fn post(host: &TestHost, path: &str, key: &str, event_type: Option<&str>, body: String) -> reqwest::Response {
    let mut request = host.client.post(host.url(path)).header("x-functions-key", key).body(body);
    if let Some(kind) = event_type {
        request = request.header("aeg-event-type", kind);
    }
    request.send().await.unwrap()
}

fn key_vault_event(kind: &str, secret: &str) -> Value {
    json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "topic": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/vaultfn-dev",
        "subject": secret,
        "eventType": format!("Microsoft.KeyVault.{kind}"),
        "eventTime": "2025-01-01T00:00:00Z",
        "data": {"Id": format!("https://vaultfn-dev.vault.azure.net/secrets/{secret}/0123456789abcdef0123456789abcdef"),
                 "VaultName": "vaultfn-dev", "ObjectType": "Secret", "ObjectName": secret,
                 "Version": "0123456789abcdef0123456789abcdef", "NBF": null, "EXP": 1893456000},
        "dataVersion": "1", "metadataVersion": "1"
    })
}

/// Waits until `needle` appears `times` times in the host's output, or fails after `limit`.
async fn wait_count(host: &TestHost, needle: &str, times: usize, limit: Duration) {
    let started = Instant::now();
    while host.output().matches(needle).count() < times {
        assert!(started.elapsed() < limit, "{needle:?} fewer than {times} times within {limit:?}:\n{}", host.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn with_schedule(schedule: &str) -> ScriptRoot {
    let root = ScriptRoot::new(true);
    root.edit_json("local.settings.json.example", |s| s["Values"]["EXPIRY_SCAN_SCHEDULE"] = json!(schedule));
    root
}

#[tokio::test]
async fn the_validation_handshake_answers_the_code_to_the_right_key_only() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    let key = eventgrid_key(&host);
    assert!(vaultfn::keys::is_host_generated(&key, vaultfn::keys::KeyKind::System), "a host-format system key");
    assert!(!host.output().contains(&key), "the key is never printed");
    let validation =
        json!([{"id": "1", "topic": "t", "subject": "", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2025-01-01T00:00:00Z", "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
        "dataVersion": "2", "metadataVersion": "1"}])
        .to_string();

    let answer = post(&host, WEBHOOK, &key, Some("SubscriptionValidation"), validation.clone()).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"})
    );
    let by_query =
        host.client.post(host.url(&format!("{WEBHOOK}&code={key}"))).header("aeg-event-type", "SubscriptionValidation");
    assert_eq!(by_query.body(validation.clone()).send().await.unwrap().status(), 200, "code= in the query");
    let master = post(&host, WEBHOOK, &host.master_key(), Some("SubscriptionValidation"), validation.clone()).await;
    assert_eq!(master.status(), 200, "the master key opens it too");

    for wrong in [host.host_function_key(), "not-a-key".to_owned()] {
        let refused = post(&host, WEBHOOK, &wrong, Some("SubscriptionValidation"), validation.clone()).await;
        assert_eq!(refused.status(), 401);
    }
    let unknown = "/runtime/webhooks/eventgrid?functionName=nope";
    assert_eq!(post(&host, unknown, &key, Some("Notification"), "[]".into()).await.status(), 404);
    let timer = "/runtime/webhooks/eventgrid?functionName=secret-expiry-scan";
    assert_eq!(
        post(&host, timer, &key, Some("Notification"), "[]".into()).await.status(),
        404,
        "not an eventGridTrigger"
    );
    let malformed = post(&host, WEBHOOK, &key, Some("Notification"), "[{\"id\":".into()).await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["content-type"], "application/problem+json");
    assert!(!host.output().contains(&key), "the key is never logged:\n{}", host.output());
}

#[tokio::test]
async fn a_notification_invokes_the_function_once_per_event_and_a_failure_fails_the_delivery() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    let key = eventgrid_key(&host);
    let events = json!([
        key_vault_event("SecretNewVersionCreated", "database-password"),
        key_vault_event("SecretNearExpiry", "external-api-key"),
        key_vault_event("SecretExpired", "legacy-webhook-token"),
    ]);
    let answer = post(&host, WEBHOOK, &key, Some("Notification"), events.to_string()).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    wait_count(&host, "eventGrid secret-events -> 200", 3, Duration::from_secs(5)).await;

    let mixed = json!([key_vault_event("SecretNewVersionCreated", "database-password"), {"subject": "no type"}]);
    let answer = post(&host, WEBHOOK, &key, Some("Notification"), mixed.to_string()).await;
    assert_eq!(answer.status(), 500, "Event Grid must deliver the batch again");
    wait_count(&host, "eventGrid secret-events -> 400", 1, Duration::from_secs(5)).await;
    // The good event of that batch ran too.
    wait_count(&host, "eventGrid secret-events -> 200", 4, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn cloud_events_are_delivered_single_or_batched() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    let key = eventgrid_key(&host);
    let grid = key_vault_event("SecretNewVersionCreated", "database-password");
    let cloud = json!({"specversion": "1.0", "type": grid["eventType"], "source": grid["topic"], "subject": grid["subject"],
        "id": "c1", "time": "2025-01-01T00:00:00Z", "datacontenttype": "application/json", "data": grid["data"]});
    let single = host
        .client
        .post(host.url(WEBHOOK))
        .header("x-functions-key", &key)
        .header("aeg-event-type", "Notification")
        .header("content-type", "application/cloudevents+json; charset=utf-8")
        .body(cloud.to_string());
    assert!(single.send().await.unwrap().status().is_success());
    // A CloudEvents publisher sends no aeg-event-type: the content type says what it is.
    let batch = host
        .client
        .post(host.url(WEBHOOK))
        .header("x-functions-key", &key)
        .header("content-type", "application/cloudevents-batch+json")
        .body(json!([cloud, cloud]).to_string());
    assert!(batch.send().await.unwrap().status().is_success());
    wait_count(&host, "eventGrid secret-events -> 200", 3, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn the_admin_api_runs_a_timer_function_on_demand() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    let run = |key: String, name: &str| {
        let request = host.client.post(host.url(&format!("/admin/functions/{name}"))).header("x-functions-key", key);
        request.json(&json!({"input": ""})).send()
    };
    assert_eq!(run(host.master_key(), "secret-expiry-scan").await.unwrap().status(), 202);
    // The handler's expiry scan ran against the dev vault and returned its summary.
    wait_count(&host, "admin secret-expiry-scan -> 200", 1, Duration::from_secs(10)).await;
    assert!(host.output().contains("\"scanned\":"), "the summary is the return value:\n{}", host.output());

    assert_eq!(run(host.host_function_key(), "secret-expiry-scan").await.unwrap().status(), 401);
    assert_eq!(run(host.master_key(), "nope").await.unwrap().status(), 404);
    assert_eq!(run(host.master_key(), "config-check").await.unwrap().status(), 400, "an HTTP function");
    let event = json!({"input": key_vault_event("SecretNearExpiry", "database-password").to_string()});
    let request =
        host.client.post(host.url("/admin/functions/secret-events")).header("x-functions-key", host.master_key());
    assert_eq!(request.json(&event).send().await.unwrap().status(), 202);
    wait_count(&host, "admin secret-events -> 200", 1, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_timer_fires_on_its_schedule() {
    let mut host = TestHost::start(with_schedule(FAST_SCHEDULE)).await;
    host.wait_for_output("Timer secret-expiry-scan: schedule * * * * * * (UTC)", Duration::from_secs(5)).await;
    wait_count(&host, "timer secret-expiry-scan -> 200", 2, Duration::from_secs(4)).await;
    assert!(host.output().contains("\"scanned\":"), "{}", host.output());
}

#[tokio::test]
async fn run_on_startup_fires_once_at_start() {
    // A schedule that never comes round: only the start-up run fires.
    let root = with_schedule("0 0 0 30 2 *");
    root.edit_json("function-templates/secret-expiry-scan/function.json", |f| {
        f["bindings"][0]["runOnStartup"] = json!(true)
    });
    let host = TestHost::start(root).await;
    wait_count(&host, "timer secret-expiry-scan -> 200", 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(host.output().matches("timer secret-expiry-scan -> ").count(), 1, "{}", host.output());
    assert!(host.output().contains("next never; runs on startup"), "{}", host.output());
}

#[test]
fn a_schedule_naming_a_missing_setting_stops_the_start() {
    let root = ScriptRoot::new(true);
    root.edit_json("function-templates/secret-expiry-scan/function.json", |f| {
        f["bindings"][0]["schedule"] = json!("%MISSING%")
    });
    let (status, output) = start_failing(root.path(), &[], Duration::from_secs(20));
    assert!(status.is_some_and(|s| !s.success()), "{output}");
    assert!(
        output.contains("refusing to start: function secret-expiry-scan") && output.contains("app setting MISSING"),
        "{output}"
    );
}

#[tokio::test]
async fn events_send_posts_a_key_vault_event_end_to_end() {
    let host = TestHost::start(ScriptRoot::new(true)).await;
    for extra in [&[][..], &["--cloud-events"][..]] {
        let out = Command::new(crate::support::vaultfn())
            .args(["events", "send", "new-version", "--secret", "database-password", "--url", &host.base()])
            .args(extra)
            .current_dir(host.root.path())
            // The vault is the one the example settings' references name, as in the README's tour.
            .env_remove("KEY_VAULT_URL")
            .env_remove("FUNCTIONS_SECRETS_PATH")
            .env_remove("VAULTFN_MASTER_KEY")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("Sent Microsoft.KeyVault.SecretNewVersionCreated"), "{stdout}");
        assert!(stdout.contains("of vault vaultfn-dev to secret-events"), "{stdout}");
        assert!(stdout.contains("202 Accepted"), "{stdout}");
        assert!(!stdout.contains(&eventgrid_key(&host)), "{stdout}");
    }
    wait_count(&host, "eventGrid secret-events -> 200", 2, Duration::from_secs(5)).await;
}
