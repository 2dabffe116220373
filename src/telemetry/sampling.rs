//! Adaptive sampling, as the Functions host samples its own telemetry: up to a number of
//! operations per second are recorded whole (their Request, Dependencies and Traces); beyond it,
//! one operation in N is, and what is sent says so (`sampleRate` 100/N), so Application Insights
//! still counts every request.
//!
//! Which operations are kept depends on the operation id alone (its score, as Application
//! Insights' SDKs compute it: a 32-bit djb2 hash of the id's text over `i32::MAX`), so a request
//! and everything it calls are kept or dropped together, and every instance — and the host, at
//! the same rate — keeps the same operations. A caller's `traceparent` that says "not sampled"
//! is not recorded at any rate.
//!
//! The rate is set once a second from the operations of the seconds before (an average that
//! halves each second), so one burst is not recorded whole for long, and a quiet instance goes
//! back to recording everything.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::trace::TraceId;

/// The Functions host's own default (`samplingSettings.maxTelemetryItemsPerSecond`).
pub const DEFAULT_PER_SECOND: u32 = 20;
const ADAPT_EVERY: Duration = Duration::from_secs(1);
/// The fewest kept: one operation in a million.
const MAX_ONE_IN: u32 = 1_000_000;

#[derive(Debug)]
pub(super) struct Sampler {
    /// Operations recorded per second before sampling starts; `None`: every one.
    per_second: Option<u32>,
    /// Operations started since the last adaptation.
    seen: AtomicU64,
    /// One operation in this many is kept.
    one_in: AtomicU32,
}

impl Sampler {
    pub(super) fn new(per_second: Option<u32>) -> Self {
        Self { per_second, seen: AtomicU64::new(0), one_in: AtomicU32::new(1) }
    }

    /// Counts one operation (a request that invokes a function).
    pub(super) fn count(&self) {
        if self.per_second.is_some() {
            self.seen.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `Some(n)` when the operation `trace_id` is kept at one in `n`; `None` when it is not.
    pub(super) fn keeps(&self, trace_id: TraceId) -> Option<u32> {
        let one_in = self.one_in.load(Ordering::Relaxed);
        (one_in <= 1 || score(trace_id) < 100.0 / f64::from(one_in)).then_some(one_in.max(1))
    }

    /// Sets the rate once a second, for as long as the process runs.
    pub(super) async fn adapt(&self) {
        let Some(per_second) = self.per_second else {
            return;
        };
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + ADAPT_EVERY, ADAPT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut average = 0.0;
        loop {
            ticks.tick().await;
            average = next_average(average, self.seen.swap(0, Ordering::Relaxed));
            self.one_in.store(one_in(average, per_second), Ordering::Relaxed);
        }
    }
}

/// Operations per second, each second counting half as much as the one after it; a rising
/// load is followed at once.
fn next_average(average: f64, last_second: u64) -> f64 {
    let last = last_second as f64;
    if last >= average { last } else { (average + last) / 2.0 }
}

/// The whole N that keeps `average` operations per second near `per_second`.
fn one_in(average: f64, per_second: u32) -> u32 {
    let n = (average / f64::from(per_second.max(1))).ceil();
    if n <= 1.0 { 1 } else { n.min(f64::from(MAX_ONE_IN)) as u32 }
}

/// The operation's sampling score in [0, 100]: the djb2 hash of the operation id as written
/// (32 lowercase hex digits), in 32-bit arithmetic, its magnitude over `i32::MAX`.
pub(super) fn score(trace_id: TraceId) -> f64 {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hash: i32 = 5381;
    // The id's text, digit by digit, without writing it out.
    for byte in trace_id.to_bytes() {
        for digit in [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0x0f)]] {
            hash = hash.wrapping_shl(5).wrapping_add(hash).wrapping_add(i32::from(digit));
        }
    }
    let magnitude = if hash == i32::MIN { i32::MAX } else { hash.abs() };
    f64::from(magnitude) / f64::from(i32::MAX) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> impl Iterator<Item = TraceId> {
        // Spread over the id space the way random ids are.
        (1..=n).map(|i| TraceId::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)))
    }

    #[test]
    fn the_score_is_the_djb2_hash_of_the_id_text() {
        // By hand: 5381 * 33 + '0' (48) per character, wrapping in 32 bits.
        let id = TraceId::from(1u128);
        let mut expected: i64 = 5381;
        for c in format!("{:032x}", 1u128).bytes() {
            expected = ((expected * 33 + i64::from(c)) as i32) as i64;
        }
        assert_eq!(score(id), (expected.unsigned_abs() as f64) / f64::from(i32::MAX) * 100.0);
        assert!(ids(10_000).map(score).all(|s| (0.0..=100.0).contains(&s)));
        let of_text = |id: TraceId| {
            let hash = id.to_string().bytes().fold(5381i32, |h, b| h.wrapping_mul(33).wrapping_add(i32::from(b)));
            f64::from(hash.checked_abs().unwrap_or(i32::MAX)) / f64::from(i32::MAX) * 100.0
        };
        assert!(ids(10_000).all(|id| score(id) == of_text(id)));
    }

    #[test]
    fn everything_is_kept_until_the_load_passes_the_rate() {
        let sampler = Sampler::new(Some(20));
        assert!(ids(1000).all(|id| sampler.keeps(id) == Some(1)));
    }

    #[test]
    fn one_in_n_is_kept_and_the_same_ids_each_time() {
        let sampler = Sampler::new(Some(20));
        sampler.one_in.store(10, Ordering::Relaxed);
        let kept: Vec<TraceId> = ids(20_000).filter(|id| sampler.keeps(*id).is_some()).collect();
        assert!((1_600..=2_400).contains(&kept.len()), "kept {} of 20000 at one in 10", kept.len());
        assert!(kept.iter().all(|id| sampler.keeps(*id) == Some(10)));
    }

    #[test]
    fn the_rate_follows_the_load_up_at_once_and_down_by_halves() {
        let mut average = 0.0;
        average = next_average(average, 20_000);
        assert_eq!(one_in(average, 20), 1000);
        average = next_average(average, 0);
        assert_eq!(one_in(average, 20), 500);
        for _ in 0..20 {
            average = next_average(average, 0);
        }
        assert_eq!(one_in(average, 20), 1);
        assert_eq!(one_in(19.0, 20), 1);
        assert_eq!(one_in(1e12, 1), MAX_ONE_IN);
    }
}
