//! `vaultfn start` driven from outside, the way a developer (or Azure's own clients) would.

mod admin;
mod auth;
mod cli;
pub mod helpers;
mod key_storage;
mod key_storage_blob;
mod keys_format;
mod keys_security;
mod lifecycle;
mod routing;
mod security;
mod settings;
mod triggers;
mod watch;
