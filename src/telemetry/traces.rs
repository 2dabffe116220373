//! Log lines as Application Insights Traces: the lines the stdout log keeps (the same
//! `RUST_LOG` filter), with their severity, their fields as properties, and the operation and
//! parent ids of the request they were written in.
//!
//! Our own lines go at every level the filter lets through; other crates' only from `WARN` up:
//! their debug output (connection pools, TLS, the SDK's pipeline) is noise there, and quoting
//! URLs is not theirs to decide for a store someone else reads.

use std::time::SystemTime;

use opentelemetry::logs::{AnyValue, LogRecord, Severity};
use opentelemetry_sdk::logs::SdkLogRecord;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::context;
use super::insights::pipeline;

/// Installed only once telemetry export has started.
pub struct TraceLayer;

impl<S: Subscriber> Layer<S> for TraceLayer {
    fn on_event(&self, event: &Event<'_>, _cx: Context<'_, S>) {
        let meta = event.metadata();
        let target = meta.target();
        let ours = target.starts_with(env!("CARGO_CRATE_NAME"));
        if (!ours && *meta.level() > Level::WARN)
            || target.starts_with("opentelemetry")
            || opentelemetry::Context::is_current_telemetry_suppressed()
        {
            return;
        }
        let Some(pipeline) = pipeline() else {
            return;
        };
        // A request sampling left out takes its lines with it, all but its warnings and errors.
        if *meta.level() > Level::WARN && context::with_current(|c| c.sampled) == Some(false) {
            return;
        }
        let mut record = pipeline.log_record();
        let (number, text) = severity(*meta.level());
        record.set_severity_number(number);
        record.set_severity_text(text);
        record.set_timestamp(SystemTime::now());
        record.add_attribute("target", target);
        event.record(&mut Fields(&mut record));
        context::with_current(|c| {
            record.set_trace_context(c.trace_id, c.span_id, Some(c.flags()));
            if let Some(function) = c.function {
                record.add_attribute("ai.operation.name", function);
            }
            if let Some(id) = &c.invocation_id {
                record.add_attribute("InvocationId", id.to_string());
            }
        });
        pipeline.log(record);
    }
}

fn severity(level: Level) -> (Severity, &'static str) {
    match level {
        Level::ERROR => (Severity::Error, "ERROR"),
        Level::WARN => (Severity::Warn, "WARN"),
        Level::INFO => (Severity::Info, "INFO"),
        Level::DEBUG => (Severity::Debug, "DEBUG"),
        Level::TRACE => (Severity::Trace, "TRACE"),
    }
}

/// `message` is the Trace's text; every other field a property.
struct Fields<'a>(&'a mut SdkLogRecord);

impl Fields<'_> {
    fn add(&mut self, field: &Field, value: AnyValue) {
        match field.name() {
            "message" => self.0.set_body(value),
            name if name.starts_with("log.") => {}
            name => self.0.add_attribute(name.strip_prefix("r#").unwrap_or(name), value),
        }
    }
}

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.add(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.add(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.add(field, i64::try_from(value).map_or_else(|_| value.to_string().into(), AnyValue::from));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.add(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.add(field, value.to_owned().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.add(field, format!("{value:?}").into());
    }
}
