//! `first_metadata_ms`: process spawn → the first metadata 200, with the challenge and the token
//! included, and where that time goes, from the counting proxy's timings of each Key Vault call.
//!
//! A handler warms up at start (an unauthenticated listing that Key Vault answers with its
//! challenge, then the token, then the same listing with it), so the parts run side by side with
//! readiness rather than one after the other: `waiting` is how long the metadata request waited
//! in the handler before its own Key Vault call (for the warm-up's challenge and token).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use vaultfn_testbed::Testbed;
use vaultfn_testbed::process::HandlerProcess as Running;
use vaultfn_testbed::proxy::Seen;

use super::report::median;

/// The parts in the order they happen, for the breakdown.
pub const PARTS: [(&str, &str); 8] = [
    ("ready", "spawn -> first answer on GET / (exec, settings, runtime, listener)"),
    ("to_first_call", "spawn -> the warm-up's first Key Vault call arrives (client, CA store, TLS handshake)"),
    ("challenge", "the unauthenticated call -> Key Vault's 401 challenge"),
    ("token", "the challenge -> the first call with a token (the identity endpoint)"),
    ("warm_up_listing", "the warm-up's authorized listing, one item"),
    ("waiting", "metadata request sent -> its Key Vault call arrives"),
    ("metadata_listing", "the secret's versions listing"),
    ("answer", "the listing's answer -> the 200 at the client"),
];

/// The median time to the first 200 over `spawns` fresh handlers, each behind a proxy of its own,
/// and the median of each part.
pub async fn measure(
    testbed: &Testbed,
    handler: &Path,
    client: &reqwest::Client,
    secret: &str,
    spawns: usize,
) -> Result<(f64, Map<String, Value>), String> {
    let mut totals = Vec::new();
    let mut parts: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for _ in 0..spawns.max(1) {
        let proxy = testbed.proxy();
        let settings = testbed.settings(&proxy, &testbed.identity);
        let spawned = Instant::now();
        let running = Running::spawn(handler, &settings)?;
        let ready = running.wait_ready(spawned, Duration::from_secs(10)).await?;
        let sent = Instant::now();
        let status = client.get(running.url(&format!("/api/secrets/{secret}"))).send().await.map(|r| r.status());
        let done = Instant::now();
        if !status.as_ref().is_ok_and(|s| s.as_u16() == 200) {
            return Err(format!("the first GET /api/secrets/{secret} answered {status:?}"));
        }
        totals.push(ms(done - spawned));
        let timeline = Timeline { seen: proxy.seen(), spawned, ready, sent, done, secret };
        for (name, value) in timeline.parts() {
            parts.entry(name).or_default().push(value);
        }
    }
    let breakdown = PARTS
        .iter()
        .filter_map(|(name, _)| Some((name.to_string(), json!(round(median(parts.get(name)?.clone()))))))
        .collect();
    Ok((median(totals), breakdown))
}

/// One spawn's events.
struct Timeline<'a> {
    seen: Vec<Seen>,
    spawned: Instant,
    ready: Duration,
    sent: Instant,
    done: Instant,
    secret: &'a str,
}

impl Timeline<'_> {
    fn parts(&self) -> Vec<(&'static str, f64)> {
        let mut out = vec![("ready", ms(self.ready))];
        let challenge = self.seen.iter().find(|s| !s.authorized);
        let first_authorized = self.seen.iter().find(|s| s.authorized);
        let warm_up = self.seen.iter().find(|s| s.authorized && s.path == "/secrets");
        let versions = format!("/secrets/{}/versions", self.secret);
        let metadata = self.seen.iter().find(|s| s.authorized && s.path == versions);
        if let Some(first) = self.seen.first() {
            out.push(("to_first_call", ms(first.at - self.spawned)));
        }
        if let Some(challenge) = challenge
            && let Some(answered) = challenge.answered
        {
            out.push(("challenge", ms(answered - challenge.at)));
            if let Some(first) = first_authorized {
                out.push(("token", ms(first.at.saturating_duration_since(answered))));
            }
        }
        if let Some((at, answered)) = warm_up.and_then(|s| Some((s.at, s.answered?))) {
            out.push(("warm_up_listing", ms(answered - at)));
        }
        if let Some((at, answered)) = metadata.and_then(|s| Some((s.at, s.answered?))) {
            out.push(("waiting", ms(at.saturating_duration_since(self.sent))));
            out.push(("metadata_listing", ms(answered - at)));
            out.push(("answer", ms(self.done.saturating_duration_since(answered))));
        }
        out
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The breakdown as lines for stderr.
pub fn describe(total: f64, breakdown: &Map<String, Value>) -> String {
    let mut out = format!("bench: first_metadata_ms {total:.2} (median), where it goes (medians, ms):\n");
    for (name, what) in PARTS {
        if let Some(value) = breakdown.get(name) {
            out.push_str(&format!("bench:   {name:<17} {value:>8}  {what}\n"));
        }
    }
    out
}
