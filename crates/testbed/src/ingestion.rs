//! An Application Insights ingestion endpoint that accepts and discards: `POST /v2/track` and
//! `/v2.1/track` over HTTPS on 127.0.0.1, answered 200 once the body is read, as the service
//! answers a batch it took whole. For measuring what exporting costs the app, not what it sends
//! (the telemetry tests check that against an endpoint of their own).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::tls;

#[derive(Default)]
struct Counts {
    batches: AtomicU64,
    bytes: AtomicU64,
}

pub struct IngestionSink {
    /// What a connection string's `IngestionEndpoint` names.
    pub url: String,
    /// The CA of its certificate (for 127.0.0.1), to trust through `KEY_VAULT_CA_FILE`.
    pub ca_pem: String,
    counts: Arc<Counts>,
}

impl IngestionSink {
    /// Binds now (so the URL is known) and serves on `runtime`.
    pub fn start(runtime: &tokio::runtime::Handle) -> Self {
        let (ca_pem, config) = tls::tls_for("127.0.0.1");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind ingestion sink");
        listener.set_nonblocking(true).expect("non-blocking ingestion listener");
        let url = format!("https://127.0.0.1:{}/", listener.local_addr().expect("sink address").port());
        let counts = Arc::new(Counts::default());
        let serving = counts.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("ingestion listener");
            tls::serve(listener, config, serving, |_| false, track).await;
        });
        Self { url, ca_pem, counts }
    }

    /// Batches received so far, and their bytes as sent (compressed).
    pub fn received(&self) -> (u64, u64) {
        (self.counts.batches.load(Ordering::Relaxed), self.counts.bytes.load(Ordering::Relaxed))
    }
}

async fn track(counts: Arc<Counts>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let answer = |status: u16| Ok(Response::builder().status(status).body(Full::default()).expect("static response"));
    let known = matches!(request.uri().path(), "/v2/track" | "/v2.1/track");
    if request.method() != hyper::Method::POST || !known {
        return answer(404);
    }
    let Ok(body) = request.into_body().collect().await.map(|b| b.to_bytes()) else {
        return answer(400);
    };
    counts.batches.fetch_add(1, Ordering::Relaxed);
    counts.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    answer(200)
}
