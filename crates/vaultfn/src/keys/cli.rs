//! `vaultfn keys`: a client of the host's admin key API, for `vaultfn start` (master key read
//! from the local key store) or a deployed app (`--url`, `--master-key`/`VAULTFN_MASTER_KEY`).
//! Prints keys because showing them is what the user asked for; errors never carry one.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;

use crate::devhost::start::secrets_dir;
use crate::keys::{KEY_HEADER, KeyStore};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct Target {
    /// Keys of this function (default: the host's keys in --host-scope).
    #[arg(long, global = true, conflicts_with = "host_scope")]
    pub function: Option<String>,
    /// Which host keys: functionkeys (valid for every function) or systemkeys (`_master` included).
    #[arg(long, global = true, value_enum)]
    pub host_scope: Option<HostScope>,
    /// The app's base URL.
    #[arg(long, global = true, default_value = "http://127.0.0.1:7071")]
    pub url: String,
    /// The master key [default: read from the local key store].
    #[arg(long, global = true, env = "VAULTFN_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// Script root whose local key store holds the master key.
    #[arg(long, global = true, default_value = ".")]
    pub script_root: PathBuf,
    /// Print the admin API's JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HostScope {
    Functionkeys,
    Systemkeys,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the keys of a function or host scope.
    List,
    /// Show one key.
    Show { name: String },
    /// Create a key with a generated value, or give an existing key a new one.
    New { name: String },
    /// Set a key to a value (read from stdin when not given, to keep it out of shell history).
    Set { name: String, value: Option<String> },
    /// Delete a key (`_master` cannot be deleted).
    Delete { name: String },
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
    let master = match &t.master_key {
        Some(key) => SecretString::from(key.clone()),
        None => KeyStore::open(secrets_dir(&t.script_root, None))
            .and_then(|store| store.master())
            .map_err(|e| format!("cannot read the master key from the local key store: {e}; pass --master-key"))?,
    };
    let base = match (&t.function, t.host_scope) {
        (Some(function), _) => format!("admin/functions/{}/keys", encode(function)),
        (None, Some(HostScope::Systemkeys)) => "admin/host/systemkeys".to_owned(),
        (None, _) => "admin/host/functionkeys".to_owned(),
    };
    let url = |name: Option<&str>| {
        let root = t.url.trim_end_matches('/');
        match name {
            Some(name) => format!("{root}/{base}/{}", encode(name)),
            None => format!("{root}/{base}"),
        }
    };
    let client = vaultfn_handler::http_client::client();
    let request = match &args.action {
        Action::List => client.get(url(None)),
        Action::Show { name } => client.get(url(Some(name))),
        Action::New { name } => client.post(url(Some(name))),
        Action::Set { name, value } => {
            let value = match value {
                Some(v) => v.clone(),
                None => read_stdin()?,
            };
            client.put(url(Some(name))).json(&serde_json::json!({"name": name, "value": value}))
        }
        Action::Delete { name } => client.delete(url(Some(name))),
    };
    let response = request
        .header(KEY_HEADER, master.expose_secret())
        .send()
        .await
        .map_err(|e| format!("cannot reach {} ({})", t.url, e.without_url()))?;
    let status = response.status();
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
    let json: Value = serde_json::from_str(&body).map_err(|_| format!("{status}: the answer is not JSON"))?;
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

fn row(key: &Value) -> (String, String) {
    let field = |f: &str| key.get(f).and_then(Value::as_str).unwrap_or("").to_owned();
    (field("name"), field("value"))
}

fn print_table(rows: &[(String, String)]) {
    let width = rows.iter().map(|(n, _)| n.len()).chain(["NAME".len()]).max().unwrap_or(4);
    println!("{:width$}  VALUE", "NAME");
    for (name, value) in rows {
        println!("{name:width$}  {value}");
    }
}

fn read_stdin() -> Result<String, String> {
    let mut value = String::new();
    std::io::stdin().read_to_string(&mut value).map_err(|e| format!("cannot read the value from stdin: {e}"))?;
    let value = value.trim_end_matches(['\r', '\n']).to_owned();
    if value.is_empty() { Err("no value given (pass it as an argument or on stdin)".to_owned()) } else { Ok(value) }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}
