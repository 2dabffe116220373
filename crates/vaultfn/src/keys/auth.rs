//! Which level a presented key grants, and whether that level opens a function.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::HeaderMap;
use secrecy::{ExposeSecret as _, SecretString};
use subtle::{Choice, ConstantTimeEq as _};

use super::{AuthLevel, KEY_HEADER, KEY_QUERY_PARAM, NamedKey};

/// All keys that can authorize a request, read at one moment.
#[derive(Clone, Debug, Default)]
pub struct KeySnapshot {
    master: Option<SecretString>,
    system: Vec<NamedKey>,
    host_function: Vec<NamedKey>,
    /// Keyed by lower-cased function name: the host treats names case-insensitively.
    functions: HashMap<String, Vec<NamedKey>>,
}

impl KeySnapshot {
    pub fn new(master: Option<SecretString>, system: Vec<NamedKey>, host_function: Vec<NamedKey>) -> Self {
        Self { master, system, host_function, functions: HashMap::new() }
    }

    /// Adds (or replaces) the keys of one function.
    pub fn with_function(mut self, function: &str, keys: Vec<NamedKey>) -> Self {
        self.functions.insert(function.to_lowercase(), keys);
        self
    }

    pub fn master(&self) -> Option<&SecretString> {
        self.master.as_ref()
    }

    pub fn system_keys(&self) -> &[NamedKey] {
        &self.system
    }

    pub fn host_function_keys(&self) -> &[NamedKey] {
        &self.host_function
    }

