//! The per-request span and its two events, as tower-http's `TraceLayer` emits them (same span,
//! same events, same targets), without what it adds per request that no answer here uses: a
//! wrapper around every response body (each answer is one buffered chunk, so there is no stream
//! to watch) and the span entries that come with it. The request's trace context rides along:
//! current while the request runs, a Request for Application Insights once it is answered.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{extract::Request, response::Response};
use tower::{Layer, Service};
use tower_http::{
    classify::{ClassifiedResponse, ClassifyResponse, ServerErrorsAsFailures},
    trace::{DefaultOnFailure, DefaultOnResponse, OnFailure, OnResponse},
};
use tracing::{Level, Span};

use crate::telemetry::request::Incoming;

#[derive(Clone, Copy)]
pub struct RequestSpanLayer {
    pub make_span: fn(&Request) -> Span,
}

impl<S> Layer<S> for RequestSpanLayer {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestSpan { inner, make_span: self.make_span }
    }
}

#[derive(Clone)]
pub struct RequestSpan<S> {
    inner: S,
    make_span: fn(&Request) -> Span,
}

impl<S> Service<Request> for RequestSpan<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RequestSpanFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let start = Instant::now();
        let mut telemetry = Incoming::start(&request);
        let span = (self.make_span)(&request);
        let inner = {
            let _entered = span.enter();
            let _current = telemetry.enter();
            self.inner.call(request)
        };
        RequestSpanFuture { inner, span, start, telemetry }
    }
}

pub struct RequestSpanFuture<F> {
    inner: F,
    span: Span,
    start: Instant,
    /// The request's trace context, current on this thread whenever the request runs.
    telemetry: Incoming,
}

impl<F, E> Future for RequestSpanFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let _entered = this.span.enter();
        let result = {
            let _current = this.telemetry.enter();
            let result = ready!(Pin::new(&mut this.inner).poll(cx));
            if let Ok(response) = &result {
                finished(response, this.start.elapsed(), &this.span);
            }
            result
        };
        if let Ok(response) = &result {
            this.telemetry.finish(response.status().as_u16(), this.start.elapsed());
        }
        Poll::Ready(result)
    }
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
