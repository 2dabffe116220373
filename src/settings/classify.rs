//! The state of each setting the app depends on, as `config-check` reports it. Only names, states
//! and the parsed parts of an unresolved reference are reported: never a value, a prefix of one,
//! its length or a hash of it.

use secrecy::ExposeSecret;
use serde::Serialize;

use super::{Config, platform};
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

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Unresolved => "unresolved",
            Self::Missing => "missing",
            Self::Empty => "empty",
        }
    }
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
    /// Marked `?NAME` in `CONFIG_CHECK_SETTINGS`: reported, never what makes the app unhealthy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The Key Vault secret behind the setting, when `CONFIG_CHECK_SETTINGS` names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// What the platform itself says about this reference (`WEBSITE_KEYVAULT_REFERENCES`, or ARM's
    /// status in a deep check), verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_status: Option<String>,
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
#[derive(Debug, Clone, Default, Serialize)]
pub struct Warning {
    /// `config_check_settings`, `platform_references`, `optional_setting_unresolved`, a reference
    /// lint (`secret_uri_without_trailing_slash`, `http_scheme`, `host_not_key_vault`,
    /// `pinned_version`, `conflicting_versions`), and in a deep check `secret_disabled`,
    /// `secret_expired`, `secret_expiring_soon`, `secret_not_found`, `secret_lookup_failed`,
    /// `rotation_pending`, `identity_mismatch`, `platform_unavailable`, `certificate_expiring`,
    /// `certificate_lookup_failed`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub detail: String,
    /// `rotation_pending`: the version the platform resolved, the vault's current one, and the
    /// latest time the platform's 24-hour refetch picks the new one up (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refetch_by: Option<String>,
}

impl Warning {
    pub fn new(kind: &'static str, setting: Option<&str>, secret: Option<&str>, detail: String) -> Self {
        Self { kind, setting: setting.map(str::to_owned), secret: secret.map(str::to_owned), detail, ..Self::default() }
    }
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.status == Status::Healthy
    }
}

/// Classifies the listed settings, then every other setting that still holds a raw reference or
/// that the platform reports as a reference.
pub fn evaluate(config: &Config, key_vault: KeyVaultInfo) -> Report {
    let platform = config.platform.as_ref().ok();
    let mut settings: Vec<SettingReport> =
        config.expected.iter().map(|e| classify(config, &e.name, true, e.secret.clone(), e.optional)).collect();
    let unlisted = |name: &String| !config.expected.iter().any(|e| &e.name == name);
    for (name, value) in config.values.iter().filter(|(name, _)| unlisted(name)) {
        if reference::is_reference(value.expose_secret()) || platform.is_some_and(|p| p.contains_key(name)) {
            settings.push(classify(config, name, false, None, false));
        }
    }
    // A reference the platform knows of whose setting the process did not get at all.
    for name in platform.into_iter().flat_map(|p| p.keys()) {
        if unlisted(name) && !config.values.contains_key(name) {
            settings.push(classify(config, name, false, None, false));
        }
    }
    let mut warnings: Vec<Warning> = config
        .expected_errors
        .iter()
        .map(|detail| Warning::new("config_check_settings", None, None, detail.clone()))
        .collect();
    if let Err(why) = &config.platform {
        warnings.push(Warning::new("platform_references", None, None, why.clone()));
    }
    for optional in settings.iter().filter(|s| s.optional && s.state != State::Resolved) {
        warnings.push(Warning::new(
            "optional_setting_unresolved",
            Some(&optional.name),
            optional.secret.as_deref(),
            format!(
                "{} is {} but marked optional in CONFIG_CHECK_SETTINGS, so the app stays healthy.",
                optional.name,
                optional.state.as_str()
            ),
        ));
    }
    warnings
        .extend(reference_lints(config).into_iter().map(|l| Warning::new(l.kind, Some(&l.setting), None, l.detail)));
    let healthy = settings.iter().all(|s| s.optional || s.state == State::Resolved);
    let status = if healthy { Status::Healthy } else { Status::Unhealthy };
    Report { status, settings, key_vault, warnings }
}

/// Lints over every reference in sight: raw ones among the values and the platform's own list.
fn reference_lints(config: &Config) -> Vec<reference::Lint> {
    let mut references: Vec<(&str, &str)> = config
        .values
        .iter()
        .map(|(name, value)| (name.as_str(), value.expose_secret()))
        .filter(|(_, value)| reference::is_reference(value))
        .collect();
    if let Ok(platform) = &config.platform {
        for (name, entry) in platform {
            if !references.iter().any(|(n, _)| *n == name) && reference::is_reference(&entry.raw_reference) {
                references.push((name, &entry.raw_reference));
            }
        }
    }
    reference::lint_all(references)
}

pub(crate) fn classify(
    config: &Config,
    name: &str,
    listed: bool,
    secret: Option<String>,
    optional: bool,
) -> SettingReport {
    let platform = config.platform.as_ref().ok().and_then(|p| p.get(name));
    let mut report = SettingReport {
        name: name.to_owned(),
        state: State::Resolved,
        listed,
        optional,
        secret,
        platform_status: platform.map(|p| p.status.clone()),
        reference: None,
        reference_error: None,
        hint: None,
    };
    let value = config.values.get(name).map(|v| v.expose_secret());
    // The platform's word wins: it hands some failures over as an empty string, or not at all.
    if let Some(entry) = platform.filter(|p| p.status != platform::RESOLVED) {
        report.state = State::Unresolved;
        let raw = value.filter(|v| reference::is_reference(v)).unwrap_or(&entry.raw_reference);
        report.reference = reference::parse(raw).ok();
        report.hint = Some(platform::status_hint(name, &entry.status, report.reference.as_ref()));
        return report;
    }
    let Some(value) = value else {
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
        // Resolved; the platform's raw reference still says which secret is behind it.
        report.reference = platform.and_then(|p| reference::parse(&p.raw_reference).ok());
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
