//! The `client-certificate` credential: a service principal proves itself to Entra ID with a JWT
//! signed by its certificate's private key (a client assertion), sent to the token endpoint
//! through the SDK's [`ClientAssertionCredential`](azure_identity::ClientAssertionCredential).
//!
//! The assertion is built here rather than by the SDK's `ClientCertificateCredential` because
//! that one needs azure_identity's `client_certificate` feature, which is OpenSSL: the handler
//! ships as a static x86_64-unknown-linux-musl binary, which a system OpenSSL would break. Signing
//! uses ring (already in the tree through rustls), PEM goes through rustls' own PEM reader and
//! PFX through a pure-Rust PKCS#12 reader.
//!
//! Nothing here logs, prints or returns the certificate, the key or the password: errors name the
//! setting and what is wrong with it.

use std::fmt;
use std::path::Path;

use azure_core::http::ClientMethodOptions;
use azure_identity::ClientAssertion;
use base64::Engine as _;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::pem::{PemObject, SectionKind};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use url::Url;

use crate::config_error::{ConfigError, bad};

pub const PATH_SETTING: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
pub const PASSWORD_SETTING: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
/// How long an assertion is valid: Entra ID takes it once, right away.
pub const ASSERTION_LIFETIME_SECONDS: i64 = 600;

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A certificate and the RSA key that signs with it.
pub struct ClientCertificate {
    /// The certificate, DER: public, yet kept out of Debug output like the key.
    cert_der: Vec<u8>,
    key: RsaKeyPair,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate").finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// Reads `path`: PEM (a certificate and its unencrypted private key, in any order, possibly with
    /// the rest of the chain) or PFX/PKCS#12 (opened with `password`, or the empty password).
    pub fn load(path: &Path, password: Option<&SecretString>) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|_| bad(PATH_SETTING, "cannot read the file"))?;
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            if password.is_some() {
                tracing::debug!("{PASSWORD_SETTING} is set but the certificate file is PEM; the password is not used");
            }
            Self::from_pem(&bytes)
        } else {
            Self::from_pfx(&bytes, password.map_or("", |p| p.expose_secret()))
        }
    }

    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        let contains = |needle: &[u8]| pem.windows(needle.len()).any(|w| w == needle);
        if contains(b"ENCRYPTED PRIVATE KEY") || contains(b"Proc-Type: 4,ENCRYPTED") {
            return Err(bad(
                PATH_SETTING,
                "holds an encrypted PEM key, which is not supported: use an unencrypted PEM (kept private) or a PFX with AZURE_CLIENT_CERTIFICATE_PASSWORD",
            ));
        }
        let mut certs = Vec::new();
        let mut key = None;
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            let (kind, der) = section.map_err(|_| bad(PATH_SETTING, "is not a readable PEM file"))?;
            match kind {
                SectionKind::Certificate => certs.push(der),
                SectionKind::PrivateKey | SectionKind::RsaPrivateKey if key.is_none() => key = Some((kind, der)),
                SectionKind::PrivateKey | SectionKind::RsaPrivateKey => {
                    return Err(bad(PATH_SETTING, "holds more than one private key; keep the certificate's own"));
                }
                SectionKind::EcPrivateKey => {
                    return Err(bad(PATH_SETTING, "holds an EC key; Entra ID certificate credentials here are RSA"));
                }
                _ => {}
            }
        }
        let (kind, key_der) =
            key.ok_or_else(|| bad(PATH_SETTING, "holds no private key: the PEM needs the certificate and its key"))?;
        let key = match kind {
            SectionKind::RsaPrivateKey => RsaKeyPair::from_der(&key_der),
            _ => RsaKeyPair::from_pkcs8(&key_der),
        }
        .map_err(|_| bad(PATH_SETTING, "holds a private key that is not an RSA key of 2048 bits or more"))?;
        Self::pair(certs, key)
    }

    pub fn from_pfx(pfx: &[u8], password: &str) -> Result<Self, ConfigError> {
        use p12_keystore::error::Error as P12Error;
        let archive = p12_keystore::Pkcs12Archive::from_pkcs12(pfx, password).map_err(|e| match e {
            P12Error::MacError(_) => bad(
                PASSWORD_SETTING,
                "does not open the PFX in AZURE_CLIENT_CERTIFICATE_PATH (wrong or missing password)",
            ),
            _ => bad(
                PATH_SETTING,
                "is neither a PEM file nor a PFX (PKCS#12) file that opens with AZURE_CLIENT_CERTIFICATE_PASSWORD",
            ),
        })?;
        let certs: Vec<Vec<u8>> = archive.certs.iter().map(|bag| bag.cert.as_der().to_vec()).collect();
        let mut keys = archive.keys.iter().filter_map(|bag| RsaKeyPair::from_pkcs8(bag.key.as_der()).ok());
        let key = match (keys.next(), keys.next()) {
            (Some(key), None) => key,
            (None, _) if archive.keys.is_empty() => return Err(bad(PATH_SETTING, "is a PFX without a private key")),
            (None, _) => {
                return Err(bad(PATH_SETTING, "is a PFX whose private key is not an RSA key of 2048 bits or more"));
            }
            (Some(_), Some(_)) => return Err(bad(PATH_SETTING, "is a PFX with more than one private key")),
        };
        Self::pair(certs, key)
    }

    /// Keeps the certificate whose public key is `key`'s: a file may carry the chain too.
    fn pair(certs: Vec<Vec<u8>>, key: RsaKeyPair) -> Result<Self, ConfigError> {
        if certs.is_empty() {
            return Err(bad(PATH_SETTING, "holds no certificate: the file needs the certificate and its key"));
        }
        let public = key.public_key().as_ref();
        let cert_der = certs
            .into_iter()
            .find(|cert| subject_public_key(cert) == Some(public))
            .ok_or_else(|| bad(PATH_SETTING, "holds no certificate for its private key"))?;
        Ok(Self { cert_der, key })
    }

    /// `x5t`: base64url of the certificate's SHA-1 thumbprint, how Entra ID finds the registered
    /// certificate.
    pub fn x5t(&self) -> String {
        b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der).as_ref())
    }

    /// `x5t#S256`: the same with SHA-256.
    pub fn x5t_s256(&self) -> String {
        b64url(digest::digest(&digest::SHA256, &self.cert_der).as_ref())
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }
}

