//! `vaultfn keys`: a client of the host's admin key API, for `vaultfn start` (master key read
//! from the local key store) or a deployed app (`--url`, `--master-key`/`VAULTFN_MASTER_KEY`);
//! with `--app` the same verbs go over Resource Manager instead (`keys::arm`).
//! Prints keys because showing them is what the user asked for, except a value the user set;
//! errors never carry one.
//!
//! The master key opens every key of the app, so it goes only where `--url` names: never to a
//! redirect's target, never in clear text off this machine, and a key store of this machine is
//! never offered to another one.

use std::net::{Ipv4Addr, Ipv6Addr};

use std::process::ExitCode;

use clap::Args;
use reqwest::StatusCode;
use reqwest::header::{HeaderValue, LOCATION};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;
use url::{Host, Url};

use crate::azure::AppTarget;
use crate::devhost::local_settings::{LocalSettings, SETTINGS_FILE};
use crate::devhost::start::secrets_dir;
use crate::keys::store::settings::{self as storage, STORAGE_CONNECTION, STORAGE_TYPE};
use crate::keys::{FileStore, KEY_HEADER, StorageKind};

pub use super::args::{Action, HostScope, KeyTarget};
use super::args::{encode, print_table, read_value};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub target: KeyTarget,
}

pub async fn run(args: KeysArgs) -> ExitCode {
    match execute(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vaultfn keys: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(args: KeysArgs) -> Result<(), String> {
    let t = &args.target;
    if let (Some(app), Some(resource_group)) = (&t.app, &t.resource_group) {
        let target = AppTarget {
            app: app.clone(),
            resource_group: resource_group.clone(),
            subscription: t.subscription.clone(),
            slot: t.slot.clone(),
        };
        return super::arm::execute(&args.action, t, target).await;
    }
    // Checked before anything is read or sent: a refused URL costs nothing.
    let app = AppUrl::parse(&t.url)?;
    let master = master_key(t, &app)?;
    let base = match (&t.function, t.host_scope) {
        (Some(function), _) => format!("admin/functions/{}/keys", encode(function)),
        (None, Some(HostScope::Systemkeys)) => "admin/host/systemkeys".to_owned(),
        (None, _) => "admin/host/functionkeys".to_owned(),
    };
    let url = |name: Option<&str>| {
        let root = app.url.as_str().trim_end_matches('/');
        match name {
            Some(name) => format!("{root}/{base}/{}", encode(name)),
            None => format!("{root}/{base}"),
        }
    };
    // The process's client builder follows no redirect; a 3xx is answered below as an error.
    let client =
        vaultfn_handler::http_client::builder().build().map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    let mut set_value = None;
    let request = match &args.action {
        Action::List => client.get(url(None)),
        Action::Show { name } => client.get(url(Some(name))),
        Action::New { name } => client.post(url(Some(name))),
        Action::Set { name, value } => {
            let value = match value {
                Some(v) => SecretString::from(v.clone()),
                None => read_value(name)?,
            };
            let request =
                client.put(url(Some(name))).json(&serde_json::json!({"name": name, "value": value.expose_secret()}));
            set_value = Some(value);
            request
        }
        Action::Delete { name } => client.delete(url(Some(name))),
    };
    let response = request
        .header(KEY_HEADER, master.expose_secret())
        .send()
        .await
        .map_err(|e| format!("cannot reach {} ({})", app.url, e.without_url()))?;
    let status = response.status();
    if status.is_redirection() {
        return Err(redirect_error(status, response.headers().get(LOCATION), response.url()));
    }
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(match status.as_u16() {
            401 => "401 Unauthorized: the master key was refused".to_owned(),
            404 => format!("404 Not Found: no such {}", if t.function.is_some() { "function or key" } else { "key" }),
            _ => {
                let detail = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|p| p.get("detail").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default();
                // The answer is the server's to word: it must not put a key into our error.
                let secrets = [Some(&master), set_value.as_ref()];
                let detail = redact(&detail, secrets.into_iter().flatten());
                format!("{status} {detail}").trim().to_owned()
            }
        });
    }
    if let Action::Delete { name } = &args.action {
        if !t.json {
            println!("deleted {name}");
        }
        return Ok(());
    }
    let mut json: Value = serde_json::from_str(&body).map_err(|_| format!("{status}: the answer is not JSON"))?;
    if let Action::Set { name, .. } = &args.action {
        // The user typed the value and did not ask to see it: a terminal's scrollback, a CI log
        // or a shared screen should not get it.
        if t.json {
            if let Some(answer) = json.as_object_mut() {
                answer.remove("value");
            }
            println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        } else if status == StatusCode::CREATED {
            println!("created {name}");
        } else {
            println!("updated {name}");
        }
        return Ok(());
    }
    if t.json {
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return Ok(());
    }
    let rows: Vec<(String, String)> = match json.get("keys").and_then(Value::as_array) {
        Some(keys) => keys.iter().map(row).collect(),
        None => vec![row(&json)],
    };
    print_table(&rows);
    if status.as_u16() == 201 {
        println!("(created)");
    }
    Ok(())
}

/// A `--url` the master key may be sent to.
#[derive(Debug)]
struct AppUrl {
    url: Url,
    /// The app runs on this machine, so its key store may be this machine's.
    loopback: bool,
}

impl AppUrl {
    fn parse(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("--url {raw:?} is not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("--url {raw:?}: the scheme must be https (or http for a loopback address)"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("--url {raw:?}: give the app's base URL, without a query or fragment"));
        }
        let host = url.host().ok_or_else(|| format!("--url {raw:?} names no host"))?;
        let loopback = is_loopback(&host);
        if url.scheme() == "http" && !loopback {
            return Err(format!(
                "refusing to send the master key over plain http to {host}: use https \
                 (http is accepted only for loopback addresses: 127.0.0.0/8, ::1, localhost)"
            ));
        }
        Ok(Self { url, loopback })
    }
}

/// Loopback as the address itself says, not as a resolver might answer (`localhost` excepted,
/// which names loopback by definition).
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => Ipv4Addr::is_loopback(ip),
        Host::Ipv6(ip) => *ip == Ipv6Addr::LOCALHOST,
    }
}

