//! Timer schedules as the Functions host reads them (its NCrontab library): six fields
//! `{second} {minute} {hour} {day} {month} {day-of-week}`, each a `*`, a value, a range `a-b`, any
//! of those with a step `/n`, or a comma list of them; month and day names by their first three
//! letters, day of week 0–6 from Sunday. Five fields (no seconds) are read with second 0, as the
//! host's timer extension does. Times are UTC, Azure's default.
//!
//! Not the `cron` crate: it reads another dialect, in which the day of week runs 1–7 from Sunday
//! (`1` is Sunday there and Monday here), a seventh field is the year, and Quartz's `L`, `W`, `#`
//! and `?` are accepted — all of which the host refuses. A schedule that fires on other days
//! locally than in Azure would be worse than none, and the dialect is small.
//!
//! Quirks kept from NCrontab, so that a schedule means the same here: day of month and day of
//! week must both match (not cron's "either"), a range written backwards is read forwards, a step
//! below 1 counts as 1, `n/step` runs from n to the field's maximum, and `n/1` is n alone.

use std::str::FromStr;

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The fields of a schedule as sets of allowed values (bit n set: n allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    seconds: u64,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: &[&str] = &["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const SECOND: Field = Field { name: "second", min: 0, max: 59, names: &[] };
const MINUTE: Field = Field { name: "minute", min: 0, max: 59, names: &[] };
const HOUR: Field = Field { name: "hour", min: 0, max: 23, names: &[] };
const DAY: Field = Field { name: "day", min: 1, max: 31, names: &[] };
const MONTH: Field = Field { name: "month", min: 1, max: 12, names: MONTHS };
const WEEKDAY: Field = Field { name: "day-of-week", min: 0, max: 6, names: DAYS };

/// How far ahead a next occurrence is looked for. A 29 February on a given weekday can be 40
/// years away (across a century that is not a leap year); a schedule with none in this window
/// (`0 0 0 30 2 *`) never fires.
const SEARCH_DAYS: u32 = 366 * 50;

impl FromStr for Schedule {
    type Err = String;

    fn from_str(expression: &str) -> Result<Self, String> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        if fields.len() == 1 && fields[0].contains(':') {
            return Err(format!(
                "{expression:?} is a TimeSpan schedule, which the host takes on App Service plans only; \
                 write it as NCRONTAB ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}})"
            ));
        }
        let (seconds, rest) = match fields.len() {
            6 => (parse_field(fields[0], &SECOND)?, &fields[1..]),
            5 => (1, &fields[..]),
            n => {
                return Err(format!(
                    "{expression:?} has {n} field(s); NCRONTAB has six: {{second}} {{minute}} {{hour}} {{day}} \
                     {{month}} {{day-of-week}}"
                ));
            }
        };
        Ok(Self {
            seconds,
            minutes: parse_field(rest[0], &MINUTE)?,
            hours: parse_field(rest[1], &HOUR)?,
            days: parse_field(rest[2], &DAY)?,
            months: parse_field(rest[3], &MONTH)?,
            weekdays: parse_field(rest[4], &WEEKDAY)?,
        })
    }
}

impl Schedule {
    /// The first occurrence strictly after `after` (whole seconds, UTC); `None` when the schedule
    /// names no date that exists within `SEARCH_DAYS`.
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let start = after.to_offset(UtcOffset::UTC).replace_nanosecond(0).ok()? + Duration::seconds(1);
        let mut date = start.date();
        let mut from = (start.hour(), start.minute(), start.second());
        for _ in 0..SEARCH_DAYS {
            if self.matches_day(date)
                && let Some((hour, minute, second)) = self.first_time_from(from)
            {
                let time = Time::from_hms(hour, minute, second).ok()?;
                return Some(PrimitiveDateTime::new(date, time).assume_utc());
            }
            date = date.next_day()?;
            from = (0, 0, 0);
        }
        None
    }

    fn matches_day(&self, date: Date) -> bool {
        has(self.months, u8::from(date.month()))
            && has(self.days, date.day())
            && has(self.weekdays, date.weekday().number_days_from_sunday())
    }

    /// The first allowed time of day at or after `from`.
    fn first_time_from(&self, (hour0, minute0, second0): (u8, u8, u8)) -> Option<(u8, u8, u8)> {
        for hour in (hour0..24).filter(|h| has(self.hours, *h)) {
            let first_minute = if hour == hour0 { minute0 } else { 0 };
            for minute in (first_minute..60).filter(|m| has(self.minutes, *m)) {
                let first_second = if hour == hour0 && minute == minute0 { second0 } else { 0 };
                if let Some(second) = (first_second..60).find(|s| has(self.seconds, *s)) {
                    return Some((hour, minute, second));
                }
            }
        }
        None
    }
}

