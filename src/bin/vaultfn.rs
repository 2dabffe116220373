//! The developer CLI; everything it does lives in `vaultfn::cli`.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    vaultfn::cli::main(vaultfn::cli::Cli::parse()).await
}
