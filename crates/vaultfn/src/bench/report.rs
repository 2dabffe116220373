//! The result line: every number, the target beside it, and whether it was met.

use serde_json::{Map, Value, json};

use super::fleet::{Fleet, FleetRate, KEY_VAULT_READS_PER_10S};
use super::scale::{self, FirstAndWarm};

#[derive(Debug, Default)]
pub struct Numbers {
    pub ready_ms: f64,
    pub baseline_rps: f64,
    pub config_check_rps: f64,
    pub metadata_cached_rps: f64,
    /// Median over runs of each run's handler rps over the same run's baseline rps: the pairs
    /// share the machine's state, so their ratio holds where absolute numbers drift.
    pub config_check_vs_baseline: f64,
    pub metadata_cached_vs_baseline: f64,
    pub p50_us: Map<String, Value>,
    pub p99_us: Map<String, Value>,
    pub kv_requests_10k: u64,
    pub kv_requests_cold_200: u64,
    pub rss_idle_kb: u64,
    pub rss_load_kb: u64,
    pub binary_bytes: u64,
    pub soak_seconds: u64,
    pub soak_requests: u64,
    pub soak_errors: u64,
    pub soak_rss_growth_pct: f64,
    pub leaks: u64,
    /// Spawn → the first metadata 200 (challenge and token included), and its parts.
    pub first_metadata_ms: f64,
    pub first_metadata_breakdown_ms: Map<String, Value>,
    /// The same bytes as config-check, precomputed, from axum: the handler's own cost per request.
    pub same_bytes_rps: f64,
    pub config_check_same_bytes_ratio: f64,
    /// Cached metadata with telemetry exported to a local ingestion endpoint, and its ratio to
    /// the same with telemetry off (median of per-run ratios).
    pub metadata_telemetry_rps: f64,
    pub telemetry_on_ratio: f64,
    pub telemetry_batches: u64,
    pub list_4000_ms: FirstAndWarm,
    pub metadata_2500_versions_ms: FirstAndWarm,
    pub fleet: FleetRate,
}

/// Each target as text and as a check.
fn targets(n: &Numbers) -> Vec<(&'static str, String, bool)> {
    let paired = ">= 0.8 x baseline_rps (median of per-run ratios)";
    vec![
        ("ready_ms", "< 25".into(), n.ready_ms < 25.0),
        ("config_check_vs_baseline", paired.into(), n.config_check_vs_baseline >= 0.8),
        ("metadata_cached_vs_baseline", paired.into(), n.metadata_cached_vs_baseline >= 0.8),
        ("kv_requests_10k", "<= 10".into(), n.kv_requests_10k <= 10),
        ("kv_requests_cold_200", "= 1".into(), n.kv_requests_cold_200 == 1),
        ("rss_idle_kb", "< 15360 (15 MB)".into(), n.rss_idle_kb < 15 * 1024),
        ("rss_load_kb", "< 40960 (40 MB)".into(), n.rss_load_kb < 40 * 1024),
        ("binary_bytes", "< 12582912 (12 MB)".into(), n.binary_bytes < 12 * 1024 * 1024),
        ("soak_errors", "= 0".into(), n.soak_errors == 0),
        ("soak_rss_growth_pct", "< 10".into(), n.soak_rss_growth_pct < 10.0),
        ("leaks", "= 0".into(), n.leaks == 0),
        ("first_metadata_ms", "< 150".into(), n.first_metadata_ms < 150.0),
        (
            "config_check_same_bytes_ratio",
            ">= 0.9 (median of per-run ratios)".into(),
            n.config_check_same_bytes_ratio >= 0.9,
        ),
        ("telemetry_on_ratio", ">= 0.9 (median of per-run ratios)".into(), n.telemetry_on_ratio >= 0.9),
        first_call("list_4000_ms.first", scale::SECRETS, n.list_4000_ms.first_ms),
        ("list_4000_ms.warm", WARM.into(), n.list_4000_ms.warm_ms < 100.0),
        first_call("metadata_2500_versions_ms.first", scale::VERSIONS, n.metadata_2500_versions_ms.first_ms),
        ("metadata_2500_versions_ms.warm", WARM.into(), n.metadata_2500_versions_ms.warm_ms < 100.0),
        (
            "kv_requests_per_10s_fleet",
            format!(
                "< {:.0} (10 % of Key Vault's {KEY_VAULT_READS_PER_10S:.0} reads per 10 s)",
                KEY_VAULT_READS_PER_10S / 10.0
            ),
            n.fleet.mean_per_10s < KEY_VAULT_READS_PER_10S / 10.0,
        ),
    ]
}

/// A warm call is a cache hit: no Key Vault call at all.
const WARM: &str = "< 100 (a cache hit)";

/// A first call may take Key Vault's own paging time (pages × 20 ms) and half as much again.
fn first_call(key: &'static str, items: usize, ms: f64) -> (&'static str, String, bool) {
    let floor = scale::paging_ms(items);
    (
        key,
        format!("< {:.0} (1.5 x {floor:.0}: {items} items in pages of 25 at 20 ms)", floor * 1.5),
        ms > 0.0 && ms < floor * 1.5,
    )
}

