//! Every outgoing call in one place: it carries a child `traceparent` of the request it serves
//! (a trace of its own when it serves none, like the start-up warm-up), and becomes a
//! dependency: method, host, path, duration and status, never a query, a header or a body, so
//! neither a token nor a key nor a value can ride along.
//!
//! reqwest has no middleware of its own, so the Azure SDK's clients get it through their
//! transport ([`Traced`], an `azure_core` `HttpClient` around reqwest) and plain reqwest callers
//! through [`send`].

use std::borrow::Cow;
use std::time::{Duration, Instant, SystemTime};

use azure_core::http::headers::HeaderName;
use azure_core::http::{AsyncRawResponse, HttpClient, Request};
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use url::Url;

use super::context::{self, TRACEPARENT, TRACESTATE, TraceParent};
use super::insights::pipeline;
use super::spans::{outcome, span_context};

const IDENTITY_HEADER: HeaderName = HeaderName::from_static("x-identity-header");
const IMDS_HEADER: HeaderName = HeaderName::from_static("metadata");

/// An Azure SDK transport whose every call is traced.
#[derive(Debug)]
pub struct Traced {
    inner: reqwest::Client,
}

impl Traced {
    pub fn new(inner: reqwest::Client) -> Self {
        Self { inner }
    }
}

#[async_trait::async_trait]
impl HttpClient for Traced {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let headers = request.headers();
        // The credentials' own calls go through an SDK transport too: App Service's identity
        // endpoint wants its header, IMDS `Metadata`, Entra ID's token endpoint ends in /token.
        let token = headers.get_optional_str(&IDENTITY_HEADER).is_some()
            || headers.get_optional_str(&IMDS_HEADER).is_some()
            || request.url().path().ends_with("/token");
        let call =
            Call::start(request.method().as_str(), request.url(), if token { Target::Token } else { Target::KeyVault });
        let mut request = request.clone();
        request.insert_header(TRACEPARENT, call.traceparent.header());
        if let Some(state) = &call.state {
            request.insert_header(TRACESTATE, state.to_string());
        }
        let result = self.inner.execute_request(&request).await;
        call.finish(result.as_ref().ok().map(|r| u16::from(r.status())));
        result
    }
}

/// Sends `request` as `RequestBuilder::send` does, traced.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    let (client, request) = request.build_split();
    let mut request = request?;
    let call = Call::start(request.method().as_str(), request.url(), Target::Http);
    let headers = request.headers_mut();
    if let Ok(value) = call.traceparent.header().parse() {
        headers.insert(TRACEPARENT, value);
    }
    if let Some(value) = call.state.as_deref().and_then(|s| s.parse().ok()) {
        headers.insert(TRACESTATE, value);
    }
    let result = client.execute(request).await;
    call.finish(result.as_ref().ok().map(|r| r.status().as_u16()));
    result
}

/// What a call reaches: the SDK's service client in this process is Key Vault's, and its
/// credentials' calls are token requests; plain reqwest callers (Resource Manager) go through
/// [`send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    KeyVault,
    Token,
    Http,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Self::KeyVault => "key-vault",
            Self::Token => "token",
            Self::Http => "http",
        }
    }
}

/// One call in flight.
struct Call {
    traceparent: TraceParent,
    /// The sampling rate (one in N) the calling request was kept at.
    one_in: u32,
    /// The calling request's span; none for a call no request made.
    parent: Option<SpanId>,
    state: Option<Box<str>>,
    function: Option<&'static str>,
    method: String,
    /// Scheme, host, port and path only.
    url: Url,
    target: Target,
    started: SystemTime,
    clock: Instant,
    /// The answer's status; none when no answer came: refused, reset, or cancelled because the
    /// caller's budget ran out (the slow call an operator is looking for).
    status: Option<u16>,
}

impl Call {
    fn start(method: &str, url: &Url, target: Target) -> Self {
        let span_id = context::new_span_id();
        let from_request =
            context::with_current(|c| (c.child(span_id), c.one_in, c.span_id, c.state.clone(), c.function));
        let (traceparent, one_in, parent, state, function) = match from_request {
            Some((traceparent, one_in, parent, state, function)) => {
                (traceparent, one_in, Some(parent), state, function)
            }
            // Calls of the process's own (refreshes, scans) are few, and each is recorded.
            None => {
                let trace_id: TraceId = context::new_trace_id();
                (TraceParent { trace_id, span_id, sampled: true }, 1, None, None, None)
            }
        };
        Self {
            traceparent,
            one_in,
            parent,
            state,
            function,
            method: method.to_owned(),
            url: without_query(url),
            target,
            started: SystemTime::now(),
            clock: Instant::now(),
            status: None,
        }
    }

    /// Records the call with its answer's status (dropping it unfinished records it without).
    fn finish(mut self, status: Option<u16>) {
        self.status = status;
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let (status, elapsed) = (self.status, self.clock.elapsed());
        tracing::debug!(
            method = %self.method,
            host = self.url.host_str().unwrap_or_default(),
            path = self.url.path(),
            status,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            target = self.target.as_str(),
            "outgoing call"
        );
        dependency(self, status, elapsed);
    }
}

/// One outgoing call as a Dependency: its target is the host (and port when not the scheme's),
/// its data the URL without a query.
fn dependency(call: &Call, status: Option<u16>, elapsed: Duration) {
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
    pipeline.span(span, call.one_in);
}

/// What a dependency may show of a URL: never its query (SAS signatures, `code=`), fragment or
/// user info.
fn without_query(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_url_keeps_no_query_and_no_credentials() {
        let url = Url::parse("https://u:p@kv.vault.azure.net:8443/secrets/a?api-version=7.6&code=k#f").unwrap();
        assert_eq!(without_query(&url).as_str(), "https://kv.vault.azure.net:8443/secrets/a");
    }

    #[test]
    fn a_call_outside_a_request_starts_its_own_sampled_trace() {
        let call = Call::start("GET", &Url::parse("https://a.example/x?y=1").unwrap(), Target::Http);
        assert!(call.parent.is_none() && call.traceparent.sampled);
        assert_eq!(call.url.as_str(), "https://a.example/x");
        let mut slot = Some(context::RequestContext::new(
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            None,
            None,
        ));
        let _entered = context::enter(&mut slot);
        let call = Call::start("GET", &Url::parse("https://a.example/").unwrap(), Target::Token);
        let request_span = context::with_current(|c| c.span_id).unwrap();
        assert_eq!(call.parent, Some(request_span));
        assert_eq!(call.traceparent.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_ne!(call.traceparent.span_id, request_span);
    }
}
