//! `kv_requests_per_10s_fleet`: the Key Vault request rate a fleet of instances produces at steady
//! state, simulated over virtual time with the handler's own cache rules (its jitter function and
//! constants), since running hundreds of processes for hours is not practical.
//!
//! Each instance holds each secret's entry and reads it every `read_every` (at a phase of its own,
//! as requests are not aligned across instances). An entry is fetched again at the first read at
//! or after `REFRESH_AHEAD` × its jittered TTL (ahead of expiry when a read falls in the last
//! stretch of its life, as a miss once it has expired otherwise; either way one Key Vault request
//! for a secret of at most 25 versions, one page), and each fetch draws a new jittered TTL. The
//! whole fleet starts at once, the worst case for keeping in step, and requests are counted
//! after a warm-up.

use std::time::Duration;

use vaultfn_handler::vault::cache::{JITTER_FLOOR, REFRESH_AHEAD, jitter};

/// Key Vault's documented limit for secret reads (GET) per vault: 4,000 transactions per 10 s.
pub const KEY_VAULT_READS_PER_10S: f64 = 4000.0;

#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    pub instances: usize,
    pub secrets: usize,
    pub ttl: Duration,
    pub read_every: Duration,
    /// Virtual time before counting starts.
    pub warm_up: Duration,
    /// Virtual time counted.
    pub window: Duration,
}

impl Fleet {
    /// The figure's fleet: 200 instances × 50 secrets, the default TTL, each secret read once a
    /// second, 2 hours counted after 1 hour.
    pub fn figure() -> Self {
        Self {
            instances: 200,
            secrets: 50,
            ttl: Duration::from_secs(vaultfn_handler::vault::config::DEFAULT_TTL_SECONDS),
            read_every: Duration::from_secs(1),
            warm_up: Duration::from_secs(3600),
            window: Duration::from_secs(2 * 3600),
        }
    }

    /// The model: instances × secrets ÷ the mean refresh period × 10 s, the period being
    /// `REFRESH_AHEAD` × the mean jittered TTL (entries read often enough to refresh ahead).
    pub fn analytic_per_10s(&self) -> f64 {
        let period = REFRESH_AHEAD * (1.0 + JITTER_FLOOR) / 2.0 * self.ttl.as_secs_f64();
        (self.instances * self.secrets) as f64 / period * 10.0
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct FleetRate {
    /// Requests per 10 s over the counted window.
    pub mean_per_10s: f64,
    /// The busiest 10 s of the window.
    pub peak_per_10s: u64,
    pub analytic_per_10s: f64,
    /// The mean time between two fetches of one entry, in seconds.
    pub mean_refresh_s: f64,
}

pub fn simulate(fleet: &Fleet) -> FleetRate {
    let ttl = fleet.ttl;
    let read_every = fleet.read_every.as_secs_f64();
    let start = fleet.warm_up.as_secs_f64();
    let end = start + fleet.window.as_secs_f64();
    let mut buckets = vec![0u64; (fleet.window.as_secs_f64() / 10.0).ceil() as usize];
    let (mut periods, mut period_count) = (0.0, 0u64);
    for _ in 0..fleet.instances * fleet.secrets {
        let phase = rand::random_range(0.0..read_every);
        // The first read is a miss.
        let mut fetched = phase;
        loop {
            if fetched >= start && fetched < end {
                buckets[((fetched - start) / 10.0) as usize] += 1;
            }
            let due = fetched + REFRESH_AHEAD * jitter(ttl).as_secs_f64();
            let next = phase + ((due - phase) / read_every).ceil() * read_every;
            if next >= end {
                break;
            }
            if fetched >= start {
                periods += next - fetched;
                period_count += 1;
            }
            fetched = next;
        }
    }
    let total: u64 = buckets.iter().sum();
    FleetRate {
        mean_per_10s: total as f64 / fleet.window.as_secs_f64() * 10.0,
        peak_per_10s: buckets.iter().copied().max().unwrap_or(0),
        analytic_per_10s: fleet.analytic_per_10s(),
        mean_refresh_s: if period_count > 0 { periods / period_count as f64 } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulation_follows_the_model_and_the_figure_meets_its_target() {
        let small = Fleet { instances: 20, secrets: 10, ..Fleet::figure() };
        let rate = simulate(&small);
        // Reads once a second add half a second to a period of about 270 s.
        let relative = (rate.mean_per_10s - rate.analytic_per_10s).abs() / rate.analytic_per_10s;
        assert!(relative < 0.03, "{rate:?}");
        assert!(rate.peak_per_10s as f64 >= rate.mean_per_10s, "{rate:?}");
        let period = REFRESH_AHEAD * (1.0 + JITTER_FLOOR) / 2.0 * 300.0;
        assert!((rate.mean_refresh_s - period).abs() < 3.0, "{rate:?}");

        let figure = simulate(&Fleet::figure());
        assert!(figure.mean_per_10s < KEY_VAULT_READS_PER_10S / 10.0, "{figure:?}");
    }

    #[test]
    fn entries_read_rarely_are_fetched_on_the_read_grid() {
        // Read every 60 s: the refresh-ahead stretch (the last 5 % of 270-300 s) holds no read,
        // so each entry expires and is fetched at the read 300 s after the last fetch.
        let rare = Fleet { instances: 10, secrets: 10, read_every: Duration::from_secs(60), ..Fleet::figure() };
        let rate = simulate(&rare);
        assert!((rate.mean_refresh_s - 300.0).abs() < 1e-6, "{rate:?}");
        assert!((rate.mean_per_10s - 100.0 / 300.0 * 10.0).abs() < 0.05, "{rate:?}");
    }
}
