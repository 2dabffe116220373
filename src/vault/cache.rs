//! The metadata cache in front of a backend, built for vaults of thousands of secrets and apps on
//! hundreds of instances.
//!
//! - **One flight per key, in the background.** A miss starts a fetch on its own task, bounded by
//!   [`CachePolicy::ceiling`], that every concurrent caller shares. A caller waits at most the
//!   request's budget: a listing still making progress then goes on and fills the cache (the
//!   caller gets a stale answer, or "being prepared" with `Retry-After`); one that made no
//!   progress at all (a hung vault, a token that never comes) is abandoned, so a fault that clears
//!   is seen by the very next request.
//! - **Jittered TTL** (uniform in 0.9–1.0 × TTL per entry), so a fleet does not refresh in step.
//! - **Refresh ahead**: an entry read in the last twentieth of its life is refreshed in the
//!   background, so a hot entry never expires into the slow path. Both bounds are chosen so a hot
//!   entry is refetched about every 0.9 × TTL: 200 instances × 50 secrets at the default TTL stay
//!   under a tenth of Key Vault's 4,000 reads per 10 s (`vaultfn bench`, `kv_requests_per_10s_fleet`).
//! - **A throttled vault is left alone**: after a 429 nothing is asked of it until `Retry-After`
//!   has passed (one gate for the whole process); cached answers stand in meanwhile.
//! - Entries outlive their TTL on purpose: an old one is kept to stand in (marked stale) when Key
//!   Vault cannot be asked, never when it answered 403 or 404.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use moka::future::Cache;

use super::certificate_metadata::CertificateMetadata;
use super::error::VaultError;
use super::metadata::{CachedSecret, SecretMetadata};

/// Not-found answers are kept this long at most, so a secret created after a typo shows up fast.
pub const NEGATIVE_TTL: Duration = Duration::from_secs(30);
/// How long an unused entry may wait to serve as a stale fallback.
const STALE_KEEP: Duration = Duration::from_secs(24 * 3600);
const MAX_SECRETS: u64 = 10_000;
/// An entry read after this share of its life is refreshed ahead of expiry.
pub const REFRESH_AHEAD: f64 = 0.95;
/// Entries live uniformly between this share of the TTL and all of it.
pub const JITTER_FLOOR: f64 = 0.9;
/// Without a `Retry-After`, a 429 closes the gate this long.
const THROTTLE_DEFAULT: Duration = Duration::from_secs(10);
/// What a caller told "being prepared" is asked to wait.
const PREPARING_RETRY: Duration = Duration::from_secs(5);

/// How an answer was obtained (for an `X-Cache` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Miss,
    Stale,
}

/// Pages a flight has read so far: a flight with none after the budget is stuck, not slow.
#[derive(Debug, Default)]
pub struct Progress(AtomicUsize);

impl Progress {
    pub fn page(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn pages(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// The time limits the cache works within.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    pub ttl: Duration,
    /// How long one request waits for a flight (`KEY_VAULT_TIMEOUT_MS`).
    pub budget: Duration,
    /// How long a flight may go on in the background.
    pub ceiling: Duration,
}

/// Counts since start, for telemetry.
#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub stale: AtomicU64,
    pub evictions: AtomicU64,
    pub refreshes_ahead: AtomicU64,
}

type FlightResult<V> = Result<Entry<V>, Arc<VaultError>>;
type Fetch<V> = Box<dyn FnOnce(Arc<Progress>) -> BoxFuture<'static, Result<V, VaultError>> + Send>;

#[derive(Clone)]
struct Entry<V> {
    value: V,
    fetched: Instant,
    ttl: Duration,
}

#[derive(Clone)]
struct Flight<V: Clone> {
    id: u64,
    result: Shared<BoxFuture<'static, FlightResult<V>>>,
    progress: Arc<Progress>,
    abort: tokio::task::AbortHandle,
}

/// One keyed cache with shared background flights and stale fallback.
struct Slot<V: Clone + Send + Sync + 'static> {
    entries: Cache<String, Entry<V>>,
    flights: Arc<Mutex<HashMap<String, Flight<V>>>>,
    next_id: AtomicU64,
    ttl: Arc<dyn Fn(&V) -> Duration + Send + Sync>,
}

