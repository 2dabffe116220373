//! What every request passes through before the router sees it, as one service around the router:
//! the body limit, a panic answered as a 500 (a dead handler would lose every request in flight
//! and wait for the host to restart it), the request span with tower-http's `TraceLayer` events,
//! and the request's trace context and telemetry.
//!
//! One service outside the router rather than layers added to it: `Router::layer` wraps every
//! route once per layer, and each wrapping costs a boxed clone of the route and a boxed future on
//! every request (four of them were a fifth of the throughput of a cached answer). Outside the
//! router no route is matched yet, so [`RouteOf`] names the route the router will take, for the
//! span and the telemetry.

use std::{
    any::Any,
    convert::Infallible,
    future::Future,
    panic::{AssertUnwindSafe, catch_unwind},
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, HttpBody},
    extract::Request,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use tower::Service;
use tower_http::{
    classify::{ClassifiedResponse, ClassifyResponse, ServerErrorsAsFailures},
    trace::{DefaultOnFailure, DefaultOnResponse, OnFailure, OnResponse},
};
use tracing::{Level, Span};

use crate::functions::{MAX_BODY_BYTES, RouteOf};
use crate::problem::{ApiError, PROBLEM_JSON, Problem};
use crate::telemetry::{context::INVOCATION_ID_HEADER, request::Incoming};

/// `inner` behind the body limit, the panic catcher and the request span.
#[derive(Clone)]
pub struct Guarded<S> {
    inner: S,
}

impl<S> Guarded<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S> Service<Request> for Guarded<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let start = Instant::now();
        let route = RouteOf::path(request.uri().path());
        let mut telemetry = Incoming::start(&request, route);
        let span = request_span(&request, route);
        let state = match limit_body(request) {
            None => State::Answered(Some(too_large())),
            Some(request) => {
                let _entered = span.enter();
                let _current = telemetry.enter();
                match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                    Ok(running) => State::Running(running),
                    Err(payload) => State::Answered(Some(panicked(payload))),
                }
            }
        };
        GuardedFuture { state, span, start, telemetry }
    }
}

pub struct GuardedFuture<F> {
    state: State<F>,
    span: Span,
    start: Instant,
    /// The request's trace context, current on this thread whenever the request runs.
    telemetry: Incoming,
}

enum State<F> {
    Running(F),
    /// Answered without the router (too large, or it panicked when called); taken once.
    Answered(Option<Response>),
}

impl<F> Future for GuardedFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let _entered = this.span.enter();
        let (response, latency) = {
            let _current = this.telemetry.enter();
            let response = match &mut this.state {
                State::Answered(answer) => answer.take().unwrap_or_else(|| ApiError::Internal.into_response()),
                State::Running(running) => match catch_unwind(AssertUnwindSafe(|| Pin::new(running).poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(response))) => body_too_large_as_problem(response),
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(payload) => {
                        this.state = State::Answered(None);
                        panicked(payload)
                    }
                },
            };
            let latency = this.start.elapsed();
            finished(&response, latency, &this.span);
            (response, latency)
        };
        this.telemetry.finish(response.status().as_u16(), latency);
        Poll::Ready(Ok(response))
    }
}

/// One span per request, keyed on the route template and the host's invocation id (payload mode
/// records the invoked function too). The raw URI is left out on purpose: its query may carry
/// `code=<function key>`. At `debug`: at `info` every line already opens with the request's trace
/// id, span id, invocation id and function (`telemetry::WithTraceIds`), and a span per request
/// would cost a sixth of the throughput.
fn request_span(request: &Request, route: Option<RouteOf>) -> Span {
    // The fields are only computed when the span is enabled.
    tracing::debug_span!(
        "request",
        method = request.method().as_str(),
        route = route.map_or("unmatched", |r| r.template),
        invocation_id = request.headers().get(INVOCATION_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or(""),
        function = tracing::field::Empty
    )
}

/// A body declared longer than the limit is refused before the router sees it; one that could
/// grow past it (chunked) is cut at the limit, which the router's extractors answer with 413. A
/// body that cannot be longer (none, or one hyper holds to its `Content-Length`) passes as it is.
/// `None`: refused.
fn limit_body(request: Request) -> Option<Request> {
    let limit = MAX_BODY_BYTES as u64;
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return None;
    }
    if request.body().size_hint().upper().is_some_and(|most| most <= limit) {
        return Some(request);
    }
    Some(request.map(|body| Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES))))
}

fn too_large() -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "Payload Too Large",
        format!("The request body is larger than {MAX_BODY_BYTES} bytes, the most any function of this app accepts."),
    )
    .into_response()
}

/// The router's extractors answer a body cut at the limit with 413 in plain text; every error we
/// send is problem+json.
fn body_too_large_as_problem(response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == PROBLEM_JSON)
    {
        return response;
    }
    too_large()
}

/// The panic's message is left out of the answer and the log alike: it could quote a value.
fn panicked(_payload: Box<dyn Any + Send>) -> Response {
    tracing::error!("the request panicked; answered 500 and kept serving");
    ApiError::Internal.into_response()
}

/// The host already records every invocation; one more line per request here would cost a third
/// of the throughput and double the log volume, so the answer is logged at debug. 5xx stay
/// visible, at warn.
fn finished(response: &Response, latency: Duration, span: &Span) {
    DefaultOnResponse::new().level(Level::DEBUG).on_response(response, latency, span);
    if let ClassifiedResponse::Ready(Err(failure)) = ServerErrorsAsFailures::new().classify_response(response) {
        DefaultOnFailure::new().level(Level::WARN).on_failure(failure, latency, span);
    }
}
