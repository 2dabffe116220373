//! vaultfn: a Rust custom handler for Azure Functions that reports the state of Key Vault-backed
//! settings and serves secret metadata, plus the pieces of the `vaultfn` developer CLI.

pub mod bench;
pub mod check;
pub mod cli;
pub mod devhost;
pub mod error;
pub mod functions;
pub mod invocation;
pub mod keys;
pub mod package;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod testbed;
pub mod token;
pub mod vault;
