//! Where every outgoing HTTP client of the process starts: rustls with the ring provider,
//! installed once, and no redirects (a redirect could carry a bearer token or a key elsewhere).

use std::sync::Once;

/// A client builder on the process's TLS provider; redirects are never followed.
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none())
}

/// A client with [`builder`]'s defaults.
pub fn client() -> reqwest::Client {
    builder().build().expect("an HTTP client with default settings always builds")
}

/// Installs rustls' ring provider as the process default (idempotent). The Azure SDK's own
/// clients (the managed identity credential's, for one) build on it too.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider installed first is as good: only having none is an error.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
