//! `vaultfn references status|refresh`: what the platform resolved for each Key Vault reference of
//! a deployed app (Resource Manager's view), against the vault's current version, with the
//! developer's own credential; `refresh` asks the platform to resolve them again now.

use std::collections::HashMap;
use std::process::ExitCode;

use serde::Serialize;
use vaultfn_handler::arm::{ArmClient, ConfigReference, SiteId};
use vaultfn_handler::reference;
use vaultfn_handler::vault::{VaultConfig, VaultService};

use crate::azure::{AppTarget, connect, process_env};

#[derive(Debug, clap::Args)]
pub struct ReferencesArgs {
    #[command(subcommand)]
    pub action: ReferencesAction,
    #[command(flatten)]
    pub target: AppTarget,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum ReferencesAction {
    /// Every reference: platform status, vault/secret, the version served, the vault's current one.
    Status,
    /// Make the platform resolve every reference again now, then show the statuses.
    Refresh,
}

/// One row of the table.
#[derive(Debug, Serialize)]
pub struct Row {
    pub setting: String,
    pub status: Option<String>,
    pub vault: Option<String>,
    pub secret: Option<String>,
    /// The version the reference pins, if it pins one.
    pub pinned_version: Option<String>,
    pub active_version: Option<String>,
    pub current_version: Option<String>,
    /// `true`: a versionless reference serves an older version than the vault's current one.
    pub drift: Option<bool>,
    pub details: Option<String>,
}

pub async fn run(args: ReferencesArgs) -> ExitCode {
    match references(&args).await {
        Ok(rows) => {
            print(&rows, args.json);
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("vaultfn references: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn references(args: &ReferencesArgs) -> Result<Vec<Row>, String> {
    let (arm, site, kind) = connect(&args.target)?;
    eprintln!("vaultfn references: {site} with the {kind} credential");
    if let ReferencesAction::Refresh = args.action {
        arm.refresh_references(&site).await.map_err(|e| {
            format!(
                "refresh: {e} (the refresh needs write access to the site's configuration, e.g. Website Contributor)"
            )
        })?;
        eprintln!("vaultfn references: refresh requested; the platform resolves the references again now");
    }
    rows(&arm, &site).await
}

async fn rows(arm: &ArmClient, site: &SiteId) -> Result<Vec<Row>, String> {
    let references = arm.config_references(site).await.map_err(|e| e.to_string())?;
    let mut vaults: HashMap<String, Option<VaultService>> = HashMap::new();
    let mut rows = Vec::new();
    for (setting, r) in references {
        let current = current_version(&mut vaults, &r).await;
        let pinned = r.secret_version.clone().filter(|v| !v.is_empty());
        let drift = match (&pinned, &r.active_version, &current) {
            (None, Some(active), Some(current)) => Some(!active.eq_ignore_ascii_case(current)),
            _ => None,
        };
        rows.push(Row {
            setting,
            status: r.status,
            vault: r.vault_name,
            secret: r.secret_name,
            pinned_version: pinned,
            active_version: r.active_version,
            current_version: current,
            drift,
            details: r.details,
        });
    }
    Ok(rows)
}

/// The vault's current version of the reference's secret, read with the same credential; `None`
/// when it cannot be read (the row still shows what the platform says).
async fn current_version(vaults: &mut HashMap<String, Option<VaultService>>, r: &ConfigReference) -> Option<String> {
    let secret = r.secret_name.as_deref()?;
    let vault_url = r
        .reference
        .as_deref()
        .and_then(|raw| reference::parse(raw).ok())
        .map(|parsed| parsed.vault_url)
        .or_else(|| Some(format!("https://{}.{}", r.vault_name.as_deref()?, reference::VAULT_DNS_SUFFIXES[0])))?;
    let service = vaults
        .entry(vault_url.clone())
        .or_insert_with(|| {
            let mut env = process_env();
            env.insert("KEY_VAULT_URL".into(), vault_url);
            let config = VaultConfig::from_vars(&env).ok()??;
            VaultService::from_config(&config).ok()
        })
        .as_ref()?;
    service.get(secret).await.ok()?.version
}

fn print(rows: &[Row], json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(rows).unwrap_or_default());
        return;
    }
    let short = |v: &Option<String>| v.as_deref().map(|v| v.get(..8).unwrap_or(v).to_owned()).unwrap_or("-".into());
    println!("{:<28} {:<22} {:<36} {:<9} {:<9} drift", "SETTING", "STATUS", "VAULT/SECRET", "ACTIVE", "CURRENT");
    for row in rows {
        let target = format!("{}/{}", row.vault.as_deref().unwrap_or("?"), row.secret.as_deref().unwrap_or("?"));
        let drift = match (row.drift, &row.pinned_version) {
            (_, Some(_)) => "pinned",
            (Some(true), _) => "YES",
            (Some(false), _) => "no",
            (None, _) => "?",
        };
        println!(
            "{:<28} {:<22} {:<36} {:<9} {:<9} {drift}",
            row.setting,
            row.status.as_deref().unwrap_or("-"),
            target,
            short(&row.active_version),
            short(&row.current_version)
        );
    }
}
