//! The metadata cache's answers and Key Vault's latency as metrics. The counts are plain atomics,
//! kept whether or not telemetry is exported (an uncontended add); Application Insights reads
//! them through observable counters once per export interval.

use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::metrics::{Histogram, Meter};

use crate::vault::CacheStatus;

static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);
static STALE: AtomicU64 = AtomicU64::new(0);
static EVICTIONS: AtomicU64 = AtomicU64::new(0);

/// Counts one answer of the metadata cache.
pub fn cache_answer(status: CacheStatus) {
    let counter = match status {
        CacheStatus::Hit => &HITS,
        CacheStatus::Miss => &MISSES,
        CacheStatus::Stale => &STALE,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Counts one entry dropped because a new version was announced.
pub fn cache_eviction() {
    EVICTIONS.fetch_add(1, Ordering::Relaxed);
}

/// Registers the cache counters on `meter`; the histogram is where Key Vault calls' durations go.
pub(super) fn register(meter: &Meter) -> Histogram<f64> {
    for (name, description, counter) in [
        ("vaultfn.metadata_cache.hits", "Metadata answered from the cache", &HITS),
        ("vaultfn.metadata_cache.misses", "Metadata fetched from Key Vault", &MISSES),
        ("vaultfn.metadata_cache.stale", "Stale metadata served because Key Vault could not be asked", &STALE),
        ("vaultfn.metadata_cache.evictions", "Cache entries dropped for a new secret version", &EVICTIONS),
    ] {
        meter
            .u64_observable_counter(name)
            .with_description(description)
            .with_callback(move |observer| observer.observe(counter.load(Ordering::Relaxed), &[]))
            .build();
    }
    meter
        .f64_histogram("vaultfn.key_vault.duration")
        .with_unit("ms")
        .with_description("One Key Vault HTTP call")
        .build()
}
