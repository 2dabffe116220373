//! `vaultfn start --watch`: a change to the handler's sources (`src/`, `Cargo.toml`), to
//! `function-templates/` or to host.json rebuilds the handler (from a source checkout) and
//! restarts it, keeping the host's port and keys; a change to host.json or a function.json also
//! reloads the route table. A failed build leaves the running handler serving and prints the
//! compiler's error.
//!
//! Debouncing is done here rather than with a debouncer crate: a burst (an editor's save, a
//! `git checkout`) ends after [`QUIET`] without a change, whatever its length, and the changes
//! that arrive while a build runs make one more build after it rather than one each.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use tokio::sync::{mpsc, watch};

use super::DevHost;
use super::layout::{AppLayout, TEMPLATES_DIR};
use super::routing::RouteTable;
use super::supervisor::{HandlerCommand, Replacer, resolve_executable};

/// How long the files must stay unchanged before a burst of changes is acted on.
pub const QUIET: Duration = Duration::from_millis(300);
/// A shell command to build the handler with instead of cargo, run in the script root. Read from
/// the process environment only: settings files come with the repository, and a cloned
/// repository must not choose commands to run.
pub const BUILD_COMMAND_VAR: &str = "VAULTFN_WATCH_BUILD";

/// The host's router over a host that can be replaced while it serves, and the means to replace
/// it. Each request runs against the host current when it arrived.
pub fn swappable(host: Arc<DevHost>) -> (watch::Sender<Arc<DevHost>>, axum::Router) {
    let (current, serving) = watch::channel(host);
    let app = axum::Router::new().fallback(move |request: Request| {
        let host = serving.borrow().clone();
        super::dispatch(State(host), request)
    });
    (current, app)
}

/// Starts watching the script root of `current`; the watch lasts as long as the process.
pub fn start(
    current: watch::Sender<Arc<DevHost>>,
    command: HandlerCommand,
    values: BTreeMap<String, String>,
    replacer: Replacer,
) -> Result<(), String> {
    let root = current.borrow().layout.script_root.clone();
    let bin = current.borrow().layout.host.handler.executable.clone();
    let checkout = root.join("Cargo.toml").is_file();
    let templates = root.join(TEMPLATES_DIR).is_dir();
    let (events, received) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = events.send(event);
    })
    .map_err(|e| format!("--watch: cannot watch files: {e}"))?;
    let mut watched = Vec::new();
    let mut watch = |path: PathBuf, mode| {
        watcher.watch(&path, mode).map_err(|e| format!("--watch: cannot watch {}: {e}", path.display()))?;
        watched.push(path);
        Ok::<_, String>(())
    };
    if templates {
        // The root itself only for host.json and Cargo.toml: below it are target/ and the keys.
        watch(root.clone(), RecursiveMode::NonRecursive)?;
        watch(root.join(TEMPLATES_DIR), RecursiveMode::Recursive)?;
    } else {
        // A packaged app: its function folders sit in the root.
        watch(root.clone(), RecursiveMode::Recursive)?;
    }
    if checkout && root.join("src").is_dir() {
        watch(root.join("src"), RecursiveMode::Recursive)?;
    }
    let build = Build::choose(&root, &bin, checkout);
    let shown: Vec<String> = watched.iter().map(|p| p.display().to_string()).collect();
    match &build {
        Some(build) => println!("Watching {} for changes; rebuilding with: {}", shown.join(", "), build.shown),
        None => println!(
            "Watching {} for changes; not a source checkout (no Cargo.toml), so the handler is restarted, not rebuilt",
            shown.join(", ")
        ),
    }
    let state = WatchState { root, bin, checkout, templates, build, command, values, current, replacer };
    tokio::spawn(async move {
        // The watcher stops when dropped: it lives as long as the loop.
        let _watcher = watcher;
        state.run(received).await;
    });
    Ok(())
}

struct WatchState {
    root: PathBuf,
    bin: String,
    checkout: bool,
    templates: bool,
    build: Option<Build>,
    /// The handler's command as the latest host.json says.
    command: HandlerCommand,
    values: BTreeMap<String, String>,
    current: watch::Sender<Arc<DevHost>>,
    replacer: Replacer,
}

/// The relevant paths of one burst, and whether the route table has to be read again.
#[derive(Default)]
struct Changes {
    paths: Vec<PathBuf>,
    layout: bool,
}

