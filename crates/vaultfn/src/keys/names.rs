//! What the store accepts as function names, key names and key values.

use secrecy::{ExposeSecret as _, SecretString};

use super::{KeyError, MASTER_KEY_NAME, NamedKey};

/// Our limit, not the host's (which takes any route segment): room for every
/// real key name while keeping names safe in URLs and logs.
const MAX_NAME_LEN: usize = 128;
/// Values travel in a header and a query string; beyond this they are not keys.
const MAX_VALUE_LEN: usize = 4096;

pub(crate) fn is_master_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(MASTER_KEY_NAME)
}

pub(crate) fn find(keys: &[NamedKey], name: &str) -> Option<usize> {
    keys.iter().position(|k| k.name.eq_ignore_ascii_case(name))
}

/// Names of new keys: `[A-Za-z0-9_-]`, 1 to 128 characters.
pub(crate) fn validate_name(name: &str) -> Result<(), KeyError> {
    let reason = if name.is_empty() {
        Some("empty")
    } else if name.len() > MAX_NAME_LEN {
        Some("longer than 128 characters")
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        Some("only letters, digits, '_' and '-' are allowed")
    } else {
        None
    };
    reason.map_or(Ok(()), |reason| Err(KeyError::InvalidName { name: name.to_owned(), reason }))
}

/// Values must fit an `x-functions-key` header: visible ASCII, no spaces.
pub(crate) fn validate_value(value: &SecretString) -> Result<(), KeyError> {
    let value = value.expose_secret();
    if value.is_empty() {
        Err(KeyError::InvalidValue("empty"))
    } else if value.len() > MAX_VALUE_LEN {
        Err(KeyError::InvalidValue("longer than 4096 characters"))
    } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
        Err(KeyError::InvalidValue("only visible ASCII characters are allowed"))
    } else {
        Ok(())
    }
}

/// The host's rule for function names (`^[a-z][a-z0-9_-]{0,127}$`, any case,
/// not `host`), which also keeps a name from escaping the secrets directory or
/// clashing with `host.json`.
pub(crate) fn validate_function_name(function: &str) -> Result<(), KeyError> {
    let mut chars = function.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && function.len() <= 128
        && !function.eq_ignore_ascii_case("host");
    if valid { Ok(()) } else { Err(KeyError::InvalidFunctionName(function.to_owned())) }
}
