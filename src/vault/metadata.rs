//! The metadata we serve: our own type, so no SDK model (whose serde keeps `value`) is ever
//! serialised.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretMetadata {
    pub name: String,
    /// `null` in list answers: Key Vault's list call names secrets, not versions.
    pub version: Option<String>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_on: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_on: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_on: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    pub content_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// True for secrets that back a Key Vault certificate.
    pub managed: bool,
    pub recovery_level: Option<String>,
    pub recoverable_days: Option<i32>,
    /// Whole days until expiry, negative once expired; `null` without an expiry date.
    pub expires_in_days: Option<i64>,
    /// Expires within `SECRET_EXPIRY_WARNING_DAYS`, or has already expired.
    pub expiring_soon: bool,
    /// Served from the cache because Key Vault could not be asked. Always present so clients
    /// can rely on the field.
    pub stale: bool,
}

impl SecretMetadata {
    /// Recomputes the expiry fields for `now`: cached entries outlive the moment they were read.
    pub fn with_expiry(mut self, now: OffsetDateTime, warning_days: u32) -> Self {
        match self.expires_on {
            Some(expires) => {
                let left = expires - now;
                self.expires_in_days = Some(left.whole_seconds().div_euclid(86_400));
                self.expiring_soon = left <= time::Duration::days(i64::from(warning_days));
            }
            None => {
                self.expires_in_days = None;
                self.expiring_soon = false;
            }
        }
        self
    }
}

/// Key Vault's current version is the newest *created* one, enabled or not: a reference without
/// a version resolves to it, and if it is disabled the app gets SecretDisabled. So we report it,
/// with `enabled: false`, rather than an older enabled version the platform would never use.
/// Ties (created is in whole seconds) go to the later update, then the larger version id, so the
/// answer is at least stable.
pub(crate) fn current_version(versions: impl IntoIterator<Item = SecretMetadata>) -> Option<SecretMetadata> {
    versions.into_iter().max_by(|a, b| {
        let key = |v: &SecretMetadata| (v.created_on, v.updated_on);
        key(a).cmp(&key(b)).then_with(|| a.version.cmp(&b.version))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn meta(version: &str, created: OffsetDateTime, enabled: bool) -> SecretMetadata {
        SecretMetadata {
            name: "n".into(),
            version: Some(version.into()),
            enabled,
            created_on: Some(created),
            updated_on: Some(created),
            expires_on: None,
            not_before: None,
            content_type: None,
            tags: BTreeMap::new(),
            managed: false,
            recovery_level: None,
            recoverable_days: None,
            expires_in_days: None,
            expiring_soon: false,
            stale: false,
        }
    }

    #[test]
    fn newest_created_wins_even_if_disabled() {
        let current = current_version(vec![
            meta("a", datetime!(2025-01-01 0:00 UTC), true),
            meta("c", datetime!(2025-03-01 0:00 UTC), false),
            meta("b", datetime!(2025-02-01 0:00 UTC), true),
        ])
        .unwrap();
        assert_eq!(current.version.as_deref(), Some("c"));
        assert!(!current.enabled);
    }

    #[test]
    fn expiry_fields() {
        let now = datetime!(2025-01-01 0:00 UTC);
        let mut m = meta("a", now, true);
        m.expires_on = Some(now + time::Duration::days(10));
        let m = m.with_expiry(now, 30);
        assert_eq!((m.expires_in_days, m.expiring_soon), (Some(10), true));
        let m = m.with_expiry(now - time::Duration::days(40), 30);
        assert_eq!((m.expires_in_days, m.expiring_soon), (Some(50), false));
        let m = m.with_expiry(now + time::Duration::hours(11 * 24 + 12), 30);
        assert_eq!((m.expires_in_days, m.expiring_soon), (Some(-2), true));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["expires_on"], "2025-01-11T00:00:00Z");
        assert_eq!(json["not_before"], serde_json::Value::Null);
        assert_eq!(json["stale"], false);
    }
}
