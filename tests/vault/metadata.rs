use secrecy::ExposeSecret;
use time::OffsetDateTime;
use vaultfn_handler::vault::VaultError;

use crate::support::harness;

#[tokio::test]
async fn metadata_matches_what_was_seeded() {
    let h = harness();
    let (svc, _proxy) = h.service(&[]).await;

    let plain = svc.get("plain-secret").await.unwrap();
    assert_eq!(plain.version.as_ref(), h.seeded.versions["plain-secret"].last());
    assert!(plain.enabled && !plain.stale && !plain.managed);
    assert_eq!(plain.content_type.as_deref(), Some("text/plain"));
    assert_eq!(plain.tags.get("owner").map(String::as_str), Some("vaultfn"));
    assert_eq!(plain.tags.get("env").map(String::as_str), Some("test"));
    assert!(plain.created_on.is_some() && plain.updated_on.is_some());
    assert_eq!((plain.expires_on, plain.expires_in_days, plain.expiring_soon), (None, None, false));
    // The vault's deletion-recovery settings, as it reported them when the secret was created.
    assert!(h.seeded.recovery_level.is_some() && h.seeded.recoverable_days.is_some());
    assert_eq!(plain.recovery_level, h.seeded.recovery_level);
    assert_eq!(plain.recoverable_days, h.seeded.recoverable_days);

    let disabled = svc.get("disabled-secret").await.unwrap();
    assert!(!disabled.enabled);

    let expiring = svc.get("expiring-secret").await.unwrap();
    let seeded_exp = OffsetDateTime::from_unix_timestamp(h.seeded.expires["expiring-secret"]).unwrap();
    assert_eq!(expiring.expires_on, Some(seeded_exp));
    assert_eq!(expiring.expires_in_days, Some(5));
    assert!(expiring.expiring_soon);

    let future = svc.get("future-secret").await.unwrap();
    let seeded_nbf = OffsetDateTime::from_unix_timestamp(h.seeded.not_before["future-secret"]).unwrap();
    assert_eq!(future.not_before, Some(seeded_nbf));
    assert!(!future.expiring_soon);

    let multi = svc.get("multi-version").await.unwrap();
    assert_eq!(multi.version.as_ref(), h.seeded.versions["multi-version"].last());
    assert_eq!(multi.content_type.as_deref(), Some("v3"));
    assert_eq!(multi.tags.get("rev").map(String::as_str), Some("3"));

    // Key Vault matches names case-insensitively and answers with the name as created.
    let shouted = svc.get("MULTI-Version").await.unwrap();
    assert_eq!((shouted.name.as_str(), &shouted.version), ("multi-version", &multi.version));

    // The newest version is current even when it is disabled: that is what a reference resolves to.
    let rotated = svc.get("rotated-secret").await.unwrap();
    assert_eq!(rotated.version.as_ref(), h.seeded.versions["rotated-secret"].last());
    assert!(!rotated.enabled);

    for meta in [&plain, &disabled, &expiring, &future, &multi, &shouted, &rotated] {
        let json = serde_json::to_string(meta).unwrap();
        h.assert_clean("metadata JSON", &json);
        h.assert_clean("metadata Debug", &format!("{meta:?}"));
        assert!(json.contains("\"stale\":false"), "{json}");
    }
    h.assert_logs_clean();
}

#[tokio::test]
async fn list_names_every_seeded_secret() {
    let h = harness();
    let (svc, proxy) = h.service(&[]).await;
    let list = svc.list().await.unwrap();
    for name in h.seeded.versions.keys() {
        let found = list.iter().find(|m| &m.name == name).unwrap_or_else(|| panic!("{name} missing from the list"));
        assert!(found.version.is_none(), "list entries name secrets, not versions");
    }
    for disabled in ["disabled-secret", "rotated-secret"] {
        assert!(!list.iter().find(|m| m.name == disabled).unwrap().enabled, "{disabled}");
    }
    let before = proxy.count("/secrets");
    svc.list().await.unwrap();
    assert_eq!(proxy.count("/secrets"), before, "a second list within the TTL is served from the cache");
    h.assert_clean("list JSON", &serde_json::to_string(&list).unwrap());
}

#[tokio::test]
async fn invalid_names_never_reach_key_vault() {
    let h = harness();
    let (svc, proxy) = h.service(&[]).await;
    let before = proxy.total();
    let long = "a".repeat(128);
    for bad in ["", "under_score", "a/b", "..", "%2F", "plain-secret/versions", "sp ace", "é", long.as_str()] {
        assert_eq!(svc.get(bad).await.unwrap_err(), VaultError::InvalidName, "{bad:?}");
        assert_eq!(svc.value(bad, None).await.unwrap_err(), VaultError::InvalidName, "{bad:?}");
    }
    assert_eq!(svc.value("plain-secret", Some("../x")).await.unwrap_err(), VaultError::InvalidVersion);
    assert_eq!(proxy.total(), before, "no Key Vault request for invalid input");
}

#[tokio::test]
async fn missing_secret_is_404_and_cached_briefly() {
    let h = harness();
    let (svc, proxy) = h.service(&[]).await;
    let err = svc.get("no-such-secret").await.unwrap_err();
    assert_eq!((err.status(), err.type_slug()), (404, "secret-not-found"));
    assert!(err.detail().contains("no-such-secret"));
    let path = "/secrets/no-such-secret/versions";
    let after_first = proxy.count(path);
    assert_eq!(svc.get("no-such-secret").await.unwrap_err().status(), 404);
    assert_eq!(proxy.count(path), after_first);
}

#[tokio::test]
async fn values_for_local_reference_resolution() {
    let h = harness();
    let (svc, _proxy) = h.service(&[]).await;
    let current = svc.value("multi-version", None).await.unwrap();
    assert!(current.expose_secret().ends_with("multi-version-v3"));
    let first = &h.seeded.versions["multi-version"][0];
    let old = svc.value("multi-version", Some(first)).await.unwrap();
    assert!(old.expose_secret().ends_with("multi-version-v1"));
    h.assert_clean("a SecretString's Debug", &format!("{current:?}"));

    let disabled = svc.value("disabled-secret", None).await.unwrap_err();
    assert_eq!(disabled, h.disabled_value_error("disabled-secret"));
    assert_eq!(svc.value("no-such-secret", None).await.unwrap_err().status(), 404);

    // A disabled newest version is refused, not replaced by an older one; older ones stay readable.
    let rotated = svc.value("rotated-secret", None).await.unwrap_err();
    assert_eq!(rotated, h.disabled_value_error("rotated-secret"));
    let previous = &h.seeded.versions["rotated-secret"][0];
    let previous = svc.value("rotated-secret", Some(previous)).await.unwrap();
    assert!(previous.expose_secret().ends_with("rotated-secret-v1"));
    h.assert_clean("errors", &format!("{disabled:?} {}", disabled.detail()));
    h.assert_logs_clean();
}
