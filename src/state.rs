//! What every request shares: the settings read once at start, the one secret backend (client and
//! cache), the Resource Manager client, the shallow config-check answer and the reference
//! refresher. Built once per process.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{body::Bytes, http::StatusCode};

use crate::{
    arm::{ArmClient, SiteId},
    problem::ApiError,
    settings::Config,
    settings::classify::{self, KeyVaultInfo},
    settings::deep::DeepContext,
    triggers::refresh::Refresher,
    vault::{BackendConfig, BackendKind, VaultService, build_credential},
};

pub struct AppState {
    pub config: Config,
    pub started: Instant,
    /// One per process: one client, one cache, warmed at start.
    pub vault: Option<VaultService>,
    /// The shallow config-check answer: settings are read once, so it is computed once.
    pub config_check: Prepared,
    /// Resource Manager and the app's own site, when the environment says which site it is.
    pub arm: Option<(ArmClient, SiteId)>,
    /// The debounced reference refresh that rotation events ask for.
    pub refresher: Refresher,
}

impl AppState {
    /// Builds the secret backend (and starts warming it); must run inside the Tokio runtime.
    pub fn new(config: Config) -> Self {
        let vault = match &config.vault {
            Ok(Some(cfg)) => match VaultService::from_config(cfg) {
                Ok(service) => Some(service),
                Err(e) => {
                    tracing::error!(error = %e, "secret backend unavailable");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "vault settings invalid");
                None
            }
        };
        let arm = arm_client(&config);
        let refresher = Refresher::new(config.refresh_debounce);
        let mut state =
            Self { config, started: Instant::now(), vault, config_check: Default::default(), arm, refresher };
        state.config_check = Prepared::new(&state);
        state
    }

    pub fn key_vault_info(&self) -> KeyVaultInfo {
        let (vault, backend) = match (&self.config.vault, self.vault.as_ref().map(VaultService::kind)) {
            (Ok(Some(cfg)), Some(kind)) => {
                let url = match &cfg.backend {
                    BackendConfig::KeyVault(kv) => Some(kv.url.to_string()),
                    BackendConfig::DevVault { .. } => None,
                };
                let backend = match kind {
                    BackendKind::KeyVault { .. } => "key-vault",
                    BackendKind::DevVault => "dev-vault",
                };
                (url, Some(backend))
            }
            _ => (self.config.plain("KEY_VAULT_URL").map(str::to_owned), None),
        };
        KeyVaultInfo { configured: backend.is_some(), vault, backend }
    }

    /// The name of the vault the app reads (`KEY_VAULT_URL`'s first DNS label).
    pub fn vault_name(&self) -> Option<&str> {
        match &self.config.vault {
            Ok(Some(cfg)) => match &cfg.backend {
                BackendConfig::KeyVault(kv) => kv.url.host_str().and_then(|h| h.split('.').next()),
                BackendConfig::DevVault { .. } => None,
            },
            _ => None,
        }
    }

    /// What `config-check?deep=true` works with.
    pub fn deep_context(&self) -> DeepContext<'_> {
        let key_vault = match &self.config.vault {
            Ok(Some(cfg)) => Some(cfg),
            _ => None,
        };
        let vault_name = self.vault_name();
        let credential = key_vault.and_then(|cfg| {
            Some((crate::vault::credential::select_kind(&cfg.credential).ok()?, cfg.credential.client_id.is_some()))
        });
        DeepContext {
            vault: self.vault().map_err(|e| e.problem().detail),
            vault_name,
            backed: self.config.expected.iter().filter_map(|e| Some((e.name.clone(), e.secret.clone()?))).collect(),
            arm: self.arm.as_ref().map(|(client, site)| (client, site)),
            credential,
            budget: key_vault.map_or(Duration::from_millis(crate::vault::config::DEFAULT_TIMEOUT_MS), |c| c.timeout),
        }
    }

    /// The secret backend, or the error that explains why there is none.
    pub fn vault(&self) -> Result<&VaultService, ApiError> {
        match (&self.vault, &self.config.vault) {
            (Some(service), _) => Ok(service),
            (None, Err(e)) => Err(ApiError::VaultSettings(e.clone())),
            (None, _) => Err(ApiError::Vault(crate::vault::VaultError::NotConfigured)),
        }
    }
}

pub type SharedState = Arc<AppState>;

/// The ARM client, with the app's credential, when the site is known and a credential can be had.
fn arm_client(config: &Config) -> Option<(ArmClient, SiteId)> {
    let arm = config.arm.as_ref().map_err(|e| tracing::warn!(error = %e, "Resource Manager settings invalid")).ok()?;
    let site = arm.site.clone()?;
    let Ok(Some(vault)) = &config.vault else {
        return None;
    };
    let built =
        build_credential(&vault.credential).and_then(|(_, credential)| ArmClient::new(arm, credential, vault.timeout));
    match built {
        Ok(client) => Some((client, site)),
        Err(e) => {
            tracing::warn!(error = %e, "no Resource Manager client: the deep check will not show what the platform resolved");
            None
        }
    }
}

/// The answer without `deep`, built once at start (and the unhealthy settings logged once).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Prepared {
    pub fn new(state: &AppState) -> Self {
        let report = classify::evaluate(&state.config, state.key_vault_info());
        if !report.healthy() {
            let failing: Vec<&str> = report
                .settings
                .iter()
                .filter(|s| s.state != classify::State::Resolved)
                .map(|s| s.name.as_str())
                .collect();
            tracing::warn!(?failing, "config-check unhealthy: these settings are not resolved");
        }
        let body = serde_json::to_vec(&report).map(Bytes::from).unwrap_or_default();
        Self { status: status_of(&report), body }
    }
}

/// 200 when the report is healthy, 503 otherwise.
pub fn status_of(report: &classify::Report) -> StatusCode {
    if report.healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}
