//! The state of each setting the app depends on, as `config-check` reports it. Only names, states
//! and the parsed parts of an unresolved reference are reported: never a value, a prefix of one,
//! its length or a hash of it.

use secrecy::ExposeSecret;
use serde::Serialize;

use super::Config;
use crate::reference::{self, KeyVaultReference};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Present, non-empty and not a raw reference: the platform resolved it, or it is a plain value.
    Resolved,
    /// Still the raw `@Microsoft.KeyVault(...)` string: the platform could not resolve it.
    Unresolved,
    Missing,
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Unhealthy,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingReport {
    pub name: String,
    pub state: State,
    /// Named in `CONFIG_CHECK_SETTINGS` (otherwise found because it holds a raw reference).
    pub listed: bool,
    /// The Key Vault secret behind the setting, when `CONFIG_CHECK_SETTINGS` names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<KeyVaultReference>,
    /// Why a raw reference cannot be parsed (then the platform cannot resolve it either).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyVaultInfo {
    pub configured: bool,
    pub vault: Option<String>,
    /// `key-vault` or `dev-vault` when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub status: Status,
    pub settings: Vec<SettingReport>,
    pub key_vault: KeyVaultInfo,
    pub warnings: Vec<Warning>,
}

/// Something ops should fix that does not, by itself, make the app unhealthy.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// `config_check_settings`, `secret_disabled`, `secret_expired`, `secret_expiring_soon`,
    /// `secret_not_found` or `secret_lookup_failed`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub detail: String,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.status == Status::Healthy
    }
}

/// Classifies the listed settings, then every other setting that still holds a raw reference.
pub fn evaluate(config: &Config, key_vault: KeyVaultInfo) -> Report {
    let mut settings: Vec<SettingReport> =
        config.expected.iter().map(|e| classify(config, &e.name, true, e.secret.clone())).collect();
    for (name, value) in &config.values {
        let listed = config.expected.iter().any(|e| &e.name == name);
        if !listed && reference::is_reference(value.expose_secret()) {
            settings.push(classify(config, name, false, None));
        }
    }
    let status = if settings.iter().all(|s| s.state == State::Resolved) { Status::Healthy } else { Status::Unhealthy };
    let warnings = config
        .expected_errors
        .iter()
        .map(|detail| Warning { kind: "config_check_settings", setting: None, secret: None, detail: detail.clone() })
        .collect();
    Report { status, settings, key_vault, warnings }
}

fn classify(config: &Config, name: &str, listed: bool, secret: Option<String>) -> SettingReport {
    let mut report = SettingReport {
        name: name.to_owned(),
        state: State::Resolved,
        listed,
        secret,
        reference: None,
        reference_error: None,
        hint: None,
    };
    let Some(value) = config.values.get(name).map(|v| v.expose_secret()) else {
        report.state = State::Missing;
        report.hint = Some(format!(
            "{name} is not defined. Add it to the function app's application settings \
             (or to Values in local.settings.json), or remove it from CONFIG_CHECK_SETTINGS."
        ));
        return report;
    };
    if value.trim().is_empty() {
        report.state = State::Empty;
        report.hint = Some(format!(
            "{name} is defined but empty. Set a value or a Key Vault reference \
             (@Microsoft.KeyVault(VaultName=...;SecretName=...))."
        ));
        return report;
    }
    if !reference::is_reference(value) {
        return report;
    }
    report.state = State::Unresolved;
    match reference::parse(value) {
        Ok(parsed) => {
            report.hint = Some(unresolved_hint(name, &parsed));
            report.reference = Some(parsed);
        }
        Err(why) => {
            report.reference_error = Some(format!("The Key Vault reference cannot be parsed: {why}."));
            report.hint = Some(format!(
                "{name} holds a malformed Key Vault reference, which the platform cannot resolve. \
                 Use @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>[/<version>]) \
                 or @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])."
            ));
        }
    }
    report
}

fn unresolved_hint(name: &str, r: &KeyVaultReference) -> String {
    let version = match &r.version {
        Some(_) => "the pinned version exists and is enabled",
        None => "its current version is enabled and not expired",
    };
    format!(
        "The platform left {name} as the raw reference. Check, in order: the app's managed identity \
         (system-assigned, or the one set in keyVaultReferenceIdentity) has the role \"Key Vault Secrets User\" \
         on vault {vault} (or a Get secret access policy); secret {secret} exists in {vault} (SecretNotFound means \
         a wrong name) and {version}; the vault's firewall admits the app (ForbiddenByFirewall / ForbiddenByPolicy \
         mean network rules). The portal's Environment variables blade shows the resolution error. After fixing \
         access, restart the app: resolved values are cached and refetched only every 24 hours or on a \
         configuration change.",
        vault = r.vault,
        secret = r.secret,
    )
}
