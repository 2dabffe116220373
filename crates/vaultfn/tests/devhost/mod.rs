//! `vaultfn start` driven from outside, the way a developer (or Azure's own clients) would.

mod admin;
mod auth;
mod cli;
pub mod helpers;
mod keys_format;
mod lifecycle;
mod routing;
mod settings;
