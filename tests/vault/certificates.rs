//! Certificates through the handler, in process (the router, no socket), against certificates
//! seeded into the Key Vault stand-in with known names, keys, policies and dates: exact metadata,
//! the paged list, one cache shared with secrets without collisions, stale-if-error and the error
//! answers. The triggers and the deep check are in `triggers`.

mod triggers;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::{body::Body, http::Request};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower::ServiceExt;
use vaultfn_handler::routes::{self, App};
use vaultfn_handler::settings::Config;
use vaultfn_handler::state::AppState;
use vaultfn_testbed::proxy::{Fault, Proxy};
use vaultfn_testbed::standin::{CertificateKey, CertificateSpec, Renewal, SeededCertificate};
use vaultfn_testbed::{Testbed, Vault, VaultChoice};

use crate::support::harness;

/// The harness's vault when it is the stand-in; with Lowkey Vault, a stand-in of its own, since
/// certificates with exact policies and dates are seeded into the stand-in only.
pub(super) fn vault() -> &'static Testbed {
    static OWN: OnceLock<Testbed> = OnceLock::new();
    match &harness().testbed.vault {
        Vault::StandIn(_) => &harness().testbed,
        Vault::Lowkey(_) => OWN.get_or_init(|| {
            Testbed::builder().vault(VaultChoice::StandIn).start().unwrap_or_else(|why| panic!("{why}"))
        }),
    }
}

/// The app reading that vault through a proxy of its own, its warm-up done.
pub(super) async fn app(extra: &[(&str, &str)]) -> (App, Proxy) {
    let h = harness();
    let proxy = vault().proxy();
    let mut vars = vault().settings(&proxy, &h.identity);
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let state = Arc::new(AppState::new(Config::from_vars(vars).unwrap()));
    state.vault().expect("a vault is configured").ready().await;
    (routes::app(state), proxy)
}

pub(super) struct Answer {
    pub status: u16,
    pub x_cache: Option<String>,
    pub json: Value,
}

/// One request; its body must be free of every seeded value and private key.
pub(super) async fn call(router: &App, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let x_cache = header("x-cache");
    if status == 200 && x_cache.is_some() {
        assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    }
    let body = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(!vault().leaks(&text) && !harness().leaks(&text), "an answer leaks a value or a private key");
    assert!(!text.contains("PRIVATE KEY") && !text.contains("\"cer\""), "{text}");
    Answer { status, x_cache, json: serde_json::from_slice(&body).unwrap_or(Value::Null) }
}

pub(super) async fn get(router: &App, path: &str) -> Answer {
    call(router, Request::get(path).body(Body::empty()).unwrap()).await
}

pub(super) fn seed(name: &str, spec: &CertificateSpec) -> SeededCertificate {
    vault().add_certificate(name, spec).unwrap_or_else(|why| panic!("{why}"))
}

fn rfc3339(epoch: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch).unwrap().format(&Rfc3339).unwrap()
}

