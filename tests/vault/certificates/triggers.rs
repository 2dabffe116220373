//! Certificates in the expiry scan, in `secret-events` and in `config-check?deep=true`.

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use vaultfn_testbed::standin::{CertificateSpec, Renewal};

use super::{app, call, get, seed};

fn timer() -> Request<Body> {
    let payload = json!({"Data": {"timer": {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false}},
                         "Metadata": {"sys": {"MethodName": "secret-expiry-scan"}}});
    Request::post("/secret-expiry-scan")
        .header("content-type", "application/json")
        .body(Body::from(payload.to_string()))
        .unwrap()
}

/// A certificate event as Event Grid delivers it, in the host's payload.
fn event(kind: &str, vault: &str, certificate: &str, version: &str, exp: Option<i64>) -> Request<Body> {
    let event = json!({
        "id": format!("evt-{version}"),
        "topic": format!("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/{vault}"),
        "subject": certificate,
        "eventType": format!("Microsoft.KeyVault.{kind}"),
        "eventTime": "2026-12-01T00:00:00Z",
        "data": {"Id": format!("https://{vault}.vault.azure.net/certificates/{certificate}/{version}"), "VaultName": vault,
                 "ObjectType": "Certificate", "ObjectName": certificate, "Version": version, "NBF": null, "EXP": exp},
        "dataVersion": "1", "metadataVersion": "1"
    });
    let payload = json!({"Data": {"event": event}, "Metadata": {"sys": {"MethodName": "secret-events"}}});
    Request::post("/secret-events")
        .header("content-type", "application/json")
        .body(Body::from(payload.to_string()))
        .unwrap()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().filter_map(Value::as_str).filter(|n| n.starts_with("cert-scan-")).collect()
}

#[tokio::test]
async fn the_expiry_scan_covers_certificates() {
    let mut manual = CertificateSpec::new("manual.vaultfn.test", 5);
    (manual.issuer, manual.auto_renew) = ("Unknown".into(), None);
    seed("cert-scan-manual", &manual);
    seed("cert-scan-auto", &CertificateSpec::new("auto.vaultfn.test", 5));
    let mut expired = CertificateSpec::new("expired.vaultfn.test", -2);
    (expired.not_before, expired.auto_renew) = (expired.expires - 90 * 86_400, Some(Renewal::DaysBeforeExpiry(10)));
    seed("cert-scan-expired", &expired);
    seed("cert-scan-fine", &CertificateSpec::new("fine.vaultfn.test", 200));
    let mut disabled = CertificateSpec::new("disabled.vaultfn.test", 3);
    disabled.enabled = false;
    seed("cert-scan-disabled", &disabled);

    let (router, _proxy) = app(&[]).await;
    let answer = call(&router, timer()).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let certificates = &answer.json["ReturnValue"]["certificates"];
    assert!(certificates["scanned"].as_u64().unwrap() >= 5, "{certificates}");
    assert_eq!(names(&certificates["expiring"]), ["cert-scan-auto", "cert-scan-manual"]);
    assert_eq!(names(&certificates["expired"]), ["cert-scan-expired"]);
    assert_eq!(names(&certificates["disabled"]), ["cert-scan-disabled"]);
    assert_eq!(names(&certificates["auto_renew_off"]), ["cert-scan-manual"], "only the one nobody renews");
    let line = answer.json["Logs"][0].as_str().unwrap();
    assert!(
        line.contains("secret(s)") && line.contains("certificate(s)") && line.contains("without auto-renew"),
        "{line}"
    );

    let (narrow, _proxy) = app(&[("CERTIFICATE_EXPIRY_WARNING_DAYS", "1")]).await;
    let certificates = call(&narrow, timer()).await.json["ReturnValue"]["certificates"].clone();
    assert!(
        names(&certificates["expiring"]).is_empty(),
        "the window is CERTIFICATE_EXPIRY_WARNING_DAYS: {certificates}"
    );
}

