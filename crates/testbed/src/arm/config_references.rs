//! `{site}/config/configreferences/appsettings`: the status App Service reports for each Key Vault
//! reference among the app settings, one setting, and the refresh that re-resolves them.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{API_VERSION, Answer, Site, SiteData, empty, respond, web_error};

/// What App Service says a resolved reference's `details` are.
pub const RESOLVED_DETAILS: &str = "Reference has been successfully resolved.";

/// One Key Vault reference as ARM reports it (no secret value: ARM never has one here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The app setting's name (the item's `name`).
    pub setting: String,
    /// The raw `@Microsoft.KeyVault(...)` text.
    pub reference: String,
    pub status: String,
    pub vault_name: Option<String>,
    pub secret_name: Option<String>,
    /// `None` for a versionless reference (answered as `null`).
    pub secret_version: Option<String>,
    pub identity_type: String,
    pub details: String,
    /// The version the platform resolved; `None` leaves `activeVersion` out.
    pub active_version: Option<String>,
    /// Not reported: the version a refresh will make active (see [`Site::set_pending_version`]).
    pub pending_version: Option<String>,
}

impl Reference {
    /// A versionless, resolved reference to `https://{vault}.vault.azure.net/secrets/{secret}/`
    /// through the system-assigned identity, with no `activeVersion` yet.
    pub fn new(setting: &str, vault: &str, secret: &str) -> Self {
        Self {
            setting: setting.to_owned(),
            reference: format!("@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{secret}/)"),
            status: "Resolved".to_owned(),
            vault_name: Some(vault.to_owned()),
            secret_name: Some(secret.to_owned()),
            secret_version: None,
            identity_type: "SystemAssigned".to_owned(),
            details: RESOLVED_DETAILS.to_owned(),
            active_version: None,
            pending_version: None,
        }
    }

    /// Pinned to `version` (the reference text names it too).
    pub fn pinned(mut self, version: &str) -> Self {
        if let (Some(vault), Some(secret)) = (&self.vault_name, &self.secret_name) {
            self.reference =
                format!("@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{secret}/{version})");
        }
        self.secret_version = Some(version.to_owned());
        self
    }

    pub fn with_status(mut self, status: &str, details: &str) -> Self {
        (self.status, self.details) = (status.to_owned(), details.to_owned());
        self
    }

    pub fn with_active_version(mut self, version: &str) -> Self {
        self.active_version = Some(version.to_owned());
        self
    }

    pub fn with_identity(mut self, identity_type: &str) -> Self {
        self.identity_type = identity_type.to_owned();
        self
    }

    fn to_json(&self, site: &SiteData, identity_object: bool) -> Value {
        let kind = if site.slot {
            "Microsoft.Web/sites/slots/config/configreferences"
        } else {
            "Microsoft.Web/sites/config/configreferences"
        };
        let identity = if identity_object { json!({"type": self.identity_type}) } else { json!(self.identity_type) };
        let mut properties = json!({
            "reference": self.reference,
            "status": self.status,
            "vaultName": self.vault_name,
            "secretName": self.secret_name,
            "secretVersion": self.secret_version,
            "identityType": identity,
            "details": self.details,
            "source": "KeyVault",
        });
        if let Some(active) = &self.active_version {
            properties["activeVersion"] = json!(active);
        }
        json!({
            "id": format!("{}/config/configreferences/appsettings/{}", site.id, self.setting),
            "name": self.setting,
            "type": kind,
            "properties": properties,
        })
    }
}

impl Site {
    /// Adds `reference`, replacing one for the same setting (names compared ignoring case).
    pub fn add_reference(&self, reference: Reference) {
        self.with(|site| {
            match site.references.iter_mut().find(|r| r.setting.eq_ignore_ascii_case(&reference.setting)) {
                Some(existing) => *existing = reference,
                None => site.references.push(reference),
            }
        });
    }

