//! Putting `vaultfn start` together: layout, route table, settings and references, key store,
//! the listener, the handler, and the banner with each function's URL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;

use super::azurite::{self, Azurite};
use super::layout::AppLayout;
use super::local_settings::{LocalSettings, resolve_references};
use super::resolve;
use super::routing::RouteTable;
use super::supervisor::{HandlerCommand, HandlerState, Supervisor, resolve_executable};
use super::{DEFAULT_PORT, DevHost, forward::Forwarder};
use crate::keys::store::blob_rest::DEV_BLOB_PORT;
use crate::keys::store::settings::{BlobStorage, HOST_ID, derived_host_id};
use crate::keys::{AuthLevel, DEFAULT_KEY_NAME, KeyScope, KeyStorage, KeyStore, StorageKind, StoreIdentity};

pub use crate::keys::store::settings::{LOCAL_SECRETS_DIR, secrets_dir};

#[derive(Debug, Clone)]
pub struct StartOptions {
    pub script_root: PathBuf,
    /// `None`: `Host.LocalHttpPort` from the settings, else 7071.
    pub port: Option<u16>,
    pub no_auth: bool,
    pub settings: PathBuf,
    /// Rebuild and restart the handler, and reload the routes, when the app's files change.
    pub watch: bool,
}

/// Runs until Ctrl-C/SIGTERM (`Ok`) or a fatal error (`Err` with the message to print).
pub async fn run(options: StartOptions) -> Result<(), String> {
    let layout = AppLayout::load(&options.script_root).map_err(|e| format!("cannot read the app: {e}"))?;
    let root = layout.script_root.clone();
    let routes = RouteTable::build(&layout.host.route_prefix, &layout.functions)
        .map_err(|e| format!("refusing to start: {e}"))?;
    let mut settings =
        LocalSettings::load(&root, &options.settings).map_err(|e| format!("cannot read settings: {e}"))?;
    for notice in &settings.notices {
        println!("{notice}");
    }
    let dev_vault = resolve::dev_vault_path(&root, &settings.values);
    let reader = resolve::reader(&settings.values, dev_vault.as_deref());
    for failure in resolve_references(&mut settings.values, reader.as_ref()).await {
        eprintln!(
            "Setting {}: Key Vault reference not resolved: {}. The handler gets the raw reference, as in Azure.",
            failure.setting, failure.reason
        );
    }
    let timers = super::timer::timers(&layout, &settings.values).map_err(|e| format!("refusing to start: {e}"))?;
    let computer_name = hostname();
    let storage = KeyStorage::from_settings(&root, &settings.values, &computer_name)
        .map_err(|e| format!("refusing to start: the key store settings: {e}"))?;
    let port = options.port.or(settings.local_http_port).unwrap_or(DEFAULT_PORT);
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (choose another with --port)"))?;
    let azurite = match &storage {
        KeyStorage::Blob(blob) => start_blob_storage(&root, blob).await?,
        _ => None,
    };
    let identity = StoreIdentity { host_name: Some(format!("localhost:{port}")), ..StoreIdentity::default() };
    let keys = KeyStore::open(&storage, identity).await.map_err(|e| format!("cannot open the key store: {e}"))?;
    // Like the host, create the keys at start, so the master key exists for `vaultfn keys`.
    keys.snapshot(layout.functions.iter().map(|f| f.name.as_str()))
        .await
        .map_err(|e| format!("cannot read the key store: {e}"))?;
    super::eventgrid::ensure_system_key(&keys, &layout).await?;
    let host_id = match &storage {
        KeyStorage::Blob(blob) => blob.host_id.clone(),
        _ => derived_host_id(&computer_name),
    };

    let executable = resolve_executable(&layout.host.handler, &root);
    let names = layout.functions.iter().map(|f| &f.name).chain(layout.triggered.iter().map(|f| &f.name));
    let disabled = names
        .filter(|name| settings.values.get(&format!("AzureWebJobs.{name}.Disabled")).is_some_and(|v| is_true(v)))
        .cloned()
        .collect();
    let homepage_disabled = settings.values.get("AzureWebJobsDisableHomepage").is_some_and(|v| is_true(v));
    if let Some(path) = &dev_vault {
        settings.values.insert(resolve::DEV_VAULT_SETTING.to_owned(), path.display().to_string());
    }
    let command = HandlerCommand {
        program: executable,
        arguments: layout.host.handler.arguments.clone(),
        working_directory: layout.host.handler.working_directory.clone(),
        script_root: root.clone(),
        environment: settings.values.clone(),
    };
    let (supervisor, state) = Supervisor::new(command.clone());
    let host = Arc::new(DevHost {
        routes,
        keys: Arc::new(keys),
        no_auth: options.no_auth,
        port,
        forwarder: Forwarder::new(state.clone()),
        handler_state: state.clone(),
        disabled,
        homepage_disabled,
        host_id,
        instance_id: super::new_guid().replace('-', ""),
        computer_name,
        started: Instant::now(),
        layout,
    });

    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    // A header-read timeout (also the idle timeout) so that no local process can hold
    // connections open by trickling bytes; bodies have their own limit (`read_body`).
    let (current, app) = super::watch::swappable(host.clone());
    if options.watch {
        super::watch::start(current, command, settings.values.clone(), supervisor.replacer())?;
    }
    let server = vaultfn_handler::startup::serve(listener, app, super::HEADER_READ_TIMEOUT, async {
        let _ = server_stopped.await;
    });
    let server = tokio::spawn(server);
    tokio::spawn(announce_when_ready(host.clone(), state));
    super::timer::spawn(&host, timers);

    let result = supervisor.run(vaultfn_handler::startup::stop_signal()).await;
    let _ = stop_server.send(());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    if let Some(azurite) = azurite {
        azurite.stop().await;
    }
    result
}

