//! `config-check?deep=true`: what the settings alone cannot tell. The secret behind each
//! `SETTING=SecretName` entry (disabled, expired, expiring, missing), and what the platform
//! resolved according to Resource Manager: each reference's status, the version it is serving
//! against the vault's current one (rotation drift), and the identity it resolves with. Every
//! finding is a warning; a platform that cannot be asked is one too, never a failed check.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::classify::{Report, State, Status, Warning};
use super::platform;
use crate::arm::{ArmClient, ArmError, ConfigReference, SiteId};
use crate::reference;
use crate::vault::{CredentialKind, VaultError, VaultService};

/// How often the platform refetches a versionless reference on its own.
const PLATFORM_REFETCH: Duration = Duration::from_secs(24 * 3600);

/// What the deep check needs besides the report.
pub struct DeepContext<'a> {
    pub vault: Result<&'a VaultService, String>,
    /// The vault the app's own client reads (its first DNS label), for comparing versions.
    pub vault_name: Option<&'a str>,
    /// `SETTING=SecretName` entries of `CONFIG_CHECK_SETTINGS`.
    pub backed: Vec<(String, String)>,
    pub arm: Option<(&'a ArmClient, &'a SiteId)>,
    /// The app's own credential, to compare with the identity the platform resolves with.
    pub credential: Option<(CredentialKind, bool)>,
    /// Nothing here may take longer than this (`KEY_VAULT_TIMEOUT_MS`).
    pub budget: Duration,
}

pub async fn deepen(report: &mut Report, cx: DeepContext<'_>) {
    let started = Instant::now();
    let referenced = super::deep_certificates::referenced_secrets(report, &cx.backed, cx.vault_name);
    let certificates = super::deep_certificates::warnings(cx.vault.as_ref().ok().copied(), referenced);
    let secrets = secret_warnings(&cx);
    let platform = platform_view(report, &cx, started);
    let (secret_warnings, certificate_warnings, ()) = futures::join!(secrets, certificates, platform);
    report.warnings.extend(secret_warnings);
    report.warnings.extend(certificate_warnings);
}

async fn secret_warnings(cx: &DeepContext<'_>) -> Vec<Warning> {
    if cx.backed.is_empty() {
        return Vec::new();
    }
    let vault = match &cx.vault {
        Ok(vault) => *vault,
        Err(why) => {
            return vec![Warning::new("secret_lookup_failed", None, None, format!("deep check skipped: {why}"))];
        }
    };
    let lookups = cx.backed.iter().map(|(setting, secret)| lookup(vault, setting, secret));
    futures::future::join_all(lookups).await.into_iter().flatten().collect()
}

async fn lookup(vault: &VaultService, setting: &str, secret: &str) -> Option<Warning> {
    let warn = |kind, detail: String| Some(Warning::new(kind, Some(setting), Some(secret), detail));
    match vault.get(secret).await {
        Ok(meta) if !meta.enabled => warn(
            "secret_disabled",
            format!(
                "Secret {secret} behind {setting} is disabled: the platform cannot resolve it; enable it or point the reference at an enabled version."
            ),
        ),
        Ok(meta) => match meta.expires_in_days {
            Some(days) if days < 0 || meta.expires_on.is_some_and(|e| e <= OffsetDateTime::now_utc()) => warn(
                "secret_expired",
                format!("Secret {secret} behind {setting} has expired; set a new version with a later expiry."),
            ),
            Some(days) if meta.expiring_soon => warn(
                "secret_expiring_soon",
                format!("Secret {secret} behind {setting} expires in {days} day(s); rotate it before then."),
            ),
            _ => None,
        },
        Err(VaultError::NotFound { .. }) => warn(
            "secret_not_found",
            format!("Secret {secret} named for {setting} in CONFIG_CHECK_SETTINGS does not exist in the vault."),
        ),
        Err(e) => {
            warn("secret_lookup_failed", format!("Looking up secret {secret} behind {setting} failed: {}", e.detail()))
        }
    }
}

/// Resource Manager's view, merged into the report.
async fn platform_view(report: &mut Report, cx: &DeepContext<'_>, started: Instant) {
    let Some((arm, site)) = cx.arm else {
        return;
    };
    let references = match arm.config_references(site).await {
        Ok(references) => references,
        Err(e) => {
            report.warnings.push(Warning::new("platform_unavailable", None, None, unavailable(&e)));
            return;
        }
    };
    let mut mismatch_reported = false;
    let mut drift = Vec::new();
    for (name, r) in &references {
        apply_status(report, name, r);
        if !mismatch_reported && let Some(w) = identity_mismatch(name, r, cx.credential) {
            report.warnings.push(w);
            mismatch_reported = true;
        }
        let versionless = r.secret_version.as_deref().is_none_or(str::is_empty);
        let same_vault = match (&r.vault_name, cx.vault_name) {
            (Some(theirs), Some(ours)) => theirs.eq_ignore_ascii_case(ours),
            _ => false,
        };
        if let (true, true, Some(active), Some(secret)) = (versionless, same_vault, &r.active_version, &r.secret_name) {
            drift.push((name.clone(), secret.clone(), active.clone()));
        }
    }
    let Ok(vault) = cx.vault else {
        return;
    };
    // The version comparison gets what is left of the budget, never more.
    let left = cx.budget.saturating_sub(started.elapsed());
    let checks = drift.iter().map(|(setting, secret, active)| rotation(vault, setting, secret, active));
    match tokio::time::timeout(left, futures::future::join_all(checks)).await {
        Ok(found) => report.warnings.extend(found.into_iter().flatten()),
        Err(_) => report.warnings.push(Warning::new(
            "platform_unavailable",
            None,
            None,
            format!("Rotation drift was not checked: the vault did not answer within {} ms.", cx.budget.as_millis()),
        )),
    }
}