impl<V: Clone + Send + Sync + 'static> Slot<V> {
    fn new(capacity: u64, ttl: impl Fn(&V) -> Duration + Send + Sync + 'static) -> Self {
        Self {
            entries: Cache::builder().max_capacity(capacity).time_to_idle(STALE_KEEP).build(),
            flights: Arc::default(),
            next_id: AtomicU64::new(0),
            ttl: Arc::new(ttl),
        }
    }

    async fn get(
        &self,
        key: &str,
        shared: &Common,
        stalled: impl FnOnce() -> VaultError,
        fetch: Fetch<V>,
    ) -> Result<(V, CacheStatus), VaultError> {
        let cached = self.entries.get(key).await;
        if let Some(entry) = &cached {
            let age = entry.fetched.elapsed();
            if age < entry.ttl {
                if age.as_secs_f64() >= entry.ttl.as_secs_f64() * REFRESH_AHEAD
                    && !shared.gate.closed()
                    && self.flight(key, shared, fetch, true).1
                {
                    shared.stats.refreshes_ahead.fetch_add(1, Ordering::Relaxed);
                }
                shared.stats.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((entry.value.clone(), CacheStatus::Hit));
            }
        }
        let stale = |err: VaultError| match &cached {
            Some(old) if err.allows_stale() => {
                shared.stats.stale.fetch_add(1, Ordering::Relaxed);
                Ok((old.value.clone(), CacheStatus::Stale))
            }
            _ => Err(err),
        };
        if let Some(left) = shared.gate.remaining() {
            return stale(VaultError::Throttled { retry_after: Some(left) });
        }
        let (flight, _) = self.flight(key, shared, fetch, false);
        match tokio::time::timeout(shared.policy.budget, flight.result.clone()).await {
            Ok(Ok(entry)) => {
                shared.stats.misses.fetch_add(1, Ordering::Relaxed);
                Ok((entry.value, CacheStatus::Miss))
            }
            Ok(Err(err)) => stale(Arc::unwrap_or_clone(err)),
            Err(_) if flight.progress.pages() > 0 => {
                stale(VaultError::Preparing { pages: flight.progress.pages(), retry_after: PREPARING_RETRY })
            }
            Err(_) => {
                // No page in a whole budget: the vault (or the token) is stuck, and waiting out
                // the ceiling would only hide its recovery from the next request.
                self.abandon(key, &flight);
                stale(stalled())
            }
        }
    }

    /// The flight for `key`: the one under way, or a new one from `fetch`; whether it is new.
    /// Unless `refresh`, a flight that finds a fresh entry (one that landed since the caller
    /// looked) answers with it instead of asking Key Vault again.
    fn flight(&self, key: &str, shared: &Common, fetch: Fetch<V>, refresh: bool) -> (Flight<V>, bool) {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flight) = flights.get(key) {
            return (flight.clone(), false);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let progress = Arc::new(Progress::default());
        let work = fetch(progress.clone());
        let (entries, flights_map, ttl) = (self.entries.clone(), self.flights.clone(), self.ttl.clone());
        let (owned_key, ceiling, gate) = (key.to_owned(), shared.policy.ceiling, shared.gate.clone());
        let task = tokio::spawn(crate::telemetry::context::inherit(async move {
            if !refresh
                && let Some(entry) = entries.get(&owned_key).await
                && entry.fetched.elapsed() < entry.ttl
            {
                let mut flights = flights_map.lock().unwrap_or_else(|p| p.into_inner());
                if flights.get(&owned_key).is_some_and(|f| f.id == id) {
                    flights.remove(&owned_key);
                }
                return Ok(entry);
            }
            let result = match tokio::time::timeout(ceiling, work).await {
                Ok(result) => result,
                Err(_) => Err(VaultError::Timeout { budget_ms: ceiling.as_millis() as u64 }),
            };
            let outcome = match result {
                Ok(value) => {
                    let entry = Entry { ttl: jitter(ttl(&value)), value, fetched: Instant::now() };
                    entries.insert(owned_key.clone(), entry.clone()).await;
                    Ok(entry)
                }
                Err(err) => {
                    if let VaultError::Throttled { retry_after } = &err {
                        gate.close(retry_after.unwrap_or(THROTTLE_DEFAULT));
                    }
                    Err(Arc::new(err))
                }
            };
            let mut flights = flights_map.lock().unwrap_or_else(|p| p.into_inner());
            if flights.get(&owned_key).is_some_and(|f| f.id == id) {
                flights.remove(&owned_key);
            }
            outcome
        }));
        let abort = task.abort_handle();
        let result = async move {
            task.await.unwrap_or_else(|_| Err(Arc::new(VaultError::Timeout { budget_ms: ceiling.as_millis() as u64 })))
        }
        .boxed()
        .shared();
        let flight = Flight { id, result, progress, abort };
        flights.insert(key.to_owned(), flight.clone());
        (flight, true)
    }

    fn abandon(&self, key: &str, flight: &Flight<V>) {
        flight.abort.abort();
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if flights.get(key).is_some_and(|f| f.id == flight.id) {
            flights.remove(key);
        }
    }
}