/// `--master-key`/`VAULTFN_MASTER_KEY`, else, for an app on this machine only, the master key of
/// the local key store, which is read and never created (creating one would only make up a key
/// no host knows). Only the `files` store is read here: the blob and Key Vault stores are reached
/// with the developer's own access, which this command has no business borrowing for a key the
/// user can pass.
fn master_key(t: &KeyTarget, app: &AppUrl) -> Result<SecretString, String> {
    let from_env = || std::env::var("VAULTFN_MASTER_KEY").ok();
    if let Some(key) = t.master_key.clone().or_else(from_env).filter(|k| !k.is_empty()) {
        return Ok(SecretString::from(key));
    }
    if !app.loopback {
        return Err(format!(
            "{} is not on this machine: pass its master key with --master-key or VAULTFN_MASTER_KEY \
             (the local key store holds the keys of `vaultfn start` only)",
            app.url
        ));
    }
    // The settings `vaultfn start` reads by default, for where it keeps the keys.
    let values = LocalSettings::load(&t.script_root, std::path::Path::new(SETTINGS_FILE))
        .map(|settings| settings.values)
        .unwrap_or_default();
    match storage::kind(&values) {
        Ok(StorageKind::Files) => {}
        Ok(kind) => {
            let at = match kind {
                StorageKind::KeyVault => "the secret host--masterKey--master of that vault",
                _ => "masterKey in {hostId}/host.json of the container azure-webjobs-secrets",
            };
            return Err(format!(
                "the local host keeps its keys in the {kind} store ({STORAGE_TYPE}/{STORAGE_CONNECTION} in \
                 {SETTINGS_FILE}), which this command does not read: pass the master key with --master-key or \
                 VAULTFN_MASTER_KEY (it is {at})"
            ));
        }
        Err(e) => return Err(format!("{e}; pass the master key with --master-key")),
    }
    let dir = secrets_dir(&t.script_root, Some(&values));
    match FileStore::read_master(&dir) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(format!(
            "no master key in {}: run `vaultfn start` in this script root first (it creates the keys), \
             or pass --master-key",
            dir.display()
        )),
        Err(e) => Err(format!("cannot read the master key from the local key store: {e}; pass --master-key")),
    }
}

