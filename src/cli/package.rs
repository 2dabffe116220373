//! `vaultfn package`: the deploy package, with sizes.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::package::{self, DEFAULT_TARGET};

#[derive(Debug, clap::Args)]
pub struct PackageArgs {
    /// Where to write app/ and app.zip.
    #[arg(long, default_value = "dist")]
    pub out: PathBuf,
    /// Rust target to build the handler for (static musl by default, so it runs on any Linux plan).
    #[arg(long, default_value = DEFAULT_TARGET)]
    pub target: String,
    /// The project root: Cargo.toml, host.json and function-templates/.
    #[arg(long, default_value = ".")]
    pub script_root: PathBuf,
    /// Use this handler binary instead of building one.
    #[arg(long)]
    pub handler: Option<PathBuf>,
}

pub fn run(args: PackageArgs) -> ExitCode {
    let handler = match args.handler {
        Some(path) => path,
        None => {
            eprintln!("vaultfn package: building the handler (release, {})", args.target);
            match package::build_handler(&args.script_root, &args.target) {
                Ok(path) => path,
                Err(e) => return fail(&e),
            }
        }
    };
    match package::package(&args.script_root, &handler, &args.out) {
        Ok(built) => {
            println!("{}/  {}", built.app_dir.display(), human(built.app_bytes));
            println!("  handler  {} (mode 755)", human(built.handler_bytes));
            println!("  host.json, {} function(s): {}", built.functions.len(), built.functions.join(", "));
            println!("{}  {}", built.zip_path.display(), human(built.zip_bytes));
            println!(
                "deploy: az functionapp deployment source config-zip -g <resource-group> -n <app> --src {}",
                built.zip_path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("vaultfn package: {e}");
    ExitCode::FAILURE
}

fn human(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB ({bytes} bytes)", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB ({bytes} bytes)", bytes as f64 / 1024.0)
    }
}