/// Says where the blob store keeps the keys and, for `UseDevelopmentStorage=true` with nothing on
/// Azurite's port, starts Azurite (stopped again when the host stops).
async fn start_blob_storage(root: &Path, blob: &BlobStorage) -> Result<Option<Azurite>, String> {
    let chosen = if blob.host_id_from_setting {
        format!("from {HOST_ID}")
    } else {
        format!("from this machine's name; set {HOST_ID} to choose another")
    };
    println!("Keys in blob container azure-webjobs-secrets under host id {} ({chosen})", blob.host_id);
    if !blob.development || azurite::listening(DEV_BLOB_PORT).await {
        return Ok(None);
    }
    let Some(program) = azurite::find(root) else {
        return Err(format!(
            "AzureWebJobsStorage: UseDevelopmentStorage=true needs Azurite on 127.0.0.1:{DEV_BLOB_PORT}, where nothing \
             listens, and {} is not installed (scripts/install-tools installs it into .tools/, or npm install -g azurite)",
            azurite::PROGRAM
        ));
    };
    let azurite = Azurite::start(&program, DEV_BLOB_PORT).await.map_err(|e| format!("AzureWebJobsStorage: {e}"))?;
    println!("Started Azurite ({}) on 127.0.0.1:{DEV_BLOB_PORT}; it stops with this host", program.display());
    Ok(Some(azurite))
}

fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true") || value.trim() == "1"
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Prints the functions once the handler first answers, like Core Tools' start banner. The curl
/// line carries the function's default key: the user's own local key, shown on their terminal.
async fn announce_when_ready(host: Arc<DevHost>, mut state: tokio::sync::watch::Receiver<HandlerState>) {
    if state.wait_for(|s| matches!(s, HandlerState::Ready { .. })).await.is_err() {
        return;
    }
    let base = format!("http://127.0.0.1:{}", host.port);
    let prefix = &host.layout.host.route_prefix;
    println!("\nFunctions:\n");
    for function in &host.layout.functions {
        let route = if prefix.is_empty() { function.route.clone() } else { format!("{prefix}/{}", function.route) };
        let url = format!("{base}/{route}");
        let methods = function.methods.as_ref().map_or_else(|| "ALL".to_owned(), |m| m.join(","));
        let level = match function.auth_level {
            AuthLevel::Anonymous => "anonymous",
            AuthLevel::Function => "function",
            AuthLevel::System => "system",
            AuthLevel::Admin => "admin",
        };
        let mode = if host.layout.host.forwarding && function.http_in_and_out { "" } else { ", payload mode" };
        println!("        {}: [{methods}] {url}  (authLevel {level}{mode})", function.name);
        if host.no_auth {
            continue;
        }
        match function.auth_level {
            AuthLevel::Function => {
                if let Ok(Some(key)) = host.keys.get(KeyScope::Function(&function.name), DEFAULT_KEY_NAME).await {
                    use secrecy::ExposeSecret as _;
                    println!("            curl -H \"x-functions-key: {}\" {url}", key.value.expose_secret());
                }
            }
            AuthLevel::Admin | AuthLevel::System if host.keys.kind() == StorageKind::Files => {
                println!("            needs the master key: vaultfn keys show _master --host-scope systemkeys");
            }
            AuthLevel::Admin | AuthLevel::System => {
                println!("            needs the master key (kept in the {} key store)", host.keys.kind());
            }
            AuthLevel::Anonymous => {}
        }
    }
    super::triggers::announce(&host, &base);
    if !host.layout.skipped.is_empty() {
        println!("\nNot run locally (a trigger this host does not run): {}", host.layout.skipped.join(", "));
    }
    let auth = if host.no_auth { "keys NOT enforced (--no-auth)" } else { "keys enforced" };
    println!("\nListening on {base} ({auth}; {}). Ctrl-C stops.\n", host.keys.location());
}
