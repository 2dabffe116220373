//! W3C trace context: the `traceparent` a request arrives with, the ids this process gives its
//! own work, and the request whose work is running on this thread right now.
//!
//! The current request is a thread-local that the request's future moves its context into while
//! it is polled, and takes back when it yields: log lines and outgoing calls find it without a
//! lock or an allocation, and independently of which `tracing` spans the log filter keeps.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

pub const TRACEPARENT: &str = "traceparent";
/// What the Functions host names each invocation with.
pub const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";
pub const TRACESTATE: &str = "tracestate";
/// W3C's limit: a longer `tracestate` may be dropped whole.
const MAX_TRACESTATE: usize = 512;
/// What an invocation id may take up in a log line; the host's are 36-character GUIDs.
const MAX_INVOCATION_ID: usize = 64;
/// The printable characters a JSON string would have to escape (it goes into log lines as is).
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

/// One `traceparent`: whose trace, which span is the parent, whether it is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub sampled: bool,
}

impl TraceParent {
    /// Parses a `traceparent` as W3C Trace Context asks: version `00` exactly, a later version by
    /// its first four fields, lowercase hex only, no all-zero id; anything else is no parent.
    pub fn parse(header: &str) -> Option<Self> {
        let header = header.trim_matches([' ', '\t']);
        let version = header.get(..2)?;
        if !is_lower_hex(version) || version == "ff" {
            return None;
        }
        let fixed = header.get(..55)?;
        let rest = &header[55..];
        if (version == "00" && !rest.is_empty()) || (!rest.is_empty() && !rest.starts_with('-')) {
            return None;
        }
        let mut fields = fixed.split('-');
        let (_, trace_id, span_id, flags) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
        if trace_id.len() != 32 || span_id.len() != 16 || flags.len() != 2 {
            return None;
        }
        if ![trace_id, span_id, flags].iter().all(|f| is_lower_hex(f)) {
            return None;
        }
        let trace_id = TraceId::from(u128::from_str_radix(trace_id, 16).ok()?);
        let span_id = SpanId::from(u64::from_str_radix(span_id, 16).ok()?);
        if trace_id == TraceId::INVALID || span_id == SpanId::INVALID {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(Self { trace_id, span_id, sampled: TraceFlags::new(flags).is_sampled() })
    }

    /// The header value, version `00`; only the sampled flag is passed on (the others are
    /// undefined in this version).
    pub fn header(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id, self.span_id, u8::from(self.sampled))
    }

    pub fn flags(&self) -> TraceFlags {
        if self.sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED }
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A `tracestate` worth passing on: printable ASCII within W3C's length, else none at all.
pub fn valid_tracestate(raw: &str) -> Option<&str> {
    let raw = raw.trim_matches([' ', '\t']);
    let printable = raw.bytes().all(|b| (0x20..0x7f).contains(&b));
    (printable && !raw.is_empty() && raw.len() <= MAX_TRACESTATE).then_some(raw)
}

pub fn new_trace_id() -> TraceId {
    loop {
        let id = RandomIdGenerator::default().new_trace_id();
        if id != TraceId::INVALID {
            return id;
        }
    }
}

pub fn new_span_id() -> SpanId {
    loop {
        let id = RandomIdGenerator::default().new_span_id();
        if id != SpanId::INVALID {
            return id;
        }
    }
}

/// One request's place in its trace, and what names it in the logs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub trace_id: TraceId,
    /// This request's own span, the parent of everything it calls.
    pub span_id: SpanId,
    /// The caller's span, when the request came with a `traceparent`.
    pub parent: Option<SpanId>,
    /// Whether this request is recorded: its caller did not say otherwise, and, when telemetry
    /// is exported, sampling keeps it (`traceparent`s it sends on say the same).
    pub sampled: bool,
    /// Recorded as one operation in this many (1: every one is).
    pub one_in: u32,
    pub state: Option<Box<str>>,
    pub invocation_id: Option<Box<str>>,
    /// The function invoked, once known: from the route, or from the payload-mode path.
    pub function: Option<&'static str>,
}

impl RequestContext {
    /// Continues `traceparent` when it parses, else starts a trace (sampled: nothing upstream
    /// decided otherwise).
    pub fn new(traceparent: Option<&str>, tracestate: Option<&str>, invocation_id: Option<&str>) -> Self {
        let mut context = Self {
            trace_id: new_trace_id(),
            span_id: new_span_id(),
            parent: None,
            sampled: true,
            one_in: 1,
            state: None,
            invocation_id: None,
            function: None,
        };
        match traceparent.and_then(TraceParent::parse) {
            Some(parent) => context.continue_from(parent, tracestate),
            None => context.sample(true),
        }
        context.set_invocation_id(invocation_id);
        context
    }

    /// Makes `parent` this request's caller; the request keeps its own span id.
    pub fn continue_from(&mut self, parent: TraceParent, tracestate: Option<&str>) {
        self.trace_id = parent.trace_id;
        self.parent = Some(parent.span_id);
        self.state = tracestate.and_then(valid_tracestate).map(Into::into);
        self.sample(parent.sampled);
    }

    /// Decides, from the trace id, whether this request is recorded (`upstream`: whether its
    /// caller recorded it, or would have).
    fn sample(&mut self, upstream: bool) {
        let kept = super::insights::pipeline().map_or(Some(1), |p| p.sampler.keeps(self.trace_id));
        self.sampled = upstream && kept.is_some();
        self.one_in = kept.unwrap_or(1);
    }

