use std::time::{Duration, Instant};

use vaultfn_handler::vault::{ForbiddenCode, VaultError};

use crate::support::harness;
use crate::support::proxy::Fault;

const BUDGET_MS: u64 = 1000;

fn within_budget(started: Instant) {
    let limit = Duration::from_millis(BUDGET_MS + BUDGET_MS / 10);
    assert!(started.elapsed() <= limit, "took {:?}, budget {limit:?}", started.elapsed());
}

#[tokio::test]
async fn vault_down_serves_stale_then_recovers() {
    let h = harness();
    let (svc, proxy) = h.service(&[("KEY_VAULT_TIMEOUT_MS", "1000"), ("SECRET_METADATA_TTL_SECONDS", "1")]).await;
    let fresh = svc.get("plain-secret").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    for fault in [Fault::Refuse, Fault::Hang] {
        proxy.set_fault(fault.clone());
        let started = Instant::now();
        let stale = svc.get("plain-secret").await.unwrap();
        within_budget(started);
        assert!(stale.stale, "{fault:?}: cached entry comes back marked stale");
        assert_eq!(stale.version, fresh.version);

        let started = Instant::now();
        let err = svc.get("expiring-secret").await.unwrap_err();
        within_budget(started);
        let expected = if fault == Fault::Hang { 504 } else { 503 };
        assert_eq!(err.status(), expected, "{fault:?}: {err:?}");
        h.assert_clean("error", &format!("{err:?} {}", err.detail()));
    }

    proxy.set_fault(Fault::None);
    let recovered = svc.get("plain-secret").await.unwrap();
    assert!(!recovered.stale, "recovers on its own once the fault clears");
    h.assert_logs_clean();
}

#[tokio::test]
async fn upstream_errors_map_to_the_documented_answers() {
    let h = harness();
    let (svc, proxy) = h.service(&[("KEY_VAULT_TIMEOUT_MS", "1000")]).await;

    proxy.set_fault(Fault::Throttle { retry_after: 7 });
    let started = Instant::now();
    let err = svc.get("plain-secret").await.unwrap_err();
    within_budget(started);
    assert_eq!((err.status(), err.retry_after()), (503, Some(7)));

    // The 429 closed the process-wide gate: nothing is asked of the vault until Retry-After.
    let before = proxy.total();
    let gated = svc.get("expiring-secret").await.unwrap_err();
    assert!(matches!(gated, VaultError::Throttled { .. }) && proxy.total() == before, "{gated:?}");

    let (svc, proxy) = h.service(&[("KEY_VAULT_TIMEOUT_MS", "1000")]).await;
    proxy.set_fault(Fault::ServerError);
    assert_eq!(svc.get("plain-secret").await.unwrap_err().status(), 502);

    for (inner, code, hint) in [
        ("ForbiddenByRbac", ForbiddenCode::Rbac, "Key Vault Reader"),
        ("ForbiddenByPolicy", ForbiddenCode::Policy, "access policy"),
        ("ForbiddenByFirewall", ForbiddenCode::Firewall, "network rules"),
        ("SecretDisabled", ForbiddenCode::SecretDisabled, "Enable it"),
    ] {
        proxy.set_fault(Fault::Forbidden(inner));
        let err = svc.get("plain-secret").await.unwrap_err();
        assert_eq!(err, VaultError::Forbidden { code });
        assert_eq!(err.status(), 403);
        assert!(err.detail().contains(inner) && err.detail().contains(hint), "{}", err.detail());
    }

    proxy.set_fault(Fault::None);
    assert!(svc.get("plain-secret").await.is_ok());
}
