//! The baseline: a minimal axum hello-world on a runtime shaped like the handler's
//! (`#[tokio::main]`: one worker per core), served by the benchmark process itself.

use axum::Router;
use axum::routing::get;

/// Starts it on a thread of its own and returns its port.
pub fn start() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("baseline: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| format!("baseline: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("baseline: {e}"))?.port();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("baseline".into())
        .spawn(move || {
            runtime.block_on(async move {
                let app = Router::new().route("/", get(|| async { "Hello, World!" }));
                if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                    let _ = axum::serve(listener, app).await;
                }
            })
        })
        .map_err(|e| format!("baseline: {e}"))?;
    Ok(port)
}
