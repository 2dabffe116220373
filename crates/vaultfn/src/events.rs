//! `vaultfn events send`: posts a realistic Key Vault event to a running `vaultfn start` through
//! its Event Grid webhook, as Event Grid delivers one (Event Grid schema, or CloudEvents 1.0 with
//! `--cloud-events`), so that an event function can be tried without a vault, a system topic or a
//! subscription. Prints the webhook's answer.
//!
//! The webhook's key (`eventgrid_extension`) is read from the local key store, which belongs to
//! the host on this machine only: the URL must be a loopback address.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use url::{Host, Url};
use vaultfn_handler::reference;

use crate::devhost::eventgrid::{EVENT_TYPE_HEADER, SYSTEM_KEY};
use crate::devhost::local_settings::{LocalSettings, SETTINGS_FILE};
use crate::devhost::new_guid;
use crate::devhost::start::secrets_dir;
use crate::keys::store::settings as storage;
use crate::keys::{FileStore, KEY_HEADER, StorageKind};

/// Stands in for the subscription and resource group in the vault's resource id: the function
/// reads the vault's name, never these.
const LOCAL_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const LOCAL_RESOURCE_GROUP: &str = "vaultfn-local";
/// Key Vault raises `SecretNearExpiry` this long before `exp`.
const NEAR_EXPIRY_DAYS: i64 = 30;

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    pub action: EventsAction,
}

#[derive(Debug, Subcommand)]
pub enum EventsAction {
    /// Post one Key Vault secret event to the local host's Event Grid webhook.
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Which event: a new version of the secret, its expiry 30 days ahead, or its expiry now.
    pub kind: EventKind,
    /// The secret the event is about.
    #[arg(long)]
    pub secret: String,
    /// The vault [default: KEY_VAULT_URL's first DNS label (environment, then local settings), else the one
    /// vault the settings' Key Vault references name].
    #[arg(long)]
    pub vault: Option<String>,
    /// The version the event names (32 hex characters) [default: a new random one].
    #[arg(long)]
    pub version: Option<String>,
    /// The base URL of the running `vaultfn start` (a loopback address).
    #[arg(long, default_value = "http://127.0.0.1:7071")]
    pub url: String,
    /// The eventGridTrigger function to deliver to.
    #[arg(long, default_value = "secret-events")]
    pub function: String,
    /// Send a CloudEvent 1.0 (application/cloudevents+json) instead of the Event Grid schema.
    #[arg(long)]
    pub cloud_events: bool,
    /// Script root whose local settings and key store are read.
    #[arg(long, default_value = ".")]
    pub script_root: PathBuf,
    /// The local settings file, relative to the script root.
    #[arg(long, default_value = SETTINGS_FILE)]
    pub settings: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventKind {
    NewVersion,
    NearExpiry,
    Expired,
}

impl EventKind {
    pub fn event_type(self) -> &'static str {
        match self {
            EventKind::NewVersion => "Microsoft.KeyVault.SecretNewVersionCreated",
            EventKind::NearExpiry => "Microsoft.KeyVault.SecretNearExpiry",
            EventKind::Expired => "Microsoft.KeyVault.SecretExpired",
        }
    }
}

/// What one event names.
#[derive(Debug, Clone)]
pub struct SecretEvent {
    pub kind: EventKind,
    pub vault: String,
    /// The vault host's DNS suffix (`vault.azure.net` in the public cloud).
    pub dns_suffix: String,
    pub secret: String,
    pub version: String,
    pub now: OffsetDateTime,
}

impl SecretEvent {
    fn data(&self) -> Value {
        let expires = match self.kind {
            EventKind::NewVersion => None,
            EventKind::NearExpiry => Some((self.now + Duration::days(NEAR_EXPIRY_DAYS)).unix_timestamp()),
            EventKind::Expired => Some(self.now.unix_timestamp()),
        };
        json!({
            "Id": format!("https://{}.{}/secrets/{}/{}", self.vault, self.dns_suffix, self.secret, self.version),
            "VaultName": self.vault,
            "ObjectType": "Secret",
            "ObjectName": self.secret,
            "Version": self.version,
            "NBF": null,
            "EXP": expires,
        })
    }

    fn topic(&self) -> String {
        format!(
            "/subscriptions/{LOCAL_SUBSCRIPTION}/resourceGroups/{LOCAL_RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/{}",
            self.vault
        )
    }

    /// The body Event Grid posts in its own schema: an array of events.
    pub fn event_grid(&self) -> Value {
        json!([{
            "id": new_guid(),
            "topic": self.topic(),
            "subject": self.secret,
            "eventType": self.kind.event_type(),
            "eventTime": self.now.format(&Rfc3339).unwrap_or_default(),
            "data": self.data(),
            "dataVersion": "1",
            "metadataVersion": "1",
        }])
    }

    /// The body Event Grid posts in the CloudEvents 1.0 schema (structured mode): one event.
    pub fn cloud_event(&self) -> Value {
        json!({
            "specversion": "1.0",
            "type": self.kind.event_type(),
            "source": self.topic(),
            "subject": self.secret,
            "id": new_guid(),
            "time": self.now.format(&Rfc3339).unwrap_or_default(),
            "datacontenttype": "application/json",
            "data": self.data(),
        })
    }
}

