//! A fake Entra ID token endpoint for the client-certificate credential: `POST
//! /{tenant}/oauth2/v2.0/token` with a client assertion, over HTTPS on 127.0.0.1 with a
//! certificate for `login.microsoftonline.com`. Code under test reaches it with
//! `AZURE_AUTHORITY_HOST=https://login.microsoftonline.com`, `VAULTFN_TEST_RESOLVE=`[`FakeEntra::pin`]
//! and a `KEY_VAULT_CA_FILE` holding [`FakeEntra::ca_pem`].
//!
//! It checks the assertion as Entra ID does (certificate credentials, "assertion format"): an
//! RS256 JWT whose `x5t` (base64url SHA-1 of the certificate) names a certificate registered for
//! the app (`x5t#S256`, when sent, must agree), whose signature verifies with that certificate's
//! public key, whose `aud` is this endpoint's token URL, whose `iss` and `sub` are the client id,
//! with a `jti`, and which is valid now (`nbf` ≤ now ≤ `exp`, five minutes of clock skew). A
//! request that passes gets a token starting with [`identity::TOKEN_PREFIX`](crate::identity::TOKEN_PREFIX),
//! which the Key Vault stand-in grants; one that fails gets `invalid_client` and `AADSTS700027`,
//! and the fake records which check failed.
//!
//! The RSA keys behind [`TestCertificate`] are checked in (`tests/data/*.key.pem`): rcgen cannot
//! generate RSA keys with ring. They were generated for these tests only and protect nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use ring::digest;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use serde_json::{Value, json};

use crate::identity::TOKEN_PREFIX;
use crate::tls;

/// The name the fake's certificate carries; pin it to [`FakeEntra::addr`].
pub const HOST: &str = "login.microsoftonline.com";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew accepted on `nbf` and `exp`, as Entra ID allows.
const SKEW_SECONDS: i64 = 300;

/// The checked-in test keys (PKCS#8 PEM).
pub const CLIENT_KEY_PEM: &str = include_str!("../tests/data/client-cert.key.pem");
pub const OTHER_KEY_PEM: &str = include_str!("../tests/data/other-cert.key.pem");
/// A certificate for [`CLIENT_KEY_PEM`] made by OpenSSL, and the same pair as PFX files written by
/// OpenSSL 3: its default (AES-256-CBC, PBKDF2, HMAC-SHA256) and `-legacy` (RC2/3DES, SHA-1 MAC),
/// both with [`OPENSSL_PFX_PASSWORD`].
pub const OPENSSL_CERT_PEM: &str = include_str!("../tests/data/openssl-client.cert.pem");
pub const OPENSSL_PFX: &[u8] = include_bytes!("../tests/data/openssl-client.pfx");
pub const OPENSSL_LEGACY_PFX: &[u8] = include_bytes!("../tests/data/openssl-client-legacy.pfx");
pub const OPENSSL_PFX_PASSWORD: &str = "vaultfn-test-pfx-password";

/// A self-signed certificate over one of the checked-in RSA keys.
#[derive(Clone)]
pub struct TestCertificate {
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCertificate {
    /// A new certificate (new serial, so a new thumbprint) for `key_pem`.
    pub fn new(key_pem: &str, common_name: &str) -> Self {
        let key = rcgen::KeyPair::from_pem(key_pem).expect("a checked-in RSA test key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("certificate parameters");
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        // rcgen derives the serial from the key otherwise: every certificate of a key would be the same.
        params.serial_number = Some(rcgen::SerialNumber::from((rand::random::<u64>() >> 2) | (1 << 62)));
        let cert = params.self_signed(&key).expect("a self-signed test certificate");
        Self { cert_der: cert.der().to_vec(), cert_pem: cert.pem(), key_pem: key_pem.to_owned() }
    }

    /// The app's certificate.
    pub fn client() -> Self {
        Self::new(CLIENT_KEY_PEM, "vaultfn test client")
    }

    /// A certificate no app registered.
    pub fn other() -> Self {
        Self::new(OTHER_KEY_PEM, "vaultfn test other")
    }

    /// The certificate from [`OPENSSL_CERT_PEM`].
    pub fn openssl() -> Self {
        let der = pem_der(OPENSSL_CERT_PEM).expect("the checked-in OpenSSL certificate");
        Self { cert_der: der, cert_pem: OPENSSL_CERT_PEM.to_owned(), key_pem: CLIENT_KEY_PEM.to_owned() }
    }

    /// Certificate and key in one PEM file, as `AZURE_CLIENT_CERTIFICATE_PATH` takes them.
    pub fn pem_bundle(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }

    /// The `x5t` header an assertion signed with this certificate carries.
    pub fn x5t(&self) -> String {
        b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der).as_ref())
    }
}

