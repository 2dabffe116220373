//! The `client-certificate` credential against a token endpoint that checks the assertion as Entra
//! ID does (`vaultfn_testbed::entra`), reached through the test overrides like the vault: PEM and
//! PFX files, Key Vault metadata with the token it issues, and the refusals.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use secrecy::ExposeSecret;
use time::OffsetDateTime;
use url::Url;
use vaultfn_handler::vault::client_certificate::{CertificateAssertion, ClientCertificate};
use vaultfn_handler::vault::{
    BackendKind, CredentialKind, CredentialSettings, VaultConfig, VaultError, VaultService, build_credential,
};
use vaultfn_testbed::entra::{self, FakeEntra, TestCertificate};

use crate::support::harness;

const VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// A fake Entra ID of its own (so counts are this test's), with `cert` registered for an app of
/// its own, and the settings that point the vault and the credential at the testbed.
struct Setup {
    entra: FakeEntra,
    tenant: String,
    client_id: String,
    vars: HashMap<String, String>,
    dir: PathBuf,
}

fn setup(registered: &[u8]) -> Setup {
    let h = harness();
    let entra = FakeEntra::start(h.runtime());
    static SETUPS: AtomicU32 = AtomicU32::new(0);
    let n = SETUPS.fetch_add(1, Ordering::SeqCst);
    let tenant = format!("{n:08x}-0000-4000-8000-00000000cafe");
    let client_id = format!("{n:08x}-0000-4000-8000-00000000c1e7");
    entra.register(&tenant, &client_id, registered);
    let dir = h.dir.join(format!("client-certificate-{n:08x}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut vars = h.vars(&h.proxy(), &[]);
    // The managed identity would win the choice: this app has none.
    vars.remove("IDENTITY_ENDPOINT");
    vars.remove("IDENTITY_HEADER");
    let bundle = dir.join("ca.pem");
    let vault_ca = std::fs::read_to_string(&vars["KEY_VAULT_CA_FILE"]).unwrap();
    std::fs::write(&bundle, format!("{vault_ca}\n{}", entra.ca_pem)).unwrap();
    vars.insert("KEY_VAULT_CA_FILE".into(), bundle.display().to_string());
    let pins = format!("{},{}", vars["VAULTFN_TEST_RESOLVE"], entra.pin());
    vars.insert("VAULTFN_TEST_RESOLVE".into(), pins);
    vars.insert("AZURE_AUTHORITY_HOST".into(), entra.authority());
    vars.insert("AZURE_TENANT_ID".into(), tenant.clone());
    vars.insert("AZURE_CLIENT_ID".into(), client_id.clone());
    Setup { entra, tenant, client_id, vars, dir }
}

impl Setup {
    /// Writes `bytes` as the certificate file and names it in the settings.
    fn certificate_file(&mut self, name: &str, bytes: &[u8], password: Option<&str>) {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        self.vars.insert("AZURE_CLIENT_CERTIFICATE_PATH".into(), path.display().to_string());
        match password {
            Some(password) => self.vars.insert("AZURE_CLIENT_CERTIFICATE_PASSWORD".into(), password.into()),
            None => self.vars.remove("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        };
    }

    async fn token(&self) -> Result<String, azure_core::Error> {
        let settings = CredentialSettings::from_vars(&self.vars).expect("settings");
        let (kind, credential) = build_credential(&settings).expect("the credential builds");
        assert_eq!(kind, CredentialKind::ClientCertificate);
        credential.get_token(&[VAULT_SCOPE], None).await.map(|t| t.token.secret().to_owned())
    }
}

/// A PFX of `cert` with its key, as p12-keystore writes one (AES-256, PBKDF2).
fn pfx(cert: &TestCertificate, password: &str) -> Vec<u8> {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let key_der = pem_der(&cert.key_pem);
    let chain = PrivateKeyChain::new(
        b"vaultfn-test".as_slice(),
        PrivateKey::from_der(&key_der).unwrap(),
        [Certificate::from_der(&cert.cert_der).unwrap()],
    );
    let mut store = KeyStore::new();
    store.add_entry("vaultfn-test", KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(password).write().unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

#[tokio::test]
async fn a_pem_certificate_reads_key_vault_metadata() {
    let cert = TestCertificate::client();
    let mut s = setup(&cert.cert_der);
    s.certificate_file("app.pem", cert.pem_bundle().as_bytes(), None);
    let cfg = VaultConfig::from_vars(&s.vars).unwrap().expect("configured");
    let service = VaultService::from_config(&cfg).unwrap();
    assert_eq!(service.kind(), BackendKind::KeyVault { credential: CredentialKind::ClientCertificate });
    service.ready().await;

    let plain = service.get("plain-secret").await.unwrap();
    assert_eq!(plain.version.as_ref(), harness().seeded.versions["plain-secret"].last());
    assert_eq!(s.entra.failures(), Vec::<String>::new());
    assert_eq!(s.entra.granted(), 1, "one token, cached for every call after it");
    assert_eq!(s.entra.scopes(), [VAULT_SCOPE]);
    harness().assert_logs_clean();
}

#[tokio::test]
async fn pfx_files_open_with_their_password() {
    let cert = TestCertificate::client();
    let openssl = TestCertificate::openssl();
    let mut s = setup(&cert.cert_der);
    s.entra.register(&s.tenant, &s.client_id, &openssl.cert_der);

    s.certificate_file("app.pfx", &pfx(&cert, "p12 pass"), Some("p12 pass"));
    assert!(s.token().await.unwrap().starts_with(vaultfn_testbed::identity::TOKEN_PREFIX));
    // As OpenSSL 3 writes them: its default, and `-legacy` (RC2/3DES, a SHA-1 MAC) as older tools do.
    for (name, bytes) in [("openssl.pfx", entra::OPENSSL_PFX), ("legacy.pfx", entra::OPENSSL_LEGACY_PFX)] {
        s.certificate_file(name, bytes, Some(entra::OPENSSL_PFX_PASSWORD));
        s.token().await.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!((s.entra.granted(), s.entra.failures()), (3, Vec::new()));

    // A wrong or missing password is a setting error at start, naming the setting and nothing else.
    for password in [Some("not the password"), None] {
        s.certificate_file("app.pfx", &pfx(&cert, "p12 pass"), password);
        let settings = CredentialSettings::from_vars(&s.vars).unwrap();
        let Err(err) = build_credential(&settings) else { panic!("a wrong password must be refused") };
        assert_eq!(err.setting, "AZURE_CLIENT_CERTIFICATE_PASSWORD", "{err}");
        assert!(!err.to_string().contains("not the password") && !err.to_string().contains("p12 pass"), "{err}");
    }
}

#[tokio::test]
async fn a_certificate_the_app_does_not_have_gets_no_token() {
    let registered = TestCertificate::client();
    let mut s = setup(&registered.cert_der);
    s.certificate_file("other.pem", TestCertificate::other().pem_bundle().as_bytes(), None);
    let cfg = VaultConfig::from_vars(&s.vars).unwrap().expect("configured");
    let service = VaultService::from_config(&cfg).unwrap();
    service.ready().await;

    let err = service.get("plain-secret").await.unwrap_err();
    assert!(matches!(err, VaultError::Credential { kind: CredentialKind::ClientCertificate, .. }), "{err:?}");
    assert_eq!(err.type_slug(), "credential-unavailable");
    assert_eq!(s.entra.granted(), 0);
    assert!(!s.entra.failures().is_empty());
    assert!(s.entra.failures().iter().all(|f| f == "x5t-not-registered"), "{:?}", s.entra.failures());

    // A renewed certificate over the same key has another thumbprint: also refused until uploaded.
    s.certificate_file("renewed.pem", TestCertificate::client().pem_bundle().as_bytes(), None);
    assert!(s.token().await.is_err());
    assert_eq!(s.entra.failures().last().map(String::as_str), Some("x5t-not-registered"));
}

#[test]
fn files_that_are_not_a_certificate_with_its_key_name_the_setting() {
    let cert = TestCertificate::client();
    let other = TestCertificate::other();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("no key", cert.cert_pem.clone().into_bytes(), "no private key"),
        ("no certificate", cert.key_pem.clone().into_bytes(), "no certificate"),
        (
            "someone else's key",
            format!("{}{}", cert.cert_pem, other.key_pem).into_bytes(),
            "no certificate for its private key",
        ),
        ("not a certificate", b"hello".to_vec(), "neither"),
    ];
    for (what, bytes, expected) in cases {
        let path = harness().dir.join(format!("bad-{}.pem", what.replace(' ', "-")));
        std::fs::write(&path, bytes).unwrap();
        let err = ClientCertificate::load(&path, None).unwrap_err();
        assert_eq!(err.setting, "AZURE_CLIENT_CERTIFICATE_PATH", "{what}");
        assert!(err.reason.contains(expected), "{what}: {err}");
        assert!(!err.to_string().contains("BEGIN"), "{what}: {err}");
    }
    // The chain may come along, in any order: the certificate is the one matching the key.
    let chain = format!("{}{}{}", other.cert_pem, cert.key_pem, cert.cert_pem);
    let loaded = ClientCertificate::from_pem(chain.as_bytes()).unwrap();
    assert_eq!(loaded.cert_der(), cert.cert_der.as_slice());
    assert_eq!(loaded.x5t(), cert.x5t());
}

/// The endpoint itself: what the credential sends passes, and each kind of bad assertion is
/// refused for the reason it is bad.
#[tokio::test]
async fn the_token_endpoint_checks_every_part_of_the_assertion() {
    let cert = TestCertificate::client();
    let s = setup(&cert.cert_der);
    let ca = reqwest::Certificate::from_pem(s.entra.ca_pem.as_bytes()).unwrap();
    // The test's own client, trusting the fake Entra's CA alone.
    let http =
        vaultfn_testbed::http_client_builder().tls_certs_only([ca]).resolve(entra::HOST, s.entra.addr).build().unwrap();
    let post = |assertion: String| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &s.client_id)
            .append_pair("scope", VAULT_SCOPE)
            .append_pair("client_assertion_type", entra::ASSERTION_TYPE)
            .append_pair("client_assertion", &assertion)
            .finish();
        let request = http
            .post(FakeEntra::token_url(&s.tenant))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let authority = Url::parse(&s.entra.authority()).unwrap();
    let signer = |authority: &Url, client_id: &str| {
        let certificate = ClientCertificate::from_pem(cert.pem_bundle().as_bytes()).unwrap();
        CertificateAssertion::new(authority, &s.tenant, client_id, certificate).unwrap()
    };
    let good = signer(&authority, &s.client_id);
    assert_eq!(good.audience(), FakeEntra::token_url(&s.tenant));
    let now = OffsetDateTime::now_utc();

    let (status, answer) = post(good.sign(now).unwrap()).await;
    assert_eq!((status, answer["token_type"].as_str()), (200, Some("Bearer")), "{answer}");
    assert_eq!(answer["expires_in"], 3599);

    // Claims changed after signing.
    let signed = good.sign(now).unwrap();
    let parts: Vec<&str> = signed.split('.').collect();
    let claims = String::from_utf8(b64url_decode(parts[1]))
        .unwrap()
        .replace(&s.client_id, "00000000-0000-0000-0000-000000000bad");
    let tampered = format!("{}.{}.{}", parts[0], b64url(claims.as_bytes()), parts[2]);
    let other_audience = signer(&Url::parse("https://login.microsoftonline.us").unwrap(), &s.client_id);
    let other_issuer = signer(&authority, "00000000-0000-0000-0000-000000000bad");
    let cases = [
        (tampered, "signature"),
        (other_audience.sign(now).unwrap(), "audience"),
        (good.sign(now - time::Duration::hours(1)).unwrap(), "expired"),
        (good.sign(now + time::Duration::hours(1)).unwrap(), "not-yet-valid"),
        (other_issuer.sign(now).unwrap(), "issuer"),
        ("not.a.jwt".to_owned(), "malformed"),
    ];
    for (assertion, failed) in cases {
        let (status, answer) = post(assertion).await;
        assert_eq!(status, 401, "{failed}: {answer}");
        assert_eq!(answer["error"], "invalid_client", "{failed}");
        assert!(answer["error_description"].as_str().unwrap().starts_with("AADSTS700027:"), "{answer}");
        assert_eq!(s.entra.failures().last().map(String::as_str), Some(failed));
    }
    assert_eq!((s.entra.requests(), s.entra.granted()), (7, 1));
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn b64url_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

#[tokio::test]
async fn the_password_and_key_never_reach_an_error() {
    let cert = TestCertificate::client();
    let mut s = setup(&cert.cert_der);
    s.certificate_file("app.pfx", &pfx(&cert, "sup3r-secret-pfx-pw"), Some("sup3r-secret-pfx-pw"));
    let settings = CredentialSettings::from_vars(&s.vars).unwrap();
    assert_eq!(settings.client_certificate_password.as_ref().unwrap().expose_secret(), "sup3r-secret-pfx-pw");
    let debug = format!("{settings:?}");
    assert!(!debug.contains("sup3r-secret-pfx-pw"), "{debug}");
    let key_body = cert.key_pem.lines().nth(1).unwrap();
    let loaded = ClientCertificate::from_pem(cert.pem_bundle().as_bytes()).unwrap();
    assert!(!format!("{loaded:?}").contains(key_body));
}
