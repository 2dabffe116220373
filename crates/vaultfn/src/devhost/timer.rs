//! Timer triggers, fired on their NCRONTAB schedule as the host's timer extension fires them:
//! `%SETTING%` in the schedule expanded from the app settings (a setting that is not there stops
//! the start, as the host refuses the function), `runOnStartup` firing once at start, and the
//! host's timer data (`ScheduleStatus` null until the first firing, then the last and next
//! occurrence). A firing that outlasts the interval skips the occurrences it overran, as the host
//! does. Without the host's storage-backed schedule monitor nothing is ever past due.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::DevHost;
use super::layout::AppLayout;
use super::ncrontab::Schedule;
use super::supervisor::HandlerState;
use super::triggers::{self, TriggerBinding, TriggerDef};

/// One timer function with its schedule read.
#[derive(Debug, Clone)]
pub struct Timer {
    pub function: TriggerDef,
    /// The schedule after `%SETTING%` expansion.
    pub expression: String,
    pub schedule: Schedule,
    pub run_on_startup: bool,
}

/// The app's timer functions, schedules expanded from `values` (then the process environment,
/// which the host's name resolver reads too) and parsed. An error names the function and the
/// setting or field at fault, never a setting's value.
pub fn timers(layout: &AppLayout, values: &BTreeMap<String, String>) -> Result<Vec<Timer>, String> {
    let lookup = |name: &str| values.get(name).cloned().or_else(|| std::env::var(name).ok());
    let mut timers = Vec::new();
    for function in &layout.triggered {
        let TriggerBinding::Timer { schedule, run_on_startup } = &function.kind else { continue };
        let (expression, parsed) =
            resolve(schedule, lookup).map_err(|why| format!("function {}: {why}", function.name))?;
        timers.push(Timer {
            function: function.clone(),
            expression,
            schedule: parsed,
            run_on_startup: *run_on_startup,
        });
    }
    Ok(timers)
}

/// A schedule as function.json writes it, expanded and parsed.
pub fn resolve(schedule: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<(String, Schedule), String> {
    let expression = expand(schedule, lookup)?;
    let parsed = expression.parse().map_err(|why| format!("the schedule is not valid NCRONTAB: {why}"))?;
    Ok((expression, parsed))
}

/// Replaces each `%NAME%` with the setting NAME, as the host's name resolver does.
pub fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut expanded = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let end = after.find('%').ok_or_else(|| format!("the schedule {text:?} has a '%' without its closing '%'"))?;
        let name = &after[..end];
        let value = lookup(name).ok_or_else(|| {
            format!(
                "the schedule {text:?} names the app setting {name}, which is not set (local settings Values or the \
                 environment); the host refuses to start a function whose %{name}% does not resolve"
            )
        })?;
        expanded.push_str(&rest[..start]);
        expanded.push_str(&value);
        rest = &after[end + 1..];
    }
    expanded.push_str(rest);
    Ok(expanded)
}

/// Starts one task per enabled timer; each says when it fires next.
pub fn spawn(host: &Arc<DevHost>, timers: Vec<Timer>) {
    for timer in timers {
        if host.is_disabled(&timer.function.name) {
            println!("Timer {}: disabled, not scheduled", timer.function.name);
            continue;
        }
        let next = timer.schedule.next_after(OffsetDateTime::now_utc());
        println!(
            "Timer {}: schedule {} (UTC), next {}{}",
            timer.function.name,
            timer.expression,
            next.map_or_else(|| "never".to_owned(), format),
            if timer.run_on_startup { "; runs on startup" } else { "" }
        );
        tokio::spawn(run(host.clone(), timer));
    }
}

async fn run(host: Arc<DevHost>, timer: Timer) {
    let mut status = Value::Null;
    if timer.run_on_startup {
        let now = OffsetDateTime::now_utc();
        fire(&host, &timer, &mut status, now).await;
    }
    let mut after = OffsetDateTime::now_utc();
    while let Some(next) = timer.schedule.next_after(after) {
        let wait = next - OffsetDateTime::now_utc();
        if wait.is_positive() {
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
        // While the handler is stopped (between restarts) an occurrence is missed, not queued.
        if !matches!(*host.handler_state.borrow(), HandlerState::Stopped) {
            fire(&host, &timer, &mut status, next).await;
        }
        after = next.max(OffsetDateTime::now_utc());
    }
}

/// One invocation with the host's timer data; the status it carries is the one before it.
async fn fire(host: &DevHost, timer: &Timer, status: &mut Value, occurrence: OffsetDateTime) {
    let data = json!({"Schedule": {"AdjustForDST": true}, "ScheduleStatus": status.clone(), "IsPastDue": false});
    triggers::invoke(host, &timer.function, data, "timer").await;
    *status = json!({
        "Last": format(occurrence),
        "Next": timer.schedule.next_after(occurrence).map(format),
        "LastUpdated": format(OffsetDateTime::now_utc()),
    });
}

fn format(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: &str) -> Option<String> {
        match name {
            "EXPIRY_SCAN_SCHEDULE" => Some("0 0 6 * * *".to_owned()),
            "MINUTE" => Some("30".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn settings_are_expanded_wherever_they_stand() {
        assert_eq!(expand("%EXPIRY_SCAN_SCHEDULE%", settings).unwrap(), "0 0 6 * * *");
        assert_eq!(expand("0 %MINUTE% 9 * * *", settings).unwrap(), "0 30 9 * * *");
        assert_eq!(expand("0 0 9 * * *", settings).unwrap(), "0 0 9 * * *");
    }

    #[test]
    fn a_missing_setting_is_named_and_an_open_percent_refused() {
        let error = expand("%MISSING%", settings).unwrap_err();
        assert!(error.contains("app setting MISSING, which is not set"), "{error}");
        assert!(expand("0 0 %MINUTE * * *", settings).unwrap_err().contains("closing '%'"));
    }

    #[test]
    fn a_resolved_schedule_that_is_not_ncrontab_is_refused() {
        let error = resolve("%MINUTE%", settings).unwrap_err();
        assert!(error.contains("not valid NCRONTAB"), "{error}");
        let (expression, _) = resolve("%EXPIRY_SCAN_SCHEDULE%", settings).unwrap();
        assert_eq!(expression, "0 0 6 * * *");
    }
}