impl WatchState {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<notify::Result<Event>>) {
        loop {
            let mut changes = Changes::default();
            while changes.paths.is_empty() {
                let Some(event) = events.recv().await else { return };
                self.add(&mut changes, event);
            }
            loop {
                match tokio::time::timeout(QUIET, events.recv()).await {
                    Ok(Some(event)) => self.add(&mut changes, event),
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            self.apply(changes).await;
        }
    }

    fn add(&self, changes: &mut Changes, event: notify::Result<Event>) {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                eprintln!("--watch: {e}");
                return;
            }
        };
        let modifies = match event.kind {
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
            // Reads (ours included: reloading reads every function.json) are not changes.
            EventKind::Access(kind) => kind == AccessKind::Close(AccessMode::Write),
            EventKind::Any | EventKind::Other => false,
        };
        if !modifies {
            return;
        }
        for path in event.paths {
            if let Some(layout) = relevance(&self.root, &path, self.checkout, self.templates) {
                changes.layout |= layout;
                if !changes.paths.contains(&path) {
                    changes.paths.push(path);
                }
            }
        }
    }

    async fn apply(&mut self, changes: Changes) {
        let shown: Vec<String> = changes
            .paths
            .iter()
            .take(3)
            .map(|p| p.strip_prefix(&self.root).unwrap_or(p).display().to_string())
            .collect();
        let more = changes.paths.len().saturating_sub(shown.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        println!("\nChanged: {}{more}", shown.join(", "));
        if changes.layout
            && let Err(why) = self.reload().await
        {
            eprintln!("Routes not reloaded ({why}); the previous ones stay.");
        }
        if let Some(build) = &self.build {
            println!("Building the handler: {}", build.shown);
            let started = Instant::now();
            match build.run().await {
                Ok(()) => println!("Built in {} ms", started.elapsed().as_millis()),
                Err(error) => {
                    eprintln!("The build failed; the running handler keeps serving.\n{}", error.trim_end());
                    return;
                }
            }
        }
        // The supervisor says how it went (and why, when the new handler does not start).
        let _ = self.replacer.replace(Some(self.command.clone())).await;
    }

    /// Reads host.json and the function.json files again and swaps in a host with the new routes;
    /// keys are created for new functions, as at start.
    async fn reload(&mut self) -> Result<(), String> {
        let layout = AppLayout::load(&self.root).map_err(|e| e.to_string())?;
        let routes = RouteTable::build(&layout.host.route_prefix, &layout.functions).map_err(|e| e.to_string())?;
        let old = self.current.borrow().clone();
        old.keys
            .snapshot(layout.functions.iter().map(|f| f.name.as_str()))
            .await
            .map_err(|e| format!("the key store: {e}"))?;
        let description = &layout.host.handler;
        self.command.program = resolve_executable(description, &self.root);
        self.command.arguments = description.arguments.clone();
        self.command.working_directory = description.working_directory.clone();
        if description.executable != self.bin {
            self.bin = description.executable.clone();
            self.build = Build::choose(&self.root, &self.bin, self.checkout);
        }
        let disabled = layout
            .functions
            .iter()
            .filter(|f| self.values.get(&format!("AzureWebJobs.{}.Disabled", f.name)).is_some_and(|v| is_true(v)))
            .map(|f| f.name.clone())
            .collect();
        let prefix = layout.host.route_prefix.clone();
        let lines: Vec<String> = layout
            .functions
            .iter()
            .map(|function| {
                let route =
                    if prefix.is_empty() { function.route.clone() } else { format!("{prefix}/{}", function.route) };
                let methods = function.methods.as_ref().map_or_else(|| "ALL".to_owned(), |m| m.join(","));
                format!("        {}: [{methods}] http://127.0.0.1:{}/{route}", function.name, old.port)
            })
            .collect();
        let host = DevHost { layout, routes, disabled, ..(*old).clone() };
        self.current.send_replace(Arc::new(host));
        // Printed once in force, so whoever reads it can use the new routes.
        println!("Routes reloaded:\n{}", lines.join("\n"));
        Ok(())
    }
}

