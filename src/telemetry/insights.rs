//! Export to Application Insights when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set: Requests,
//! Dependencies, Traces and Metrics, sent in batches by OpenTelemetry's SDK with the
//! `opentelemetry-application-insights` exporter.
//!
//! Why that exporter: it speaks Application Insights' own ingestion API (`{IngestionEndpoint}/
//! v2/track`, gzipped envelopes), so the connection string is all it needs, as for the host and
//! every Azure Monitor SDK; the OTLP exporter would need a collector beside the handler, which a
//! Functions plan does not run. It is kept in step with OpenTelemetry's releases, maps spans to
//! Requests and Dependencies and logs to Traces with their severity and operation ids, and lets
//! us bring the HTTP client: ours is rustls on ring, so no OpenSSL and no aws-lc-rs reach the
//! static musl binary. (0.45 rather than the newest: that one needs a newer compiler than the
//! workspace's rust-version.)
//!
//! Off the request path: requests only queue a finished span or record (bounded queues; a full
//! queue drops), the SDK's batch threads compress and send, and their HTTP requests run on a
//! runtime of their own. A dead or slow ingestion endpoint costs dropped batches, never a
//! request's time or answer. What is sent never holds a token, a key or a value: spans carry
//! paths without queries, logs what the stdout log already says.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry::InstrumentationScope;
use opentelemetry::KeyValue;
use opentelemetry::logs::LoggerProvider;
use opentelemetry::metrics::{Histogram, MeterProvider};
use opentelemetry_application_insights::{Exporter, HttpClient};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanExporter, SpanProcessor};

use crate::http_client::Overrides;
use crate::settings::Config;

pub const CONNECTION_STRING: &str = "APPLICATIONINSIGHTS_CONNECTION_STRING";
/// How often batches go out (and metrics, when set); for tests and for short-lived instances.
pub const INTERVAL_SETTING: &str = "VAULTFN_TELEMETRY_INTERVAL_MS";
const DEFAULT_BATCH_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_METRIC_INTERVAL: Duration = Duration::from_secs(60);
/// Spans and log records waiting for a batch; beyond it they are dropped.
const MAX_QUEUE: usize = 2048;
/// One upload's limit; the exporter retries a failed one until its own limit of 35 s.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);
/// What a stopping handler gives its last batches.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);
const NAME: &str = "vaultfn-handler";

/// What export needs, read once from the settings.
#[derive(Debug)]
pub struct Settings {
    connection_string: String,
    interval: Option<Duration>,
    /// The test doubles' CA and pins (process environment only, refused in Azure).
    overrides: Overrides,
    instance: Option<String>,
}

impl Settings {
    /// `Ok(None)` when the connection string is absent: telemetry is off and costs nothing.
    pub fn read(config: &Config) -> Result<Option<Self>, String> {
        let Some(connection_string) = config.plain(CONNECTION_STRING).map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let interval = match config.plain(INTERVAL_SETTING).map(str::trim) {
            None => None,
            Some(raw) => Some(
                raw.parse::<u64>()
                    .ok()
                    .filter(|ms| (10..=600_000).contains(ms))
                    .map(Duration::from_millis)
                    .ok_or_else(|| {
                        format!("{INTERVAL_SETTING} must be a whole number of milliseconds from 10 to 600000")
                    })?,
            ),
        };
        // Resource Manager's settings carry the process's overrides, refused in Azure.
        let overrides = config.arm.as_ref().map(|arm| arm.overrides.clone()).unwrap_or_default();
        // Trailing or doubled separators, as copied from the portal, are not an error.
        let connection_string =
            connection_string.split(';').filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(";");
        let instance = config.plain("WEBSITE_INSTANCE_ID").map(str::to_owned);
        Ok(Some(Self { connection_string, interval, overrides, instance }))
    }
}

pub(super) struct Pipeline {
    pub(super) spans: BatchSpanProcessor,
    logs: SdkLoggerProvider,
    meters: SdkMeterProvider,
    key_vault_latency: Histogram<f64>,
    pub(super) scope: InstrumentationScope,
}

static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

pub(super) fn pipeline() -> Option<&'static Pipeline> {
    PIPELINE.get()
}

impl Pipeline {
    pub(super) fn key_vault_latency(&self, elapsed: Duration) {
        self.key_vault_latency.record(elapsed.as_secs_f64() * 1000.0, &[]);
    }
}

/// Starts the exporter and its batch threads; the logger is what the log layer sends through.
pub fn start(settings: Settings) -> Result<SdkLogger, String> {
    let client = ExportClient::new(&settings.overrides)?;
    let exporter = Exporter::new_from_connection_string(&settings.connection_string, client).map_err(|_| {
        format!("{CONNECTION_STRING} is not a connection string (InstrumentationKey=…;IngestionEndpoint=https://…)")
    })?;
    let mut resource = Resource::builder_empty()
        .with_service_name(NAME)
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if let Some(instance) = settings.instance {
        resource = resource.with_attribute(KeyValue::new("service.instance.id", instance));
    }
    let resource = resource.build();
    let delay = settings.interval.unwrap_or(DEFAULT_BATCH_INTERVAL);

    let mut span_exporter = exporter.clone();
    span_exporter.set_resource(&resource);
    let span_config = opentelemetry_sdk::trace::BatchConfigBuilder::default()
        .with_max_queue_size(MAX_QUEUE)
        .with_scheduled_delay(delay)
        .build();
    let spans = BatchSpanProcessor::new(span_exporter, span_config);

    let log_config = opentelemetry_sdk::logs::BatchConfigBuilder::default()
        .with_max_queue_size(MAX_QUEUE)
        .with_scheduled_delay(delay)
        .build();
    let logs = SdkLoggerProvider::builder()
        .with_log_processor(BatchLogProcessor::builder(exporter.clone()).with_batch_config(log_config).build())
        .with_resource(resource.clone())
        .build();

    let reader =
        PeriodicReader::builder(exporter).with_interval(settings.interval.unwrap_or(DEFAULT_METRIC_INTERVAL)).build();
    let meters = SdkMeterProvider::builder().with_reader(reader).with_resource(resource).build();
    let key_vault_latency = super::metrics::register(&meters.meter(NAME));

    let scope = InstrumentationScope::builder(NAME).with_version(env!("CARGO_PKG_VERSION")).build();
    let logger = logs.logger(NAME);
    PIPELINE
        .set(Pipeline { spans, logs, meters, key_vault_latency, scope })
        .map_err(|_| "telemetry was already started".to_owned())?;
    Ok(logger)
}

/// Sends what is queued, within [`SHUTDOWN_LIMIT`].
pub fn shutdown() {
    let Some(pipeline) = PIPELINE.get() else {
        return;
    };
    std::thread::scope(|s| {
        s.spawn(|| pipeline.spans.shutdown_with_timeout(SHUTDOWN_LIMIT));
        s.spawn(|| pipeline.logs.shutdown_with_timeout(SHUTDOWN_LIMIT));
        s.spawn(|| pipeline.meters.shutdown_with_timeout(SHUTDOWN_LIMIT));
    });
}

/// The exporter's HTTP client: our rustls client, run on a runtime of its own so the batch
/// threads (which block on each export) never borrow the request runtime's workers.
#[derive(Debug, Clone)]
struct ExportClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl ExportClient {
    fn new(overrides: &Overrides) -> Result<Self, String> {
        let client = overrides
            .builder()
            .map_err(|e| e.to_string())?
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
