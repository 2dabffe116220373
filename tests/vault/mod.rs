//! VaultService against a Key Vault (the stand-in, or a Lowkey Vault named by
//! `LOWKEY_VAULT_URL`/`LOWKEY_VAULT_JAR`), through a counting proxy and the App Service managed-identity
//! protocol.

mod caching;
mod certificates;
mod client_certificate;
mod faults;
mod metadata;
mod rotation;
mod scale;
mod token_scope;
