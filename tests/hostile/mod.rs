//! Hostile input, generated: secret names, request paths, host payloads and references built to
//! hurt. Nothing panics, and input that is not a valid secret name never becomes a Key Vault
//! request (counted at the proxy in front of the vault).

mod handler;
mod parsers;