    /// The function's own keys; empty for a function the snapshot does not know.
    pub fn function_keys(&self, function: &str) -> &[NamedKey] {
        self.functions.get(&function.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    /// The length of the longest key that could open `function`, at most [`MAX_PRESENTED_KEY_LEN`].
    fn longest(&self, function: &str) -> usize {
        let named = [&self.system, &self.host_function, self.function_keys(function)]
            .into_iter()
            .flatten()
            .map(|key| key.value.expose_secret().len());
        let master = self.master.iter().map(|m| m.expose_secret().len());
        named.chain(master).max().unwrap_or(0).min(MAX_PRESENTED_KEY_LEN)
    }
}

/// No stored key is longer (the store refuses longer values), so no longer presented key is
/// compared: comparing costs time in proportion to the presented length.
pub const MAX_PRESENTED_KEY_LEN: usize = 4096;

/// The level `presented_key` grants for `function_name`, with the host's
/// precedence: master → Admin, system → System, host function keys and then
/// the function's own keys → Function. `None` when nothing matches.
///
/// A presented key longer than every stored key (or than [`MAX_PRESENTED_KEY_LEN`]) is refused
/// without comparing, so an oversized key costs no more than a short one; that reveals at most
/// the longest stored length, never a value. Otherwise every stored key is compared, whatever
/// matched earlier, and each comparison takes time that depends only on the presented key's
/// length, so timing tells an attacker nothing about stored values.
pub fn resolve_level(snapshot: &KeySnapshot, function_name: &str, presented_key: &str) -> Option<AuthLevel> {
    if presented_key.is_empty() || presented_key.len() > snapshot.longest(function_name) {
        return None;
    }
    let presented = presented_key.as_bytes();
    let any = |keys: &[NamedKey]| {
        keys.iter().fold(Choice::from(0), |acc, key| acc | secret_eq(presented, key.value.expose_secret().as_bytes()))
    };

    let master =
        snapshot.master.as_ref().map_or(Choice::from(0), |m| secret_eq(presented, m.expose_secret().as_bytes()));
    let system = any(&snapshot.system);
    let host_function = any(&snapshot.host_function);
    let function = any(snapshot.function_keys(function_name));

    if bool::from(master) {
        Some(AuthLevel::Admin)
    } else if bool::from(system) {
        Some(AuthLevel::System)
    } else if bool::from(host_function | function) {
        Some(AuthLevel::Function)
    } else {
        None
    }
}

/// Constant-time equality whose running time depends on `presented.len()`
/// only: the stored value is walked cyclically instead of being length-checked
/// first. Empty stored values never match.
fn secret_eq(presented: &[u8], stored: &[u8]) -> Choice {
    if stored.is_empty() {
        return Choice::from(0);
    }
    let same_len = (presented.len() as u64).ct_eq(&(stored.len() as u64));
    presented.iter().enumerate().fold(same_len, |acc, (i, p)| acc & p.ct_eq(&stored[i % stored.len()]))
}

/// Whether a request that was `granted` a level may call a function that
/// `required` one. As in the host (`AuthUtility.PrincipalHasAuthLevelClaim`):
/// Anonymous needs nothing, Admin opens everything, and otherwise the levels
/// must be equal — a system key does not open a `function` function.
pub fn authorized(required: AuthLevel, granted: Option<AuthLevel>) -> bool {
    match (required, granted) {
        (AuthLevel::Anonymous, _) => true,
        (_, Some(AuthLevel::Admin)) => true,
        (required, Some(granted)) => required == granted,
        (_, None) => false,
    }
}

/// The key a request presents: the first `x-functions-key` header if there is
/// one, else the first `code` query parameter (name matched case-insensitively
/// and percent-decoded, as ASP.NET does). A present header wins even when it is
/// empty or unreadable, so it then blocks the query fallback.
pub fn presented_key<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<Cow<'a, str>> {
    if let Some(header) = headers.get(KEY_HEADER) {
        return header.to_str().ok().filter(|value| !value.is_empty()).map(Cow::Borrowed);
    }
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name.eq_ignore_ascii_case(KEY_QUERY_PARAM))
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyKind, generate_key};
    use axum::http::HeaderValue;

    fn key(name: &str, value: &str) -> NamedKey {
        NamedKey::new(name, value)
    }

    fn snapshot() -> KeySnapshot {
        KeySnapshot::new(
            Some("master-value".into()),
            vec![key("durabletask_extension", "system-value")],
            vec![key("default", "host-fn-value")],
        )
        .with_function("Config-Check", vec![key("default", "fn-value")])
        .with_function("other", vec![key("default", "other-value")])
    }

    #[test]
    fn levels_follow_the_hosts_precedence() {
        let s = snapshot();
        assert_eq!(resolve_level(&s, "config-check", "master-value"), Some(AuthLevel::Admin));
        assert_eq!(resolve_level(&s, "config-check", "system-value"), Some(AuthLevel::System));
        assert_eq!(resolve_level(&s, "config-check", "host-fn-value"), Some(AuthLevel::Function));
        assert_eq!(resolve_level(&s, "CONFIG-CHECK", "fn-value"), Some(AuthLevel::Function));
    }

    #[test]
    fn a_function_key_opens_only_its_function() {
        let s = snapshot();
        assert_eq!(resolve_level(&s, "config-check", "other-value"), None);
        assert_eq!(resolve_level(&s, "unknown", "fn-value"), None);
        assert_eq!(resolve_level(&s, "unknown", "host-fn-value"), Some(AuthLevel::Function));
    }

    #[test]
    fn a_key_held_twice_gets_the_higher_level() {
        let s = KeySnapshot::new(Some("same".into()), vec![key("sys", "same")], vec![key("default", "same")]);
        assert_eq!(resolve_level(&s, "f", "same"), Some(AuthLevel::Admin));
    }

    #[test]
    fn near_misses_and_empty_keys_match_nothing() {
        let s = snapshot();
        for wrong in ["", "master-valu", "master-value ", "master-valuemaster-value", "MASTER-VALUE"] {
            assert_eq!(resolve_level(&s, "config-check", wrong), None, "{wrong:?}");
        }
        let empty_stored = KeySnapshot::new(Some("".into()), vec![], vec![]);
        assert_eq!(resolve_level(&empty_stored, "f", ""), None);
    }

    #[test]
    fn generated_keys_resolve() {
        let master = generate_key(KeyKind::Master);
        let value = master.expose_secret().to_owned();
        let s = KeySnapshot::new(Some(master), vec![], vec![]);
        assert_eq!(resolve_level(&s, "f", &value), Some(AuthLevel::Admin));
    }

    #[test]
    fn oversized_keys_are_refused_without_comparing() {
        let s = snapshot();
        // Longer than every stored key: refused although it starts with the master key.
        assert_eq!(resolve_level(&s, "config-check", &format!("master-value{}", "x".repeat(400 * 1024))), None);
        assert_eq!(s.longest("config-check"), "host-fn-value".len());
        let huge = "k".repeat(MAX_PRESENTED_KEY_LEN + 1);
        let s = KeySnapshot::new(Some(huge.clone().into()), vec![], vec![]);
        assert_eq!(resolve_level(&s, "f", &huge), None, "nothing over the store's maximum is compared");
        let largest = "k".repeat(MAX_PRESENTED_KEY_LEN);
        let s = KeySnapshot::new(Some(largest.clone().into()), vec![], vec![]);
        assert_eq!(resolve_level(&s, "f", &largest), Some(AuthLevel::Admin));
        assert_eq!(resolve_level(&KeySnapshot::default(), "f", "x"), None);
    }

    #[test]
    fn secret_eq_is_exact() {
        assert!(bool::from(secret_eq(b"abc", b"abc")));
        assert!(!bool::from(secret_eq(b"abc", b"abd")));
        assert!(!bool::from(secret_eq(b"abcabc", b"abc")), "cyclic walk must not match repeats");
        assert!(!bool::from(secret_eq(b"ab", b"abc")));
        assert!(!bool::from(secret_eq(b"", b"abc")));
    }

    #[test]
    fn authorization_matches_the_host_rule() {
        use AuthLevel::*;
        let all = [Anonymous, Function, System, Admin];
        for granted in [None, Some(Function), Some(System), Some(Admin)] {
            assert!(authorized(Anonymous, granted));
        }
        for required in all {
            assert!(authorized(required, Some(Admin)));
        }
        assert!(authorized(Function, Some(Function)));
        assert!(authorized(System, Some(System)));
        assert!(!authorized(Function, Some(System)), "levels must be equal");
        assert!(!authorized(System, Some(Function)));
        assert!(!authorized(Admin, Some(System)));
        assert!(!authorized(Function, None));
        assert!(!authorized(Admin, None));
    }

    fn headers(value: Option<&[u8]>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert(KEY_HEADER, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn header_comes_first() {
        let h = headers(Some(b"from-header"));
        assert_eq!(presented_key(&h, Some("code=from-query")).as_deref(), Some("from-header"));
        let mut h = HeaderMap::new();
        h.insert("X-Functions-Key", HeaderValue::from_static("any-case"));
        assert_eq!(presented_key(&h, None).as_deref(), Some("any-case"));
    }

    #[test]
    fn query_is_the_fallback() {
        let h = headers(None);
        assert_eq!(presented_key(&h, Some("a=1&code=abc%3D%3D")).as_deref(), Some("abc=="));
        assert_eq!(presented_key(&h, Some("CODE=x&code=y")).as_deref(), Some("x"));
        assert_eq!(presented_key(&h, Some("code=abc==")).as_deref(), Some("abc=="));
        assert_eq!(presented_key(&h, Some("codex=1")), None);
        assert_eq!(presented_key(&h, None), None);
    }

    #[test]
    fn empty_values_present_no_key() {
        let h = headers(None);
        assert_eq!(presented_key(&h, Some("code=")), None);
        assert_eq!(presented_key(&h, Some("code=&code=abc")), None, "the host takes the first");
    }

    #[test]
    fn an_empty_or_unreadable_header_blocks_the_query() {
        let h = headers(Some(b""));
        assert_eq!(presented_key(&h, Some("code=abc")), None);
        let h = headers(Some(b"caf\xe9"));
        assert_eq!(presented_key(&h, Some("code=abc")), None);
    }
}
