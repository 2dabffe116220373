//! The metadata we serve: our own type, so no SDK model (whose serde keeps `value`) is ever
//! serialised.

use std::collections::BTreeMap;
use std::sync::RwLock;

use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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

/// A secret's metadata as the cache holds it, with its fresh (not stale) JSON answer rendered once
/// and reused until a field computed from the clock could change: a cache hit then costs no
/// clone and no serialisation.
#[derive(Debug)]
pub struct CachedSecret {
    meta: SecretMetadata,
    rendered: RwLock<Option<Rendered>>,
}

#[derive(Debug)]
struct Rendered {
    body: Bytes,
    warning_days: u32,
    /// The body is what [`SecretMetadata::with_expiry`] gives for any `now` in `from..until`
    /// (`until: None`: for any later `now`). `from` guards against the clock stepping back.
    from: OffsetDateTime,
    until: Option<OffsetDateTime>,
}

impl Rendered {
    fn holds(&self, now: OffsetDateTime, warning_days: u32) -> bool {
        self.warning_days == warning_days && self.from <= now && self.until.is_none_or(|until| now < until)
    }
}

impl CachedSecret {
    pub fn new(meta: SecretMetadata) -> Self {
        Self { meta, rendered: RwLock::new(None) }
    }

    /// The metadata as read from the vault (expiry fields not yet computed, `stale` false).
    pub fn metadata(&self) -> &SecretMetadata {
        &self.meta
    }

    /// The JSON of `metadata().clone().with_expiry(now, warning_days)` with `stale: false`, byte
    /// for byte; `None` when it cannot be serialised (a date outside RFC 3339's years).
    pub fn fresh_json(&self, now: OffsetDateTime, warning_days: u32) -> Option<Bytes> {
        if let Ok(rendered) = self.rendered.read()
            && let Some(rendered) = rendered.as_ref()
            && rendered.holds(now, warning_days)
        {
            return Some(rendered.body.clone());
        }
        let meta = self.meta.clone().with_expiry(now, warning_days);
        let body = Bytes::from(serde_json::to_vec(&meta).ok()?);
        let until = meta.expires_on.map(|expires| meta.changes_after(expires, warning_days).unwrap_or(now));
        if let Ok(mut rendered) = self.rendered.write() {
            *rendered = Some(Rendered { body: body.clone(), warning_days, from: now, until });
        }
        Some(body)
    }
}

impl SecretMetadata {
    /// The earliest instant at which [`with_expiry`](Self::with_expiry) could give other expiry
    /// fields than those `self` holds (computed for some `now` before it, with `warning_days`);
    /// `None` when that instant cannot be represented, so the caller recomputes every time.
    fn changes_after(&self, expires: OffsetDateTime, warning_days: u32) -> Option<OffsetDateTime> {
        // `expires_in_days` is d while the whole seconds left stay within [d, d + 1) days: with at
        // least d days left (exactly, for a future expiry; conservatively, once expired, where
        // whole seconds round towards zero) it has not changed yet.
        let days = self.expires_in_days?;
        let day_edge = expires.checked_sub(time::Duration::days(days))?;
        if self.expiring_soon {
            // Time only shrinks what is left: once expiring soon, it stays so.
            return Some(day_edge);
        }
        // Not expiring soon means more than `warning_days` left; at exactly that many it is.
        let warn_edge = expires.checked_sub(time::Duration::days(i64::from(warning_days)))?;
        Some(day_edge.min(warn_edge))
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
            ..Default::default()
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

    #[test]
    fn a_rendered_answer_is_reused_only_while_its_expiry_fields_hold() {
        let start = datetime!(2025-01-01 0:00 UTC);
        let step = time::Duration::milliseconds(250);
        for (expires_in, warning_days) in
            [(-2 * 86_400 - 1, 30), (-1, 7), (0, 0), (3 * 86_400 + 7, 3), (40 * 86_400, 38)]
        {
            let mut m = meta("a", start, true);
            m.expires_on = Some(start + time::Duration::seconds(expires_in));
            let cached = CachedSecret::new(m.clone());
            let mut now = start;
            for _ in 0..(6 * 86_400 * 4 / 1000) {
                // Large strides, with sub-second offsets, across day and warning edges.
                now += time::Duration::seconds(997) + step;
                let expected = serde_json::to_vec(&m.clone().with_expiry(now, warning_days)).unwrap();
                assert_eq!(
                    cached.fresh_json(now, warning_days).unwrap(),
                    expected,
                    "{expires_in} s, {warning_days} d, {now}"
                );
            }
            for offset in [-86_400, -86_399, -1, 0, 1, 86_399, 86_400] {
                let at = m.expires_on.unwrap() + time::Duration::seconds(offset);
                for now in [at - time::Duration::nanoseconds(1), at, at + time::Duration::nanoseconds(1)] {
                    let expected = serde_json::to_vec(&m.clone().with_expiry(now, warning_days)).unwrap();
                    assert_eq!(cached.fresh_json(now, warning_days).unwrap(), expected, "{expires_in} s, {now}");
                }
            }
        }
    }
}
