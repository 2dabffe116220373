//! vaultfn's custom handler for Azure Functions: reports the state of the app's Key Vault-backed
//! settings and serves secret metadata live from Key Vault. Everything here runs in Azure; the
//! developer CLI (`crates/vaultfn`) and the test harness (`crates/testbed`) live beside it.

pub mod arm;
pub mod config_error;
pub mod functions;
pub mod http_client;
pub mod invocation;
pub mod problem;
pub mod reference;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod triggers;
pub mod vault;