fn has(set: u64, value: u8) -> bool {
    set & (1 << value) != 0
}

fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    text.split(',').try_fold(0u64, |bits, item| {
        parse_item(item, field).map(|more| bits | more).map_err(|why| format!("{} field {text:?}: {why}", field.name))
    })
}

fn parse_item(item: &str, field: &Field) -> Result<u64, String> {
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base, Some(number(step).ok_or_else(|| format!("the step {step:?} is not a number"))?)),
        None => (item, None),
    };
    let (first, last) = if base == "*" {
        (field.min, field.max)
    } else if let Some((a, b)) = base.split_once('-').filter(|(a, _)| !a.is_empty()) {
        let (a, b) = (value(a, field)?, value(b, field)?);
        (a.min(b), a.max(b))
    } else {
        let value = value(base, field)?;
        match step {
            None | Some(1) => (value, value),
            Some(_) => (value, field.max),
        }
    };
    let step = step.unwrap_or(1).max(1) as usize;
    Ok((first..=last).step_by(step).fold(0, |bits, v| bits | (1 << v)))
}

fn number(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    if text.is_empty() {
        return Err("a value is empty".to_owned());
    }
    let range = || format!("from {} to {}", field.min, field.max);
    let value = if text.starts_with(|c: char| c.is_ascii_digit()) {
        number(text).ok_or_else(|| format!("{text:?} is not a number"))?
    } else if field.names.is_empty() {
        return Err(format!("{text:?} is not a number {}", range()));
    } else {
        let index = field
            .names
            .iter()
            .position(|name| text.len() >= 3 && text.is_char_boundary(3) && text[..3].eq_ignore_ascii_case(&name[..3]))
            .ok_or_else(|| {
                format!("{text:?} is neither a number {} nor a name ({})", range(), field.names.join(", "))
            })?;
        field.min + index as u32
    };
    if !(field.min..=field.max).contains(&value) {
        return Err(format!("{value} is outside the range {}", range()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn next(expression: &str, after: OffsetDateTime) -> Option<OffsetDateTime> {
        expression.parse::<Schedule>().unwrap_or_else(|e| panic!("{expression}: {e}")).next_after(after)
    }

    fn refused(expression: &str) -> String {
        expression.parse::<Schedule>().expect_err(expression)
    }

    #[test]
    fn every_second_is_the_next_whole_second() {
        assert_eq!(
            next("* * * * * *", datetime!(2025-01-01 10:00:00.300 UTC)),
            Some(datetime!(2025-01-01 10:00:01 UTC))
        );
        assert_eq!(next("* * * * * *", datetime!(2025-12-31 23:59:59 UTC)), Some(datetime!(2026-01-01 00:00:00 UTC)));
    }

    #[test]
    fn daily_and_stepped_schedules() {
        let daily = "0 0 6 * * *";
        assert_eq!(next(daily, datetime!(2025-01-01 05:59:59.9 UTC)), Some(datetime!(2025-01-01 06:00:00 UTC)));
        assert_eq!(next(daily, datetime!(2025-01-01 06:00:00 UTC)), Some(datetime!(2025-01-02 06:00:00 UTC)));
        assert_eq!(next("0 */5 * * * *", datetime!(2025-01-01 10:03:12 UTC)), Some(datetime!(2025-01-01 10:05:00 UTC)));
        assert_eq!(
            next("10-20/5 * * * * *", datetime!(2025-01-01 10:00:16 UTC)),
            Some(datetime!(2025-01-01 10:00:20 UTC))
        );
        assert_eq!(
            next("0 0 9-17 * * *", datetime!(2025-01-01 17:00:00 UTC)),
            Some(datetime!(2025-01-02 09:00:00 UTC))
        );
    }

    #[test]
    fn day_of_week_counts_from_sunday_zero() {
        // 2025-01-05 is a Sunday.
        let sunday = datetime!(2025-01-05 12:00:00 UTC);
        assert_eq!(next("0 0 9 * * 1", sunday), Some(datetime!(2025-01-06 09:00:00 UTC)), "1 is Monday");
        assert_eq!(next("0 0 9 * * 0", sunday), Some(datetime!(2025-01-12 09:00:00 UTC)), "0 is Sunday");
        assert_eq!(next("0 0 9 * * Sat", sunday), Some(datetime!(2025-01-11 09:00:00 UTC)));
        assert_eq!(next("0 0 9 * * mon-FRIDAY", sunday), Some(datetime!(2025-01-06 09:00:00 UTC)));
        assert_eq!(refused("0 0 9 * * 7"), "day-of-week field \"7\": 7 is outside the range from 0 to 6");
    }

    #[test]
    fn names_lists_and_month_boundaries() {
        let after = datetime!(2025-02-10 00:00:00 UTC);
        assert_eq!(next("0 0 0 1 Jan,Jul *", after), Some(datetime!(2025-07-01 00:00:00 UTC)));
        assert_eq!(next("0 30 8 31 * *", after), Some(datetime!(2025-03-31 08:30:00 UTC)), "February has no 31st");
        assert_eq!(next("0 0 0 29 2 *", after), Some(datetime!(2028-02-29 00:00:00 UTC)));
        assert_eq!(next("0 0 0 30 2 *", after), None, "never");
    }

    #[test]
    fn day_and_weekday_must_both_match() {
        // Friday the 13th, not "the 13th or any Friday".
        assert_eq!(
            next("0 0 0 13 * Fri", datetime!(2025-01-01 00:00:00 UTC)),
            Some(datetime!(2025-06-13 00:00:00 UTC))
        );
    }

    #[test]
    fn five_fields_mean_second_zero() {
        assert_eq!(next("*/15 * * * *", datetime!(2025-01-01 10:03:12 UTC)), Some(datetime!(2025-01-01 10:15:00 UTC)));
    }

    #[test]
    fn ncrontab_quirks_are_kept() {
        let at = datetime!(2025-01-01 10:00:00 UTC);
        assert_eq!("0 0 0 * * 5-1".parse::<Schedule>(), "0 0 0 * * 1-5".parse::<Schedule>(), "backwards range");
        assert_eq!(next("5/1 * * * * *", at), Some(datetime!(2025-01-01 10:00:05 UTC)));
        assert_eq!(next("5/1 * * * * *", datetime!(2025-01-01 10:00:05 UTC)), Some(datetime!(2025-01-01 10:01:05 UTC)));
        assert_eq!(
            next("5/20 * * * * *", datetime!(2025-01-01 10:00:26 UTC)),
            Some(datetime!(2025-01-01 10:00:45 UTC))
        );
        assert_eq!("*/0 * * * * *".parse::<Schedule>(), "* * * * * *".parse::<Schedule>(), "a step of 0 counts as 1");
    }

    #[test]
    fn what_the_host_refuses_is_refused() {
        assert!(refused("* * * * * * 2025").contains("7 field(s)"));
        assert!(refused("").contains("0 field(s)"));
        assert!(refused("60 * * * * *").starts_with("second field"));
        assert!(refused("0 0 24 * * *").starts_with("hour field"));
        assert!(refused("0 0 0 0 * *").starts_with("day field"));
        assert!(refused("0 0 0 ? * *").contains("not a number"));
        assert!(refused("0 0 0 L * *").contains("not a number"));
        assert!(refused("0 0 0 * * 5#3").contains("not a number"));
        assert!(refused("0 0 0 * Ja *").contains("neither a number"));
        assert!(refused("0 0 0 1,,2 * *").contains("empty"));
        assert!(refused("0 */x * * * *").contains("step"));
        assert!(refused("00:05:00").contains("TimeSpan"));
    }
}
