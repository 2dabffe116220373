//! The developer's Azure context for commands that manage a deployed app: their own credential
//! (the handler's choice, so `az login` locally), Resource Manager, and the app's site id.

use std::collections::HashMap;
use std::time::Duration;

use vaultfn_handler::arm::{ArmClient, ArmConfig, SiteId};
use vaultfn_handler::vault::config::test_overrides;
use vaultfn_handler::vault::{CredentialKind, CredentialSettings, build_credential};

/// How long one Resource Manager call may take from a terminal.
pub const ARM_BUDGET: Duration = Duration::from_secs(30);

/// Which deployed app: `--app`, `--resource-group`, `--subscription`, `--slot`.
#[derive(Debug, Clone, clap::Args)]
pub struct AppTarget {
    /// The function app's name.
    #[arg(long)]
    pub app: String,
    /// Its resource group.
    #[arg(long)]
    pub resource_group: String,
    /// Subscription id [default: AZURE_SUBSCRIPTION_ID, else `az account show`].
    #[arg(long)]
    pub subscription: Option<String>,
    /// A deployment slot instead of the production site.
    #[arg(long)]
    pub slot: Option<String>,
}

/// The process environment: where a developer's credential and test settings live.
pub fn process_env() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// An ARM client on the developer's credential, and the app's site.
pub fn connect(target: &AppTarget) -> Result<(ArmClient, SiteId, CredentialKind), String> {
    let env = process_env();
    let overrides = test_overrides(&env, false).map_err(|e| e.to_string())?;
    let arm = ArmConfig::from_vars(&env, overrides).map_err(|e| e.to_string())?;
    let subscription = subscription(target, &env)?;
    let site = SiteId::new(&subscription, &target.resource_group, &target.app, target.slot.as_deref())
        .ok_or("--app, --resource-group, --subscription and --slot must be plain resource names")?;
    let settings = CredentialSettings::from_vars(&env).map_err(|e| e.to_string())?;
    let (kind, credential) = build_credential(&settings).map_err(|e| e.to_string())?;
    let client = ArmClient::new(&arm, credential, ARM_BUDGET).map_err(|e| e.to_string())?;
    Ok((client, site, kind))
}

fn subscription(target: &AppTarget, env: &HashMap<String, String>) -> Result<String, String> {
    if let Some(id) = target.subscription.clone().or_else(|| env.get("AZURE_SUBSCRIPTION_ID").cloned()) {
        return Ok(id.trim().to_owned());
    }
    let out = std::process::Command::new("az")
        .args(["account", "show", "--query", "id", "-o", "tsv"])
        .output()
        .map_err(|_| "no --subscription, no AZURE_SUBSCRIPTION_ID, and `az` is not installed".to_owned())?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || id.is_empty() {
        return Err(
            "no --subscription, no AZURE_SUBSCRIPTION_ID, and `az account show` named none (run az login)".into()
        );
    }
    Ok(id)
}