struct Registered {
    x5t: String,
    x5t_s256: String,
    /// The subjectPublicKey bits: for RSA, the DER `RSAPublicKey` ring verifies with.
    public_key: Vec<u8>,
}

struct App {
    tenant: String,
    client_id: String,
    object_id: String,
    certificates: Vec<Registered>,
}

#[derive(Default)]
struct State {
    apps: Mutex<Vec<App>>,
    requests: AtomicUsize,
    granted: AtomicUsize,
    failures: Mutex<Vec<String>>,
    scopes: Mutex<Vec<String>>,
}

/// The fake. Cheap to clone; every clone drives the same server.
#[derive(Clone)]
pub struct FakeEntra {
    pub addr: SocketAddr,
    /// The CA that signed the fake's certificate, for the file `KEY_VAULT_CA_FILE` names.
    pub ca_pem: String,
    state: Arc<State>,
}

impl FakeEntra {
    /// Binds now (so the address is known) and serves on `runtime`.
    pub fn start(runtime: &tokio::runtime::Handle) -> Self {
        let (ca_pem, tls) = tls::tls_for(HOST);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake Entra ID");
        listener.set_nonblocking(true).expect("non-blocking fake Entra ID listener");
        let addr = listener.local_addr().expect("fake Entra ID address");
        let state = Arc::new(State::default());
        let serving = state.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("fake Entra ID listener");
            tls::serve(listener, tls, serving, |_| false, handle).await;
        });
        Self { addr, ca_pem, state }
    }

    /// `https://login.microsoftonline.com`, for `AZURE_AUTHORITY_HOST`.
    pub fn authority(&self) -> String {
        format!("https://{HOST}")
    }

    /// `login.microsoftonline.com=127.0.0.1:PORT`, an entry of `VAULTFN_TEST_RESOLVE`.
    pub fn pin(&self) -> String {
        format!("{HOST}={}", self.addr)
    }

    /// The token URL of `tenant`: what an assertion's `aud` must be.
    pub fn token_url(tenant: &str) -> String {
        format!("https://{HOST}/{tenant}/oauth2/v2.0/token")
    }

    /// Registers `cert_der` as a certificate credential of app `client_id` in `tenant` (the app
    /// is added on first use). Returns the app's object id, which tokens carry as `oid`.
    pub fn register(&self, tenant: &str, client_id: &str, cert_der: &[u8]) -> String {
        let public_key = subject_public_key(cert_der).expect("a DER X.509 certificate").to_vec();
        let registered = Registered {
            x5t: b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der).as_ref()),
            x5t_s256: b64url(digest::digest(&digest::SHA256, cert_der).as_ref()),
            public_key,
        };
        let mut apps = self.state.apps.lock().unwrap();
        let index = match apps.iter().position(|a| a.tenant == tenant && a.client_id == client_id) {
            Some(index) => index,
            None => {
                let object_id =
                    format!("{:08x}-0000-4000-8000-{:012x}", rand::random::<u32>(), rand::random::<u64>() >> 16);
                apps.push(App {
                    tenant: tenant.to_owned(),
                    client_id: client_id.to_owned(),
                    object_id,
                    certificates: Vec::new(),
                });
                apps.len() - 1
            }
        };
        apps[index].certificates.push(registered);
        apps[index].object_id.clone()
    }

    /// Token requests received.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Tokens issued.
    pub fn granted(&self) -> usize {
        self.state.granted.load(Ordering::SeqCst)
    }

    /// Which check each refused request failed, in order: `x5t-not-registered`, `signature`,
    /// `audience`, `expired`, `not-yet-valid`, `issuer`, `subject`, `jti`, `alg`, `malformed`,
    /// `unknown-tenant`, `unknown-client`, `grant-type`, `assertion-type`, `scope`.
    pub fn failures(&self) -> Vec<String> {
        self.state.failures.lock().unwrap().clone()
    }

    /// The scopes of the tokens issued, in order.
    pub fn scopes(&self) -> Vec<String> {
        self.state.scopes.lock().unwrap().clone()
    }
}

