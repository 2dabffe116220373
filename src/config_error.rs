//! The error of a setting that cannot be used, shared by every part that reads settings.

/// A setting that cannot be used, named so the operator can find it. The value is never repeated:
/// several of these settings are secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

pub(crate) fn bad(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { setting, reason: reason.into() }
}