#[tokio::test]
async fn metadata_fields_are_exact() {
    let mut rsa = CertificateSpec::new("api.vaultfn.test", 200);
    rsa.subject = "CN=api.vaultfn.test, O=Vaultfn".into();
    rsa.sans = vec!["api.vaultfn.test".into(), "www.vaultfn.test".into()];
    rsa.auto_renew = Some(Renewal::DaysBeforeExpiry(30));
    rsa.tags = vec![("env".into(), "prod".into())];
    let seeded_rsa = seed("cert-fields-rsa", &rsa);
    let mut ec = CertificateSpec::new("edge.vaultfn.test", 10);
    (ec.key, ec.issuer, ec.auto_renew) = (CertificateKey::EcP256, "DigiCert".into(), None);
    ec.sans = vec!["edge.vaultfn.test".into()];
    let seeded_ec = seed("cert-fields-ec", &ec);
    let mut share = CertificateSpec::new("share.vaultfn.test", 100);
    share.issuer = "Unknown".into();
    seed("cert-fields-share", &share);

    let (router, _proxy) = app(&[]).await;
    let first = get(&router, "/api/certificates/cert-fields-rsa").await;
    assert_eq!((first.status, first.x_cache.as_deref()), (200, Some("miss")), "{}", first.json);
    let m = &first.json;
    assert_eq!(m["name"], "cert-fields-rsa");
    assert_eq!(m["version"], seeded_rsa.version.as_str());
    assert_eq!(m["enabled"], true);
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &seeded_rsa.cer);
    let hex: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!((m["thumbprint"].as_str(), seeded_rsa.thumbprint.as_str()), (Some(hex.as_str()), hex.as_str()));
    assert_eq!(m["subject"], "CN=api.vaultfn.test, O=Vaultfn");
    assert_eq!(m["sans"], serde_json::json!(["api.vaultfn.test", "www.vaultfn.test"]));
    assert_eq!(
        (m["issuer"].as_str(), m["key_type"].as_str(), m["key_size"].as_i64()),
        (Some("Self"), Some("RSA"), Some(2048))
    );
    assert_eq!(m["key_curve"], Value::Null);
    assert_eq!(m["content_type"], "application/x-pem-file");
    assert_eq!(
        (m["not_before"].as_str(), m["expires_on"].as_str()),
        (Some(&*rfc3339(rsa.not_before)), Some(&*rfc3339(rsa.expires)))
    );
    assert!(m["created"].is_string() && m["updated"].is_string(), "{m}");
    assert_eq!((m["expires_in_days"].as_i64(), m["expiring_soon"].as_bool()), (Some(199), Some(false)));
    assert_eq!(m["auto_renew"], true);
    let trigger = &m["auto_renew_trigger"];
    assert_eq!((trigger["days_before_expiry"].as_i64(), &trigger["lifetime_percentage"]), (Some(30), &Value::Null));
    assert_eq!(trigger["at"].as_str(), Some(&*rfc3339(rsa.expires - 30 * 86_400)));
    assert_eq!(m["tags"], serde_json::json!({"env": "prod"}));
    assert_eq!(m["stale"], false);
    let again = get(&router, "/api/certificates/CERT-Fields-RSA").await;
    assert_eq!((again.x_cache.as_deref(), &again.json), (Some("hit"), &first.json), "one entry per name, any case");

    let m = get(&router, "/api/certificates/cert-fields-ec").await.json;
    assert_eq!(
        (m["key_type"].as_str(), m["key_curve"].as_str(), &m["key_size"]),
        (Some("EC"), Some("P-256"), &Value::Null)
    );
    assert_eq!(
        (m["issuer"].as_str(), m["thumbprint"].as_str()),
        (Some("DigiCert"), Some(seeded_ec.thumbprint.as_str()))
    );
    assert_eq!(
        (m["auto_renew"].as_bool(), &m["auto_renew_trigger"]),
        (Some(false), &Value::Null),
        "EmailContacts is no renewal"
    );
    assert_eq!((m["expires_in_days"].as_i64(), m["expiring_soon"].as_bool()), (Some(9), Some(true)));

    let m = get(&router, "/api/certificates/cert-fields-share").await.json;
    let at = share.not_before + (share.expires - share.not_before) * 80 / 100;
    assert_eq!(m["issuer"], "Unknown");
    assert_eq!(
        (m["auto_renew_trigger"]["lifetime_percentage"].as_i64(), m["auto_renew_trigger"]["at"].as_str()),
        (Some(80), Some(&*rfc3339(at)))
    );

    // The window is the certificates' own setting.
    let (narrow, _proxy) = app(&[("CERTIFICATE_EXPIRY_WARNING_DAYS", "5"), ("SECRET_EXPIRY_WARNING_DAYS", "60")]).await;
    assert_eq!(get(&narrow, "/api/certificates/cert-fields-ec").await.json["expiring_soon"], false);
    harness().assert_logs_clean();
}