    /// Whether there was a reference for `setting` to remove.
    pub fn remove_reference(&self, setting: &str) -> bool {
        self.with(|site| {
            let before = site.references.len();
            site.references.retain(|r| !r.setting.eq_ignore_ascii_case(setting));
            site.references.len() != before
        })
    }

    pub fn references(&self) -> Vec<Reference> {
        self.with(|site| site.references.clone())
    }

    /// Changes one reference in place; panics (naming the setting) when there is none.
    pub fn update_reference(&self, setting: &str, change: impl FnOnce(&mut Reference)) {
        self.with(|site| {
            let found = site.references.iter_mut().find(|r| r.setting.eq_ignore_ascii_case(setting));
            change(found.unwrap_or_else(|| panic!("the fake ARM has no reference for setting {setting}")));
        });
    }

    pub fn set_status(&self, setting: &str, status: &str, details: &str) {
        self.update_reference(setting, |r| (r.status, r.details) = (status.to_owned(), details.to_owned()));
    }

    /// What ARM reports as `activeVersion` from now on (`None`: left out).
    pub fn set_active_version(&self, setting: &str, version: Option<&str>) {
        self.update_reference(setting, |r| r.active_version = version.map(str::to_owned));
    }

    /// The version the next refresh makes active (when pending versions are applied on refresh).
    pub fn set_pending_version(&self, setting: &str, version: &str) {
        self.update_reference(setting, |r| r.pending_version = Some(version.to_owned()));
    }

    /// Whether a refresh makes each pending version active, status `Resolved` (default: true).
    pub fn set_apply_pending_on_refresh(&self, apply: bool) {
        self.with(|site| site.apply_pending = apply);
    }

    /// Runs on every refresh, after pending versions are applied. It runs with the fake's state
    /// locked: it must not call back into the fake.
    pub fn on_refresh(&self, hook: impl Fn(&mut Vec<Reference>) + Send + Sync + 'static) {
        self.with(|site| site.on_refresh = Some(Arc::new(hook)));
    }

    /// `POST .../appsettings/refresh` calls this site received.
    pub fn refreshes(&self) -> usize {
        self.with(|site| site.refreshes)
    }
}

/// One page; `nextLink` is `self_url` with the api-version and a `$skipToken` while more remain.
pub(super) fn list(site: &SiteData, self_url: &str, skip: Option<&str>, size: usize, identity_object: bool) -> Answer {
    let start = match skip.map(str::parse::<usize>) {
        None => 0,
        Some(Ok(start)) if start <= site.references.len() => start,
        Some(_) => return web_error(StatusCode::BAD_REQUEST, "BadRequest", "The $skipToken is not valid."),
    };
    let page: Vec<Value> =
        site.references.iter().skip(start).take(size).map(|r| r.to_json(site, identity_object)).collect();
    let next = start + page.len();
    let next_link =
        (next < site.references.len()).then(|| format!("{self_url}?api-version={API_VERSION}&$skipToken={next}"));
    respond(StatusCode::OK, &json!({"value": page, "nextLink": next_link}))
}

pub(super) fn get(site: &SiteData, setting: &str, identity_object: bool) -> Answer {
    match site.references.iter().find(|r| r.setting.eq_ignore_ascii_case(setting)) {
        Some(reference) => respond(StatusCode::OK, &reference.to_json(site, identity_object)),
        None => web_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("No Key Vault reference was found for app setting '{setting}'."),
        ),
    }
}

pub(super) fn refresh(site: &mut SiteData, status: StatusCode) -> Answer {
    site.refreshes += 1;
    if site.apply_pending {
        for reference in &mut site.references {
            if let Some(version) = reference.pending_version.take() {
                reference.active_version = Some(version);
                (reference.status, reference.details) = ("Resolved".to_owned(), RESOLVED_DETAILS.to_owned());
            }
        }
    }
    if let Some(hook) = site.on_refresh.clone() {
        hook(&mut site.references);
    }
    empty(status)
}
