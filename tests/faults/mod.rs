//! The fault suite: the real handler with its Key Vault traffic through a fault-injecting proxy
//! and its token requests to an identity endpoint in fault modes, each scenario with a proxy, an
//! identity endpoint and a handler of its own so they run side by side. Once every scenario has
//! finished, the leak canary scans everything the handlers printed and every body they answered.

mod canary;
mod scenarios;

use std::time::Instant;

use crate::support::capture::captures;
use crate::support::harness;

/// Runs the scenarios, then the scan: one test, so the scan provably comes after all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_scenarios_then_the_leak_canary() {
    let h = harness();
    let started = Instant::now();
    let tasks: Vec<_> = scenarios::all().into_iter().map(|(name, scenario)| (name, tokio::spawn(scenario))).collect();
    let mut failed = Vec::new();
    for (name, task) in tasks {
        match task.await {
            Ok(()) => eprintln!("fault scenario passed: {name}"),
            Err(e) => {
                let why = e.try_into_panic().ok().and_then(|p| {
                    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                });
                failed.push(format!("{name}: {}", why.unwrap_or_else(|| "cancelled".into())));
            }
        }
    }
    eprintln!("{} fault scenarios in {:?}", scenarios::all().len(), started.elapsed());
    assert!(failed.is_empty(), "fault scenarios failed:\n{}", failed.join("\n"));

    let (hits, bytes) = captures().scan(&canary::markers(h));
    eprintln!("leak canary: scanned {} captures ({bytes} bytes)", captures().len());
    assert!(bytes > 0 && captures().len() > 10, "the canary scanned nothing: were the captures wired?");
    assert!(hits.is_empty(), "secret values leaked:\n{}", hits.join("\n"));
}
