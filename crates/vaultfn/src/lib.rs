//! The `vaultfn` developer CLI: the local host that runs the app as the Functions host does, the
//! key store and key commands, the deploy package, the pre-deploy check, the identity tools and the
//! benchmark.

pub mod azure;
pub mod bench;
pub mod check;
pub mod cli;
pub mod devhost;
pub mod events;
pub mod keys;
pub mod package;
pub mod references;
pub mod token;
