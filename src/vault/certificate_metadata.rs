//! The certificate metadata we serve: our own type, since the SDK's `Certificate` carries the `cer`
//! and the ids of the backing key and secret, and its serde would write them out. Only public
//! facts about the certificate are kept: dates, thumbprint, names, issuer, key shape, renewal.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateMetadata {
    pub name: String,
    /// The newest created version; `null` in list answers (Key Vault's list names certificates,
    /// not versions).
    pub version: Option<String>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_on: Option<OffsetDateTime>,
    /// Whole days until expiry, negative once expired; `null` without an expiry date.
    pub expires_in_days: Option<i64>,
    /// Expires within `CERTIFICATE_EXPIRY_WARNING_DAYS`, or has already expired.
    pub expiring_soon: bool,
    /// SHA-1 of the DER certificate in upper-case hex, as the portal shows it.
    pub thumbprint: Option<String>,
    /// From the policy (`x509_props`): what Key Vault issues and renews the certificate with.
    pub subject: Option<String>,
    /// The DNS names among the policy's subject alternative names.
    pub sans: Vec<String>,
    /// The policy's issuer: `Self`, `Unknown`, or the name of a CA integration.
    pub issuer: Option<String>,
    /// `RSA`, `RSA-HSM`, `EC`, `EC-HSM`.
    pub key_type: Option<String>,
    /// Bits, for RSA keys.
    pub key_size: Option<i32>,
    /// `P-256`, `P-384`, `P-521`, `P-256K`, for EC keys.
    pub key_curve: Option<String>,
    /// The backing secret's content type (`application/x-pkcs12` or `application/x-pem-file`).
    pub content_type: Option<String>,
    /// The policy has a lifetime action `AutoRenew`: Key Vault renews the certificate itself.
    pub auto_renew: bool,
    /// When that renewal triggers; `null` without auto-renew.
    pub auto_renew_trigger: Option<RenewTrigger>,
    pub tags: BTreeMap<String, String>,
    /// Served from the cache because Key Vault could not be asked.
    pub stale: bool,
}

/// An `AutoRenew` lifetime action's trigger: one of the two is set, as Key Vault requires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RenewTrigger {
    pub days_before_expiry: Option<i32>,
    pub lifetime_percentage: Option<i32>,
    /// The instant it triggers for the current version, when its validity dates are known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

impl RenewTrigger {
    /// The trigger with its instant computed from the version's validity window.
    pub fn new(
        days_before_expiry: Option<i32>,
        lifetime_percentage: Option<i32>,
        not_before: Option<OffsetDateTime>,
        expires: Option<OffsetDateTime>,
    ) -> Self {
        let at = match (days_before_expiry, lifetime_percentage, expires) {
            (Some(days), _, Some(exp)) => exp.checked_sub(time::Duration::days(i64::from(days))),
            (None, Some(pct), Some(exp)) => not_before.and_then(|nbf| {
                // Key Vault's percentage is of the validity period, nbf to exp.
                let span = (exp - nbf).whole_seconds();
                nbf.checked_add(time::Duration::seconds(span.checked_mul(i64::from(pct))? / 100))
            }),
            _ => None,
        };
        Self { days_before_expiry, lifetime_percentage, at }
    }
}

impl CertificateMetadata {
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

    /// Expired at `now`.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expires_on.is_some_and(|e| e <= now)
    }
}

/// Key Vault's current version is the newest created one, as for secrets; ties go to the later
/// update, then the larger version id, so the answer is at least stable.
pub(crate) fn newest(versions: impl IntoIterator<Item = CertificateMetadata>) -> Option<CertificateMetadata> {
    versions.into_iter().max_by(|a, b| {
        let key = |v: &CertificateMetadata| (v.created, v.updated);
        key(a).cmp(&key(b)).then_with(|| a.version.cmp(&b.version))
    })
}

/// Upper-case hex, two digits a byte, no separators (the portal's "X.509 SHA-1 Thumbprint").
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn renewal_instants() {
        let nbf = datetime!(2025-01-01 0:00 UTC);
        let exp = datetime!(2026-01-01 0:00 UTC);
        let by_days = RenewTrigger::new(Some(30), None, Some(nbf), Some(exp));
        assert_eq!(by_days.at, Some(datetime!(2025-12-02 0:00 UTC)));
        let by_share = RenewTrigger::new(None, Some(80), Some(nbf), Some(exp));
        assert_eq!(by_share.at, Some(nbf + time::Duration::seconds(365 * 86_400 * 80 / 100)));
        assert_eq!(RenewTrigger::new(None, Some(80), None, Some(exp)).at, None);
        assert_eq!(RenewTrigger::new(Some(30), None, Some(nbf), None).at, None);
    }

    #[test]
    fn expiry_and_newest() {
        let now = datetime!(2025-01-01 0:00 UTC);
        let meta = |v: &str, created| CertificateMetadata {
            name: "c".into(),
            version: Some(v.into()),
            created: Some(created),
            expires_on: Some(now + time::Duration::days(10)),
            ..Default::default()
        };
        let current = newest([meta("a", now), meta("c", now + time::Duration::days(1)), meta("b", now)]).unwrap();
        assert_eq!(current.version.as_deref(), Some("c"));
        let current = current.with_expiry(now, 30);
        assert_eq!((current.expires_in_days, current.expiring_soon), (Some(10), true));
        assert!(!current.clone().with_expiry(now, 5).expiring_soon);
        assert!(current.expired(now + time::Duration::days(10)));
        assert_eq!(hex(&[0x0a, 0xff, 0x10]), "0AFF10");
    }
}