pub async fn run(args: EventsArgs) -> ExitCode {
    let EventsAction::Send(args) = args.action;
    match send(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("vaultfn events send: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sends the event; `Ok(false)` when the webhook answered, but not with a 2xx.
async fn send(args: SendArgs) -> Result<bool, String> {
    let base = local_url(&args.url)?;
    let values = LocalSettings::load(&args.script_root, &args.settings).map(|s| s.values).unwrap_or_default();
    let (vault, dns_suffix) = vault(args.vault.as_deref(), &values)?;
    if !valid_name(&args.secret, 1, 127) {
        return Err(format!("--secret {:?}: a secret name is 1 to 127 letters, digits and '-'", args.secret));
    }
    let version = match args.version {
        Some(v) if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) => v,
        Some(v) => return Err(format!("--version {v:?}: a version is 32 hexadecimal characters")),
        None => new_guid().replace('-', ""),
    };
    let key = webhook_key(&args.script_root, &values)?;
    let event = SecretEvent {
        kind: args.kind,
        vault,
        dns_suffix,
        secret: args.secret,
        version,
        now: OffsetDateTime::now_utc(),
    };
    let (body, content_type, schema) = if args.cloud_events {
        (event.cloud_event(), "application/cloudevents+json; charset=utf-8", "CloudEvents 1.0")
    } else {
        (event.event_grid(), "application/json", "Event Grid schema")
    };
    let mut url = base.join("runtime/webhooks/eventgrid").map_err(|e| format!("--url: {e}"))?;
    url.query_pairs_mut().append_pair("functionName", &args.function);
    let client =
        vaultfn_handler::http_client::builder().build().map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    let response = client
        .post(url)
        .header(KEY_HEADER, key.expose_secret())
        .header(EVENT_TYPE_HEADER, "Notification")
        .header("aeg-subscription-name", "VAULTFN-EVENTS-SEND")
        .header("aeg-delivery-count", "0")
        .header("aeg-data-version", "1")
        .header("aeg-metadata-version", "1")
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("cannot reach {base} ({}); is `vaultfn start` running?", e.without_url()))?;
    println!(
        "Sent {} ({schema}) for secret {} version {} of vault {} to {}",
        event.kind.event_type(),
        event.secret,
        event.version,
        event.vault,
        args.function
    );
    let status = response.status();
    let answer = response.text().await.unwrap_or_default();
    println!("{status}");
    if !answer.trim().is_empty() {
        println!("{}", answer.trim());
    }
    Ok(status.is_success())
}

/// `--url` as given, if it is on this machine: the key comes from this machine's store.
fn local_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("--url {raw:?} is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => Ipv4Addr::is_loopback(&ip),
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => false,
    };
    if !matches!(url.scheme(), "http" | "https") || !loopback {
        return Err(format!(
            "--url {raw:?}: events go to a `vaultfn start` on this machine (http://127.0.0.1:<port>), whose key \
             store holds the webhook's key"
        ));
    }
    Ok(url)
}

/// `--vault`, else the first DNS label of `KEY_VAULT_URL` (environment first, as the handler reads
/// it, then the local settings), else the one vault the local settings' Key Vault references name
/// (the dev vault stands in for it); with the vault host's DNS suffix.
fn vault(given: Option<&str>, values: &BTreeMap<String, String>) -> Result<(String, String), String> {
    let configured = std::env::var("KEY_VAULT_URL").ok().filter(|v| !v.trim().is_empty());
    let configured = configured.or_else(|| values.get("KEY_VAULT_URL").filter(|v| !v.trim().is_empty()).cloned());
    let from_url = |raw: &str| {
        let url = Url::parse(raw.trim()).ok()?;
        let (label, suffix) = url.host_str()?.split_once('.')?;
        Some((label.to_owned(), suffix.to_owned()))
    };
    let referenced: BTreeSet<(String, String)> = values
        .values()
        .filter_map(|value| reference::parse(value).ok())
        .filter_map(|r| from_url(&r.vault_url).map(|(vault, suffix)| (vault.to_ascii_lowercase(), suffix)))
        .collect();
    let from_url = match configured.as_deref() {
        Some(raw) => from_url(raw),
        None if referenced.len() == 1 => referenced.into_iter().next(),
        None => None,
    };
    let (vault, suffix) = match (given, from_url) {
        (Some(vault), from_url) => {
            (vault.to_owned(), from_url.map_or_else(|| "vault.azure.net".to_owned(), |(_, suffix)| suffix))
        }
        (None, Some(found)) => found,
        (None, None) => {
            return Err("name the vault with --vault: KEY_VAULT_URL is set neither in the environment nor in the \
                        local settings, whose Key Vault references do not name one vault"
                .to_owned());
        }
    };
    let starts_with_letter = vault.starts_with(|c: char| c.is_ascii_alphabetic());
    if !starts_with_letter || !valid_name(&vault, 3, 24) {
        return Err(format!(
            "vault {vault:?}: a vault name is 3 to 24 letters, digits and '-', starting with a letter"
        ));
    }
    Ok((vault, suffix))
}

