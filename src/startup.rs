//! Builds the handler's server on the port the host chose and runs it until SIGTERM/SIGINT.

use std::{convert::Infallible, future::Future, net::Ipv4Addr, sync::Arc, time::Duration};

use axum::{extract::Request, response::Response};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, task::JoinSet};

mod idle;

use crate::{
    settings::Config,
    {routes, state::AppState},
};

/// How long in-flight requests may run after a stop signal before the process exits anyway.
pub const DRAIN_LIMIT: Duration = Duration::from_millis(4500);

/// How long a connection may take to send a request's head, counted from when the server starts
/// waiting for one: a client trickling its headers is cut off after it, and so is a keep-alive
/// connection left idle that long (hyper's header timer covers both). The host sends a request's
/// head at once, so this never touches a real request; how long a function may then run is left
/// to the host (its `functionTimeout`, and 230 s for HTTP triggers in Azure), as a shorter limit
/// here would only break long requests. The host's client notices a closed idle connection
/// before reusing it.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

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
        let serve = serve(self.listener, routes::service(self.state), HEADER_READ_TIMEOUT, async move {
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

/// Serves HTTP/1.1 on `listener` with `service` until `stop` completes: a connection with no
/// request in service is closed once `header_read_timeout` passes without it sending a whole
/// request head (which also ends idle keep-alive connections). After `stop`, no connection is accepted, each one finishes the
/// request it is in, and this returns once all are closed. Shared with the CLI's local host.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    header_read_timeout: Duration,
    stop: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let mut stopping = stopping_rx.clone();
        connections.spawn(async move {
            let activity = Arc::new(idle::Activity::new());
            let serving = activity.clone();
            let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let (serving, service) = (serving.clone(), service.clone());
                async move { serving.serve(tower::ServiceExt::oneshot(service, request.map(axum::body::Body::new))).await }
            });
            let builder = hyper::server::conn::http1::Builder::new();
            let mut connection = std::pin::pin!(builder.serve_connection(TokioIo::new(stream), service));
            // In this order, and without select!'s random start: the connection is what wakes
            // this task on every request.
            tokio::select! {
                biased;
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    return;
                }
                () = activity.idle_for(header_read_timeout) => {
                    tracing::debug!("connection closed: no request head within the limit");
                    return;
                }
                _ = stopping.wait_for(|stopping| *stopping) => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
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
