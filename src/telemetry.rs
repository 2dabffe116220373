//! Logging and tracing: JSON lines on stdout, which the Functions host ingests (`RUST_LOG`
//! filters, default `info`), each written inside a request carrying its `trace_id`, `span_id` and
//! `invocation_id`; W3C trace context continued from each request and passed on to every call it
//! makes; and, when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set, all of it exported to
//! Application Insights.

mod batch;
pub mod context;
mod insights;
pub mod metrics;
pub mod outgoing;
pub mod request;
mod sampling;
mod spans;
mod traces;
mod upload;

use tracing::{Event, Subscriber, field::Field, level_filters::LevelFilter};
use tracing_subscriber::{
    field::{RecordFields, Visit},
    filter::Targets,
    fmt::{
        self, FmtContext, FormatEvent, FormatFields, FormattedFields,
        format::{JsonFields, Writer},
    },
    prelude::*,
    registry::LookupSpan,
};

pub const CONNECTION_STRING: &str = "APPLICATIONINSIGHTS_CONNECTION_STRING";
/// How often batches and metrics go out; for tests and for short-lived instances.
pub const INTERVAL_SETTING: &str = "VAULTFN_TELEMETRY_INTERVAL_MS";
/// Operations recorded whole per second before sampling starts (`all`: no sampling).
pub const PER_SECOND_SETTING: &str = "VAULTFN_TELEMETRY_MAX_PER_SECOND";

/// Installs the log output, and the export to Application Insights when the settings ask for it
/// (without them its layer is `None`, which enables nothing and costs one branch per event).
pub fn init(config: &crate::settings::Config) {
    // `target=level` directives (`info`, `vaultfn_handler=debug,hyper=warn`): decided once per
    // call site, so a request pays nothing for the lines it does not write.
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty());
    let parsed = from_env.as_deref().map(str::parse::<Targets>);
    let filter = match &parsed {
        Some(Ok(targets)) => targets.clone(),
        _ => Targets::new().with_default(LevelFilter::INFO),
    };
    let format = fmt::format().json().with_current_span(true).with_span_list(false);
    let output = fmt::layer().event_format(WithTraceIds(format)).fmt_fields(SpanFields).with_writer(std::io::stdout);
    let export = export_settings(config).and_then(|s| s.map(insights::start).transpose());
    let traces = matches!(export, Ok(Some(()))).then_some(traces::TraceLayer);
    let _ = tracing_subscriber::registry().with(output).with(traces).with(filter).try_init();
    if let Some(Err(_)) = parsed {
        tracing::warn!("RUST_LOG is not a list of target=level directives; logging at info");
    }
    match export {
        Ok(Some(_)) => tracing::info!("telemetry is exported to Application Insights"),
        Ok(None) => {}
        Err(problem) => tracing::warn!(%problem, "telemetry is not exported to Application Insights"),
    }
}

/// What export needs; `Ok(None)` when the connection string is absent: telemetry is off.
fn export_settings(config: &crate::settings::Config) -> Result<Option<insights::Settings>, String> {
    let Some(connection_string) = config.plain(CONNECTION_STRING).map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let number = |setting, raw, range, unit| {
        crate::config_error::whole_number::<u32>(setting, raw, range, unit).map_err(|e| e.to_string())
    };
    let interval = config
        .plain(INTERVAL_SETTING)
        .map(|raw| number(INTERVAL_SETTING, raw, 10..=600_000, "milliseconds"))
        .transpose()?
        .map(|ms| std::time::Duration::from_millis(ms.into()));
    let per_second = match config.plain(PER_SECOND_SETTING).map(str::trim) {
        None => Some(sampling::DEFAULT_PER_SECOND),
        Some(all) if all.eq_ignore_ascii_case("all") => None,
        Some(raw) => Some(
            number(PER_SECOND_SETTING, raw, 1..=1_000_000, "operations a second")
                .map_err(|e| format!("{e}, or `all` (no sampling)"))?,
        ),
    };
    // Resource Manager's settings carry the process's test overrides (refused in Azure).
    let client = match &config.arm {
        Ok(arm) => arm.overrides.builder().map_err(|e| e.to_string())?,
        Err(_) => crate::http_client::builder(),
    };
    // Trailing or doubled separators, as copied from the portal, are not an error.
    let connection_string = connection_string.split(';').filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(";");
    let instance = config.plain("WEBSITE_INSTANCE_ID").map(str::to_owned);
    Ok(Some(insights::Settings { connection_string, interval, per_second, client, instance }))
}

