//! The metadata cache in front of a backend.
//!
//! Entries outlive their TTL on purpose: a fresh entry is served as is, an old one is only kept
//! to stand in (marked stale) when Key Vault cannot be asked. Concurrent misses for one key share
//! one backend call.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;

use super::error::VaultError;
use super::metadata::{CachedSecret, SecretMetadata};

/// Not-found answers are kept this long at most, so a secret created after a typo shows up fast.
pub const NEGATIVE_TTL: Duration = Duration::from_secs(30);
/// How long an unused entry may wait to serve as a stale fallback.
const STALE_KEEP: Duration = Duration::from_secs(24 * 3600);
const MAX_SECRETS: u64 = 10_000;

/// How an answer was obtained (for an `X-Cache` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Miss,
    Stale,
}

#[derive(Clone)]
struct Entry<V> {
    value: V,
    fetched: Instant,
}

/// One keyed cache with single-flight loading and stale fallback.
#[derive(Clone)]
struct Slot<V: Clone + Send + Sync + 'static> {
    entries: Cache<String, Entry<V>>,
    flights: Cache<String, Entry<V>>,
}

impl<V: Clone + Send + Sync + 'static> Slot<V> {
    fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder().max_capacity(capacity).time_to_idle(STALE_KEEP).build(),
            // Only a meeting point for concurrent loads; emptied after each flight.
            flights: Cache::builder().max_capacity(capacity).time_to_live(Duration::from_secs(60)).build(),
        }
    }

    async fn fresh(&self, key: &str, ttl: &impl Fn(&V) -> Duration) -> Option<V> {
        let entry = self.entries.get(key).await?;
        (entry.fetched.elapsed() < ttl(&entry.value)).then_some(entry.value)
    }

    async fn get<Fut>(
        &self,
        key: &str,
        ttl: impl Fn(&V) -> Duration,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<(V, CacheStatus), VaultError>
    where
        Fut: Future<Output = Result<V, VaultError>>,
    {
        if let Some(value) = self.fresh(key, &ttl).await {
            return Ok((value, CacheStatus::Hit));
        }
        let flight = self
            .flights
            .try_get_with(key.to_owned(), async {
                // A flight that landed between our check and now has already filled the cache.
                if let Some(value) = self.fresh(key, &ttl).await {
                    return Ok(Entry { value, fetched: Instant::now() });
                }
                let entry = Entry { value: fetch().await?, fetched: Instant::now() };
                self.entries.insert(key.to_owned(), entry.clone()).await;
                Ok::<_, VaultError>(entry)
            })
            .await;
        self.flights.invalidate(key).await;
        match flight {
            Ok(entry) => Ok((entry.value, CacheStatus::Miss)),
            Err(err) => {
                if err.allows_stale()
                    && let Some(old) = self.entries.get(key).await
                {
                    return Ok((old.value, CacheStatus::Stale));
                }
                Err(Arc::unwrap_or_clone(err))
            }
        }
    }
}

/// Secret metadata by name (`None` = not found) and the whole list. Secrets are shared, so a
/// hit copies a pointer, not the metadata.
#[derive(Clone)]
pub struct MetadataCache {
    secrets: Slot<Option<Arc<CachedSecret>>>,
    list: Slot<Vec<SecretMetadata>>,
    ttl: Duration,
}

impl MetadataCache {
    pub fn new(ttl: Duration) -> Self {
        Self { secrets: Slot::new(MAX_SECRETS), list: Slot::new(1), ttl }
    }

    pub async fn secret<Fut>(
        &self,
        name: &str,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<(SecretMetadata, CacheStatus), VaultError>
    where
        Fut: Future<Output = Result<Option<SecretMetadata>, VaultError>>,
    {
        let (cached, status) = self.cached_secret(name, fetch).await?;
        let mut meta = cached.metadata().clone();
        meta.stale = status == CacheStatus::Stale;
        Ok((meta, status))
    }

    /// [`secret`](Self::secret) as the shared entry; `stale` is for the caller to set from the
    /// status.
    pub async fn cached_secret<Fut>(
        &self,
        name: &str,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<(Arc<CachedSecret>, CacheStatus), VaultError>
    where
        Fut: Future<Output = Result<Option<SecretMetadata>, VaultError>>,
    {
        let ttl = self.ttl;
        let ttl = move |v: &Option<Arc<CachedSecret>>| {
            if v.is_some() { ttl } else { ttl.min(NEGATIVE_TTL) }
        };
        let fetch = || async { Ok(fetch().await?.map(|meta| Arc::new(CachedSecret::new(meta)))) };
        let (found, status) = self.secrets.get(name, ttl, fetch).await?;
        match found {
            // Stale or not, "not found" is the last thing the vault said about this name.
            None => Err(VaultError::NotFound { name: name.to_owned() }),
            Some(cached) => Ok((cached, status)),
        }
    }

    pub async fn evict(&self, name: &str) {
        self.secrets.entries.invalidate(name).await;
        self.list.entries.invalidate("").await;
    }

    pub async fn list<Fut>(&self, fetch: impl FnOnce() -> Fut) -> Result<(Vec<SecretMetadata>, CacheStatus), VaultError>
    where
        Fut: Future<Output = Result<Vec<SecretMetadata>, VaultError>>,
    {
        let ttl = self.ttl;
        let (mut list, status) = self.list.get("", move |_| ttl, fetch).await?;
        let stale = status == CacheStatus::Stale;
        list.iter_mut().for_each(|m| m.stale = stale);
        Ok((list, status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn meta(name: &str) -> SecretMetadata {
        SecretMetadata { name: name.into(), enabled: true, ..Default::default() }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_share_one_call_and_failures_fall_back_to_stale() {
        let cache = MetadataCache::new(Duration::from_millis(300));
        let calls = Arc::new(AtomicUsize::new(0));
        let fetch = |calls: Arc<AtomicUsize>| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Some(meta("a")))
        };
        let all = futures::future::join_all((0..200).map(|_| cache.secret("a", || fetch(calls.clone())))).await;
        assert!(all.iter().all(|r| r.as_ref().is_ok_and(|(m, _)| !m.stale)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let (_, status) = cache.secret("a", || fetch(calls.clone())).await.unwrap();
        assert_eq!((status, calls.load(Ordering::SeqCst)), (CacheStatus::Hit, 1));

        tokio::time::sleep(Duration::from_millis(350)).await;
        let down = || async { Err(VaultError::Unreachable) };
        let (m, status) = cache.secret("a", down).await.unwrap();
        assert!(m.stale && status == CacheStatus::Stale);
        assert_eq!(cache.secret("b", down).await.unwrap_err(), VaultError::Unreachable);
        let forbidden = || async { Err(VaultError::Forbidden { code: crate::vault::ForbiddenCode::Rbac }) };
        assert_eq!(cache.secret("a", forbidden).await.unwrap_err().status(), 403);
    }

    #[tokio::test]
    async fn not_found_is_cached_briefly() {
        let cache = MetadataCache::new(Duration::from_secs(300));
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let err = cache
                .secret("gone", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                })
                .await
                .unwrap_err();
            assert_eq!(err.status(), 404);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