fn first_and_warm(f: &FirstAndWarm) -> Value {
    json!({
        "first": round(f.first_ms, 1),
        "warm": round(f.warm_ms, 2),
        "preparing_503s": f.preparing,
        "pages": f.pages,
        "page_ms": round(f.page_ms, 2),
        "between_pages_ms": round(f.between_pages_ms, 2),
    })
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The JSON object, with `context` (vault, load generator, run shape) merged in.
pub fn json(n: &Numbers, context: Map<String, Value>) -> Value {
    let mut out = context;
    let fleet = Fleet::figure();
    let fields = json!({
        "ready_ms": round(n.ready_ms, 2),
        "baseline_rps": round(n.baseline_rps, 0),
        "config_check_rps": round(n.config_check_rps, 0),
        "metadata_cached_rps": round(n.metadata_cached_rps, 0),
        "config_check_vs_baseline": round(n.config_check_vs_baseline, 3),
        "metadata_cached_vs_baseline": round(n.metadata_cached_vs_baseline, 3),
        "p50_us": n.p50_us,
        "p99_us": n.p99_us,
        "kv_requests_10k": n.kv_requests_10k,
        "kv_requests_cold_200": n.kv_requests_cold_200,
        "rss_idle_kb": n.rss_idle_kb,
        "rss_load_kb": n.rss_load_kb,
        "binary_bytes": n.binary_bytes,
        "soak_seconds": n.soak_seconds,
        "soak_requests": n.soak_requests,
        "soak_errors": n.soak_errors,
        "soak_rss_growth_pct": round(n.soak_rss_growth_pct, 2),
        "leaks": n.leaks,
        "first_metadata_ms": round(n.first_metadata_ms, 2),
        "first_metadata_breakdown_ms": n.first_metadata_breakdown_ms,
        "config_check_same_bytes_rps": round(n.same_bytes_rps, 0),
        "config_check_same_bytes_ratio": round(n.config_check_same_bytes_ratio, 3),
        "metadata_cached_telemetry_rps": round(n.metadata_telemetry_rps, 0),
        "telemetry_on_ratio": round(n.telemetry_on_ratio, 3),
        "telemetry_batches_received": n.telemetry_batches,
        "list_4000_ms": first_and_warm(&n.list_4000_ms),
        "metadata_2500_versions_ms": first_and_warm(&n.metadata_2500_versions_ms),
        "kv_requests_per_10s_fleet": round(n.fleet.mean_per_10s, 1),
        "kv_requests_per_10s_fleet_model": {
            "instances": fleet.instances,
            "secrets": fleet.secrets,
            "ttl_s": fleet.ttl.as_secs(),
            "read_every_s": fleet.read_every.as_secs_f64(),
            "analytic": round(n.fleet.analytic_per_10s, 1),
            "peak_10s": n.fleet.peak_per_10s,
            "mean_refresh_s": round(n.fleet.mean_refresh_s, 1),
            "limit": KEY_VAULT_READS_PER_10S,
        },
    });
    if let Value::Object(fields) = fields {
        out.extend(fields);
    }
    let checks = targets(n);
    out.insert("targets".into(), checks.iter().map(|(k, t, _)| (k.to_string(), json!(t))).collect());
    out.insert("met".into(), checks.iter().map(|(k, _, ok)| (k.to_string(), json!(ok))).collect());
    out.insert("all_met".into(), json!(checks.iter().all(|(_, _, ok)| *ok)));
    Value::Object(out)
}

/// The same, as a table for people.
pub fn table(n: &Numbers) -> String {
    let value = json(n, Map::new());
    let mut out = format!("{:<33} {:>14}  {:<62} met\n", "measure", "value", "target");
    for (key, target, ok) in targets(n) {
        let shown = key.split('.').try_fold(&value, |v, part| v.get(part)).map(Value::to_string).unwrap_or_default();
        out.push_str(&format!("{key:<33} {shown:>14}  {target:<62} {}\n", if ok { "yes" } else { "NO" }));
    }
    out
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let mid = xs.len() / 2;
    if xs.len().is_multiple_of(2) { (xs[mid - 1] + xs[mid]) / 2.0 } else { xs[mid] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_targets() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        let n = Numbers { config_check_vs_baseline: 0.79, metadata_cached_vs_baseline: 0.8, ..Default::default() };
        let v = json(&n, Map::new());
        assert_eq!(v["met"]["config_check_vs_baseline"], false);
        assert_eq!(v["met"]["metadata_cached_vs_baseline"], true);
        assert_eq!(v["config_check_vs_baseline"], 0.79);
        assert_eq!(v["targets"]["ready_ms"], "< 25");
    }

    #[test]
    fn first_and_warm_figures_are_met_each_on_their_own() {
        let list = FirstAndWarm { first_ms: 3700.0, warm_ms: 150.0, ..Default::default() };
        let n = Numbers { list_4000_ms: list, ..Default::default() };
        let v = json(&n, Map::new());
        assert_eq!(v["list_4000_ms"]["first"], 3700.0);
        assert_eq!(v["met"]["list_4000_ms.first"], true);
        assert_eq!(v["met"]["list_4000_ms.warm"], false);
        assert_eq!(v["met"]["metadata_2500_versions_ms.first"], false, "no first call measured");
        let row = table(&n).lines().find(|l| l.starts_with("list_4000_ms.first")).unwrap_or_default().to_owned();
        assert!(row.contains("3700") && row.ends_with("yes"), "{row}");
    }
}