#[tokio::test]
async fn a_secret_and_a_certificate_of_one_name_do_not_collide() {
    let h = harness();
    let seeded = seed("cert-and-secret", &CertificateSpec::new("both.vaultfn.test", 90));
    let (router, _proxy) = app(&[]).await;
    for round in ["miss", "hit"] {
        let cert = get(&router, "/api/certificates/cert-and-secret").await;
        assert_eq!((cert.status, cert.x_cache.as_deref()), (200, Some(round)), "{}", cert.json);
        assert_eq!(cert.json["thumbprint"], seeded.thumbprint.as_str());
        assert!(cert.json.get("managed").is_none(), "a certificate's answer: {}", cert.json);
        let secret = get(&router, "/api/secrets/cert-and-secret").await;
        assert_eq!((secret.status, secret.x_cache.as_deref()), (200, Some(round)), "{}", secret.json);
        assert_eq!(
            (secret.json["managed"].as_bool(), secret.json["content_type"].as_str()),
            (Some(true), Some("application/x-pem-file"))
        );
        assert_eq!(secret.json["version"], seeded.version.as_str(), "the backing secret shares the version");
        assert!(secret.json.get("thumbprint").is_none(), "a secret's answer: {}", secret.json);
    }
    // A secret without a certificate: 404 for the certificate, cached apart from the secret.
    let missing = get(&router, "/api/certificates/plain-secret").await;
    assert_eq!(
        (missing.status, missing.json["type"].as_str()),
        (404, Some("urn:vaultfn:problem:certificate-not-found"))
    );
    assert!(missing.json["detail"].as_str().unwrap().contains("plain-secret"), "{}", missing.json);
    assert_eq!(get(&router, "/api/secrets/plain-secret").await.status, 200);
    assert_eq!(get(&router, "/api/certificates/no_such").await.status, 400, "names are checked before any call");
    h.assert_logs_clean();
}

