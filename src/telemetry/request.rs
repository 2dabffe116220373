//! One incoming request's telemetry: the trace it continues (headers in forwarding mode, the
//! payload in payload mode), the function it invokes, and the Request sent to Application
//! Insights once it is answered.

use std::time::{Duration, SystemTime};

use axum::extract::Request;
use axum::http::HeaderName;
use serde_json::Value;

use super::context::{self, Entered, INVOCATION_ID_HEADER, RequestContext, TRACEPARENT, TRACESTATE, TraceParent};
use crate::functions::RouteOf;

/// Kept by the request's future from its first poll to its answer.
pub struct Incoming {
    context: Option<RequestContext>,
    /// Only kept when telemetry is exported: what the Request names besides the function (the
    /// route template and the path), and when it started.
    route: Option<(&'static str, Box<str>, SystemTime)>,
}

impl Incoming {
    /// `route`: the one the router will take, if any.
    pub fn start(request: &Request, route: Option<RouteOf>) -> Self {
        // Names made once: a `&str` lookup would parse the name on every request.
        const TRACEPARENT_NAME: HeaderName = HeaderName::from_static(TRACEPARENT);
        const TRACESTATE_NAME: HeaderName = HeaderName::from_static(TRACESTATE);
        const INVOCATION_ID_NAME: HeaderName = HeaderName::from_static(INVOCATION_ID_HEADER);
        let headers = request.headers();
        let header = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let tracestate = joined(headers.get_all(&TRACESTATE_NAME).iter().filter_map(|v| v.to_str().ok()));
        let mut context =
            RequestContext::new(header(&TRACEPARENT_NAME), tracestate.as_deref(), header(&INVOCATION_ID_NAME));
        context.function = route.and_then(|r| r.function);
        let route = match super::insights::pipeline() {
            Some(pipeline) => {
                if context.function.is_some() {
                    pipeline.sampler.count();
                }
                // A forwarded request sampling left out is never sent: nothing to keep for it. (In
                // payload mode the payload may still name another trace, decided again then.)
                let dropped = context.function.is_some() && !context.sampled;
                route.filter(|_| !dropped).map(|r| (r.template, request.uri().path().into(), SystemTime::now()))
            }
            None => None,
        };
        Self { context: Some(context), route }
    }

    /// Makes this request the thread's current one while the guard lives.
    pub fn enter(&mut self) -> Entered<'_> {
        context::enter(&mut self.context)
    }

    /// Sends the Request, when telemetry is exported and the request invoked a function.
    pub fn finish(&mut self, status: u16, elapsed: Duration) {
        let (Some(context), Some((route, path, started))) = (self.context.take(), self.route.take()) else {
            return;
        };
        super::spans::request(&context, route, &path, status, started, elapsed);
    }
}

/// Several `tracestate` headers are one list.
fn joined<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let all: Vec<&str> = values.map(str::trim).filter(|v| !v.is_empty()).collect();
    (!all.is_empty()).then(|| all.join(","))
}

/// Names the function a payload-mode invocation runs (its path says which).
pub fn invoked(function: &'static str) {
    if let Some(pipeline) = super::insights::pipeline() {
        pipeline.sampler.count();
    }
    context::with_current_mut(|c| c.function = Some(function));
}

/// What a payload says about its trace: `Metadata` carries the host's own invocation context
/// (`TraceContext` or `traceparent`), which wins over the request the host made to us; the
/// original caller's `Data.req.Headers` count only when nothing else did. The invocation id
/// comes from `Metadata.InvocationId` when no header carried one.
pub fn adopt_payload(body: &[u8]) {
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let metadata = field(&payload, "Metadata");
    let (from_metadata, metadata_state) = match field_of(metadata, "TraceContext") {
        Some(context) => (text(field(context, "TraceParent")), text(field(context, "TraceState"))),
        None => (text(field_of(metadata, TRACEPARENT)), text(field_of(metadata, TRACESTATE))),
    };
    // `Data.req.Headers`: arrays of strings as the host sends them; a plain string is read too.
    let headers = field_of(field_of(field(&payload, "Data"), "req"), "Headers");
    let header = |name: &str| -> Vec<&str> {
        match field_of(headers, name) {
            Some(Value::String(one)) => vec![one],
            Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    };
    let from_headers = header(TRACEPARENT).first().and_then(|v| TraceParent::parse(v));
    let headers_state = joined(header(TRACESTATE).into_iter());
    let invocation_id = text(field_of(metadata, "InvocationId"));
    context::with_current_mut(|c| {
        match from_metadata.as_deref().and_then(TraceParent::parse) {
            Some(parent) => c.continue_from(parent, metadata_state.as_deref()),
            None => {
                if let (None, Some(parent)) = (c.parent, from_headers) {
                    c.continue_from(parent, headers_state.as_deref());
                }
            }
        }
        c.set_invocation_id(invocation_id.as_deref());
    });
}

/// `object`'s member `name`, in any letter case (the host's and the payload's casing differ).
fn field<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn field_of<'a>(object: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    field(object?, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const CALLER: &str = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";

    fn adopted(outer: Option<&str>, body: Value) -> RequestContext {
        let mut slot = Some(RequestContext::new(outer, None, None));
        {
            let _entered = context::enter(&mut slot);
            adopt_payload(body.to_string().as_bytes());
        }
        slot.unwrap()
    }

    #[test]
    fn the_payload_metadata_wins_then_the_outer_request_then_the_callers_headers() {
        let headers = serde_json::json!({"req": {"Headers": {"TraceParent": [CALLER], "x-functions-key": ["k"]}}});
        let body = serde_json::json!({
            "Data": headers,
            "Metadata": {"TraceContext": {"TraceParent": HOST, "TraceState": "az=1"}, "InvocationId": "inv-1"}
        });
        let c = adopted(None, body);
        assert_eq!(c.parent.unwrap().to_string(), "b7ad6b7169203331");
        assert_eq!((c.state.as_deref(), c.invocation_id.as_deref()), (Some("az=1"), Some("inv-1")));

        let c = adopted(Some(HOST), serde_json::json!({"Data": headers, "Metadata": {}}));
        assert_eq!(c.parent.unwrap().to_string(), "b7ad6b7169203331", "the outer request's parent stays");
        let c = adopted(None, serde_json::json!({"Data": headers, "Metadata": {"sys": {}}}));
        assert_eq!(c.parent.unwrap().to_string(), "00f067aa0ba902b7");
        let c = adopted(None, serde_json::json!({"Data": {"timer": "{}"}, "Metadata": {"traceparent": HOST}}));
        assert_eq!(c.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
        let c = adopted(None, serde_json::json!("not a payload"));
        assert!(c.parent.is_none());
    }
}