type Answer = Response<Full<Bytes>>;

fn respond(status: StatusCode, body: &Value) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-store, no-cache")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("static response parts")
}

/// Entra ID's error shape. Descriptions carry no JSON escapes: the SDK borrows the string.
fn refuse(state: &State, status: StatusCode, error: &str, code: u32, failed: &str, description: &str) -> Answer {
    state.failures.lock().unwrap().push(failed.to_owned());
    respond(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
            "timestamp": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "trace_id": "00000000-0000-0000-0000-000000000000",
            "correlation_id": "00000000-0000-0000-0000-000000000000",
        }),
    )
}

fn invalid_client(state: &State, failed: &str, description: &str) -> Answer {
    refuse(state, StatusCode::UNAUTHORIZED, "invalid_client", 700027, failed, description)
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Answer, std::io::Error> {
    let (parts, body) = req.into_parts();
    let segments: Vec<&str> = parts.uri.path().trim_matches('/').split('/').collect();
    let tenant = match segments.as_slice() {
        [tenant, "oauth2", "v2.0", "token"] if parts.method == Method::POST => (*tenant).to_owned(),
        _ => return Ok(respond(StatusCode::NOT_FOUND, &json!({"error": "not_found"}))),
    };
    state.requests.fetch_add(1, Ordering::SeqCst);
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return Ok(refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "grant-type",
            "The app requested an unsupported grant type.",
        ));
    }
    if field("client_assertion_type") != ASSERTION_TYPE {
        return Ok(refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            700025,
            "assertion-type",
            "The client assertion type is not jwt-bearer.",
        ));
    }
    let scope = field("scope");
    if !scope.ends_with("/.default") || scope.contains(' ') {
        return Ok(refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "scope",
            "The provided value for scope is not valid: client credential flows must use one scope ending in /.default.",
        ));
    }
    let client_id = field("client_id");
    let apps = state.apps.lock().unwrap();
    if !apps.iter().any(|a| a.tenant == tenant) {
        drop(apps);
        return Ok(refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            "unknown-tenant",
            "Tenant not found.",
        ));
    }
    let Some(app) = apps.iter().find(|a| a.tenant == tenant && a.client_id == client_id) else {
        drop(apps);
        return Ok(refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "unknown-client",
            "Application was not found in the directory.",
        ));
    };
    let checked = check_assertion(app, &tenant, field("client_assertion"));
    let object_id = app.object_id.clone();
    drop(apps);
    if let Err((failed, description)) = checked {
        return Ok(invalid_client(&state, failed, description));
    }
    state.granted.fetch_add(1, Ordering::SeqCst);
    state.scopes.lock().unwrap().push(scope.to_owned());
    let now = now();
    let resource = scope.trim_end_matches("/.default");
    let claims = json!({
        "aud": resource, "iss": format!("https://sts.windows.net/{tenant}/"), "tid": tenant,
        "appid": client_id, "azp": client_id, "oid": object_id, "sub": object_id, "idtyp": "app",
        "iat": now, "nbf": now, "exp": now + 3599, "ver": "1.0",
    });
    // A JWT behind the prefix the Key Vault stand-in grants: `vaultfn whoami` reads its claims.
    let token = format!(
        "{TOKEN_PREFIX}{}.{}.{}",
        b64url(br#"{"typ":"JWT","alg":"RS256"}"#),
        b64url(claims.to_string().as_bytes()),
        b64url(b"fake-entra-signature")
    );
    Ok(respond(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
    ))
}