fn valid_name(name: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The webhook's system key from the local `files` key store, where `vaultfn start` created it;
/// for the other stores, which this command does not read, the master key from
/// `VAULTFN_MASTER_KEY` (the webhook takes it too).
fn webhook_key(script_root: &Path, values: &BTreeMap<String, String>) -> Result<SecretString, String> {
    let from_env = std::env::var("VAULTFN_MASTER_KEY").ok().filter(|k| !k.is_empty()).map(SecretString::from);
    match storage::kind(values) {
        Ok(StorageKind::Files) => {}
        Ok(kind) => {
            return from_env.ok_or_else(|| {
                format!(
                    "the local host keeps its keys in the {kind} store, which this command does not read: set \
                     VAULTFN_MASTER_KEY to the master key"
                )
            });
        }
        Err(e) => return Err(format!("the key store settings: {e}")),
    }
    let dir = secrets_dir(script_root, Some(values));
    match FileStore::read_system_key(&dir, SYSTEM_KEY) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => from_env.ok_or_else(|| {
            format!(
                "no system key {SYSTEM_KEY} in {}: `vaultfn start` creates it in this script root when the app has \
                 an eventGridTrigger function",
                dir.display()
            )
        }),
        Err(e) => Err(format!("cannot read the local key store: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn event(kind: EventKind) -> SecretEvent {
        SecretEvent {
            kind,
            vault: "vaultfn-dev".into(),
            dns_suffix: "vault.azure.net".into(),
            secret: "database-password".into(),
            version: "0123456789abcdef0123456789abcdef".into(),
            now: datetime!(2025-01-01 00:00:00 UTC),
        }
    }

    #[test]
    fn event_grid_events_look_like_key_vaults() {
        let body = event(EventKind::NearExpiry).event_grid();
        let e = &body[0];
        assert_eq!(e["eventType"], "Microsoft.KeyVault.SecretNearExpiry");
        assert_eq!(e["subject"], "database-password");
        assert!(e["topic"].as_str().unwrap().ends_with("/providers/Microsoft.KeyVault/vaults/vaultfn-dev"));
        assert_eq!(
            e["data"]["Id"],
            "https://vaultfn-dev.vault.azure.net/secrets/database-password/0123456789abcdef0123456789abcdef"
        );
        assert_eq!(e["data"]["EXP"], datetime!(2025-01-31 00:00:00 UTC).unix_timestamp());
        assert_eq!(e["dataVersion"], "1");
        assert_eq!(event(EventKind::NewVersion).event_grid()[0]["data"]["EXP"], Value::Null);
    }

    #[test]
    fn cloud_events_carry_the_same_data() {
        let e = event(EventKind::Expired).cloud_event();
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(e["type"], "Microsoft.KeyVault.SecretExpired");
        assert_eq!(e["data"]["ObjectName"], "database-password");
        assert_eq!(e["data"]["EXP"], datetime!(2025-01-01 00:00:00 UTC).unix_timestamp());
    }

    #[test]
    fn only_a_local_host_is_sent_the_key() {
        assert!(local_url("http://127.0.0.1:7071").is_ok());
        assert!(local_url("http://localhost:7071/").is_ok());
        assert!(local_url("https://app.azurewebsites.net").unwrap_err().contains("this machine"));
        assert!(local_url("ftp://127.0.0.1").is_err());
    }

    #[test]
    fn the_vault_is_given_or_taken_from_key_vault_url() {
        let values =
            BTreeMap::from([("KEY_VAULT_URL".to_owned(), "https://contoso.vault.usgovcloudapi.net/".to_owned())]);
        // The environment wins over the settings; tests run without KEY_VAULT_URL set.
        if std::env::var("KEY_VAULT_URL").is_err() {
            assert_eq!(vault(None, &values).unwrap(), ("contoso".into(), "vault.usgovcloudapi.net".into()));
            assert!(vault(None, &BTreeMap::new()).unwrap_err().contains("--vault"));
            let reference = |vault: &str| format!("@Microsoft.KeyVault(VaultName={vault};SecretName=s)");
            let one = BTreeMap::from([
                ("A".to_owned(), reference("vaultfn-dev")),
                ("B".to_owned(), reference("VAULTFN-DEV")),
            ]);
            assert_eq!(vault(None, &one).unwrap(), ("vaultfn-dev".into(), "vault.azure.net".into()));
            let two = BTreeMap::from([("A".to_owned(), reference("one")), ("B".to_owned(), reference("two"))]);
            assert!(vault(None, &two).unwrap_err().contains("--vault"));
            assert_eq!(vault(Some("other"), &BTreeMap::new()).unwrap().1, "vault.azure.net");
            assert_eq!(vault(Some("mine"), &values).unwrap(), ("mine".into(), "vault.usgovcloudapi.net".into()));
        }
        assert!(vault(Some("1bad"), &values).is_err());
    }
}