/// `Some(true)` for a change to the routes (host.json, a function folder), `Some(false)` for one
/// to the handler's sources, `None` for anything else (keys, build output, editor swap files).
fn relevance(root: &Path, path: &Path, checkout: bool, templates: bool) -> Option<bool> {
    let relative = path.strip_prefix(root).ok()?;
    let name = relative.file_name()?.to_str()?;
    let scratch = name.ends_with('~')
        || name.starts_with(".#")
        || [".swp", ".swx", ".tmp"].iter().any(|s| name.ends_with(s))
        || name == "4913";
    if scratch {
        return None;
    }
    let parts: Vec<&str> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        ["host.json"] => Some(true),
        ["Cargo.toml"] if checkout => Some(false),
        ["src", ..] if checkout => Some(false),
        [TEMPLATES_DIR, ..] if templates => Some(true),
        // A packaged app: `<function>/function.json` in the root.
        [folder, "function.json"] if !templates && !folder.starts_with('.') => Some(true),
        _ => None,
    }
}

fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true") || value.trim() == "1"
}

/// How the handler is rebuilt.
struct Build {
    program: String,
    args: Vec<String>,
    dir: PathBuf,
    /// The command as the user would type it.
    shown: String,
}

impl Build {
    /// [`BUILD_COMMAND_VAR`] when set, else `cargo build --bin <bin>` with the profile this
    /// `vaultfn` was built with (so the handler beside it is the one rebuilt) from a checkout,
    /// else nothing to build.
    fn choose(root: &Path, bin: &str, checkout: bool) -> Option<Self> {
        if let Some(command) = std::env::var(BUILD_COMMAND_VAR).ok().filter(|c| !c.trim().is_empty()) {
            return Some(Self {
                program: "sh".to_owned(),
                args: vec!["-c".to_owned(), command.clone()],
                dir: root.to_path_buf(),
                shown: command,
            });
        }
        if !checkout {
            return None;
        }
        let bin = Path::new(bin).file_name()?.to_str()?.to_owned();
        let mut args = vec!["build".to_owned(), "--bin".to_owned(), bin];
        args.extend(profile_args());
        let shown = format!("cargo {}", args.join(" "));
        if std::io::stderr().is_terminal() {
            args.push("--color=always".to_owned());
        }
        let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        Some(Self { program, args, dir: root.to_path_buf(), shown })
    }

    /// `Err` with what the build printed (the compiler's errors are on stderr).
    async fn run(&self) -> Result<(), String> {
        let output = tokio::process::Command::new(&self.program)
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| format!("cannot run {}: {e}", self.shown))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let printed = if stderr.trim().is_empty() { String::from_utf8_lossy(&output.stdout) } else { stderr };
        Err(format!("{printed}\n{} ({})", self.shown, output.status))
    }
}

/// The cargo profile whose output folder holds the running `vaultfn` (and so the handler beside
/// it): `debug` is the dev profile, any other folder of a target directory its own profile.
fn profile_args() -> Vec<String> {
    let exe_dir = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf));
    let name = exe_dir.as_ref().and_then(|d| d.file_name()).and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    // Cargo marks every target directory with this file.
    let in_target = exe_dir.as_ref().and_then(|d| d.parent()).is_some_and(|t| t.join("CACHEDIR.TAG").is_file());
    match name.as_str() {
        "debug" if in_target => Vec::new(),
        "release" => vec!["--release".to_owned()],
        other if in_target && !other.is_empty() => vec!["--profile".to_owned(), other.to_owned()],
        _ if cfg!(debug_assertions) => Vec::new(),
        _ => vec!["--release".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_files_count() {
        let root = Path::new("/app");
        let rel = |p: &str, checkout, templates| relevance(root, &root.join(p), checkout, templates);
        assert_eq!(rel("host.json", false, true), Some(true));
        assert_eq!(rel("function-templates/health/function.json", false, true), Some(true));
        assert_eq!(rel("src/vault/cache.rs", true, true), Some(false));
        assert_eq!(rel("Cargo.toml", true, true), Some(false));
        assert_eq!(rel("src/main.rs", false, true), None, "not a checkout: src/ is not the handler's");
        for ignored in [
            ".vaultfn/secrets/host.json",
            "target/debug/handler",
            "Cargo.lock",
            "local.settings.json",
            "function-templates/health/.function.json.swp",
            "function-templates/health/function.json~",
            "function-templates/health/4913",
        ] {
            assert_eq!(rel(ignored, true, true), None, "{ignored}");
        }
        assert_eq!(rel("health/function.json", false, false), Some(true), "a packaged app");
        assert_eq!(rel(".vaultfn/function.json", false, false), None);
        assert_eq!(relevance(root, Path::new("/elsewhere/host.json"), true, true), None);
    }
}