/// Where `WEBSITE_KEYVAULT_REFERENCES` said nothing, ARM's status and details stand in for it.
fn apply_status(report: &mut Report, name: &str, r: &ConfigReference) {
    let Some(status) = r.status.clone() else {
        return;
    };
    let index = match report.settings.iter().position(|s| s.name == name) {
        Some(i) => i,
        None => {
            report.settings.push(super::classify::SettingReport {
                name: name.to_owned(),
                state: State::Resolved,
                listed: false,
                optional: false,
                secret: None,
                platform_status: None,
                reference: None,
                reference_error: None,
                hint: None,
            });
            report.settings.len() - 1
        }
    };
    let setting = &mut report.settings[index];
    if setting.platform_status.is_some() {
        return;
    }
    if setting.reference.is_none() {
        setting.reference = r.reference.as_deref().and_then(|raw| reference::parse(raw).ok());
    }
    if status != platform::RESOLVED {
        setting.state = State::Unresolved;
        let mut hint = platform::status_hint(name, &status, setting.reference.as_ref());
        if let Some(details) = r.details.as_deref().filter(|d| !d.is_empty()) {
            // ARM's own words: they name the vault and the failure, never a value.
            hint.push_str(&format!(" Resource Manager says: {details}"));
        }
        setting.hint = Some(hint);
        if !setting.optional {
            report.status = Status::Unhealthy;
        }
    }
    setting.platform_status = Some(status);
}

fn identity_mismatch(name: &str, r: &ConfigReference, ours: Option<(CredentialKind, bool)>) -> Option<Warning> {
    let theirs = r.identity_type.as_deref()?;
    let platform_user_assigned = theirs.to_ascii_lowercase().starts_with("userassigned");
    let (kind, user_assigned) = ours?;
    let managed = matches!(kind, CredentialKind::AppServiceManagedIdentity | CredentialKind::ImdsManagedIdentity);
    let same = managed && user_assigned == platform_user_assigned;
    (!same).then(|| {
        let ours = match (managed, user_assigned) {
            (true, true) => "a user-assigned managed identity (AZURE_CLIENT_ID)".to_owned(),
            (true, false) => "the system-assigned managed identity".to_owned(),
            (false, _) => format!("the {kind} credential"),
        };
        Warning::new(
            "identity_mismatch",
            Some(name),
            None,
            format!(
                "The platform resolves Key Vault references with the {theirs} identity, while the app's own Key Vault client uses {ours}: their access can differ (set keyVaultReferenceIdentity, or AZURE_CLIENT_ID, so both use one identity)."
            ),
        )
    })
}

async fn rotation(vault: &VaultService, setting: &str, secret: &str, active: &str) -> Option<Warning> {
    let current = vault.get(secret).await.ok()?;
    let version = current.version.as_deref()?;
    if version.eq_ignore_ascii_case(active) {
        return None;
    }
    // The platform fetched the old version before the new one existed, so its next scheduled
    // refetch comes at the latest 24 hours after the new version was created.
    let refetch_by = current
        .created_on
        .map(|created| created + PLATFORM_REFETCH)
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok());
    let mut warning = Warning::new(
        "rotation_pending",
        Some(setting),
        Some(secret),
        format!(
            "{setting} is served from version {active} of secret {secret}, but the vault's current version is {version}. The platform picks it up on its own within 24 hours of the rotation{}; `vaultfn references refresh` (or any configuration change) makes it resolve now.",
            refetch_by.as_deref().map(|t| format!(" (by {t})")).unwrap_or_default()
        ),
    );
    warning.active_version = Some(active.to_owned());
    warning.current_version = Some(version.to_owned());
    warning.refetch_by = refetch_by;
    Some(warning)
}

fn unavailable(e: &ArmError) -> String {
    match e {
        ArmError::Forbidden { .. } | ArmError::NotFound | ArmError::Credential => format!(
            "What the platform resolved could not be read from Resource Manager: {e}. Grant the app's identity the Reader role on the function app (site) to see reference status and rotation drift."
        ),
        other => format!("What the platform resolved could not be read from Resource Manager: {other}."),
    }
}
