//! The handler's integration tests, one binary: the Key Vault stand-in, the identity endpoint and
//! the captures are shared by every module, and start once.

mod api;
mod architecture;
mod faults;
mod hostile;
mod infra;
mod layout;
mod support;
mod telemetry;
mod trust;
mod vault;
