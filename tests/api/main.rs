//! The handler binary, spawned as the Functions host spawns it, driven over HTTP.

mod config_check;
mod helpers;
mod lifecycle;
mod payload;
mod secrets;
