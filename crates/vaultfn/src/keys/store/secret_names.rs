//! The names the host gives keys in Key Vault, one secret per key: `host--masterKey--master`,
//! `host--functionKey--N(name)`, `host--systemKey--N(name)` and `function--N(function)--N(name)`.
//! Secret names allow only letters, digits and `-`, so N keeps letters and digits and writes any
//! other character as `-` and its code in three decimal digits (`_` → `-095`, `-` → `-045`).

/// Every host-level key's secret starts with this.
pub const HOST_PREFIX: &str = "host--";
/// The master key's secret starts with this (the host reads the first such secret).
pub const MASTER_PREFIX: &str = "host--masterKey--";
/// The name the host writes the master key under.
pub const MASTER_SECRET: &str = "host--masterKey--master";
pub const HOST_FUNCTION_KEY_PREFIX: &str = "host--functionKey--";
pub const SYSTEM_KEY_PREFIX: &str = "host--systemKey--";
const FUNCTION_PREFIX: &str = "function--";
/// Key Vault's limit on a secret name.
pub const MAX_SECRET_NAME_LEN: usize = 127;

/// N: letters and digits as they are, anything else as `-` and its three-digit code. `None` for a
/// character whose code needs more digits, which a name written this way cannot carry.
pub fn normalize(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if u32::from(c) <= 999 {
            out.push_str(&format!("-{:03}", u32::from(c)));
        } else {
            return None;
        }
    }
    Some(out)
}

/// The inverse of [`normalize`], as the host reads names back: a `-` followed by three digits is
/// the character with that code; any other `-` stays as it is.
pub fn denormalize(normalized: &str) -> String {
    let bytes = normalized.as_bytes();
    let mut out = String::with_capacity(normalized.len());
    let mut i = 0;
    while i < bytes.len() {
        let code = bytes.get(i + 1..i + 4).filter(|digits| bytes[i] == b'-' && digits.iter().all(u8::is_ascii_digit));
        match code.and_then(|digits| char::from_u32(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))) {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                // Secret names are ASCII, so every byte is a whole character.
                out.push(char::from(bytes[i]));
                i += 1;
            }
        }
    }
    out
}

/// Where the keys of `function` start: `function--N(function)--`.
pub fn function_prefix(function: &str) -> Option<String> {
    Some(format!("{FUNCTION_PREFIX}{}--", normalize(function)?))
}

/// `name` without `prefix`, the prefix compared case-insensitively (Key Vault names are).
pub fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &name[prefix.len()..])
}

/// The secret of key `name` under `prefix`, if Key Vault can hold such a name.
pub fn secret_name(prefix: &str, name: &str) -> Option<String> {
    let secret = format!("{prefix}{}", normalize(name)?);
    (secret.len() <= MAX_SECRET_NAME_LEN).then_some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn other_characters_become_their_three_digit_code() {
        assert_eq!(normalize("my_key").unwrap(), "my-095key");
        assert_eq!(normalize("a-b").unwrap(), "a-045b");
        assert_eq!(normalize("v1.2").unwrap(), "v1-0462");
        assert_eq!(normalize("Default9").unwrap(), "Default9");
        assert_eq!(normalize("\t").unwrap(), "-009");
        assert_eq!(normalize("é").unwrap(), "-233");
        assert_eq!(normalize("€"), None, "the euro sign's code needs four digits");
    }

    #[test]
    fn denormalize_reads_what_the_host_wrote() {
        assert_eq!(denormalize("durabletask-095extension"), "durabletask_extension");
        assert_eq!(denormalize("ci-045pipeline"), "ci-pipeline");
        // A `-` without three digits after it is kept, wherever it is.
        assert_eq!(denormalize("a-b-12"), "a-b-12");
        assert_eq!(denormalize("-"), "-");
        assert_eq!(denormalize("x-09"), "x-09");
        assert_eq!(denormalize("-095-095"), "__");
    }

    #[test]
    fn the_hosts_own_examples_round_trip() {
        for name in ["Te-st!{rty", "Te-st!{rt*(y)(ty-", "Te--st!{rt*(y)(ty--"] {
            assert_eq!(denormalize(&normalize(name).unwrap()), name);
        }
    }

    #[test]
    fn function_prefixes_match_in_any_case() {
        let prefix = function_prefix("Config-Check").unwrap();
        assert_eq!(prefix, "function--Config-045Check--");
        assert_eq!(strip_prefix_ignore_case("function--config-045check--default", &prefix), Some("default"));
        assert_eq!(
            strip_prefix_ignore_case("FUNCTION--CONFIG-045CHECK--ci-045pipeline", &prefix),
            Some("ci-045pipeline")
        );
        assert_eq!(strip_prefix_ignore_case("function--config-045checker--default", &prefix), None);
        assert_eq!(strip_prefix_ignore_case("function--", &prefix), None);
    }

    #[test]
    fn names_too_long_for_key_vault_are_refused() {
        assert_eq!(secret_name(HOST_FUNCTION_KEY_PREFIX, "my_key").unwrap(), "host--functionKey--my-095key");
        assert!(secret_name(HOST_FUNCTION_KEY_PREFIX, &"k".repeat(108)).is_some());
        assert!(secret_name(HOST_FUNCTION_KEY_PREFIX, &"k".repeat(109)).is_none());
        assert!(secret_name(HOST_FUNCTION_KEY_PREFIX, &"_".repeat(30)).is_none());
    }

    proptest! {
        #[test]
        fn round_trips(name in "[A-Za-z0-9_.-]{1,64}") {
            let normalized = normalize(&name).unwrap();
            prop_assert!(normalized.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            prop_assert_eq!(denormalize(&normalized), name);
        }

        #[test]
        fn any_ascii_round_trips(name in "[ -~]{1,32}") {
            prop_assert_eq!(denormalize(&normalize(&name).unwrap()), name);
        }
    }
}