#[tokio::test]
async fn the_list_pages_and_carries_the_policy_fields() {
    let names: Vec<String> = (0..5).map(|n| format!("cert-page-{n}")).collect();
    for (n, name) in names.iter().enumerate() {
        let mut spec = CertificateSpec::new(&format!("{name}.vaultfn.test"), 30 + n as i64 * 100);
        spec.sans = vec![format!("{name}.vaultfn.test")];
        seed(name, &spec);
    }
    let (router, proxy) = app(&[]).await;
    let whole = get(&router, "/api/certificates").await;
    assert_eq!(
        (whole.status, whole.x_cache.as_deref(), &whole.json["stale"]),
        (200, Some("miss"), &Value::Bool(false))
    );
    let listed = whole.json["certificates"].as_array().unwrap();
    let ours: Vec<&Value> = listed.iter().filter(|c| c["name"].as_str().unwrap().starts_with("cert-page-")).collect();
    assert_eq!(ours.len(), 5);
    for (item, name) in ours.iter().zip(&names) {
        assert_eq!((item["name"].as_str(), &item["version"]), (Some(name.as_str()), &Value::Null));
        assert_eq!(
            item["sans"],
            serde_json::json!([format!("{name}.vaultfn.test")]),
            "items carry the policy's fields"
        );
        assert_eq!((item["issuer"].as_str(), item["auto_renew"].as_bool()), (Some("Self"), Some(true)));
        assert!(item["thumbprint"].as_str().is_some_and(|t| t.len() == 40), "{item}");
    }
    assert!(proxy.count("/certificates") >= 2, "the stand-in's pages of two were all read");
    assert_eq!(proxy.count("/certificates/cert-page-0/policy"), 1, "one policy read per certificate");

    let (before, mut next, mut seen) = (proxy.total(), Some("/api/certificates?maxresults=2".to_owned()), Vec::new());
    while let Some(path) = next.take() {
        let page = get(&router, &path).await;
        assert_eq!((page.status, page.x_cache.as_deref()), (200, Some("hit")), "{}", page.json);
        let value = page.json["value"].as_array().unwrap();
        assert!(value.len() <= 2);
        seen.extend(value.iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        next = page.json["nextLink"].as_str().map(str::to_owned);
    }
    let names_listed: Vec<String> = listed.iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(seen, names_listed, "the pages are the list, in order, once each");
    assert_eq!(proxy.total(), before, "paging reads the cached list");
    assert_eq!(get(&router, "/api/certificates?maxresults=0").await.status, 400);
}

#[tokio::test]
async fn stale_if_error_and_the_error_answers() {
    seed("cert-faults", &CertificateSpec::new("faults.vaultfn.test", 60));
    let settings = [("KEY_VAULT_TIMEOUT_MS", "1000"), ("SECRET_METADATA_TTL_SECONDS", "1")];
    let (router, proxy) = app(&settings).await;
    let fresh = get(&router, "/api/certificates/cert-faults").await;
    assert_eq!(fresh.status, 200, "{}", fresh.json);
    assert_eq!(get(&router, "/api/certificates").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    for (fault, status) in [(Fault::Refuse, 503), (Fault::ServerError, 502)] {
        proxy.set_fault(fault.clone());
        let stale = get(&router, "/api/certificates/cert-faults").await;
        assert_eq!((stale.status, stale.x_cache.as_deref()), (200, Some("stale")), "{fault:?}: {}", stale.json);
        assert_eq!((stale.json["stale"].as_bool(), &stale.json["thumbprint"]), (Some(true), &fresh.json["thumbprint"]));
        let list = get(&router, "/api/certificates").await;
        assert_eq!((list.status, list.json["stale"].as_bool()), (200, Some(true)), "{fault:?}: {}", list.json);
        let none = get(&router, "/api/certificates/cert-never-cached").await;
        assert_eq!(none.status, status, "{fault:?}: nothing to stand in: {}", none.json);
    }

    proxy.set_fault(Fault::Forbidden("ForbiddenByRbac"));
    let denied = get(&router, "/api/certificates/cert-faults").await;
    assert_eq!((denied.status, denied.json["type"].as_str()), (403, Some("urn:vaultfn:problem:key-vault-forbidden")));
    assert!(denied.json["detail"].as_str().unwrap().contains("Key Vault Reader"), "{}", denied.json);

    let (router, proxy) = app(&[("KEY_VAULT_TIMEOUT_MS", "1000")]).await;
    proxy.set_fault(Fault::Throttle { retry_after: 7 });
    let throttled = get(&router, "/api/certificates/cert-faults").await;
    assert_eq!(
        (throttled.status, throttled.json["type"].as_str()),
        (503, Some("urn:vaultfn:problem:key-vault-throttled"))
    );
    let before = proxy.total();
    assert_eq!(
        get(&router, "/api/secrets/plain-secret").await.status,
        503,
        "one 429 gate for secrets and certificates"
    );
    assert_eq!(proxy.total(), before);

    let (router, _proxy) = app(&[]).await;
    let missing = get(&router, "/api/certificates/cert-not-there").await;
    assert_eq!((missing.status, missing.json["title"].as_str()), (404, Some("Certificate not found")));
    harness().assert_logs_clean();
}

#[tokio::test]
async fn secrets_and_certificates_share_one_credential_and_its_token() {
    let h = harness();
    seed("cert-token", &CertificateSpec::new("token.vaultfn.test", 60));
    let identity = "certificate-token-identity";
    let (router, _proxy) = app(&[("AZURE_CLIENT_ID", identity)]).await;
    assert_eq!(get(&router, "/api/secrets/plain-secret").await.status, 200);
    assert_eq!(get(&router, "/api/certificates/cert-token").await.status, 200);
    assert_eq!(get(&router, "/api/certificates").await.status, 200);
    assert_eq!(h.identity.requests_for(identity), 1, "the certificate client reuses the secret client's token");
}