/// The subjectPublicKey bits of an X.509 certificate (for RSA, the DER `RSAPublicKey`, which is
/// what ring reports as an RSA key pair's public key). `None` when the DER is not a certificate.
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

/// Signs a fresh client assertion for each token request.
pub struct CertificateAssertion {
    client_id: String,
    /// The token endpoint's URL: the assertion's audience.
    audience: String,
    certificate: ClientCertificate,
    rng: SystemRandom,
}

impl fmt::Debug for CertificateAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAssertion").field("audience", &self.audience).finish_non_exhaustive()
    }
}

impl CertificateAssertion {
    /// The audience is `{authority}/{tenant}/oauth2/v2.0/token`, built as the SDK builds the URL
    /// it posts to, so the two cannot disagree.
    pub fn new(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        certificate: ClientCertificate,
    ) -> Result<Self, ConfigError> {
        let audience = token_endpoint(authority, tenant_id)?;
        Ok(Self {
            client_id: client_id.to_owned(),
            audience: audience.to_string(),
            certificate,
            rng: SystemRandom::new(),
        })
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The signed JWT: RS256, with the thumbprints in its header so Entra ID knows which of the
    /// app's certificates to check it with.
    pub fn sign(&self, now: OffsetDateTime) -> Result<String, ring::error::Unspecified> {
        let header = serde_json::json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": self.certificate.x5t(),
            "x5t#S256": self.certificate.x5t_s256(),
        });
        let mut jti = [0u8; 16];
        self.rng.fill(&mut jti)?;
        let now = now.unix_timestamp();
        let claims = serde_json::json!({
            "aud": self.audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": uuid_text(jti),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
        });
        let signing_input =
            format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let key = &self.certificate.key;
        let mut signature = vec![0u8; key.public().modulus_len()];
        key.sign(&RSA_PKCS1_SHA256, &self.rng, signing_input.as_bytes(), &mut signature)?;
        Ok(format!("{signing_input}.{}", b64url(&signature)))
    }
}

#[async_trait::async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        self.sign(OffsetDateTime::now_utc()).map_err(|_| {
            azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "the client assertion could not be signed",
            )
        })
    }
}

/// `{authority}/{tenant}/oauth2/v2.0/token`, joined as azure_identity joins it.
pub fn token_endpoint(authority: &Url, tenant_id: &str) -> Result<Url, ConfigError> {
    authority
        .join(&format!("/{tenant_id}/oauth2/v2.0/token"))
        .map_err(|_| bad("AZURE_TENANT_ID", "cannot be part of the token endpoint's URL"))
}

fn uuid_text(b: [u8; 16]) -> String {
    let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walks_lengths_and_refuses_truncation() {
        assert_eq!(der(&[0x02, 0x01, 0x05, 0xff]), Some((0x02, &[0x05][..], &[0xff][..])));
        let long = [&[0x04, 0x81, 0x80][..], &[7u8; 0x80]].concat();
        assert_eq!(der(&long).map(|(_, c, _)| c.len()), Some(0x80));
        assert_eq!(der(&[0x04, 0x05, 1, 2]), None);
        assert_eq!(der(&[0x04, 0x80]), None);
        assert!(subject_public_key(b"not a certificate").is_none());
    }

    #[test]
    fn the_audience_is_the_sdk_token_url() {
        let authority = Url::parse("https://login.microsoftonline.us/").unwrap();
        assert_eq!(
            token_endpoint(&authority, "contoso.onmicrosoft.com").unwrap().as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn unreadable_files_name_the_setting_only() {
        for pem in
            [&b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"[..], b"\x30\x03\x02\x01\x00"]
        {
            let err = match pem.starts_with(b"-") {
                true => ClientCertificate::from_pem(pem).unwrap_err(),
                false => ClientCertificate::from_pfx(pem, "pw").unwrap_err(),
            };
            assert_eq!(err.setting, PATH_SETTING);
        }
        let encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(ClientCertificate::from_pem(encrypted).unwrap_err().reason.contains("encrypted"));
        let missing = ClientCertificate::load(Path::new("/nonexistent/cert.pem"), None).unwrap_err();
        assert_eq!(missing.setting, PATH_SETTING);
    }
}
