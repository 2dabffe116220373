//! The handler binary, spawned as the Functions host spawns it, driven over HTTP.

mod config_check;
pub mod helpers;
mod hostile;
mod lifecycle;
mod panic;
mod payload;
mod platform;
mod secrets;
