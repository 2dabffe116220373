//! The metadata cache's counts and Key Vault's latency as Application Insights metrics: one
//! `MetricData` envelope per metric and interval, in the shape the exporter gives them, sent with
//! the exporter's HTTP client on its runtime.
//!
//! Not through OpenTelemetry's metrics SDK: for five numbers it links every aggregator for three
//! number types (about 300 KB of the 6 MB the static binary may weigh). The cache counts its own
//! answers; a Key Vault call adds to one running aggregate under an uncontended lock.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};

/// The cache's counts, in [`COUNTERS`]' order, since the process started.
type Counts = Box<dyn Fn() -> [u64; 4] + Send + Sync>;

static CACHE: OnceLock<Counts> = OnceLock::new();

/// Where the metrics read the metadata cache's counts (the process's one cache): hits, misses,
/// stale answers and evictions, each since start.
pub fn watch_cache(counts: impl Fn() -> [u64; 4] + Send + Sync + 'static) {
    let _ = CACHE.set(Box::new(counts));
}

const COUNTERS: [&str; 4] = [
    "vaultfn.metadata_cache.hits",
    "vaultfn.metadata_cache.misses",
    "vaultfn.metadata_cache.stale",
    "vaultfn.metadata_cache.evictions",
];
const KEY_VAULT_DURATION: &str = "vaultfn.key_vault.duration_ms";

#[derive(Default)]
struct Latency {
    count: u32,
    sum: f64,
    min: f64,
    max: f64,
}

/// What one interval's envelopes are built from.
pub(super) struct Metrics {
    instrumentation_key: String,
    tags: Value,
    latency: Mutex<Latency>,
    /// The counts at the last report: each envelope carries what happened since (Application
    /// Insights sums a metric's values).
    reported: Mutex<[u64; 4]>,
}

impl Metrics {
    pub(super) fn new(instrumentation_key: String, tags: Value) -> Self {
        Self { instrumentation_key, tags, latency: Mutex::default(), reported: Mutex::default() }
    }

    pub(super) fn key_vault_latency(&self, elapsed: Duration) {
        let ms = elapsed.as_secs_f64() * 1000.0;
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        if latency.count == 0 {
            (latency.min, latency.max) = (ms, ms);
        }
        latency.count += 1;
        latency.sum += ms;
        latency.min = latency.min.min(ms);
        latency.max = latency.max.max(ms);
    }

    /// This interval's envelopes, as the JSON array the track API takes.
    pub(super) fn envelopes(&self) -> Vec<u8> {
        let time =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let envelope = |point: Value| {
            json!({
                "name": "Microsoft.ApplicationInsights.Metric",
                "time": time,
                "iKey": self.instrumentation_key,
                "tags": self.tags,
                "data": {"baseType": "MetricData", "baseData": {"ver": 2, "metrics": [point]}},
            })
        };
        let mut all = Vec::with_capacity(COUNTERS.len() + 1);
        let mut reported = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        let counts = CACHE.get().map_or([0; 4], |counts| counts());
        for ((name, now), last) in COUNTERS.iter().zip(counts).zip(reported.iter_mut()) {
            let delta = now.saturating_sub(*last);
            *last = now;
            all.push(envelope(json!({"name": name, "kind": "Measurement", "value": delta as f64})));
        }
        let latency = std::mem::take(&mut *self.latency.lock().unwrap_or_else(|p| p.into_inner()));
        if latency.count > 0 {
            all.push(envelope(json!({
                "name": KEY_VAULT_DURATION,
                "kind": "Aggregation",
                "count": latency.count,
                "min": latency.min,
                "max": latency.max,
                "value": latency.sum,
            })));
        }
        serde_json::to_vec(&all).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_reports_counts_and_the_latency_aggregate_once() {
        let metrics = Metrics::new("ikey".into(), json!({"ai.cloud.role": "vaultfn-handler"}));
        for ms in [4, 2, 9] {
            metrics.key_vault_latency(Duration::from_millis(ms));
        }
        let first: Vec<Value> = serde_json::from_slice(&metrics.envelopes()).unwrap();
        assert_eq!(first.len(), 5);
        assert!(first.iter().all(|e| e["iKey"] == "ikey" && e["data"]["baseType"] == "MetricData"));
        let latency = &first[4]["data"]["baseData"]["metrics"][0];
        assert_eq!((latency["count"].as_u64(), latency["value"].as_f64()), (Some(3), Some(15.0)));
        assert_eq!((latency["min"].as_f64(), latency["max"].as_f64()), (Some(2.0), Some(9.0)));
        let second: Vec<Value> = serde_json::from_slice(&metrics.envelopes()).unwrap();
        assert_eq!(second.len(), 4, "no calls, no latency");
    }
}