/// Every check Entra ID makes on a certificate assertion; `Err` names the one that failed.
fn check_assertion(app: &App, tenant: &str, assertion: &str) -> Result<(), (&'static str, &'static str)> {
    const MALFORMED: (&str, &str) = ("malformed", "The client assertion is not a well-formed JWT.");
    let mut parts = assertion.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    let decode_json = |part: &str| -> Option<Value> { serde_json::from_slice(&b64url_decode(part)?).ok() };
    let (Some(header), Some(claims), Some(signature)) =
        (decode_json(header_b64), decode_json(claims_b64), b64url_decode(signature_b64))
    else {
        return Err(MALFORMED);
    };
    if header["alg"] != "RS256" {
        return Err(("alg", "The client assertion must be signed with RS256."));
    }
    let Some(certificate) = app.certificates.iter().find(|c| header["x5t"].as_str() == Some(c.x5t.as_str())) else {
        return Err((
            "x5t-not-registered",
            "The certificate with the identifier used to sign the client assertion is not registered on the application.",
        ));
    };
    if header.get("x5t#S256").is_some_and(|t| t.as_str() != Some(certificate.x5t_s256.as_str())) {
        return Err(("x5t-not-registered", "The x5t#S256 thumbprint does not match the x5t thumbprint."));
    }
    let signing_input = &assertion[..header_b64.len() + 1 + claims_b64.len()];
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &certificate.public_key)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| ("signature", "Client assertion failed signature validation."))?;
    if claims["aud"].as_str() != Some(FakeEntra::token_url(tenant).as_str()) {
        return Err(("audience", "The audience of the client assertion is not this token endpoint."));
    }
    if claims["iss"].as_str() != Some(app.client_id.as_str()) {
        return Err(("issuer", "The issuer of the client assertion is not the client id."));
    }
    if claims["sub"].as_str() != Some(app.client_id.as_str()) {
        return Err(("subject", "The subject of the client assertion is not the client id."));
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err(("jti", "The client assertion has no jti."));
    }
    let now = now();
    let (Some(nbf), Some(exp)) = (claims["nbf"].as_i64(), claims["exp"].as_i64()) else {
        return Err(MALFORMED);
    };
    if exp + SKEW_SECONDS < now {
        return Err(("expired", "The client assertion has expired."));
    }
    if nbf - SKEW_SECONDS > now {
        return Err(("not-yet-valid", "The client assertion is not yet valid."));
    }
    Ok(())
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()
}

/// The DER of the first PEM block in `pem`.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The subjectPublicKey bits of a DER X.509 certificate.
fn subject_public_key(cert: &[u8]) -> Option<&[u8]> {
    let (0x30, cert, _) = der(cert)? else { return None };
    let (0x30, tbs, _) = der(cert)? else { return None };
    let mut rest = tbs;
    if let (0xa0, _, after_version) = der(rest)? {
        rest = after_version;
    }
    // serialNumber, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = der(rest)?.2;
    }
    let (0x30, spki, _) = der(rest)? else { return None };
    let (0x30, _, bits) = der(spki)? else { return None };
    let (0x03, bits, _) = der(bits)? else { return None };
    match bits.split_first()? {
        (0, key) => Some(key),
        _ => None,
    }
}

/// One DER element: its tag, its contents and what follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |len, b| (len << 8) | usize::from(*b)), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_certificates_carry_their_keys() {
        let client = TestCertificate::client();
        let openssl = TestCertificate::openssl();
        assert_eq!(subject_public_key(&client.cert_der), subject_public_key(&openssl.cert_der));
        assert_ne!(subject_public_key(&client.cert_der), subject_public_key(&TestCertificate::other().cert_der));
        assert_ne!(client.x5t(), openssl.x5t());
        assert_ne!(client.x5t(), TestCertificate::client().x5t(), "a new certificate, a new thumbprint");
    }
}
