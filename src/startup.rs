//! Builds the handler's server on the port the host chose and runs it until SIGTERM/SIGINT.

use std::{future::Future, net::Ipv4Addr, sync::Arc, time::Duration};

use tokio::net::TcpListener;

use crate::{
    routes::{self, AppState},
    settings::Config,
};

/// How long in-flight requests may run after a stop signal before the process exits anyway.
pub const DRAIN_LIMIT: Duration = Duration::from_millis(4500);

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: Arc<AppState>,
}

impl Application {
    /// Binds 127.0.0.1 only: the host enforces keys, so nothing may reach the handler around it.
    pub async fn build(config: Config) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port, state: Arc::new(AppState::new(config)) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `stop` completes, then drains in-flight requests for at most [`DRAIN_LIMIT`].
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
        let service = axum::ServiceExt::<axum::extract::Request>::into_make_service(routes::service(self.state));
        let serve = axum::serve(self.listener, service).with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("stop signal received, draining in-flight requests");
            let _ = stopped_tx.send(());
        });
        tokio::select! {
            result = serve => result,
            () = async move {
                let _ = stopped_rx.await;
                tokio::time::sleep(DRAIN_LIMIT).await;
            } => {
                tracing::warn!(limit_ms = DRAIN_LIMIT.as_millis() as u64, "drain limit reached, exiting with requests in flight");
                Ok(())
            }
        }
    }
}

/// Completes on SIGTERM (the host's stop) or SIGINT (Ctrl-C).
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