/// Whether telemetry goes to Application Insights.
pub fn exporting() -> bool {
    insights::pipeline().is_some()
}

/// Sends what telemetry is still queued, within a short limit; for a stopping handler.
pub fn shutdown() {
    insights::shutdown();
}

/// The JSON line of [`fmt::format::Json`], opened with the current request's ids and function
/// (so a line carries them at any level, without the request span's fields that `debug` adds).
struct WithTraceIds<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, cx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let ids = context::with_current(|c| {
            let mut ids = format!(r#"{{"trace_id":"{}","span_id":"{}""#, c.trace_id, c.span_id);
            if let Some(id) = &c.invocation_id {
                // Printable ASCII without quotes or backslashes (checked when taken): nothing to escape.
                ids.push_str(&format!(r#","invocation_id":"{id}""#));
            }
            if let Some(function) = c.function {
                // One of our functions' names: letters and dashes.
                ids.push_str(&format!(r#","function":"{function}""#));
            }
            ids
        });
        let Some(ids) = ids else {
            return self.0.format_event(cx, writer, event);
        };
        writer.write_str(&ids)?;
        let mut rest = AfterBrace { out: &mut writer, state: Brace::Expected };
        self.0.format_event(cx, Writer::new(&mut rest), event)
    }
}

/// Passes the inner line on without its opening brace, which the ids already wrote; a comma
/// takes its place unless the object is empty.
struct AfterBrace<'a, 'w> {
    out: &'a mut Writer<'w>,
    state: Brace,
}

#[derive(PartialEq)]
enum Brace {
    Expected,
    Dropped,
    Replaced,
}

impl std::fmt::Write for AfterBrace<'_, '_> {
    fn write_str(&mut self, mut s: &str) -> std::fmt::Result {
        if self.state == Brace::Expected && !s.is_empty() {
            s = s.strip_prefix('{').ok_or(std::fmt::Error)?;
            self.state = Brace::Dropped;
        }
        if self.state == Brace::Dropped && !s.is_empty() {
            if !s.starts_with('}') {
                self.out.write_char(',')?;
            }
            self.state = Brace::Replaced;
        }
        self.out.write_str(s)
    }
}

/// Replaces the default panic hook, which prints the panic's message to stderr: a message could
/// quote a value. The log line names where it happened, never what it said.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(%location, "panic");
    }));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_written_in_a_request_opens_with_its_ids() {
        let lines = Lines::default();
        let writer = lines.clone();
        let format = fmt::format().json().with_current_span(true).with_span_list(false);
        let output =
            fmt::layer().event_format(WithTraceIds(format)).fmt_fields(SpanFields).with_writer(move || writer.clone());
        tracing::subscriber::with_default(tracing_subscriber::registry().with(output), || {
            tracing::info!(n = 1, "outside");
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            let mut slot = Some(context::RequestContext::new(Some(traceparent), None, Some("inv-1")));
            let _entered = context::enter(&mut slot);
            tracing::info_span!("request", route = "/api/x").in_scope(|| tracing::info!(n = 2, "inside"));
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(lines[0].get("trace_id").is_none() && lines[0]["fields"]["message"] == "outside");
        assert_eq!(lines[1]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(lines[1]["span_id"].as_str().map(str::len), Some(16));
        assert_eq!(lines[1]["invocation_id"], "inv-1");
        assert_eq!((&lines[1]["fields"]["message"], &lines[1]["span"]["route"]), (&"inside".into(), &"/api/x".into()));
    }
}
