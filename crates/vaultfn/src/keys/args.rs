//! What `vaultfn keys` takes: which keys (a function's, or the host's in a scope), of which app (the
//! local host, an admin API URL, or a deployed app over Resource Manager), and the verbs; and the
//! small helpers both the admin-API and the Resource Manager modes use.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use secrecy::SecretString;

#[derive(Debug, Args)]
pub struct KeyTarget {
    /// Keys of this function (default: the host's keys in --host-scope).
    #[arg(long, global = true, conflicts_with = "host_scope")]
    pub function: Option<String>,
    /// Which host keys: functionkeys (valid for every function) or systemkeys (`_master` included).
    #[arg(long, global = true, value_enum)]
    pub host_scope: Option<HostScope>,
    /// The app's base URL: https, or http on a loopback address (`vaultfn start`).
    #[arg(long, global = true, default_value = "http://127.0.0.1:7071")]
    pub url: String,
    /// The master key [default: VAULTFN_MASTER_KEY, else, for a loopback --url, read from the
    /// local key store; required for any other].
    // VAULTFN_MASTER_KEY is read by hand rather than with clap's `env`: clap would count an
    // exported variable as the option given and refuse it next to --app.
    #[arg(long, global = true)]
    pub master_key: Option<String>,
    /// Script root whose local key store holds the master key.
    #[arg(long, global = true, default_value = ".")]
    pub script_root: PathBuf,
    /// Print the admin API's JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// A deployed function app, managed over Resource Manager with your own Azure credential
    /// (`az login`, or what `vaultfn whoami` shows) instead of the admin API and a master key.
    #[arg(long, global = true, conflicts_with_all = ["url", "master_key"], requires = "resource_group")]
    pub app: Option<String>,
    /// The app's resource group (with --app).
    #[arg(long, global = true, requires = "app")]
    pub resource_group: Option<String>,
    /// The app's subscription (with --app) [default: AZURE_SUBSCRIPTION_ID, else `az account show`].
    #[arg(long, global = true, requires = "app")]
    pub subscription: Option<String>,
    /// A deployment slot of the app instead of its production site (with --app).
    #[arg(long, global = true, requires = "app")]
    pub slot: Option<String>,
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
    /// Set a key to a value: typed without echo, or piped on stdin, when not given (which keeps
    /// it out of shell history and the process list). The value is not printed back.
    Set { name: String, value: Option<String> },
    /// Delete a key (`_master` cannot be deleted).
    Delete { name: String },
}

pub(crate) fn print_table(rows: &[(String, String)]) {
    let width = rows.iter().map(|(n, _)| n.len()).chain(["NAME".len()]).max().unwrap_or(4);
    println!("{:width$}  VALUE", "NAME");
    for (name, value) in rows {
        println!("{name:width$}  {value}");
    }
}

/// The value for `keys set`: from the terminal without echo, else from piped stdin.
pub(crate) fn read_value(name: &str) -> Result<SecretString, String> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Value for {name:?} (not shown): "))
            .map_err(|e| format!("cannot read the value from the terminal: {e}"))?
    } else {
        let mut value = String::new();
        std::io::stdin().read_to_string(&mut value).map_err(|e| format!("cannot read the value from stdin: {e}"))?;
        value.truncate(value.trim_end_matches(['\r', '\n']).len());
        value
    };
    if value.is_empty() {
        return Err("no value given (type it when asked, pipe it on stdin, or pass it as an argument)".to_owned());
    }
    Ok(SecretString::from(value))
}

pub(crate) fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}
