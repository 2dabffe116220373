//! The deploy package: `dist/app/` laid out exactly as the Functions host expects (host.json, the
//! `handler` executable, one folder per function with its function.json — nothing else) and
//! `dist/app.zip` with the handler's Unix mode 0755 stored, since a deploy that loses the exec bit
//! answers 500 on Linux Consumption.

use std::process::ExitCode;
use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
    process::Command,
};

use zip::{CompressionMethod, write::SimpleFileOptions};

pub const DEFAULT_TARGET: &str = "x86_64-unknown-linux-musl";
/// The Cargo profile the deployed handler is built with (see the workspace Cargo.toml).
pub const DIST_PROFILE: &str = "dist";
pub const HANDLER_MODE: u32 = 0o755;
const FILE_MODE: u32 = 0o644;

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0} is missing: run from the project root or pass --script-root")]
    Missing(PathBuf),
    #[error(
        "cargo build of the handler failed ({0}); for the musl target install musl-tools and run `rustup target add {1}`"
    )]
    Build(String, String),
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PackageError + '_ {
    move |source| PackageError::Io { path: path.to_owned(), source }
}

/// What `package` produced, with sizes for the report.
#[derive(Debug)]
pub struct Package {
    pub app_dir: PathBuf,
    pub zip_path: PathBuf,
    pub handler_bytes: u64,
    pub app_bytes: u64,
    pub zip_bytes: u64,
    pub functions: Vec<String>,
}

/// Builds the handler in release mode for `target` and returns the binary's path.
pub fn build_handler(project_root: &Path, target: &str) -> Result<PathBuf, PackageError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(project_root)
        // The size-optimised profile (fat LTO, one codegen unit), and the handler package alone, so
        // no feature the CLI turns on in a shared dependency ends up in what ships.
        .args([
            "build",
            "--profile",
            DIST_PROFILE,
            "--locked",
            "-p",
            "vaultfn-handler",
            "--bin",
            "handler",
            "--target",
            target,
        ])
        .status()
        .map_err(|e| PackageError::Build(e.to_string(), target.to_owned()))?;
    if !status.success() {
        return Err(PackageError::Build(status.to_string(), target.to_owned()));
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root.join("target"), PathBuf::from);
    Ok(target_dir.join(target).join(DIST_PROFILE).join("handler"))
}

/// Lays out `out/app/` from the sources in `script_root` and the built `handler`, then zips it.
pub fn package(script_root: &Path, handler: &Path, out: &Path) -> Result<Package, PackageError> {
    let app_dir = out.join("app");
    if app_dir.exists() {
        fs::remove_dir_all(&app_dir).map_err(io(&app_dir))?;
    }
    fs::create_dir_all(&app_dir).map_err(io(&app_dir))?;

    let host_json = script_root.join("host.json");
    if !host_json.is_file() {
        return Err(PackageError::Missing(host_json));
    }
    fs::copy(&host_json, app_dir.join("host.json")).map_err(io(&host_json))?;
    if !handler.is_file() {
        return Err(PackageError::Missing(handler.to_owned()));
    }
    let handler_dest = app_dir.join("handler");
    fs::copy(handler, &handler_dest).map_err(io(handler))?;
    set_mode(&handler_dest, HANDLER_MODE)?;

    let templates = script_root.join("function-templates");
    let mut functions = Vec::new();
    for entry in fs::read_dir(&templates).map_err(io(&templates))? {
        let dir = entry.map_err(io(&templates))?.path();
        let function_json = dir.join("function.json");
        if !function_json.is_file() {
            continue;
        }
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        fs::create_dir_all(app_dir.join(&name)).map_err(io(&app_dir))?;
        fs::copy(&function_json, app_dir.join(&name).join("function.json")).map_err(io(&function_json))?;
        functions.push(name);
    }
    functions.sort();

    let zip_path = out.join("app.zip");
    write_zip(&app_dir, &functions, &zip_path)?;
    let handler_bytes = fs::metadata(&handler_dest).map_err(io(&handler_dest))?.len();
    Ok(Package {
        app_bytes: dir_size(&app_dir)?,
        zip_bytes: fs::metadata(&zip_path).map_err(io(&zip_path))?.len(),
        handler_bytes,
        app_dir,
        zip_path,
        functions,
    })
}

fn write_zip(app_dir: &Path, functions: &[String], zip_path: &Path) -> Result<(), PackageError> {
    let file = fs::File::create(zip_path).map_err(io(zip_path))?;
    let mut zip = zip::ZipWriter::new(file);
    let options =
        |mode| SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).unix_permissions(mode);
    let mut entries = vec![("host.json".to_owned(), FILE_MODE), ("handler".to_owned(), HANDLER_MODE)];
    entries.extend(functions.iter().map(|f| (format!("{f}/function.json"), FILE_MODE)));
    for (name, mode) in entries {
        let path = app_dir.join(&name);
        let mut bytes = Vec::new();
        fs::File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io(&path))?;
        zip.start_file(name, options(mode))?;
        zip.write_all(&bytes).map_err(io(zip_path))?;
    }
    zip.finish()?;
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), PackageError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io(path))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<(), PackageError> {
    Ok(())
}

fn dir_size(dir: &Path) -> Result<u64, PackageError> {
    let mut total = 0;
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let meta = entry.metadata().map_err(io(dir))?;
        total += if meta.is_dir() { dir_size(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}

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
            eprintln!("vaultfn package: building the handler (profile {DIST_PROFILE}, {})", args.target);
            match build_handler(&args.script_root, &args.target) {
                Ok(path) => path,
                Err(e) => return fail(&e),
            }
        }
    };
    match package(&args.script_root, &handler, &args.out) {
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
