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
use super::metadata::SecretMetadata;

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
            entries: Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(STALE_KEEP)
                .build(),
            // Only a meeting point for concurrent loads; emptied after each flight.
            flights: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(Duration::from_secs(60))
                .build(),
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
                    return Ok(Entry {
                        value,
                        fetched: Instant::now(),
                    });
                }
                let entry = Entry {
                    value: fetch().await?,
                    fetched: Instant::now(),
                };
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

/// Secret metadata by name (`None` = not found) and the whole list.
#[derive(Clone)]
pub struct MetadataCache {
    secrets: Slot<Option<SecretMetadata>>,
    list: Slot<Vec<SecretMetadata>>,
    ttl: Duration,
}

impl MetadataCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            secrets: Slot::new(MAX_SECRETS),
            list: Slot::new(1),
            ttl,
        }
    }

    pub async fn secret<Fut>(
        &self,
        name: &str,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<(SecretMetadata, CacheStatus), VaultError>
    where
        Fut: Future<Output = Result<Option<SecretMetadata>, VaultError>>,
    {
        let ttl = self.ttl;
        let ttl = move |v: &Option<SecretMetadata>| {
            if v.is_some() {
                ttl
            } else {
                ttl.min(NEGATIVE_TTL)
            }
        };
        let (found, status) = self.secrets.get(name, ttl, fetch).await?;
        match found {
            // Stale or not, "not found" is the last thing the vault said about this name.
            None => Err(VaultError::NotFound {
                name: name.to_owned(),
            }),
            Some(mut meta) => {
                meta.stale = status == CacheStatus::Stale;
                Ok((meta, status))
            }
        }
    }

    pub async fn list<Fut>(
        &self,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<(Vec<SecretMetadata>, CacheStatus), VaultError>
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
