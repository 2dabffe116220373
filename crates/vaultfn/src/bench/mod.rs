//! `vaultfn bench`: the numbers behind vaultfn's claims, measured on the machine at hand against
//! a baseline measured in the same run. It starts the Key Vault testbed (the stand-in, or a
//! Lowkey Vault the user names) and the release handler, prints progress on stderr and one JSON
//! object as the last line of stdout. Benchmarks are not tests: it never fails the test command.
//! The scale figures run against a stand-in of their own (`scale`), the fleet's Key Vault rate is
//! simulated with the handler's cache rules (`fleet`).

mod baseline;
mod first_metadata;
pub mod fleet;
mod handler_binary;
mod report;
mod scale;
mod wrk;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Map, json};

use report::{Numbers, median};
use vaultfn_testbed::ingestion::IngestionSink;
use vaultfn_testbed::process::HandlerProcess as Running;
use vaultfn_testbed::proxy::Proxy;
use vaultfn_testbed::{Testbed, VaultChoice};

/// The plain secrets the load spreads over.
const SECRETS: usize = 10;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Repetitions of every measurement; each reported number is their median.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// Handler spawns timed for `ready_ms`.
    #[arg(long, default_value_t = 20)]
    pub spawns: usize,
    /// Length of the soak under saturating load.
    #[arg(long, default_value_t = 60)]
    pub soak_seconds: u64,
    /// Key Vault behind the counting proxy: `auto` (a Lowkey Vault named by `LOWKEY_VAULT_URL` or
    /// `LOWKEY_VAULT_JAR`, else the stand-in) or `standin`.
    #[arg(long, default_value = "auto")]
    pub vault: String,
}

pub async fn run(args: BenchArgs) -> ExitCode {
    match bench(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("vaultfn bench: {why}");
            ExitCode::FAILURE
        }
    }
}

fn names() -> Vec<String> {
    (0..SECRETS).map(|i| format!("bench-{i:02}")).collect()
}

struct Bench {
    testbed: Testbed,
    handler: std::path::PathBuf,
    markers: Vec<String>,
    client: reqwest::Client,
}

