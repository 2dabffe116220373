//! Where the CLI's tests find the app they run and the binaries they start.

use std::path::{Path, PathBuf};

/// The repository root: host.json, function-templates/, the example settings.
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The `vaultfn` binary under test.
pub fn vaultfn() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_vaultfn"))
}

/// The `handler` binary of the same build, next to `vaultfn` (`cargo test --workspace` builds it,
/// as `vaultfn start` finds it there).
pub fn handler() -> PathBuf {
    let path = vaultfn().with_file_name(format!("handler{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "no handler at {}: run the tests with `cargo test --workspace`", path.display());
    path
}
