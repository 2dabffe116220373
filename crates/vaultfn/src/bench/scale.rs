//! `list_4000_ms` and `metadata_2500_versions_ms`: a vault of 4,000 secrets and a secret of 2,500
//! versions, on a Key Vault stand-in of their own that pages as Key Vault does (25 items) and
//! answers each page after 20 ms, like a vault far away. `first` runs from the first request to
//! the first 200, polling through `503 answer-being-prepared` every 100 ms (a client honouring
//! `Retry-After` asks again later; the poll only measures more finely); `warm` is the request
//! after it, a cache hit.

use std::path::Path;
use std::time::{Duration, Instant};

use vaultfn_testbed::process::HandlerProcess as Running;
use vaultfn_testbed::proxy::Proxy;
use vaultfn_testbed::{Testbed, Vault, VaultChoice};

pub const SECRETS: usize = 4000;
pub const VERSIONS: usize = 2500;
pub const PAGE: usize = 25;
pub const PAGE_DELAY: Duration = Duration::from_millis(20);
const HISTORY: &str = "history-2500";
const POLL: Duration = Duration::from_millis(100);
/// Past the handler's own ceiling for a background listing (60 s).
const GIVE_UP: Duration = Duration::from_secs(90);

#[derive(Debug, Default, Clone, Copy)]
pub struct FirstAndWarm {
    pub first_ms: f64,
    pub warm_ms: f64,
    /// `503 answer-being-prepared` answers before the 200.
    pub preparing: u32,
    /// Where the first call's time went: the Key Vault pages it read, how long each took to be
    /// answered at the proxy (the 20 ms included), and the time between one page's answer and the
    /// next page's request (the handler reading the page and asking for the next).
    pub pages: usize,
    pub page_ms: f64,
    pub between_pages_ms: f64,
}

#[derive(Debug, Default)]
pub struct Scale {
    pub list: FirstAndWarm,
    pub versions: FirstAndWarm,
    /// Handler output lines carrying the scale vault's canary.
    pub leaks: u64,
}

/// How long Key Vault itself takes to page through `items`: the floor of any first call.
pub fn paging_ms(items: usize) -> f64 {
    items.div_ceil(PAGE) as f64 * PAGE_DELAY.as_secs_f64() * 1e3
}

pub async fn measure(handler: &Path, client: &reqwest::Client) -> Result<Scale, String> {
    let testbed = Testbed::builder().vault(VaultChoice::StandIn).start()?;
    let Vault::StandIn(standin) = &testbed.vault else {
        return Err("the scale figures need the Key Vault stand-in".into());
    };
    standin.fill("scale", SECRETS, &format!("{}-scale", testbed.canary));
    standin.fill_versions(HISTORY, VERSIONS, &format!("{}-history", testbed.canary));
    standin.set_paging(PAGE, PAGE_DELAY);
    let proxy = testbed.proxy();
    let running = Running::spawn(handler, &testbed.settings(&proxy, &testbed.identity))?;
    running.wait_ready(Instant::now(), Duration::from_secs(10)).await?;
    // The start-up warm-up (challenge, token) is not what these figures are about.
    let warm = Instant::now();
    while proxy.seen().iter().all(|s| s.answered.is_none() || !s.authorized) && warm.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let list = first_and_warm(client, &running.url("/api/secrets"), &proxy, "/secrets").await?;
    let history = format!("/secrets/{HISTORY}/versions");
    let versions = first_and_warm(client, &running.url(&format!("/api/secrets/{HISTORY}")), &proxy, &history).await?;
    let leaks = running.output().lines().filter(|l| testbed.leaks(l)).count() as u64;
    Ok(Scale { list, versions, leaks })
}

async fn first_and_warm(
    client: &reqwest::Client,
    url: &str,
    proxy: &Proxy,
    pages: &str,
) -> Result<FirstAndWarm, String> {
    let started = Instant::now();
    let mut preparing = 0;
    loop {
        let response = client.get(url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
        if status == 200 {
            break;
        }
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let kind = problem["type"].as_str().unwrap_or_default();
        if status != 503 || !kind.ends_with("answer-being-prepared") {
            return Err(format!("GET {url} answered {status} {kind} after {:?}", started.elapsed()));
        }
        if started.elapsed() > GIVE_UP {
            return Err(format!("GET {url} was still being prepared after {GIVE_UP:?}"));
        }
        preparing += 1;
        tokio::time::sleep(POLL).await;
    }
    let first_ms = ms(started.elapsed());
    let again = Instant::now();
    let response = client.get(url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status().as_u16();
    response.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
    if status != 200 {
        return Err(format!("the call after the first 200 answered {status}"));
    }
    let warm_ms = again.elapsed().as_secs_f64() * 1e3;
    let seen: Vec<(Instant, Instant)> = proxy
        .seen()
        .iter()
        .filter(|s| s.authorized && s.path == pages && s.at >= started)
        .filter_map(|s| Some((s.at, s.answered?)))
        .collect();
    let mean = |xs: Vec<f64>| if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 };
    let page_ms = mean(seen.iter().map(|(at, answered)| ms(*answered - *at)).collect());
    let between_pages_ms = mean(seen.windows(2).map(|w| ms(w[1].0.saturating_duration_since(w[0].1))).collect());
    Ok(FirstAndWarm { first_ms, warm_ms, preparing, pages: seen.len(), page_ms, between_pages_ms })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
