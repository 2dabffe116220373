//! VaultService against Lowkey Vault, through a counting proxy and the App Service
//! managed-identity protocol. Run `scripts/install-tools` first.

#[path = "../support/mod.rs"]
mod support;

mod caching;
mod faults;
mod metadata;