/// Uniform in [[`JITTER_FLOOR`], 1.0] × `ttl`.
pub fn jitter(ttl: Duration) -> Duration {
    ttl.mul_f64(rand::random_range(JITTER_FLOOR..=1.0))
}

/// The 429 gate: closed until an instant, for the whole process.
#[derive(Debug, Default)]
struct Gate(Mutex<Option<Instant>>);

impl Gate {
    fn close(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut gate = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *gate = Some(gate.map_or(until, |old| old.max(until)));
        tracing::warn!(
            retry_after_s = wait.as_secs(),
            "Key Vault throttled this app: asking it nothing until Retry-After has passed"
        );
    }

    /// What is left of the wait, in whole seconds rounded up (what `Retry-After` will say).
    fn remaining(&self) -> Option<Duration> {
        let until = (*self.0.lock().unwrap_or_else(|p| p.into_inner()))?;
        let left = until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())?;
        Some(Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0)))
    }

    fn closed(&self) -> bool {
        self.remaining().is_some()
    }
}

/// What the two slots share.
struct Common {
    policy: CachePolicy,
    gate: Arc<Gate>,
    stats: Arc<CacheStats>,
}

/// Secret metadata by name (`None` = not found) and the whole list. Secrets are shared, so a
/// hit copies a pointer, not the metadata. Certificates have slots of their own, so a secret and
/// a certificate of one name never share an entry, while the gate, budget and counts stay one.
#[derive(Clone)]
pub struct MetadataCache {
    secrets: Arc<Slot<Option<Arc<CachedSecret>>>>,
    list: Arc<Slot<Arc<Vec<SecretMetadata>>>>,
    certificates: Arc<Slot<Option<Arc<CertificateMetadata>>>>,
    certificate_list: Arc<Slot<Arc<Vec<CertificateMetadata>>>>,
    shared: Arc<Common>,
}

impl MetadataCache {
    pub fn new(policy: CachePolicy) -> Self {
        let ttl = policy.ttl;
        let secrets = Slot::new(
            MAX_SECRETS,
            move |v: &Option<Arc<CachedSecret>>| {
                if v.is_some() { ttl } else { ttl.min(NEGATIVE_TTL) }
            },
        );
        let certificates = Slot::new(
            MAX_SECRETS,
            move |v: &Option<Arc<CertificateMetadata>>| {
                if v.is_some() { ttl } else { ttl.min(NEGATIVE_TTL) }
            },
        );
        let shared = Common { policy, gate: Arc::default(), stats: Arc::default() };
        Self {
            secrets: Arc::new(secrets),
            list: Arc::new(Slot::new(1, move |_| ttl)),
            certificates: Arc::new(certificates),
            certificate_list: Arc::new(Slot::new(1, move |_| ttl)),
            shared: Arc::new(shared),
        }
    }

