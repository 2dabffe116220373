//! The result line: every number, the target beside it, and whether it was met.

use serde_json::{Map, Value, json};

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
    ]
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The JSON object, with `context` (vault, load generator, run shape) merged in.
pub fn json(n: &Numbers, context: Map<String, Value>) -> Value {
    let mut out = context;
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
    let mut out = format!("{:<28} {:>14}  {:<50} met\n", "measure", "value", "target");
    for (key, target, ok) in targets(n) {
        let shown = value.get(key).map(Value::to_string).unwrap_or_default();
        out.push_str(&format!("{key:<28} {shown:>14}  {target:<50} {}\n", if ok { "yes" } else { "NO" }));
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
}
