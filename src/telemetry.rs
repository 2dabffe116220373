//! Logging: JSON lines on stdout, which the Functions host ingests. `RUST_LOG` filters (default
//! `info`).

use tracing::{Metadata, Subscriber, field::Field, level_filters::LevelFilter, subscriber::Interest};
use tracing_subscriber::{
    EnvFilter,
    field::{RecordFields, Visit},
    fmt::{
        self, FormatFields, FormattedFields,
        format::{JsonFields, Writer},
    },
    layer::{Context, Layer},
    prelude::*,
};

pub fn init() {
    let from_env = std::env::var("RUST_LOG").ok().and_then(|v| Some((EnvFilter::try_new(&v).ok()?, v)));
    let (filter, directives) = from_env.unwrap_or_else(|| (EnvFilter::new("info"), "info".to_owned()));
    let output = fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .fmt_fields(SpanFields)
        .with_writer(std::io::stdout);
    let registry = tracing_subscriber::registry().with(output);
    // Span and field directives (`target[span{field=value}]=level`) are the only ones written
    // with brackets, and the only ones for which EnvFilter has to follow each span.
    let _ = if directives.contains('[') {
        registry.with(filter).try_init()
    } else {
        registry.with(StaticFilter(filter)).try_init()
    };
}

/// Replaces the default panic hook, which prints the panic's message to stderr: a message could
/// quote a value. The log line names where it happened, never what it said.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(%location, "panic");
    }));
}

/// An [`EnvFilter`] without span or field directives: the same answers, minus the span tracking
/// it only needs for those, which takes a process-wide lock on every span's creation, entry,
/// exit and close (several times per request).
struct StaticFilter(EnvFilter);

impl<S: Subscriber> Layer<S> for StaticFilter {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        Layer::<S>::register_callsite(&self.0, meta)
    }

    fn enabled(&self, meta: &Metadata<'_>, cx: Context<'_, S>) -> bool {
        Layer::<S>::enabled(&self.0, meta, cx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Layer::<S>::max_level_hint(&self.0)
    }
}

/// Span fields as one JSON object, as [`JsonFields`] writes them, but streamed: no map and no
/// value per field on every request's span. The object is only ever read back as a map (to nest
/// it under `span` in an event's line), so its key order does not show, and a repeated key keeps
/// its last value there as in `JsonFields`.
struct SpanFields;

impl<'w> FormatFields<'w> for SpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> std::fmt::Result {
        let mut object = JsonObject { out: String::with_capacity(128), result: Ok(()) };
        fields.record(&mut object);
        object.result?;
        if object.out.is_empty() {
            return writer.write_str("{}");
        }
        object.out.push('}');
        writer.write_str(&object.out)
    }

    /// Adding fields (rare: `Span::record`) goes through `JsonFields`, then both maps are merged.
    fn add_fields(
        &self,
        current: &'w mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> std::fmt::Result {
        let mut added = String::new();
        JsonFields::new().format_fields(Writer::new(&mut added), fields)?;
        if current.fields.is_empty() {
            current.fields = added;
            return Ok(());
        }
        let parse = |s: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s);
        let (mut map, added) =
            (parse(&current.fields).map_err(|_| std::fmt::Error)?, parse(&added).map_err(|_| std::fmt::Error)?);
        map.extend(added);
        current.fields = serde_json::to_string(&map).map_err(|_| std::fmt::Error)?;
        Ok(())
    }
}

struct JsonObject {
    out: String,
    result: std::fmt::Result,
}

impl JsonObject {
    fn entry(&mut self, name: &str, value: impl serde::Serialize) {
        self.out.push(if self.out.is_empty() { '{' } else { ',' });
        let mut io = FmtIo(&mut self.out);
        if serde_json::to_writer(&mut io, name)
            .and_then(|()| {
                io.0.push(':');
                serde_json::to_writer(&mut io, &value)
            })
            .is_err()
        {
            self.result = Err(std::fmt::Error);
        }
    }
}

impl Visit for JsonObject {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field.name(), serde_json::Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field.name(), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field.name(), value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field.name(), value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field.name(), value);
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.entry(field.name(), value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            // As `JsonFields`: log metadata is already part of the line, `r#` is the identifier's.
            name if name.starts_with("log.") => {}
            name => self.entry(name.strip_prefix("r#").unwrap_or(name), format!("{value:?}")),
        }
    }
}

/// serde_json writes UTF-8 in whole characters, so each chunk is a `str`.
struct FmtIo<'a>(&'a mut String);

impl std::io::Write for FmtIo<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let s = std::str::from_utf8(buf).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.push_str(s);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
