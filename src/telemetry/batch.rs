//! The batches: finished spans and log records wait in one bounded queue and go to the exporter
//! together, every interval or once a batch is full, from a task on the export runtime.
//!
//! A task rather than the SDK's batch processors, which run a thread each and block it on every
//! upload: the export runtime's thread already does the uploads, and the processors' threads and
//! channels weighed about 100 KB of the static binary. A request only `try_send`s: when the queue
//! is full (an upload is being retried against a dead endpoint), what does not fit is dropped.

use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_application_insights::Exporter;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLogRecord};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tokio::sync::mpsc;

use super::upload::ExportClient;

/// Items waiting for a batch; beyond it they are dropped.
const MAX_QUEUE: usize = 2048;
/// At most this many items go in one upload.
const MAX_BATCH: usize = 512;
/// A dead endpoint fails every batch; the log says so this often.
const WARN_EVERY: Duration = Duration::from_secs(300);

enum Item {
    /// With the sampling rate (one in N) its operation was kept at.
    Span(SpanData, u32),
    Log(SdkLogRecord),
}

/// Where finished spans and records go.
pub(super) struct Batches {
    queue: mpsc::Sender<Item>,
    flushes: mpsc::UnboundedSender<std::sync::mpsc::Sender<()>>,
}

impl Batches {
    /// Starts the batch task on `client`'s runtime.
    pub(super) fn start(
        exporter: Exporter<ExportClient>,
        client: &ExportClient,
        every: Duration,
        scope: InstrumentationScope,
    ) -> Self {
        let (queue, items) = mpsc::channel(MAX_QUEUE);
        let (flushes, flush_requests) = mpsc::unbounded_channel();
        client.runtime.spawn(run(exporter, items, flush_requests, every, scope));
        Self { queue, flushes }
    }

    pub(super) fn span(&self, span: SpanData, one_in: u32) {
        let _ = self.queue.try_send(Item::Span(span, one_in));
    }

    pub(super) fn log(&self, record: SdkLogRecord) {
        let _ = self.queue.try_send(Item::Log(record));
    }

    /// Sends what is queued; waits for it at most `limit`.
    pub(super) fn flush(&self, limit: Duration) {
        let (done, flushed) = std::sync::mpsc::channel();
        if self.flushes.send(done).is_ok() {
            let _ = flushed.recv_timeout(limit);
        }
    }
}

async fn run(
    exporter: Exporter<ExportClient>,
    mut items: mpsc::Receiver<Item>,
    mut flush_requests: mpsc::UnboundedReceiver<std::sync::mpsc::Sender<()>>,
    every: Duration,
    scope: InstrumentationScope,
) {
    let (mut spans, mut logs, mut warned) = (Vec::new(), Vec::new(), None);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            item = items.recv() => match item {
                Some(Item::Span(span, one_in)) => spans.push((span, one_in)),
                Some(Item::Log(record)) => logs.push(record),
                None => return,
            },
            Some(done) = flush_requests.recv() => {
                // What was queued before the flush was asked for; not what keeps coming after.
                for _ in 0..MAX_QUEUE {
                    let Ok(item) = items.try_recv() else { break };
                    match item {
                        Item::Span(span, one_in) => spans.push((span, one_in)),
                        Item::Log(record) => logs.push(record),
                    }
                }
                export(&exporter, &mut spans, &mut logs, &scope, &mut warned).await;
                let _ = done.send(());
                continue;
            }
            _ = ticks.tick() => {
                export(&exporter, &mut spans, &mut logs, &scope, &mut warned).await;
                continue;
            }
        }
        if spans.len() + logs.len() >= MAX_BATCH {
            export(&exporter, &mut spans, &mut logs, &scope, &mut warned).await;
        }
    }
}

/// One upload per kind (spans: per sampling rate, which each envelope carries as `sampleRate`);
/// a failed one (after the exporter's own retries) is dropped, and said so in the log at most
/// once per [`WARN_EVERY`].
async fn export(
    exporter: &Exporter<ExportClient>,
    spans: &mut Vec<(SpanData, u32)>,
    logs: &mut Vec<SdkLogRecord>,
    scope: &InstrumentationScope,
    warned: &mut Option<Instant>,
) {
    let mut failure = None;
    let mut spans = std::mem::take(spans);
    while let Some(&(_, one_in)) = spans.first() {
        let (same, rest): (Vec<_>, Vec<_>) = spans.into_iter().partition(|(_, n)| *n == one_in);
        spans = rest;
        let count = same.len();
        let batch = same.into_iter().map(|(span, _)| span).collect();
        let result = if one_in <= 1 {
            SpanExporter::export(exporter, batch).await
        } else {
            let sampled = exporter.clone().with_sample_rate(1.0 / f64::from(one_in));
            SpanExporter::export(&sampled, batch).await
        };
        if let Err(e) = result {
            failure = Some((e, count));
        }
    }
    if !logs.is_empty() {
        let batch: Vec<(&SdkLogRecord, &InstrumentationScope)> = logs.iter().map(|record| (record, scope)).collect();
        if let Err(e) = LogExporter::export(exporter, LogBatch::new(&batch)).await {
            failure = Some((e, logs.len()));
        }
        logs.clear();
    }
    if let Some((error, dropped)) = failure
        && warned.is_none_or(|at| at.elapsed() >= WARN_EVERY)
    {
        *warned = Some(Instant::now());
        tracing::warn!(%error, dropped, "telemetry batch dropped: the ingestion endpoint did not take it");
    }
}
