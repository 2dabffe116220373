//! Closes connections that hold the server without asking it anything: one that has no request
//! in service and has not finished one for the limit (an idle keep-alive connection, or one
//! trickling a request head byte by byte).
//!
//! hyper's `header_read_timeout` does the same by arming a timer for every request head it
//! waits for, which under keep-alive load is a timer registered and cancelled per request. Here
//! a request costs two atomic updates and a clock read, and each connection has one timer, that
//! fires about once per limit.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// One connection's requests in service, and when it last finished one.
#[derive(Debug)]
pub struct Activity {
    in_service: AtomicU32,
    /// Milliseconds since [`epoch`].
    last: AtomicU64,
}

impl Activity {
    /// A connection just accepted: waiting for its first request head from now.
    pub fn new() -> Self {
        Self { in_service: AtomicU32::new(0), last: AtomicU64::new(now_ms()) }
    }

    /// Runs `request` as one in service on this connection.
    pub async fn serve<F: Future>(&self, request: F) -> F::Output {
        self.in_service.fetch_add(1, Ordering::Relaxed);
        let _done = Done(self);
        request.await
    }

    /// Completes once the connection has been idle for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        let limit_ms = limit.as_millis() as u64;
        loop {
            let idle_ms = now_ms().saturating_sub(self.last.load(Ordering::Relaxed));
            let busy = self.in_service.load(Ordering::Relaxed) > 0;
            if !busy && idle_ms >= limit_ms {
                return;
            }
            // A request in service may run as long as it needs; look again a limit later.
            let wait = if busy { limit_ms } else { limit_ms - idle_ms };
            tokio::time::sleep(Duration::from_millis(wait.max(1))).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// Ends a request's time in service, answered or cancelled.
struct Done<'a>(&'a Activity);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.last.store(now_ms(), Ordering::Relaxed);
        self.0.in_service.fetch_sub(1, Ordering::Relaxed);
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_means_no_request_in_service_for_the_whole_limit() {
        let activity = Activity::new();
        let limit = Duration::from_millis(100);
        // A request in service for three limits keeps the connection; the limit counts from its end.
        let started = tokio::time::Instant::now();
        let serving = activity.serve(tokio::time::sleep(limit * 3));
        let watching = activity.idle_for(limit);
        tokio::pin!(watching);
        tokio::select! {
            () = serving => {}
            () = &mut watching => panic!("cut off while a request was in service"),
        }
        watching.await;
        assert!(started.elapsed() >= limit * 4, "idle after {:?}", started.elapsed());
    }
}