#[tokio::test]
async fn certificate_events_evict_and_warn() {
    let first = seed("cert-event", &CertificateSpec::new("event.vaultfn.test", 60));
    let (router, proxy) = app(&[]).await;
    let path = "/api/certificates/cert-event";
    assert_eq!(get(&router, path).await.json["version"], first.version.as_str());
    assert_eq!(get(&router, "/api/secrets/cert-event").await.json["version"], first.version.as_str());
    assert_eq!(get(&router, path).await.x_cache.as_deref(), Some("hit"));

    let second = seed("cert-event", &CertificateSpec::new("event.vaultfn.test", 90));
    assert_eq!(get(&router, path).await.json["version"], first.version.as_str(), "cached until told");
    let before = proxy.total();
    let answer =
        call(&router, event("CertificateNewVersionCreated", "vaultfn", "cert-event", &second.version, None)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["ReturnValue"]["certificate"], "cert-event");
    let fresh = get(&router, path).await;
    assert_eq!(
        (fresh.x_cache.as_deref(), fresh.json["version"].as_str()),
        (Some("miss"), Some(second.version.as_str()))
    );
    assert_eq!(fresh.json["thumbprint"], second.thumbprint.as_str());
    let secret = get(&router, "/api/secrets/cert-event").await;
    assert_eq!(secret.json["version"], second.version.as_str(), "the backing secret was dropped too");
    assert_eq!(proxy.total() - before, 3, "versions and policy of the certificate, versions of the secret");

    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 12 * 86_400 + 600;
    for (kind, needle) in [("CertificateNearExpiry", "(12 day(s) left)"), ("CertificateExpired", "CertificateExpired")]
    {
        let answer = call(&router, event(kind, "vaultfn", "cert-event", &second.version, Some(exp))).await;
        let log = answer.json["Logs"][0].as_str().unwrap_or_default().to_owned();
        assert!(answer.status == 200 && log.contains("certificate cert-event") && log.contains(needle), "{log}");
    }
    let foreign = call(&router, event("CertificateNewVersionCreated", "someone-else", "cert-event", "v", None)).await;
    assert_eq!(foreign.json["ReturnValue"]["ignored"], true);
}

#[tokio::test]
async fn the_deep_check_warns_for_an_expiring_certificate_behind_a_setting() {
    let mut expiring = CertificateSpec::new("tls.vaultfn.test", 7);
    expiring.auto_renew = None;
    seed("cert-deep", &expiring);
    seed("cert-deep-fine", &CertificateSpec::new("fine.vaultfn.test", 300));
    let platform = json!({"TLS_PEM": {"rawReference": "@Microsoft.KeyVault(VaultName=vaultfn;SecretName=cert-deep)", "status": "Resolved"}});
    let (router, _proxy) = app(&[
        ("CONFIG_CHECK_SETTINGS", "TLS_PFX=cert-deep,TLS_OK=cert-deep-fine,DB=plain-secret"),
        ("TLS_PFX", "resolved"),
        ("TLS_OK", "resolved"),
        ("DB", "resolved"),
        ("TLS_PEM", "resolved"),
        ("WEBSITE_KEYVAULT_REFERENCES", &platform.to_string()),
    ])
    .await;
    let report = get(&router, "/api/config-check?deep=true").await;
    assert_eq!(report.status, 200, "{}", report.json);
    let warnings: Vec<&Value> =
        report.json["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == "certificate_expiring").collect();
    let settings: Vec<&str> = warnings.iter().map(|w| w["setting"].as_str().unwrap()).collect();
    assert_eq!(settings, ["TLS_PFX", "TLS_PEM"], "{}", report.json);
    let detail = warnings[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("cert-deep") && detail.contains("6 day(s)") && detail.contains("no auto-renew"),
        "{detail}"
    );
    assert_eq!(warnings[0]["secret"], "cert-deep");
}
