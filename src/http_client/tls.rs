//! The TLS settings the process's clients share. rustls' platform verifier reads the system's
//! CA store when it is made (on Linux the bundle and every file of the certificates folder, the
//! larger part of the handler's start-up), and reqwest makes one per client built. Here it is
//! made once per process (and once per extra CA bundle), and not on the way to listening: a
//! thread of its own starts making it when the first client is built, and the first handshake
//! waits for it if it is not done by then.
//!
//! What reqwest would make itself for our builders: TLS 1.2 and 1.3, the platform verifier (with
//! the extra roots, if any, trusted besides the system's), SNI, ALPN `http/1.1`, no client
//! certificate.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// With the system's roots.
pub(super) fn system() -> Option<ClientConfig> {
    static SYSTEM: OnceLock<Option<ClientConfig>> = OnceLock::new();
    SYSTEM.get_or_init(|| config(Deferred::start(Vec::new()))).clone()
}

/// With the roots of the PEM bundle `pem` trusted besides the system's; why not when it holds no
/// certificate, is not PEM, or holds one that cannot be a root.
pub(super) fn with_extra_roots(pem: &[u8]) -> Result<ClientConfig, &'static str> {
    // A process has one or two bundles (the test settings'); made once each.
    static MADE: Mutex<Vec<(Vec<u8>, ClientConfig)>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, config)) = made.iter().find(|(bundle, _)| bundle == pem) {
        return Ok(config.clone());
    }
    let roots: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().map_err(|_| "is not a PEM certificate bundle")?;
    if roots.is_empty() {
        return Err("contains no PEM certificate");
    }
    // Checked now, as the verifier would, so a bad bundle is a settings error and not a failed call.
    let (_, unusable) = RootCertStore::empty().add_parsable_certificates(roots.iter().cloned());
    if unusable > 0 {
        return Err("holds a certificate that cannot be a root");
    }
    let config = config(Deferred::start(roots)).ok_or("cannot be used with this TLS provider")?;
    made.push((pem.to_vec(), config.clone()));
    Ok(config)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    super::install_crypto_provider();
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// `None` only if the provider supports neither TLS 1.2 nor 1.3 (ring supports both).
fn config(verifier: Arc<Deferred>) -> Option<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .ok()?
        // The platform verifier is a full verifier; "dangerous" is rustls' name for bringing one.
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

/// The platform verifier (with `extra` roots), made on a thread of its own from [`start`]
/// (`Deferred::start`); every check waits for it and then is its own.
#[derive(Debug)]
struct Deferred {
    extra: Vec<CertificateDer<'static>>,
    made: OnceLock<Result<Verifier, String>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Deferred {
    fn start(extra: Vec<CertificateDer<'static>>) -> Arc<Self> {
        let deferred = Arc::new(Self { extra, made: OnceLock::new(), provider: provider() });
        let making = deferred.clone();
        let started = std::thread::Builder::new().name("tls-roots".into()).spawn(move || {
            let _ = making.verifier();
        });
        if started.is_err() {
            // No thread to spare: the first handshake makes it.
            tracing::debug!("the CA store is read at the first handshake");
        }
        deferred
    }

    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        let made = self.made.get_or_init(|| {
            let made = if self.extra.is_empty() {
                Verifier::new(self.provider.clone())
            } else {
                Verifier::new_with_extra_roots(self.extra.iter().cloned(), self.provider.clone())
            };
            made.map_err(|e| format!("the system's CA store cannot be used: {e}"))
        });
        made.as_ref().map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl ServerCertVerifier for Deferred {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// The provider's, as the platform verifier answers: known without the CA store, so the
    /// first ClientHello does not wait for it.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_checked_when_the_settings_are_read_not_at_the_first_call() {
        assert_eq!(with_extra_roots(b"no pem here").err(), Some("contains no PEM certificate"));
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcI\n-----END CERTIFICATE-----\n";
        assert_eq!(with_extra_roots(garbage).err(), Some("holds a certificate that cannot be a root"));
    }

    #[test]
    fn the_schemes_are_known_before_the_store_is_read() {
        let deferred = Deferred { extra: Vec::new(), made: OnceLock::new(), provider: provider() };
        assert!(deferred.supported_verify_schemes().contains(&SignatureScheme::ECDSA_NISTP256_SHA256));
        assert!(deferred.made.get().is_none(), "asking for the schemes leaves the store unread");
        assert!(deferred.verifier().is_ok(), "this machine's CA store can be read");
    }
}
