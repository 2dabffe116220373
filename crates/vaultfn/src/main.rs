//! The developer CLI; everything it does lives in the `vaultfn` library.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vaultfn::cli::main(vaultfn::cli::Cli::parse()).await
}