impl Bench {
    /// A handler behind a proxy of its own (so its Key Vault requests are its alone), ready;
    /// `extra` settings replace or add to the usual ones.
    async fn handler(&self, extra: &[(String, String)]) -> Result<(Running, Proxy), String> {
        let proxy = self.testbed.proxy();
        let mut settings = self.testbed.settings(&proxy, &self.testbed.identity);
        settings.extend(
            [
                // config-check answers 200 only when every listed setting is resolved.
                ("CONFIG_CHECK_SETTINGS", "BENCH_API_KEY=bench-00,BENCH_DB_PASSWORD=bench-01"),
                ("BENCH_API_KEY", "resolved-by-the-platform-1"),
                ("BENCH_DB_PASSWORD", "resolved-by-the-platform-2"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        for (key, value) in extra {
            settings.retain(|(k, _)| k != key);
            settings.push((key.clone(), value.clone()));
        }
        let running = Running::spawn(&self.handler, &settings)?;
        running.wait_ready(Instant::now(), Duration::from_secs(10)).await?;
        // The start-up warm-up (challenge, token) is not what the measurements are about.
        let warm = Instant::now();
        while proxy.seen().iter().all(|s| !s.authorized) && warm.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok((running, proxy))
    }

    /// Settings that export telemetry to `sink`, whose CA joins the vault's in the CA bundle.
    fn telemetry_settings(&self, sink: &IngestionSink) -> Result<Vec<(String, String)>, String> {
        let proxy_settings = self.testbed.settings(&self.testbed.proxy(), &self.testbed.identity);
        let vault_ca = proxy_settings.iter().find(|(k, _)| k == "KEY_VAULT_CA_FILE").map(|(_, v)| v.clone());
        let vault_ca = std::fs::read_to_string(vault_ca.unwrap_or_default()).map_err(|e| format!("vault CA: {e}"))?;
        let bundle = self.testbed.dir.join("ca-with-ingestion.pem");
        std::fs::write(&bundle, format!("{vault_ca}\n{}", sink.ca_pem)).map_err(|e| format!("CA bundle: {e}"))?;
        let connection =
            format!("InstrumentationKey=00000000-0000-4000-8000-0000000be7c4;IngestionEndpoint={}", sink.url);
        Ok(vec![
            ("KEY_VAULT_CA_FILE".into(), bundle.display().to_string()),
            (vaultfn_handler::telemetry::CONNECTION_STRING.into(), connection),
        ])
    }
}

async fn bench(args: BenchArgs) -> Result<(), String> {
    let wrk_version = wrk::version()?;
    let load_at_start = load_average();
    let choice = match args.vault.as_str() {
        "auto" => VaultChoice::FromEnv,
        "standin" => VaultChoice::StandIn,
        other => return Err(format!("--vault {other:?}: use auto or standin")),
    };
    eprintln!("bench: starting the Key Vault testbed");
    let testbed = Testbed::builder().vault(choice).secrets(names()).start()?;
    eprintln!("bench: {} seeded with {} secrets", testbed.vault.name(), testbed.seeded.versions.len());
    let handler = handler_binary::locate_handler()?;
    let mut markers = vec![testbed.canary.clone()];
    markers.extend(testbed.seeded.values.iter().cloned());
    let client =
        vaultfn_handler::http_client::builder().pool_max_idle_per_host(64).build().map_err(|e| e.to_string())?;
    let bench = Bench { testbed, handler, markers, client };
    let dir = bench.testbed.dir.clone();
    let mut n = Numbers {
        binary_bytes: std::fs::metadata(&bench.handler).map(|m| m.len()).unwrap_or(0),
        soak_seconds: args.soak_seconds,
        ..Default::default()
    };

    n.ready_ms = ready(&bench, args.spawns).await?;
    eprintln!("bench: ready_ms {:.2} (median of {} spawns)", n.ready_ms, args.spawns);
    let (first, breakdown) =
        first_metadata::measure(&bench.testbed, &bench.handler, &bench.client, &names()[0], args.spawns).await?;
    eprint!("{}", first_metadata::describe(first, &breakdown));
    (n.first_metadata_ms, n.first_metadata_breakdown_ms) = (first, breakdown);

    let (main, _proxy) = bench.handler(&[]).await?;
    let sink = IngestionSink::start(bench.testbed.runtime());
    let (telemetry, _telemetry_proxy) = bench.handler(&bench.telemetry_settings(&sink)?).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    n.rss_idle_kb = main.memory_kb().0;
    let metadata_paths: Vec<String> = names().iter().map(|s| format!("/api/secrets/{s}")).collect();
    for (handler, path) in metadata_paths.iter().map(|p| (&main, p)).chain([(&telemetry, &metadata_paths[0])]) {
        let status = bench.client.get(handler.url(path)).send().await.map(|r| r.status().as_u16()).ok();
        if status != Some(200) {
            return Err(format!("GET {path} answered {status:?} before the load"));
        }
    }
    let same_bytes = same_bytes_baseline(&bench.client, &main).await?;
    throughput(&main, &telemetry, same_bytes, &args, &metadata_paths[0], &mut n)?;
    n.telemetry_batches = sink.received().0;
    eprintln!(
        "bench: the ingestion endpoint received {} telemetry batches ({} bytes)",
        sink.received().0,
        sink.received().1
    );
    n.rss_load_kb = main.memory_kb().1;
    eprintln!("bench: rss idle {} kB, peak under load {} kB", n.rss_idle_kb, n.rss_load_kb);

    n.kv_requests_10k = kv_requests(&bench, args.runs, 10_000, SECRETS).await?;
    n.kv_requests_cold_200 = kv_requests(&bench, args.runs, 200, 1).await?;
    eprintln!("bench: Key Vault requests: {} for 10k, {} for 200 cold", n.kv_requests_10k, n.kv_requests_cold_200);

    soak(&main, &args, &metadata_paths, &dir, &mut n)?;
    let outputs = main.output() + &telemetry.output();
    n.leaks = outputs.lines().filter(|l| bench.markers.iter().any(|m| l.contains(m.as_str()))).count() as u64;

    eprintln!(
        "bench: scale: {} secrets and a secret of {} versions, pages of 25 at 20 ms",
        scale::SECRETS,
        scale::VERSIONS
    );
    let scaled = scale::measure(&bench.handler, &bench.client).await?;
    (n.list_4000_ms, n.metadata_2500_versions_ms) = (scaled.list, scaled.versions);
    n.leaks += scaled.leaks;
    for (name, f) in [("list_4000_ms", &scaled.list), ("metadata_2500_versions_ms", &scaled.versions)] {
        eprintln!(
            "bench: {name}: first {:.0} ({} pages, {:.1} ms each at the proxy, {:.1} ms between pages, {} x 503 being prepared), warm {:.2}",
            f.first_ms, f.pages, f.page_ms, f.between_pages_ms, f.preparing, f.warm_ms
        );
    }
    n.fleet = fleet::simulate(&fleet::Fleet::figure());
    eprintln!(
        "bench: fleet: {:.1} Key Vault requests per 10 s (model {:.1}, busiest 10 s {}, mean refresh {:.1} s)",
        n.fleet.mean_per_10s, n.fleet.analytic_per_10s, n.fleet.peak_per_10s, n.fleet.mean_refresh_s
    );

    let mut context = Map::new();
    context.insert("vault".into(), json!(bench.testbed.vault.name()));
    context.insert("load_generator".into(), json!(wrk_version));
    context.insert("runs".into(), json!(args.runs));
    context.insert("run_seconds".into(), json!(args.seconds));
    context.insert("connections".into(), json!(args.connections));
    context.insert("cores".into(), json!(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)));
    // Other work on the machine moves the ratios; this says how busy it was.
    context.insert("load_average_1m".into(), json!({ "start": load_at_start, "end": load_average() }));
    eprintln!("\n{}", report::table(&n));
    println!("{}", report::json(&n, context));
    Ok(())
}

/// The 1-minute load average (Linux), if known.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// Spawn → first answer on `GET /`, the host's readiness poll, over fresh processes.
async fn ready(bench: &Bench, spawns: usize) -> Result<f64, String> {
    let proxy = bench.testbed.proxy();
    let settings = bench.testbed.settings(&proxy, &bench.testbed.identity);
    let mut times = Vec::new();
    for _ in 0..spawns {
        let started = Instant::now();
        let running = Running::spawn(&bench.handler, &settings)?;
        times.push(running.wait_ready(started, Duration::from_secs(10)).await?.as_secs_f64() * 1e3);
    }
    Ok(median(times))
}

/// The config-check answer as the handler sends it: status, headers (less those the server sets
/// per connection) and body, to be sent again by the same-bytes baseline; its port.
async fn same_bytes_baseline(client: &reqwest::Client, main: &Running) -> Result<u16, String> {
    let response = client.get(main.url("/api/config-check")).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let mut headers = response.headers().clone();
    for per_connection in ["date", "content-length", "connection", "transfer-encoding"] {
        headers.remove(per_connection);
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    baseline::same_bytes("/api/config-check", status, headers, body)
}

/// The loads differ in URL only: same generator, options and connections, no request script (a
/// script costs the generator enough CPU on two cores to skew a ratio). The metadata loads ask
/// for one cached secret; `kv_requests` and the soak spread requests over all of them. Each ratio
/// pairs loads run one after the other, so they share the machine's state.
fn throughput(
    main: &Running,
    telemetry: &Running,
    same_bytes_port: u16,
    args: &BenchArgs,
    metadata_path: &str,
    n: &mut Numbers,
) -> Result<(), String> {
    let baseline_port = baseline::start()?;
    let loads = [
        ("baseline", format!("http://127.0.0.1:{baseline_port}/")),
        ("same_bytes", format!("http://127.0.0.1:{same_bytes_port}/api/config-check")),
        ("config_check", main.url("/api/config-check")),
        ("metadata_cached", main.url(metadata_path)),
        ("metadata_telemetry", telemetry.url(metadata_path)),
    ];
    let duration = Duration::from_secs(args.seconds);
    let mut runs: Vec<Vec<wrk::Load>> = vec![Vec::new(); loads.len()];
    // Interleaved, so a noisy neighbour slows all of them alike.
    for run in 1..=args.runs {
        for (i, (_, url)) in loads.iter().enumerate() {
            runs[i].push(wrk::run(url, None, args.connections, duration)?);
        }
        let rps: Vec<String> =
            loads.iter().zip(&runs).map(|((name, _), l)| format!("{name} {:.0}", l[run - 1].rps)).collect();
        eprintln!("bench: run {run}/{} rps: {}", args.runs, rps.join(", "));
    }
    let [base, same, cc, md, mdt] = [0, 1, 2, 3, 4].map(|i| runs[i].as_slice());
    let errors: u64 = [same, cc, md, mdt].iter().flat_map(|l| l.iter()).map(|l| l.errors).sum();
    if errors > 0 {
        eprintln!("bench: warning: {errors} non-2xx answers or socket errors during the throughput runs");
    }
    let stat = |loads: &[wrk::Load], f: fn(&wrk::Load) -> f64| median(loads.iter().map(f).collect());
    n.baseline_rps = stat(base, |l| l.rps);
    n.same_bytes_rps = stat(same, |l| l.rps);
    n.config_check_rps = stat(cc, |l| l.rps);
    n.metadata_cached_rps = stat(md, |l| l.rps);
    n.metadata_telemetry_rps = stat(mdt, |l| l.rps);
    let paired = |loads: &[wrk::Load], to: &[wrk::Load]| {
        median(loads.iter().zip(to).map(|(l, b)| l.rps / b.rps.max(1.0)).collect())
    };
    n.config_check_vs_baseline = paired(cc, base);
    n.metadata_cached_vs_baseline = paired(md, base);
    n.config_check_same_bytes_ratio = paired(cc, same);
    n.telemetry_on_ratio = paired(mdt, md);
    for ((name, _), loads) in loads.iter().zip(&runs) {
        n.p50_us.insert((*name).into(), json!(stat(loads, |l| l.p50_us).round()));
        n.p99_us.insert((*name).into(), json!(stat(loads, |l| l.p99_us).round()));
    }
    Ok(())
}

/// Key Vault requests (at the counting proxy) caused by `total` concurrent metadata requests
/// over `secrets` secrets against a fresh handler; the median over `runs` handlers.
async fn kv_requests(bench: &Bench, runs: usize, total: usize, secrets: usize) -> Result<u64, String> {
    let mut counts = Vec::new();
    for _ in 0..runs {
        let (running, proxy) = bench.handler(&[]).await?;
        let running = Arc::new(running);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // 200 in flight at once: all of them at once for the cold case, a steady 200 otherwise.
        let workers: Vec<_> = (0..total.min(200))
            .map(|_| {
                let (client, running, next) = (bench.client.clone(), running.clone(), next.clone());
                tokio::spawn(async move {
                    let mut failures = 0;
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= total {
                            return failures;
                        }
                        let url = running.url(&format!("/api/secrets/bench-{:02}", i % secrets));
                        if !client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
                            failures += 1;
                        }
                    }
                })
            })
            .collect();
        let mut failures = 0;
        for worker in workers {
            failures += worker.await.unwrap_or(1);
        }
        if failures > 0 {
            return Err(format!("{failures} of {total} metadata requests failed"));
        }
        counts.push(proxy.seen().iter().filter(|s| s.path.starts_with("/secrets/bench-")).count() as f64);
    }
    Ok(median(counts) as u64)
}

/// Saturating load for `soak_seconds` over every metadata path, config-check and the list.
/// RSS is sampled every 250 ms; growth runs from the sample a tenth into the soak (at most 5 s),
/// once the higher connection count's buffers exist, to the last one, so it shows what keeps
/// growing rather than the working set of more connections.
fn soak(
    main: &Running,
    args: &BenchArgs,
    metadata_paths: &[String],
    dir: &Path,
    n: &mut Numbers,
) -> Result<(), String> {
    let mut paths = metadata_paths.to_vec();
    paths.extend(["/api/config-check".to_owned(), "/api/secrets".to_owned()]);
    let script = wrk::script(dir, "soak", &paths).map_err(|e| e.to_string())?;
    eprintln!("bench: soak for {} s", args.soak_seconds);
    let pid = main.pid();
    let settle = Duration::from_secs(args.soak_seconds).div_f64(10.0).min(Duration::from_secs(5));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let (mut first, mut last) = (0u64, 0u64);
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(250));
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                let Some(kb) = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                else {
                    continue;
                };
                if first == 0 && started.elapsed() >= settle {
                    first = kb;
                }
                last = kb;
            }
            (first, last)
        })
    };
    let load = wrk::run(&main.url("/"), Some(&script), args.connections * 2, Duration::from_secs(args.soak_seconds));
    stop.store(true, Ordering::SeqCst);
    let (start, end) = sampler.join().unwrap_or((0, 0));
    let load = load?;
    n.soak_requests = load.requests;
    n.soak_errors = load.errors;
    n.soak_rss_growth_pct = if start > 0 { (end as f64 - start as f64) / start as f64 * 100.0 } else { 0.0 };
    eprintln!(
        "bench: soak: {} requests, {} errors, RSS {start} kB after {settle:?} -> {end} kB at the end ({:+.2} %)",
        load.requests, load.errors, n.soak_rss_growth_pct
    );
    Ok(())
}
