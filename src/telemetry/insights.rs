//! Export to Application Insights when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set: Requests,
//! Dependencies and Traces as OpenTelemetry spans and log records, sent in batches (`batch`) by
//! the `opentelemetry-application-insights` exporter, and Metrics beside them (`metrics` says why
//! not through the SDK).
//!
//! Why that exporter: it speaks Application Insights' own ingestion API (`{IngestionEndpoint}/
//! v2/track`, gzipped envelopes), so the connection string is all it needs, as for the host and
//! every Azure Monitor SDK; the OTLP exporter would need a collector beside the handler, which a
//! Functions plan does not run (and Azure Monitor's own OTLP intake is neither what a connection
//! string names nor generally available). It is kept in step with OpenTelemetry's releases, maps
//! spans to Requests and Dependencies and log records to Traces with their severity and operation
//! ids, and lets us bring the HTTP client: ours is rustls on ring, so no OpenSSL and no aws-lc-rs
//! reach the static musl binary.
//!
//! Off the request path: a request only queues a finished span or record (one bounded queue; a
//! full queue drops), and a task on a runtime of its own batches, compresses and sends them. A
//! dead or slow ingestion endpoint costs dropped batches, never a request's time or answer. What
//! is sent never holds a token, a key or a value: spans carry paths without queries, logs what
//! the stdout log already says.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use opentelemetry::logs::{Logger, LoggerProvider};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_application_insights::Exporter;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{LogExporter, SdkLogRecord, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::batch::Batches;
use super::metrics::Metrics;
use super::sampling::Sampler;
use super::upload::{ExportClient, parse_connection_string};

const DEFAULT_BATCH_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_METRIC_INTERVAL: Duration = Duration::from_secs(60);
/// What a stopping handler gives its last batches.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);
const NAME: &str = "vaultfn-handler";

/// What export needs, read once from the settings (by `telemetry::init`).
#[derive(Debug)]
pub struct Settings {
    pub connection_string: String,
    pub interval: Option<Duration>,
    /// Operations recorded whole per second before sampling starts; `None`: every one.
    pub per_second: Option<u32>,
    /// Our client, with the test doubles' CA and pins (process environment only, refused in Azure).
    pub client: reqwest::ClientBuilder,
    pub instance: Option<String>,
}

pub(super) struct Pipeline {
    batches: Batches,
    /// Only makes records: the SDK's record type has no other constructor.
    logger: SdkLogger,
    metrics: Arc<Metrics>,
    pub(super) sampler: Arc<Sampler>,
    client: ExportClient,
    track: String,
    pub(super) scope: InstrumentationScope,
}

static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

pub(super) fn pipeline() -> Option<&'static Pipeline> {
    PIPELINE.get()
}

impl Pipeline {
    pub(super) fn key_vault_latency(&self, elapsed: Duration) {
        self.metrics.key_vault_latency(elapsed);
    }

    /// `one_in`: the sampling rate its operation was kept at.
    pub(super) fn span(&self, span: SpanData, one_in: u32) {
        self.batches.span(span, one_in);
    }

    pub(super) fn log_record(&self) -> SdkLogRecord {
        self.logger.create_log_record()
    }

    pub(super) fn log(&self, record: SdkLogRecord) {
        self.batches.log(record);
    }
}

/// Starts the exporter, its batches and the metrics' interval.
pub fn start(settings: Settings) -> Result<(), String> {
    let not_one = || {
        format!(
            "{} is not a connection string (InstrumentationKey=…;IngestionEndpoint=https://…)",
            super::CONNECTION_STRING
        )
    };
    let (instrumentation_key, track) = parse_connection_string(&settings.connection_string).ok_or_else(not_one)?;
    let client = ExportClient::new(settings.client)?;
    let mut exporter =
        Exporter::new_from_connection_string(&settings.connection_string, client.clone()).map_err(|_| not_one())?;
    // What the exporter makes of the resource (role, instance, version), for the metrics too.
    let mut tags = serde_json::json!({"ai.cloud.role": NAME, "ai.application.ver": env!("CARGO_PKG_VERSION")});
    let mut resource = Resource::builder_empty()
        .with_service_name(NAME)
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if let Some(instance) = settings.instance {
        tags["ai.cloud.roleInstance"] = instance.clone().into();
        resource = resource.with_attribute(KeyValue::new("service.instance.id", instance));
    }
    let resource = resource.build();
    SpanExporter::set_resource(&mut exporter, &resource);
    LogExporter::set_resource(&mut exporter, &resource);

    let scope = InstrumentationScope::builder(NAME).with_version(env!("CARGO_PKG_VERSION")).build();
    let every = settings.interval.unwrap_or(DEFAULT_BATCH_INTERVAL);
    let batches = Batches::start(exporter, &client, every, scope.clone());
    let logger = SdkLoggerProvider::builder().build().logger(NAME);

    let metrics = Arc::new(Metrics::new(instrumentation_key, tags));
    let every = settings.interval.unwrap_or(DEFAULT_METRIC_INTERVAL);
    client.runtime.spawn(report_metrics(metrics.clone(), client.clone(), track.clone(), every));
    let sampler = Arc::new(Sampler::new(settings.per_second));
    let adapting = sampler.clone();
    client.runtime.spawn(async move { adapting.adapt().await });

    PIPELINE
        .set(Pipeline { batches, logger, metrics, sampler, client, track, scope })
        .map_err(|_| "telemetry was already started".to_owned())
}

/// Sends the metrics every `every`; a failed upload is dropped (the next one carries only its
/// own interval).
async fn report_metrics(metrics: Arc<Metrics>, client: ExportClient, track: String, every: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let _ = client.post(&track, metrics.envelopes()).await;
    }
}

/// Sends what is queued, within [`SHUTDOWN_LIMIT`].
pub fn shutdown() {
    let Some(pipeline) = PIPELINE.get() else {
        return;
    };
    let (sent, metrics_sent) = std::sync::mpsc::channel();
    let (client, track, body) = (pipeline.client.clone(), pipeline.track.clone(), pipeline.metrics.envelopes());
    pipeline.client.runtime.spawn(async move {
        let _ = client.post(&track, body).await;
        let _ = sent.send(());
    });
    pipeline.batches.flush(SHUTDOWN_LIMIT);
    let _ = metrics_sent.recv_timeout(SHUTDOWN_LIMIT);
}