    pub fn stats(&self) -> &CacheStats {
        &self.shared.stats
    }

    /// The shared entry for `name` and how it was obtained; `stale` is for the caller to set.
    /// `stalled` says what a flight that made no progress within the budget means.
    pub async fn cached_secret(
        &self,
        name: &str,
        stalled: impl FnOnce() -> VaultError,
        fetch: impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Result<Option<SecretMetadata>, VaultError>> + Send + 'static,
    ) -> Result<(Arc<CachedSecret>, CacheStatus), VaultError> {
        let fetch: Fetch<Option<Arc<CachedSecret>>> = Box::new(move |progress| {
            fetch(progress).map(|found| found.map(|meta| meta.map(|m| Arc::new(CachedSecret::new(m))))).boxed()
        });
        let (found, status) = self.secrets.get(name, &self.shared, stalled, fetch).await?;
        match found {
            // Stale or not, "not found" is the last thing the vault said about this name.
            None => Err(VaultError::NotFound { name: name.to_owned() }),
            Some(cached) => Ok((cached, status)),
        }
    }

    /// Forgets `name` (and the list, which carries its dates).
    pub async fn evict(&self, name: &str) {
        self.secrets.entries.invalidate(name).await;
        self.list.entries.invalidate("").await;
        self.shared.stats.evictions.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn list(
        &self,
        stalled: impl FnOnce() -> VaultError,
        fetch: impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Result<Vec<SecretMetadata>, VaultError>> + Send + 'static,
    ) -> Result<(Arc<Vec<SecretMetadata>>, CacheStatus), VaultError> {
        let fetch: Fetch<Arc<Vec<SecretMetadata>>> =
            Box::new(move |progress| fetch(progress).map(|list| list.map(Arc::new)).boxed());
        self.list.get("", &self.shared, stalled, fetch).await
    }
}

impl MetadataCache {
    /// A certificate's shared entry, as [`cached_secret`](Self::cached_secret) gives a secret's.
    pub async fn cached_certificate(
        &self,
        name: &str,
        stalled: impl FnOnce() -> VaultError,
        fetch: impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Result<Option<CertificateMetadata>, VaultError>>
        + Send
        + 'static,
    ) -> Result<(Arc<CertificateMetadata>, CacheStatus), VaultError> {
        let fetch: Fetch<Option<Arc<CertificateMetadata>>> =
            Box::new(move |progress| fetch(progress).map(|found| found.map(|meta| meta.map(Arc::new))).boxed());
        let (found, status) = self.certificates.get(name, &self.shared, stalled, fetch).await?;
        found.map(|cached| (cached, status)).ok_or_else(|| VaultError::CertificateNotFound { name: name.to_owned() })
    }

    pub async fn certificate_list(
        &self,
        stalled: impl FnOnce() -> VaultError,
        fetch: impl FnOnce(Arc<Progress>) -> BoxFuture<'static, Result<Vec<CertificateMetadata>, VaultError>>
        + Send
        + 'static,
    ) -> Result<(Arc<Vec<CertificateMetadata>>, CacheStatus), VaultError> {
        let fetch: Fetch<Arc<Vec<CertificateMetadata>>> =
            Box::new(move |progress| fetch(progress).map(|list| list.map(Arc::new)).boxed());
        self.certificate_list.get("", &self.shared, stalled, fetch).await
    }

    /// Forgets certificate `name` (and the certificate list, which carries its dates).
    pub async fn evict_certificate(&self, name: &str) {
        self.certificates.entries.invalidate(name).await;
        self.certificate_list.entries.invalidate("").await;
        self.shared.stats.evictions.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
