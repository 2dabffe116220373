//! The `vaultfn` developer CLI: `start` runs the app locally the way the Functions host runs it,
//! `keys` manages function keys through the host's admin API.

pub mod keys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::devhost::start::{StartOptions, run};

#[derive(Debug, Parser)]
#[command(name = "vaultfn", version, about = "Run and manage the vaultfn Azure Functions app")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the app locally like the Functions host: keys enforced, admin API, references resolved.
    Start(StartArgs),
    /// List, show, create, set and delete function keys through the admin API.
    Keys(keys::KeysArgs),
    /// Measure the release handler against a baseline: readiness, throughput, latency, Key Vault
    /// requests, memory, binary size and a soak; one JSON line on stdout.
    Bench(crate::bench::BenchArgs),
}

#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// Port to listen on [default: Host.LocalHttpPort from the settings, else 7071].
    #[arg(long)]
    pub port: Option<u16>,
    /// The app's script root: host.json and function-templates/ (or a packaged app folder).
    #[arg(long, default_value = ".")]
    pub script_root: PathBuf,
    /// Do not enforce keys (what `func start` does without --enableAuth).
    #[arg(long)]
    pub no_auth: bool,
    /// The local settings file, relative to the script root.
    #[arg(long, default_value = crate::devhost::settings::SETTINGS_FILE)]
    pub settings: PathBuf,
}

pub async fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Start(args) => {
            let options = StartOptions {
                script_root: args.script_root,
                port: args.port,
                no_auth: args.no_auth,
                settings: args.settings,
            };
            match run(options).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("vaultfn start: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Keys(args) => keys::run(args).await,
        Command::Bench(args) => crate::bench::run(args).await,
    }
}
