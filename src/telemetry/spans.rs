//! Requests as OpenTelemetry spans for Application Insights (dependencies are `outgoing`'s). A
//! span is built whole once the work is done, with the ids the trace context already gave it (log
//! lines and outgoing `traceparent`s carry those ids before any span exists), and handed to the
//! batch processor, which only queues it.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceState};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::context::RequestContext;
use super::insights::pipeline;

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
    pipeline.span(span, context.one_in);
}

pub(super) fn span_context(trace_id: opentelemetry::trace::TraceId, span_id: SpanId) -> SpanContext {
    SpanContext::new(trace_id, span_id, TraceFlags::SAMPLED, false, TraceState::NONE)
}

/// Application Insights' reading: a 4xx or 5xx answer, or none at all, is a failure.
pub(super) fn outcome(status: Option<u16>) -> Status {
    match status {
        Some(status) if status < 400 => Status::Ok,
        Some(_) => Status::error("error status"),
        None => Status::error("no answer"),
    }
}
