//! Every outgoing client verifies the server it calls: against the system's roots, and against an
//! extra CA only when the test settings name one (made once per process and shared by the
//! clients, so each must still see exactly its own roots).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming};
use vaultfn_handler::http_client::{self, Overrides};
use vaultfn_testbed::tls;

async fn ok(_: Arc<()>, _: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::from("ok")))
}

/// An HTTPS server on 127.0.0.1 with a certificate from a CA of its own; its URL and that CA.
async fn server() -> (String, String) {
    let (ca_pem, config) = tls::tls_for("127.0.0.1");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(tls::serve(listener, config, Arc::new(()), |_| false, ok));
    (url, ca_pem)
}

fn with_ca(dir: &std::path::Path, name: &str, pem: &str) -> reqwest::Client {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    Overrides::new(path.to_str(), None).unwrap().builder().unwrap().build().unwrap()
}

#[tokio::test]
async fn clients_trust_the_system_roots_and_an_extra_ca_only_when_given() {
    let (url, ca_pem) = server().await;
    let dir = tempfile::tempdir().unwrap();

    let plain = http_client::client().get(&url).send().await;
    let refused = format!("{:?}", plain.expect_err("a server no system root vouches for was trusted"));
    assert!(refused.contains("UnknownIssuer") || refused.contains("certificate"), "{refused}");

    for name in ["ca.pem", "same-ca-again.pem"] {
        let answer = with_ca(dir.path(), name, &ca_pem).get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200, "with the server's CA ({name})");
    }
    let (other_ca, _) = tls::tls_for("127.0.0.1");
    let other = with_ca(dir.path(), "other-ca.pem", &other_ca).get(&url).send().await;
    assert!(other.is_err(), "another CA's bundle made the server trusted");
    // Made after the bundles: still the system's roots alone.
    assert!(http_client::client().get(&url).send().await.is_err(), "the extra CA leaked into a plain client");

    let path = dir.path().join("not-pem.pem");
    std::fs::write(&path, "not a certificate").unwrap();
    let error = Overrides::new(path.to_str(), None).unwrap().builder().unwrap_err().to_string();
    assert!(error.contains("KEY_VAULT_CA_FILE") && error.contains("no PEM certificate"), "{error}");
}
