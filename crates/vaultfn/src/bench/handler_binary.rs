//! The handler binary the benchmark measures: the one next to the running `vaultfn`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `handler` binary next to the running `vaultfn`. From a source checkout it is (re)built
/// first with the same profile, so the numbers are never those of a stale binary.
pub fn locate_handler() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the running executable: {e}"))?;
    let dir = exe.parent().ok_or("the running executable has no folder")?.to_path_buf();
    let handler = dir.join(format!("handler{}", std::env::consts::EXE_SUFFIX));
    let checkout = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    if checkout.join("Cargo.toml").is_file() {
        let mut args = vec!["build", "--bin", "handler"];
        if dir.file_name().is_some_and(|n| n == "release") {
            args.push("--release");
        }
        eprintln!("bench: cargo {}", args.join(" "));
        let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(&args)
            .current_dir(checkout)
            .status()
            .is_ok_and(|s| s.success());
        if !built && !handler.is_file() {
            return Err("building the handler failed".into());
        }
    }
    if !handler.is_file() {
        return Err(format!("no handler binary at {}", handler.display()));
    }
    Ok(handler)
}
