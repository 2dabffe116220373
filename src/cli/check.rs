//! `vaultfn check`: one line per problem, non-zero exit when there is any.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The app's script root: host.json and function-templates/ (or a packaged app folder).
    #[arg(long, default_value = ".")]
    pub script_root: PathBuf,
    /// The local settings file, relative to the script root (falls back to the example file).
    #[arg(long)]
    pub settings: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let report = crate::check::check(&args.script_root, args.settings.as_deref());
    for problem in &report.problems {
        println!("{problem}");
    }
    let settings = report.settings_file.as_ref().map_or("no local settings".into(), |p| p.display().to_string());
    if report.problems.is_empty() {
        eprintln!("vaultfn check: ok ({} function(s), {settings})", report.functions);
        ExitCode::SUCCESS
    } else {
        eprintln!("vaultfn check: {} problem(s) ({} function(s), {settings})", report.problems.len(), report.functions);
        ExitCode::FAILURE
    }
}
