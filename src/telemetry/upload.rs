//! How telemetry reaches the ingestion endpoint: the connection string's `IngestionEndpoint`, and
//! one HTTPS client (ours: rustls on ring, no redirects, the test settings' CA and pins) on a
//! runtime of its own, where the batches are exported too, so uploads never borrow the request
//! runtime's workers and a slow endpoint holds up nothing but telemetry.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry_application_insights::HttpClient;

/// One upload's limit; the exporter retries a failed one until its own limit of 35 s.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Application Insights' public ingestion endpoint, when the connection string names none.
const DEFAULT_INGESTION: &str = "https://dc.services.visualstudio.com";

/// The instrumentation key and the track URL, read as the exporter reads them: `key=value` pairs,
/// keys in any case, the endpoint named or built from `EndpointSuffix` (and `Location`), else the
/// public cloud's.
pub(super) fn parse_connection_string(raw: &str) -> Option<(String, String)> {
    let mut fields = HashMap::new();
    for pair in raw.split(';').filter(|p| !p.trim().is_empty()) {
        let (key, value) = pair.split_once('=')?;
        fields.insert(key.trim().to_ascii_lowercase(), value.trim());
    }
    let key = fields.get("instrumentationkey").filter(|k| !k.is_empty())?.to_string();
    let endpoint = match (fields.get("ingestionendpoint"), fields.get("endpointsuffix")) {
        (Some(endpoint), _) => endpoint.to_string(),
        (None, Some(suffix)) => {
            let location = fields.get("location").map(|l| format!("{l}.")).unwrap_or_default();
            format!("https://{location}dc.{suffix}")
        }
        (None, None) => DEFAULT_INGESTION.to_owned(),
    };
    Some((key, format!("{}/v2/track", endpoint.trim_end_matches('/'))))
}

#[derive(Debug, Clone)]
pub(super) struct ExportClient {
    client: reqwest::Client,
    pub(super) runtime: tokio::runtime::Handle,
}

impl ExportClient {
    pub(super) fn new(client: reqwest::ClientBuilder) -> Result<Self, String> {
        let client = client
            .connect_timeout(Duration::from_secs(5))
            .timeout(UPLOAD_TIMEOUT)
            .build()
            .map_err(|_| "the telemetry HTTPS client could not be built".to_owned())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("the telemetry runtime could not start: {e}"))?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("telemetry-export".into())
            .spawn(move || {
                // What the upload itself logs must not become telemetry in turn.
                let _suppressed = opentelemetry::Context::enter_telemetry_suppressed_scope();
                runtime.block_on(std::future::pending::<()>());
            })
            .map_err(|e| format!("the telemetry thread could not start: {e}"))?;
        Ok(Self { client, runtime: handle })
    }

    /// Posts a JSON array of envelopes; for calls made on the export runtime.
    pub(super) async fn post(&self, url: &str, body: Vec<u8>) -> reqwest::Result<reqwest::StatusCode> {
        let request = self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        Ok(request.send().await?.status())
    }
}

#[async_trait::async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: axum::http::Request<Bytes>,
    ) -> Result<axum::http::Response<Bytes>, Box<dyn std::error::Error + Send + Sync>> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let (status, body) = self
            .runtime
            .spawn(async move {
                let response = client.execute(request).await?;
                let status = response.status();
                Ok::<_, reqwest::Error>((status, response.bytes().await?))
            })
            .await??;
        Ok(axum::http::Response::builder().status(status).body(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_track_url_comes_from_the_connection_string() {
        let parse = |raw: &str| parse_connection_string(raw).map(|(key, url)| format!("{key} {url}"));
        assert_eq!(
            parse("InstrumentationKey=k;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"),
            Some("k https://westeurope-5.in.applicationinsights.azure.com/v2/track".into())
        );
        assert_eq!(
            parse("instrumentationkey=k;EndpointSuffix=ai.contoso.com;Location=westus"),
            Some("k https://westus.dc.ai.contoso.com/v2/track".into())
        );
        assert_eq!(parse("InstrumentationKey=k"), Some(format!("k {DEFAULT_INGESTION}/v2/track")));
        assert_eq!(parse("IngestionEndpoint=https://a.example"), None);
        assert_eq!(parse("not a connection string"), None);
    }
}
