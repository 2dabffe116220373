//! The custom handler the Azure Functions host starts.

use std::sync::atomic::Ordering;

use vaultfn_handler::{settings::Config, startup, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("handler: invalid settings: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    telemetry::init(&config);
    telemetry::install_panic_hook();
    let app = match startup::Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("handler: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(vault) = app.state().vault.clone() {
        telemetry::metrics::watch_cache(move || {
            let stats = vault.cache_stats();
            [&stats.hits, &stats.misses, &stats.stale, &stats.evictions].map(|count| count.load(Ordering::Relaxed))
        });
    }
    tracing::info!(port = app.port(), version = env!("CARGO_PKG_VERSION"), "listening");
    let code = match app.run_until_stopped(startup::stop_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            std::process::ExitCode::FAILURE
        }
    };
    telemetry::shutdown();
    code
}
