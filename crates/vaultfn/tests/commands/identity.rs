//! `vaultfn whoami` and `vaultfn token` against a local App Service managed-identity endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{Json, Router, extract::Query, http::HeaderMap, http::StatusCode, routing::get};
use base64::Engine;
use serde_json::{Value, json};

const HEADER: &str = "whoami-test-identity-header";

fn jwt(claims: &Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!("{}.{}.{}", b64(br#"{"alg":"RS256","typ":"JWT"}"#), b64(claims.to_string().as_bytes()), b64(b"signature"))
}

/// Serves the App Service protocol; remembers the resources it was asked for.
async fn identity_endpoint(token: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let app = Router::new().route(
        "/msi/token",
        get(move |headers: HeaderMap, Query(q): Query<HashMap<String, String>>| {
            let token = token.clone();
            let seen = seen.clone();
            async move {
                if headers.get("x-identity-header").and_then(|v| v.to_str().ok()) != Some(HEADER)
                    || q.get("api-version").map(String::as_str) != Some("2019-08-01")
                {
                    return Err(StatusCode::BAD_REQUEST);
                }
                let resource = q.get("resource").cloned().unwrap_or_default();
                seen.lock().unwrap().push(resource.clone());
                let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
                Ok(Json(json!({"access_token": token, "expires_on": expires.to_string(), "resource": resource,
                               "token_type": "Bearer", "client_id": "11111111-2222-3333-4444-555555555555"})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/msi/token"), asked)
}

async fn vaultfn(endpoint: &str, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(crate::support::vaultfn())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("IDENTITY_ENDPOINT", endpoint)
        .env("IDENTITY_HEADER", HEADER)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn whoami_prints_the_claims_of_the_token_it_was_served() {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let token = jwt(&json!({
        "aud": "https://vault.azure.net", "tid": "72f988bf-0000-4000-8000-00000000beef",
        "oid": "a1b2c3d4-0000-4000-8000-000000000001", "appid": "11111111-2222-3333-4444-555555555555",
        "idtyp": "app", "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-00000000beef/",
        "xms_mirid": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Web/sites/vaultfn-app", "exp": exp
    }));
    let (endpoint, asked) = identity_endpoint(token.clone()).await;

    let (ok, out, err) = vaultfn(&endpoint, &["whoami"]).await;
    assert!(ok, "{err}");
    for expected in [
        "app-service-managed-identity",
        "72f988bf-0000-4000-8000-00000000beef",
        "a1b2c3d4-0000-4000-8000-000000000001",
        "11111111-2222-3333-4444-555555555555",
        "https://vault.azure.net",
        "Microsoft.Web/sites/vaultfn-app",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
    assert!(!out.contains(&token) && !err.contains(&token), "whoami printed the token");
    assert_eq!(asked.lock().unwrap().as_slice(), ["https://vault.azure.net"]);

    let (ok, out, _) = vaultfn(&endpoint, &["whoami", "--json", "--resource", "https://storage.azure.com"]).await;
    assert!(ok);
    let claims: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(claims["oid"], "a1b2c3d4-0000-4000-8000-000000000001");
    assert_eq!(claims["credential"], "app-service-managed-identity");
    assert_eq!(asked.lock().unwrap().last().unwrap(), "https://storage.azure.com");

    let (ok, out, _) = vaultfn(&endpoint, &["token", "--raw"]).await;
    assert!(ok);
    assert_eq!(out.trim(), token);
}

#[tokio::test]
async fn a_dead_endpoint_names_the_credential() {
    let (ok, _, err) = vaultfn("http://127.0.0.1:9/msi/token", &["whoami"]).await;
    assert!(!ok);
    assert!(err.contains("app-service-managed-identity"), "{err}");
}

/// `vaultfn whoami` and `token` with a certificate, against a token endpoint that checks the
/// assertion (reached through the test overrides, like the handler's clients).
#[tokio::test]
async fn whoami_with_a_client_certificate() {
    use vaultfn_testbed::entra::{FakeEntra, TestCertificate};

    let entra = FakeEntra::start(&tokio::runtime::Handle::current());
    let (tenant, client_id) = ("72f988bf-0000-4000-8000-0000000ce71f", "11111111-2222-3333-4444-0000000ce71f");
    let cert = TestCertificate::client();
    let object_id = entra.register(tenant, client_id, &cert.cert_der);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &entra.ca_pem).unwrap();
    let write = |name: &str, cert: &TestCertificate| {
        let path = dir.path().join(name);
        std::fs::write(&path, cert.pem_bundle()).unwrap();
        path
    };
    let good = write("app.pem", &cert);
    let other = write("other.pem", &TestCertificate::other());
    let run = |path: std::path::PathBuf, args: &'static [&'static str]| {
        let mut command = tokio::process::Command::new(crate::support::vaultfn());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AZURE_TENANT_ID", tenant)
            .env("AZURE_CLIENT_ID", client_id)
            .env("AZURE_CLIENT_CERTIFICATE_PATH", path)
            .env("AZURE_AUTHORITY_HOST", entra.authority())
            .env("VAULTFN_TEST_RESOLVE", entra.pin())
            .env("KEY_VAULT_CA_FILE", &ca);
        async move {
            let out = command.output().await.unwrap();
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            (out.status.success(), text(&out.stdout), text(&out.stderr))
        }
    };

    let (ok, out, err) = run(good.clone(), &["whoami"]).await;
    assert!(ok, "{err}");
    for expected in ["client-certificate", tenant, client_id, object_id.as_str(), "https://vault.azure.net"] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
    let (ok, out, _) = run(good, &["token", "--raw", "--resource", "https://management.azure.com"]).await;
    assert!(ok);
    assert!(out.trim().starts_with(vaultfn_testbed::identity::TOKEN_PREFIX), "{out}");
    assert_eq!(entra.scopes(), ["https://vault.azure.net/.default", "https://management.azure.com/.default"]);

    // A certificate the app does not have: the error names the credential and what to check.
    let (ok, out, err) = run(other, &["whoami"]).await;
    assert!(!ok && out.is_empty());
    assert!(err.contains("client-certificate") && err.contains("AZURE_CLIENT_CERTIFICATE_PATH"), "{err}");
    assert!(!err.contains("BEGIN") && !err.contains(&cert.key_pem[30..60]), "{err}");
    assert_eq!(entra.failures(), ["x5t-not-registered"]);
}
