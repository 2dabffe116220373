//! VaultService against a Key Vault (the stand-in, or Lowkey Vault with
//! `VAULTFN_TEST_VAULT=lowkey`), through a counting proxy and the App Service managed-identity
//! protocol.

#[path = "../support/mod.rs"]
mod support;

mod caching;
mod faults;
mod metadata;
