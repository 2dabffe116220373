//! The platform's reference refresh, asked for at most once per debounce window however many
//! rotation events arrive. A burst (events within a few seconds of a refresh) rides on that
//! refresh; a rotation later in the window gets one trailing refresh at the window's end, so its
//! version is not left to the platform's 24-hour refetch. A failed refresh is logged, not retried.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::arm::{ArmClient, SiteId};

/// Events this close to a refresh are part of the burst it answered.
const BURST: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Sent,
    Failed(String),
    /// Part of the burst the last refresh answered.
    Debounced,
    /// A refresh will follow at the end of the window.
    Scheduled,
    /// No Resource Manager client (the site is unknown or no credential).
    Unavailable,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sent => f.write_str("sent"),
            Self::Failed(why) => write!(f, "failed ({why})"),
            Self::Debounced => f.write_str("debounced"),
            Self::Scheduled => f.write_str("scheduled for the end of the debounce window"),
            Self::Unavailable => f.write_str("unavailable: no Resource Manager client (site or credential unknown)"),
        }
    }
}

#[derive(Default)]
struct Window {
    last: Option<Instant>,
    trailing: bool,
}

pub struct Refresher {
    debounce: Duration,
    window: Arc<Mutex<Window>>,
}

impl Refresher {
    pub fn new(debounce: Duration) -> Self {
        Self { debounce, window: Arc::default() }
    }

    pub async fn request(&self, arm: ArmClient, site: SiteId) -> Decision {
        let now = Instant::now();
        let wait = {
            let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
            match window.last {
                Some(last) if now.duration_since(last) < self.debounce => {
                    if window.trailing || now.duration_since(last) < BURST {
                        return Decision::Debounced;
                    }
                    window.trailing = true;
                    Some(last + self.debounce - now)
                }
                _ => {
                    window.last = Some(now);
                    None
                }
            }
        };
        match wait {
            None => send(&arm, &site).await,
            Some(wait) => {
                let window = self.window.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    {
                        let mut window = window.lock().unwrap_or_else(|p| p.into_inner());
                        window.last = Some(Instant::now());
                        window.trailing = false;
                    }
                    send(&arm, &site).await;
                });
                Decision::Scheduled
            }
        }
    }
}

async fn send(arm: &ArmClient, site: &SiteId) -> Decision {
    match arm.refresh_references(site).await {
        Ok(()) => {
            tracing::info!("asked the platform to resolve the app's Key Vault references again");
            Decision::Sent
        }
        Err(e) => {
            tracing::warn!(error = %e, "the reference refresh failed; the platform refetches within 24 hours");
            Decision::Failed(e.to_string())
        }
    }
}
