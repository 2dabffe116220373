//! ASP.NET Core's inline route constraints, which function routes may use (`{id:int}`,
//! `{name:alpha}`, `{n:range(1,10)}`, `{code:regex(^[a-z]{{3}}$)}`…). Numbers parse with the
//! invariant culture; text comparisons ignore case, as the host's do.

use regex::Regex;

#[derive(Debug, Clone)]
pub enum Constraint {
    Int,
    Long,
    Bool,
    Float,
    Decimal,
    Guid,
    DateTime,
    Alpha,
    Required,
    File,
    NonFile,
    MinLength(usize),
    MaxLength(usize),
    Length(usize, usize),
    Min(i64),
    Max(i64),
    Range(i64, i64),
    Regex(Regex),
}

impl Constraint {
    /// Parses `name` or `name(args)`; unknown names are refused as the host refuses them.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, args) = match text.find('(') {
            Some(open) if text.ends_with(')') => (&text[..open], Some(&text[open + 1..text.len() - 1])),
            Some(_) => return Err(format!("the constraint {text:?} has no closing parenthesis")),
            None => (text, None),
        };
        let bad = || format!("the constraint {text:?} has invalid arguments");
        let numbers = |count: usize| -> Result<Vec<i64>, String> {
            let parsed: Vec<i64> = args
                .unwrap_or("")
                .split(',')
                .map(|a| a.trim().parse::<i64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad())?;
            if parsed.len() == count { Ok(parsed) } else { Err(bad()) }
        };
        let length = |v: i64| usize::try_from(v).map_err(|_| bad());
        Ok(match (name.to_ascii_lowercase().as_str(), args) {
            ("int", None) => Self::Int,
            ("long", None) => Self::Long,
            ("bool", None) => Self::Bool,
            ("float" | "double", None) => Self::Float,
            ("decimal", None) => Self::Decimal,
            ("guid", None) => Self::Guid,
            ("datetime", None) => Self::DateTime,
            ("alpha", None) => Self::Alpha,
            ("required", None) => Self::Required,
            ("file", None) => Self::File,
            ("nonfile", None) => Self::NonFile,
            ("minlength", Some(_)) => Self::MinLength(length(numbers(1)?[0])?),
            ("maxlength", Some(_)) => Self::MaxLength(length(numbers(1)?[0])?),
            ("length", Some(a)) if a.contains(',') => {
                let n = numbers(2)?;
                Self::Length(length(n[0])?, length(n[1])?)
            }
            ("length", Some(_)) => {
                let n = length(numbers(1)?[0])?;
                Self::Length(n, n)
            }
            ("min", Some(_)) => Self::Min(numbers(1)?[0]),
            ("max", Some(_)) => Self::Max(numbers(1)?[0]),
            ("range", Some(_)) => {
                let n = numbers(2)?;
                Self::Range(n[0], n[1])
            }
            ("regex", Some(pattern)) => Self::Regex(
                regex::RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|_| format!("the regex constraint {pattern:?} is not a valid regular expression"))?,
            ),
            _ => return Err(format!("the constraint {text:?} is not a known route constraint")),
        })
    }

    pub fn accepts(&self, value: &str) -> bool {
        let long = || parse_long(value);
        match self {
            Self::Int => long().is_some_and(|n| i32::try_from(n).is_ok()),
            Self::Long => long().is_some(),
            Self::Bool => matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "false"),
            Self::Float => is_float(value, true),
            Self::Decimal => is_float(value, false),
            Self::Guid => is_guid(value.trim()),
            Self::DateTime => is_datetime(value.trim()),
            Self::Alpha => value.bytes().all(|b| b.is_ascii_alphabetic()),
            Self::Required => !value.is_empty(),
            Self::File => is_file(value),
            Self::NonFile => !is_file(value),
            Self::MinLength(n) => value.chars().count() >= *n,
            Self::MaxLength(n) => value.chars().count() <= *n,
            Self::Length(lo, hi) => (*lo..=*hi).contains(&value.chars().count()),
            Self::Min(n) => long().is_some_and(|v| v >= *n),
            Self::Max(n) => long().is_some_and(|v| v <= *n),
            Self::Range(lo, hi) => long().is_some_and(|v| (*lo..=*hi).contains(&v)),
            Self::Regex(re) => re.is_match(value),
        }
    }
}

/// `NumberStyles.Integer`: surrounding white space and a leading sign.
fn parse_long(value: &str) -> Option<i64> {
    value.trim().parse::<i64>().ok()
}

