//! The baselines, served by the benchmark process itself on a runtime shaped like the handler's
//! (`#[tokio::main]`: one worker per core): a minimal axum hello-world, and an axum route that
//! answers with the bytes the handler's config-check answers, precomputed.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

/// The hello-world; its port.
pub fn start() -> Result<u16, String> {
    serve(Router::new().route("/", get(|| async { "Hello, World!" })))
}

/// `GET path` answered with `status`, `headers` and `body` as given, the way the handler answers
/// config-check without `?deep` (status, headers and a body computed at start); its port. What is
/// left between the two is the handler's own work per request.
pub fn same_bytes(path: &str, status: StatusCode, headers: HeaderMap, body: Bytes) -> Result<u16, String> {
    serve(Router::new().route(path, get(move || async move { (status, headers.clone(), body.clone()) })))
}

/// Starts `app` on a thread of its own and returns its port.
fn serve(app: Router) -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("baseline: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| format!("baseline: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("baseline: {e}"))?.port();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("baseline".into())
        .spawn(move || {
            runtime.block_on(async move {
                if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                    let _ = axum::serve(listener, app).await;
                }
            })
        })
        .map_err(|e| format!("baseline: {e}"))?;
    Ok(port)
}
