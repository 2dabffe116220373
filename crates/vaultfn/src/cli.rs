//! The `vaultfn` developer CLI: `start` runs the app locally the way the Functions host runs it,
//! `keys` manages function keys through the host's admin API, `package` builds the deploy
//! package, `check` validates the app before a deploy, `token`/`whoami` debug the app's identity.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::devhost::start::{StartOptions, run};
use crate::{bench, check, events, keys, package, references, token};

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
    /// List, show, create, set and delete function keys through the admin API, or over Resource
    /// Manager with your own Azure credential (--app, --resource-group).
    Keys(keys::command::KeysArgs),
    /// What the platform resolved for each Key Vault reference of a deployed app (over Resource
    /// Manager), against the vault's current version; `refresh` makes it resolve them again.
    References(references::ReferencesArgs),
    /// Send a Key Vault event to a running `vaultfn start` through its Event Grid webhook.
    Events(events::EventsArgs),
    /// Build the deploy package: dist/app/ as the host expects it and dist/app.zip.
    Package(package::PackageArgs),
    /// Validate host.json, every function.json and the local settings; one line per problem.
    Check(check::CheckArgs),
    /// Get a token with the handler's credential choice and show who it is for (--raw prints it).
    Token(token::TokenArgs),
    /// Show who the handler's credential is: tenant, object id, app id, audience, expiry.
    Whoami(token::WhoamiArgs),
    /// Measure the release handler against a baseline: readiness, throughput, latency, Key Vault
    /// requests, memory, binary size and a soak; one JSON line on stdout.
    Bench(bench::BenchArgs),
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
    #[arg(long, default_value = crate::devhost::local_settings::SETTINGS_FILE)]
    pub settings: PathBuf,
    /// Rebuild (from a source checkout) and restart the handler when its sources, host.json or a
    /// function.json change, keeping the port and the keys; reload the routes too.
    #[arg(long)]
    pub watch: bool,
}

pub async fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Start(args) => {
            let options = StartOptions {
                script_root: args.script_root,
                port: args.port,
                no_auth: args.no_auth,
                settings: args.settings,
                watch: args.watch,
            };
            match run(options).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("vaultfn start: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Keys(args) => keys::command::run(args).await,
        Command::Events(args) => events::run(args).await,
        Command::Package(args) => package::run(args),
        Command::References(args) => references::run(args).await,
        Command::Check(args) => check::run(args),
        Command::Token(args) => token::token(args).await,
        Command::Whoami(args) => token::whoami(args).await,
        Command::Bench(args) => bench::run(args).await,
    }
}