fn is_float(value: &str, allow_symbols: bool) -> bool {
    let v = value.trim().replace(',', "");
    if allow_symbols && matches!(v.as_str(), "Infinity" | "-Infinity" | "NaN") {
        return true;
    }
    // Rust also reads "inf"/"nan", which the invariant culture does not.
    !v.is_empty()
        && v.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && v.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The GUID formats `Guid.TryParse` reads: N, D, B and P.
fn is_guid(value: &str) -> bool {
    let inner = match (value.chars().next(), value.chars().last()) {
        (Some('{'), Some('}')) | (Some('('), Some(')')) if value.len() == 38 => &value[1..37],
        _ => value,
    };
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    match inner.len() {
        32 => inner.len() == value.len() && hex(inner),
        36 => {
            let groups: Vec<&str> = inner.split('-').collect();
            groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
        }
        _ => false,
    }
}

/// The common shapes `DateTime.TryParse` accepts with the invariant culture: ISO 8601 dates with
/// an optional time and offset, and `MM/dd/yyyy`.
fn is_datetime(value: &str) -> bool {
    use time::{Date, Month};
    let (date, time_part) = match value.find(['T', ' ']) {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    };
    let nums = |s: &str, sep: char| s.split(sep).map(|p| p.parse::<u16>().ok()).collect::<Option<Vec<u16>>>();
    let valid_date = |y: u16, m: u16, d: u16| {
        Month::try_from(m as u8).ok().is_some_and(|m| Date::from_calendar_date(i32::from(y), m, d as u8).is_ok())
    };
    let date_ok = match (nums(date, '-'), nums(date, '/')) {
        (Some(p), _) if p.len() == 3 && date.split('-').next().is_some_and(|y| y.len() == 4) => {
            valid_date(p[0], p[1], p[2])
        }
        (_, Some(p)) if p.len() == 3 => valid_date(p[2], p[0], p[1]),
        _ => false,
    };
    let time_ok = time_part.is_none_or(|t| {
        let t = t.trim_end_matches('Z');
        let t = t.split(['+', '-']).next().unwrap_or(t);
        let fields: Vec<&str> = t.split(':').collect();
        (2..=3).contains(&fields.len())
            && fields.iter().enumerate().all(|(i, f)| {
                let whole = f.split('.').next().unwrap_or(f);
                whole.parse::<u8>().is_ok_and(|n| n < if i == 0 { 24 } else { 60 }) && (i == 2 || !f.contains('.'))
            })
    });
    date_ok && time_ok
}

/// ASP.NET's `file` constraint: the last path segment has a dot with something after it.
fn is_file(value: &str) -> bool {
    let last = value.rsplit('/').next().unwrap_or(value);
    last.rfind('.').is_some_and(|dot| dot + 1 < last.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Constraint {
        Constraint::parse(text).unwrap()
    }

    #[test]
    fn numbers() {
        assert!(c("int").accepts("42") && c("int").accepts("-7") && !c("int").accepts("4.2"));
        assert!(!c("int").accepts("99999999999") && c("long").accepts("99999999999"));
        assert!(c("range(1,10)").accepts("10") && !c("range(1,10)").accepts("11"));
        assert!(c("min(3)").accepts("3") && !c("max(3)").accepts("4") && !c("min(3)").accepts("x"));
        assert!(c("double").accepts("1.5e3") && !c("double").accepts("inf") && c("decimal").accepts("-2.50"));
    }

    #[test]
    fn text() {
        assert!(c("alpha").accepts("abcXYZ") && !c("alpha").accepts("abc1"));
        assert!(c("bool").accepts("True") && !c("bool").accepts("yes"));
        assert!(c("length(2,3)").accepts("abc") && !c("length(2)").accepts("abc"));
        assert!(c("minlength(2)").accepts("ab") && !c("maxlength(2)").accepts("abc"));
        assert!(c("regex(^[a-z]{3}$)").accepts("ABC") && !c("regex(^[a-z]{3}$)").accepts("abcd"));
        assert!(c("regex(b)").accepts("abc"), "regex constraints are not anchored");
    }

    #[test]
    fn guids_and_dates() {
        assert!(c("guid").accepts("8f3e1c52-0b9a-4a4e-9d5c-2b1f7c3d9e10"));
        assert!(c("guid").accepts("{8f3e1c52-0b9a-4a4e-9d5c-2b1f7c3d9e10}"));
        assert!(c("guid").accepts("8f3e1c520b9a4a4e9d5c2b1f7c3d9e10") && !c("guid").accepts("8f3e1c52"));
        assert!(c("datetime").accepts("2024-02-29") && !c("datetime").accepts("2023-02-29"));
        assert!(c("datetime").accepts("2024-01-02T10:30:00Z") && c("datetime").accepts("01/02/2024"));
        assert!(!c("datetime").accepts("tomorrow"));
    }

    #[test]
    fn unknown_constraints_are_refused() {
        assert!(Constraint::parse("slug").is_err());
        assert!(Constraint::parse("range(1)").is_err());
        assert!(Constraint::parse("regex([)").is_err());
    }
}
