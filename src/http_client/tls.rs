//! The TLS settings the process's clients share. rustls' platform verifier reads the system's
//! CA store when it is made (on Linux the bundle and every file of the certificates folder, the
//! larger part of the handler's start-up), and reqwest makes one per client built; made here once
//! per process (and once per extra CA bundle), every client gets a copy that shares it.
//!
//! What reqwest would make itself for our builders: TLS 1.2 and 1.3, the platform verifier (with
//! the extra roots, if any, trusted besides the system's), SNI, ALPN `http/1.1`, no client
//! certificate.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_platform_verifier::Verifier;

/// With the system's roots; `None` when the platform verifier cannot be made.
pub(super) fn system() -> Option<ClientConfig> {
    static SYSTEM: OnceLock<Option<ClientConfig>> = OnceLock::new();
    SYSTEM.get_or_init(|| Verifier::new(provider()).ok().and_then(config)).clone()
}

/// With the roots of the PEM bundle `pem` trusted besides the system's; why not when it holds no
/// certificate or is not PEM.
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
    let verifier =
        Verifier::new_with_extra_roots(roots, provider()).map_err(|_| "holds a certificate that cannot be a root")?;
    let config = config(verifier).ok_or("cannot be used with this TLS provider")?;
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
fn config(verifier: Verifier) -> Option<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .ok()?
        // The platform verifier is a full verifier; "dangerous" is rustls' name for bringing one.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}
