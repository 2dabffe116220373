//! The metadata cache's counts and Key Vault's latency as metrics. The cache counts its answers
//! itself; Application Insights reads the counts through observable counters once per export
//! interval, so nothing is added to a request for them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::metrics::{Histogram, Meter};

use crate::vault::VaultService;
use crate::vault::cache::CacheStats;

static CACHE: OnceLock<VaultService> = OnceLock::new();

/// Which of the cache's counts a metric reports.
type Count = fn(&CacheStats) -> &AtomicU64;

/// The service whose cache the metrics report (the process's one).
pub fn watch_cache(service: &VaultService) {
    let _ = CACHE.set(service.clone());
}

/// Registers the cache counters on `meter`; the histogram is where Key Vault calls' durations go.
pub(super) fn register(meter: &Meter) -> Histogram<f64> {
    let counters: [(&str, &str, Count); 4] = [
        ("vaultfn.metadata_cache.hits", "Metadata answered from the cache", |s| &s.hits),
        ("vaultfn.metadata_cache.misses", "Metadata fetched from Key Vault", |s| &s.misses),
        ("vaultfn.metadata_cache.stale", "Stale metadata served because Key Vault could not be asked", |s| &s.stale),
        ("vaultfn.metadata_cache.evictions", "Cache entries dropped for a new version", |s| &s.evictions),
    ];
    for (name, description, count) in counters {
        meter
            .u64_observable_counter(name)
            .with_description(description)
            .with_callback(move |observer| {
                let value = CACHE.get().map_or(0, |service| count(service.cache_stats()).load(Ordering::Relaxed));
                observer.observe(value, &[]);
            })
            .build();
    }
    meter.f64_histogram("vaultfn.key_vault.duration").with_unit("ms").with_description("One Key Vault HTTP call").build()
}