    /// Keeps the first invocation id given, if it is short and printable (it goes into every
    /// log line).
    pub fn set_invocation_id(&mut self, id: Option<&str>) {
        if self.invocation_id.is_some() {
            return;
        }
        let id = id.map(str::trim).filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_INVOCATION_ID
                && id.bytes().all(|b| b.is_ascii_graphic() && b != QUOTE && b != BACKSLASH)
        });
        self.invocation_id = id.map(Into::into);
    }

    pub fn flags(&self) -> TraceFlags {
        if self.sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED }
    }

    /// The `traceparent` for a call this request makes as span `child`.
    pub fn child(&self, child: SpanId) -> TraceParent {
        TraceParent { trace_id: self.trace_id, span_id: child, sampled: self.sampled }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<RequestContext>> = const { RefCell::new(None) };
}

/// While alive, `slot`'s context is the thread's current one; dropping it (on completion, on
/// `Pending` and on unwinding alike) gives it back, with whatever was changed meanwhile.
pub struct Entered<'a> {
    slot: &'a mut Option<RequestContext>,
    previous: Option<RequestContext>,
}

pub fn enter(slot: &mut Option<RequestContext>) -> Entered<'_> {
    let context = slot.take();
    let previous = CURRENT.with(|current| current.replace(context));
    Entered { slot, previous }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        *self.slot = CURRENT.with(|current| current.replace(previous));
    }
}

/// `f` of the current request's context; `None` outside a request (or when asked from inside
/// [`with_current_mut`], which a log line inside it would be).
pub fn with_current<R>(f: impl FnOnce(&RequestContext) -> R) -> Option<R> {
    CURRENT.with(|current| current.try_borrow().ok()?.as_ref().map(f))
}

/// `f` may change the current request's context; it must not log.
pub fn with_current_mut<R>(f: impl FnOnce(&mut RequestContext) -> R) -> Option<R> {
    CURRENT.with(|current| current.try_borrow_mut().ok()?.as_mut().map(f))
}

/// `future`, run as part of the request current now (none, outside one): for work a request
/// hands to a task of its own, whose calls and log lines are still that request's.
pub fn inherit<F: Future>(future: F) -> Inherit<F> {
    Inherit { context: with_current(RequestContext::clone), future: Box::pin(future) }
}

pub struct Inherit<F> {
    context: Option<RequestContext>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Inherit<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _entered = enter(&mut this.context);
        this.future.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_parses_and_prints_back() {
        let parent = TraceParent::parse(VALID).unwrap();
        assert_eq!(parent.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parent.span_id.to_string(), "00f067aa0ba902b7");
        assert!(parent.sampled);
        assert_eq!(parent.header(), VALID);
        let unsampled = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap();
        assert!(!unsampled.sampled);
        assert!(unsampled.header().ends_with("-00"));
        // Surrounding whitespace is allowed; unknown flags are not passed on.
        assert_eq!(TraceParent::parse(&format!(" {VALID}\t")), Some(parent));
        assert_eq!(TraceParent::parse(&VALID.replace("-01", "-03")).unwrap().header(), VALID);
    }

    #[test]
    fn a_later_version_is_read_by_its_first_fields() {
        let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next";
        assert_eq!(TraceParent::parse(later).unwrap().header(), VALID);
        assert!(TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").is_none());
    }

    #[test]
    fn malformed_traceparents_are_no_parent() {
        for bad in [
            "",
            "00",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01é",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_request_continues_its_caller_or_starts_a_sampled_trace() {
        let continued = RequestContext::new(Some(VALID), Some("congo=t61rcWkgMzE"), Some("4f1e0a3c-1"));
        assert_eq!(continued.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(continued.parent.map(|p| p.to_string()).as_deref(), Some("00f067aa0ba902b7"));
        assert_ne!(continued.span_id, continued.parent.unwrap());
        assert_eq!(continued.state.as_deref(), Some("congo=t61rcWkgMzE"));
        assert_eq!(continued.invocation_id.as_deref(), Some("4f1e0a3c-1"));

        let child = new_span_id();
        let outgoing = continued.child(child).header();
        assert_eq!(outgoing, format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{child}-01"));
        assert_eq!(TraceParent::parse(&outgoing).unwrap().span_id, child);

        let started = RequestContext::new(Some("garbage"), Some("a=b"), Some("back\\slash"));
        assert!(started.parent.is_none() && started.sampled && started.state.is_none());
        assert!(started.invocation_id.is_none());
        assert_ne!(started.trace_id, RequestContext::new(None, None, None).trace_id);
        assert_eq!(started.trace_id.to_string().len(), 32);
        assert_eq!(started.span_id.to_string().len(), 16);
        assert!(valid_tracestate(&"a".repeat(513)).is_none());
    }

    #[test]
    fn the_current_context_follows_the_entered_slot() {
        assert!(with_current(|_| ()).is_none());
        let mut slot = Some(RequestContext::new(Some(VALID), None, None));
        {
            let _entered = enter(&mut slot);
            with_current_mut(|c| c.function = Some("config-check"));
            assert_eq!(with_current(|c| c.function), Some(Some("config-check")));
            with_current_mut(|_| assert!(with_current(|_| ()).is_none(), "no double borrow"));
        }
        assert!(with_current(|_| ()).is_none());
        assert_eq!(slot.as_ref().unwrap().function, Some("config-check"));

        let handed_off = {
            let _entered = enter(&mut slot);
            inherit(async { with_current(|c| c.function) })
        };
        let inherited = futures::executor::block_on(handed_off);
        assert_eq!(inherited, Some(Some("config-check")), "a task keeps the request it was handed by");
        assert_eq!(futures::executor::block_on(inherit(async { with_current(|_| ()) })), None);
    }
}
