//! Requests and dependencies as OpenTelemetry spans for Application Insights. They are built
//! whole once the work is done, with the ids the trace context already gave them (log lines and
//! outgoing `traceparent`s carry those ids before any span exists), and handed to the batch
//! processor, which only queues them.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceState};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::context::RequestContext;
use super::insights::{Pipeline, pipeline};
use super::outgoing::{Call, Target};

/// The Request of one invocation, named by its function; requests that invoke none (the host's
/// readiness poll, unknown routes) are left to the host's own telemetry.
pub(super) fn request(
    context: &RequestContext,
    route: &str,
    path: &str,
    status: u16,
    started: SystemTime,
    elapsed: Duration,
) {
    let (Some(pipeline), Some(function)) = (pipeline(), context.function) else {
        return;
    };
    if !context.sampled {
        return;
    }
    let mut attributes = vec![
        KeyValue::new("ai.operation.name", function),
        KeyValue::new("http.route", route.to_owned()),
        // The path only: the query may hold `code=<function key>`.
        KeyValue::new("url.path", path.to_owned()),
        KeyValue::new("http.response.status_code", i64::from(status)),
    ];
    if let Some(id) = &context.invocation_id {
        // The name the Functions host gives it, so one query finds the host's lines and ours.
        attributes.push(KeyValue::new("InvocationId", id.to_string()));
    }
    let span = SpanData {
        span_context: span_context(context.trace_id, context.span_id),
        parent_span_id: context.parent.unwrap_or(SpanId::INVALID),
        parent_span_is_remote: context.parent.is_some(),
        span_kind: SpanKind::Server,
        name: Cow::Borrowed(function),
        start_time: started,
        end_time: started + elapsed,
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: outcome(Some(status)),
        instrumentation_scope: pipeline.scope.clone(),
    };
    pipeline.span(span);
}

/// One outgoing call as a Dependency: its target is the host (and port when not the scheme's),
/// its data the URL without a query.
pub(super) fn dependency(call: &Call, status: Option<u16>, elapsed: Duration) {
    let Some(pipeline) = pipeline() else {
        return;
    };
    if call.target == Target::KeyVault {
        pipeline.key_vault_latency(elapsed);
    }
    if !call.traceparent.sampled {
        return;
    }
    let url = &call.url;
    let mut attributes = vec![
        KeyValue::new("http.request.method", call.method.clone()),
        KeyValue::new("url.full", url.to_string()),
        KeyValue::new("server.address", url.host_str().unwrap_or_default().to_owned()),
        KeyValue::new("vaultfn.target", call.target.as_str()),
    ];
    if let Some(port) = url.port() {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    if let Some(status) = status {
        attributes.push(KeyValue::new("http.response.status_code", i64::from(status)));
    }
    if let Some(function) = call.function {
        attributes.push(KeyValue::new("ai.operation.name", function));
    }
    let span = SpanData {
        span_context: span_context(call.traceparent.trace_id, call.traceparent.span_id),
        parent_span_id: call.parent.unwrap_or(SpanId::INVALID),
        parent_span_is_remote: false,
        span_kind: SpanKind::Client,
        name: Cow::Owned(format!("{} {}", call.method, url.path())),
        start_time: call.started,
        end_time: call.started + elapsed,
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: outcome(status),
        instrumentation_scope: pipeline.scope.clone(),
    };
    pipeline.span(span);
}

fn span_context(trace_id: opentelemetry::trace::TraceId, span_id: SpanId) -> SpanContext {
    SpanContext::new(trace_id, span_id, TraceFlags::SAMPLED, false, TraceState::NONE)
}

/// Application Insights' reading: a 4xx or 5xx answer, or none at all, is a failure.
fn outcome(status: Option<u16>) -> Status {
    match status {
        Some(status) if status < 400 => Status::Ok,
        Some(_) => Status::error("error status"),
        None => Status::error("no answer"),
    }
}

impl Pipeline {
    fn span(&self, span: SpanData) {
        use opentelemetry_sdk::trace::SpanProcessor;
        self.spans.on_end(span);
    }
}
