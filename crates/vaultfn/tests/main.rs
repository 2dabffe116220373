//! The CLI's integration tests, one binary: `vaultfn start` driven from outside the way a
//! developer (or Azure's own clients) would, and the commands a user runs before and after a deploy.

mod commands;
mod devhost;
mod hostile_routes;
mod package;
mod support;
