use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

fn meta(name: &str) -> SecretMetadata {
    SecretMetadata { name: name.into(), enabled: true, ..Default::default() }
}

fn policy(ttl_ms: u64, budget_ms: u64) -> CachePolicy {
    CachePolicy {
        ttl: Duration::from_millis(ttl_ms),
        budget: Duration::from_millis(budget_ms),
        ceiling: Duration::from_secs(5),
    }
}

fn timeout() -> VaultError {
    VaultError::Timeout { budget_ms: 1 }
}

type Answer = Result<Option<SecretMetadata>, VaultError>;

/// A fetch that counts its calls, reads `pages` pages of `delay` each, then answers `answer`.
fn counted(
    calls: &Arc<AtomicUsize>,
    pages: usize,
    delay: Duration,
    answer: Answer,
) -> impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Answer> + Send + 'static {
    let calls = calls.clone();
    move |progress| {
        calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            for _ in 0..pages {
                tokio::time::sleep(delay).await;
                progress.page();
            }
            answer
        })
    }
}

async fn get(
    cache: &MetadataCache,
    name: &str,
    fetch: impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Answer> + Send + 'static,
) -> Result<CacheStatus, VaultError> {
    cache.cached_secret(name, timeout, fetch).await.map(|(_, status)| status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_call_and_failures_fall_back_to_stale() {
    let cache = MetadataCache::new(policy(300, 2000));
    let calls = Arc::new(AtomicUsize::new(0));
    let all = futures::future::join_all(
        (0..200).map(|_| get(&cache, "a", counted(&calls, 1, Duration::from_millis(50), Ok(Some(meta("a")))))),
    )
    .await;
    assert!(all.iter().all(|r| r.is_ok()));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(get(&cache, "a", counted(&calls, 0, Duration::ZERO, Ok(None))).await, Ok(CacheStatus::Hit));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    tokio::time::sleep(Duration::from_millis(350)).await;
    let down = || counted(&calls, 0, Duration::ZERO, Err(VaultError::Unreachable));
    assert_eq!(get(&cache, "a", down()).await, Ok(CacheStatus::Stale));
    assert_eq!(get(&cache, "b", down()).await, Err(VaultError::Unreachable));
    let forbidden = VaultError::Forbidden { code: crate::vault::ForbiddenCode::Rbac };
    let err = get(&cache, "a", counted(&calls, 0, Duration::ZERO, Err(forbidden))).await.unwrap_err();
    assert_eq!(err.status(), 403, "Key Vault's own answer is never papered over");
}

#[tokio::test]
async fn not_found_is_cached_briefly() {
    let cache = MetadataCache::new(policy(300_000, 2000));
    let calls = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let err = get(&cache, "gone", counted(&calls, 0, Duration::ZERO, Ok(None))).await.unwrap_err();
        assert_eq!(err.status(), 404);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_listing_goes_on_in_the_background_and_is_never_wasted() {
    let cache = MetadataCache::new(policy(60_000, 100));
    let calls = Arc::new(AtomicUsize::new(0));
    // Six pages of 60 ms: well past the 100 ms budget, but making progress all along.
    let slow = || counted(&calls, 6, Duration::from_millis(60), Ok(Some(meta("big"))));
    let first = futures::future::join_all((0..20).map(|_| get(&cache, "big", slow()))).await;
    for answer in &first {
        assert!(matches!(answer, Err(VaultError::Preparing { pages, .. }) if *pages >= 1), "{answer:?}");
    }
    assert_eq!(first[0].as_ref().unwrap_err().retry_after(), Some(5));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get(&cache, "big", slow()).await, Ok(CacheStatus::Hit), "the next call after it completes");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "concurrent callers shared the one listing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_without_progress_is_abandoned_so_recovery_shows_at_once() {
    let cache = MetadataCache::new(policy(60_000, 100));
    let calls = Arc::new(AtomicUsize::new(0));
    let hung = counted(&calls, 1, Duration::from_secs(30), Ok(Some(meta("x"))));
    let started = Instant::now();
    assert_eq!(get(&cache, "x", hung).await, Err(timeout()));
    assert!(started.elapsed() < Duration::from_millis(500));
    let healthy = counted(&calls, 1, Duration::from_millis(1), Ok(Some(meta("x"))));
    assert_eq!(get(&cache, "x", healthy).await, Ok(CacheStatus::Miss), "a new flight, not the stuck one");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn ttls_are_jittered_within_a_tenth() {
    let ttl = Duration::from_secs(300);
    let samples: Vec<Duration> = (0..1000).map(|_| jitter(ttl)).collect();
    assert!(samples.iter().all(|d| *d >= ttl.mul_f64(JITTER_FLOOR) && *d <= ttl));
    let spread = samples.iter().max().unwrap().as_secs_f64() - samples.iter().min().unwrap().as_secs_f64();
    assert!(spread > 20.0, "a fleet must not refresh in step: spread {spread} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_entry_is_refreshed_ahead_of_expiry() {
    let cache = MetadataCache::new(policy(1000, 2000));
    let calls = Arc::new(AtomicUsize::new(0));
    let fetch = || counted(&calls, 1, Duration::from_millis(1), Ok(Some(meta("hot"))));
    assert_eq!(get(&cache, "hot", fetch()).await, Ok(CacheStatus::Miss));
    // Read every 10 ms for longer than any jittered TTL (0.9-1.0 s): some read lands in the
    // refresh-ahead window (the last 5 % of the entry's life), and none ever misses.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1300) {
        assert_eq!(get(&cache, "hot", fetch()).await, Ok(CacheStatus::Hit), "never expired into the slow path");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "refreshed once, in the background");
    assert_eq!(cache.stats().refreshes_ahead.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_vault_is_asked_nothing_until_retry_after() {
    let cache = MetadataCache::new(policy(60_000, 2000));
    let calls = Arc::new(AtomicUsize::new(0));
    assert_eq!(
        get(&cache, "cached", counted(&calls, 1, Duration::ZERO, Ok(Some(meta("cached"))))).await,
        Ok(CacheStatus::Miss)
    );
    let throttled = VaultError::Throttled { retry_after: Some(Duration::from_secs(1)) };
    let err = get(&cache, "one", counted(&calls, 0, Duration::ZERO, Err(throttled))).await.unwrap_err();
    assert!(matches!(err, VaultError::Throttled { .. }));
    let before = calls.load(Ordering::SeqCst);
    for name in ["one", "two", "three"] {
        let err = get(&cache, name, counted(&calls, 1, Duration::ZERO, Ok(Some(meta(name))))).await.unwrap_err();
        assert!(
            matches!(err, VaultError::Throttled { retry_after: Some(left) } if left <= Duration::from_secs(1)),
            "{err:?}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), before, "the gate is process-wide, not per request");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get(&cache, "two", counted(&calls, 1, Duration::ZERO, Ok(Some(meta("two"))))).await,
        Ok(CacheStatus::Miss)
    );
}