/// Names where a redirect points, by origin only: the rest of a Location is the server's and
/// may be long or hostile.
fn redirect_error(status: StatusCode, location: Option<&HeaderValue>, from: &Url) -> String {
    let target = location.and_then(|l| l.to_str().ok()).and_then(|l| from.join(l).ok());
    match target {
        Some(target) => format!(
            "{status}: {} redirects to {}; not followed, as the master key would go along. \
             If that is the app, pass it as --url",
            from.origin().ascii_serialization(),
            target.origin().ascii_serialization()
        ),
        None => format!(
            "{status}: {} answered a redirect without a usable Location; not followed",
            from.origin().ascii_serialization()
        ),
    }
}

fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a SecretString>) -> String {
    secrets
        .into_iter()
        .map(|s| s.expose_secret())
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |text, secret| text.replace(secret, "[redacted]"))
}

fn row(key: &Value) -> (String, String) {
    let field = |f: &str| key.get(f).and_then(Value::as_str).unwrap_or("").to_owned();
    (field("name"), field("value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        AppUrl::parse(url).expect_err(url)
    }

    #[test]
    fn plain_http_is_for_loopback_only() {
        for url in ["http://127.0.0.1:7071", "http://127.8.9.10", "http://[::1]:7071/", "http://LOCALHOST:7071"] {
            assert!(AppUrl::parse(url).unwrap().loopback, "{url}");
        }
        for url in
            ["http://example.invalid", "http://10.255.255.1:1", "http://[::ffff:10.0.0.1]", "http://localhost.evil"]
        {
            assert!(refused(url).contains("use https"), "{url}");
        }
        let remote = AppUrl::parse("https://app.azurewebsites.net").unwrap();
        assert!(!remote.loopback);
        assert!(AppUrl::parse("https://127.0.0.1:7071").unwrap().loopback);
    }

    #[test]
    fn other_schemes_queries_and_fragments_are_refused() {
        assert!(refused("ftp://127.0.0.1").contains("scheme"));
        assert!(refused("file:///tmp/x").contains("scheme"));
        assert!(refused("127.0.0.1:7071").contains("not a URL"));
        assert!(refused("https://app.example/?code=x").contains("query"));
        assert!(refused("https://app.example/#x").contains("fragment"));
    }

    #[test]
    fn a_remote_url_needs_an_explicit_master_key() {
        let dir = tempfile::tempdir().unwrap();
        let target = KeyTarget {
            function: None,
            host_scope: None,
            url: "https://app.example".to_owned(),
            master_key: None,
            script_root: dir.path().to_owned(),
            json: false,
            app: None,
            resource_group: None,
            subscription: None,
            slot: None,
        };
        let app = AppUrl::parse(&target.url).unwrap();
        let error = master_key(&target, &app).unwrap_err();
        assert!(error.contains("--master-key") && error.contains("VAULTFN_MASTER_KEY"), "{error}");
        // The loopback path reads the store and creates none.
        let local = AppUrl::parse("http://127.0.0.1:7071").unwrap();
        assert!(master_key(&target, &local).unwrap_err().contains("no master key"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_redirect_error_names_origins_only() {
        let from = Url::parse("http://127.0.0.1:7071/admin/host/functionkeys").unwrap();
        let location = HeaderValue::from_static("https://elsewhere.example:8443/steal?code=abc");
        let message = redirect_error(StatusCode::TEMPORARY_REDIRECT, Some(&location), &from);
        assert!(message.contains("https://elsewhere.example:8443"), "{message}");
        assert!(message.contains("not followed"), "{message}");
        assert!(!message.contains("steal") && !message.contains("abc"), "{message}");
        let relative = HeaderValue::from_static("/other");
        assert!(redirect_error(StatusCode::FOUND, Some(&relative), &from).contains("to http://127.0.0.1:7071"));
        assert!(redirect_error(StatusCode::FOUND, None, &from).contains("without a usable Location"));
    }

    #[test]
    fn redact_removes_every_secret() {
        let a = SecretString::from("first-secret");
        let b = SecretString::from("second");
        let empty = SecretString::from("");
        assert_eq!(redact("x first-secret y second", [&a, &b, &empty]), "x [redacted] y [redacted]");
    }
}
