//! The error of a setting that cannot be used, shared by every part that reads settings.

/// A setting that cannot be used, named so the operator can find it. The value is never repeated:
/// several of these settings are secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

pub(crate) fn bad(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { setting, reason: reason.into() }
}

/// `raw` as a whole number of `unit` within `range` (the setting's own words when it is not).
pub(crate) fn whole_number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    setting: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError> {
    match raw.trim().parse::<T>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(bad(setting, format!("must be a whole number of {unit} from {} to {}", range.start(), range.end()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_number_in_range_or_the_settings_own_words() {
        assert_eq!(whole_number("N", " 42 ", 1..=100u32, "seconds"), Ok(42));
        for raw in ["0", "101", "4.5", "-1", "", "lots"] {
            let error = whole_number("N", raw, 1..=100u32, "seconds").unwrap_err();
            assert_eq!(error.to_string(), "N: must be a whole number of seconds from 1 to 100");
        }
    }
}
