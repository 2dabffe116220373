//! A vault that asks for a token of another audience gets none: the scope is fixed per cloud,
//! whatever the server's challenge says (issue: `KEY_VAULT_URL=https://kvx.management.azure.com`
//! once obtained an ARM token).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming};
use vaultfn_handler::vault::{VaultConfig, VaultError, VaultService};

use crate::support::harness;

/// Challenges for ARM, as a server posing as a vault under management.azure.com would.
async fn arm_challenge(seen: Arc<AtomicUsize>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    if req.headers().contains_key("authorization") {
        seen.fetch_add(1, Ordering::SeqCst);
    }
    Ok(Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001\", resource=\"https://management.azure.com\"",
        )
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap())
}

#[tokio::test]
async fn a_challenge_for_another_audience_gets_no_token() {
    let h = harness();
    let (ca_pem, tls) = vaultfn_testbed::tls::tls_for("*.management.azure.com");
    let ca_file = h.dir.join("arm-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let authorized = Arc::new(AtomicUsize::new(0));
    tokio::spawn(vaultfn_testbed::tls::serve(listener, tls, authorized.clone(), |_| false, arm_challenge));

    // A client id of its own, so the identity endpoint's count is this test's alone.
    let client_id = "00000000-0000-0000-0000-0000000a3b01";
    let mut vars = h.vars(&h.proxy(), &[]);
    vars.insert("KEY_VAULT_URL".into(), "https://kvx.management.azure.com".into());
    vars.insert("VAULTFN_KEY_VAULT_EMULATOR".into(), "true".into());
    vars.insert("VAULTFN_TEST_RESOLVE".into(), format!("kvx.management.azure.com={addr}"));
    vars.insert("KEY_VAULT_CA_FILE".into(), ca_file.display().to_string());
    vars.insert("AZURE_CLIENT_ID".into(), client_id.into());
    let cfg = VaultConfig::from_vars(&vars).unwrap().expect("configured");
    let service = VaultService::from_config(&cfg).unwrap();
    service.ready().await;

    let err = service.get("anything").await.unwrap_err();
    assert!(matches!(err, VaultError::Upstream { challenge: true, .. }), "{err:?}");
    assert_eq!(h.identity.requests_for(client_id), 0, "no token was requested for ARM");
    assert_eq!(authorized.load(Ordering::SeqCst), 0, "no request carried a bearer token");

    // Without the emulator opt-in such a host is not a vault at all.
    vars.remove("VAULTFN_KEY_VAULT_EMULATOR");
    assert_eq!(VaultConfig::from_vars(&vars).unwrap_err().setting, "KEY_VAULT_URL");
}
