//! Vaults of thousands of secrets and versions behind a slow vault (25 items a page, 20 ms a
//! page, as Key Vault far away): a listing longer than the budget goes on in the background and
//! is never wasted; callers share it; the finished list pages through `/api/secrets` for free.
//! A stand-in of its own: the paging and the delay would slow every other test of the binary.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::{body::Body, http::Request};
use serde_json::Value;
use tower::ServiceExt;
use vaultfn_handler::settings::Config;
use vaultfn_handler::state::AppState;
use vaultfn_handler::vault::{CacheStatus, VaultConfig, VaultError, VaultService};
use vaultfn_testbed::{Testbed, Vault, VaultChoice};

use crate::support::harness;

const SECRETS: usize = 4000;
const VERSIONS: usize = 2500;

fn slow_vault() -> &'static Testbed {
    static SLOW: OnceLock<Testbed> = OnceLock::new();
    SLOW.get_or_init(|| {
        let testbed = Testbed::builder().vault(VaultChoice::StandIn).start().unwrap_or_else(|why| panic!("{why}"));
        let Vault::StandIn(standin) = &testbed.vault else { panic!("the stand-in was asked for") };
        standin.fill("bulk", SECRETS, &testbed.canary);
        standin.fill_versions("long-history", VERSIONS, &testbed.canary);
        standin.set_paging(25, Duration::from_millis(20));
        testbed
    })
}

fn settings(extra: &[(&str, &str)]) -> (Vec<(String, String)>, vaultfn_testbed::proxy::Proxy) {
    let h = harness();
    let tb = slow_vault();
    let proxy = tb.proxy();
    // The process's managed-identity endpoint is the shared harness's.
    let mut vars = tb.settings(&proxy, &h.identity);
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    (vars, proxy)
}

async fn until_ready<T>(mut call: impl AsyncFnMut() -> Result<T, VaultError>) -> (T, Duration) {
    let started = Instant::now();
    loop {
        match call().await {
            Ok(answer) => return (answer, started.elapsed()),
            Err(VaultError::Preparing { .. }) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(other) => panic!("{other:?} after {:?}", started.elapsed()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_past_the_budget_is_prepared_in_the_background_and_shared() {
    let (vars, proxy) = settings(&[("KEY_VAULT_TIMEOUT_MS", "1000")]);
    let cfg = VaultConfig::from_vars(&vars.into_iter().collect()).unwrap().unwrap();
    let service = VaultService::from_config(&cfg).unwrap();
    service.ready().await;

    let started = Instant::now();
    let first = futures::future::join_all((0..10).map(|_| service.list_with_status())).await;
    assert!(started.elapsed() < Duration::from_millis(1500), "every caller answered within the budget");
    for answer in &first {
        let err = answer.as_ref().unwrap_err();
        assert!(matches!(err, VaultError::Preparing { pages, .. } if *pages > 0), "{err:?}");
        assert_eq!((err.status(), err.retry_after()), (503, Some(5)));
    }
    let ((list, status), _) = until_ready(async || service.list_with_status().await).await;
    assert_eq!(status, CacheStatus::Miss);
    assert!(list.iter().filter(|m| m.name.starts_with("bulk-")).count() == SECRETS);
    let pages = proxy.count("/secrets");
    assert!(pages >= SECRETS / 25, "the one listing read every page: {pages}");
    let (_, status) = service.list_with_status().await.unwrap();
    assert_eq!(status, CacheStatus::Hit, "the next call is a cache hit");
    assert_eq!(proxy.count("/secrets"), pages, "ten callers, one listing");

    let (meta, took) = until_ready(async || service.get("long-history").await).await;
    assert!(meta.version.is_some(), "the newest of {VERSIONS} versions");
    assert!(took > Duration::from_millis(1500), "a hundred pages of versions take a while: {took:?}");
    let started = Instant::now();
    service.get("long-history").await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(50), "then it is a hit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cached_list_pages_through_the_api_at_no_cost() {
    let (vars, proxy) = settings(&[("KEY_VAULT_TIMEOUT_MS", "1000")]);
    let app = vaultfn_handler::routes::app(Arc::new(AppState::new(Config::from_vars(vars).unwrap())));
    let get = |path: String| {
        let app = app.clone();
        async move {
            let response = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            let status = response.status().as_u16();
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
            (status, retry_after, serde_json::from_slice::<Value>(&body).unwrap())
        }
    };
    let (status, retry_after, problem) = get("/api/secrets?maxresults=500".into()).await;
    assert_eq!((status, retry_after.as_deref()), (503, Some("5")), "{problem}");
    assert_eq!(problem["type"], "urn:vaultfn:problem:answer-being-prepared");

    let started = Instant::now();
    let mut next = Some("/api/secrets?maxresults=500".to_owned());
    let mut names = BTreeSet::new();
    let mut pages = 0;
    while let Some(link) = next {
        let (status, _, page) = get(link.clone()).await;
        if status == 503 && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            next = Some(link);
            continue;
        }
        assert_eq!(status, 200, "{page}");
        let value = page["value"].as_array().unwrap();
        assert!(value.len() <= 500);
        for item in value {
            assert!(names.insert(item["name"].as_str().unwrap().to_owned()), "no name twice");
        }
        pages += 1;
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    assert!(names.iter().filter(|n| n.starts_with("bulk-")).count() == SECRETS);
    assert!(pages >= SECRETS / 500);
    let listed = proxy.count("/secrets");
    let (status, _, _) = get("/api/secrets?maxresults=7&$skiptoken=bulk-00100".into()).await;
    assert_eq!((status, proxy.count("/secrets")), (200, listed), "paging reads the cached list");
    let (status, _, problem) = get("/api/secrets?maxresults=0".into()).await;
    assert_eq!(status, 400, "{problem}");
}
