//! The request path as the host's server (Kestrel) hands it to routing: percent-decoded once,
//! except `%2F`, which stays encoded so that a decoded slash never splits a segment, and with dot
//! segments removed (RFC 3986, 5.2.4). Nothing else changes: no slashes are merged, no case is
//! folded. Routing, the key check and forwarding all use this one path, so the handler can only
//! ever be asked for the route that was authorised.

use std::fmt;

/// Why a request path cannot be routed (answered 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the request path is not valid UTF-8 once percent-decoded")]
    InvalidUtf8,
    #[error("the request path holds a NUL character")]
    Nul,
}

/// A normalised request path, in both the forms it is used in.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestPath {
    decoded: String,
    wire: String,
}

impl RequestPath {
    /// Normalises a path as received (`uri.path()`).
    pub fn parse(raw: &str) -> Result<Self, PathError> {
        let decoded = decode(raw)?;
        let decoded = remove_dot_segments(&decoded);
        let wire = encode(&decoded);
        Ok(Self { decoded, wire })
    }

    /// What routing and the key check see: decoded, `%2F` still encoded.
    pub fn decoded(&self) -> &str {
        &self.decoded
    }

    /// The same path encoded for the next hop: decoding it again gives [`Self::decoded`] back, and
    /// it holds no dot segment and nothing (`%2e`, `\`) a URL parser would turn into one.
    pub fn wire(&self) -> &str {
        &self.wire
    }
}

impl fmt::Debug for RequestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.wire)
    }
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Decodes every valid `%XX` but `%2F`; invalid escapes stay as they are, as in Kestrel.
fn decode(raw: &str) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b)))
        {
            let byte = hi << 4 | lo;
            if byte == b'/' {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(byte);
            }
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).map_err(|_| PathError::InvalidUtf8)?;
    if decoded.contains('\0') {
        return Err(PathError::Nul);
    }
    Ok(decoded)
}

/// RFC 3986, 5.2.4, on the decoded path.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    let pop = |output: &mut String| output.truncate(output.rfind('/').unwrap_or(0));
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../").or_else(|| input.strip_prefix("./")) {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") {
            input = &input[3..];
            pop(&mut output);
        } else if input == "/.." {
            input = "/";
            pop(&mut output);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    output
}

/// Characters that travel as they are in a path: RFC 3986 `pchar` without `%`, and `/`.
fn plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte)
}

/// Percent-encodes what is not [`plain`]. A `%` stays only as the `%2F` that decoding kept, so
/// nothing is decoded twice downstream.
fn encode(decoded: &str) -> String {
    let bytes = decoded.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' && bytes.get(i + 1) == Some(&b'2') && matches!(bytes.get(i + 2), Some(b'F' | b'f')) {
            out.push_str(&decoded[i..i + 3]);
            i += 3;
            continue;
        }
        if plain(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decoded(raw: &str) -> String {
        RequestPath::parse(raw).unwrap().decoded().to_owned()
    }

    #[test]
    fn escapes_are_decoded_except_an_encoded_slash() {
        assert_eq!(decoded("/api/h%65alth"), "/api/health");
        assert_eq!(decoded("/api/a%20b/%C3%A9"), "/api/a b/\u{e9}");
        assert_eq!(decoded("/api/a%2Fb/c%2fd"), "/api/a%2Fb/c%2fd");
        assert_eq!(decoded("/api/%zz/%4/%"), "/api/%zz/%4/%");
        assert_eq!(decoded("/api/%252e%252e/x"), "/api/%2e%2e/x", "decoded once only");
    }

    #[test]
    fn dot_segments_go_after_decoding() {
        assert_eq!(decoded("/api/files/%2e%2e/secrets/x"), "/api/secrets/x");
        assert_eq!(decoded("/api/files/%2E%2e/secrets/x"), "/api/secrets/x");
        assert_eq!(decoded("/api/files/.%2e/secrets/x"), "/api/secrets/x");
        assert_eq!(decoded("/api/files/./x/."), "/api/files/x/");
        assert_eq!(decoded("/api/files/.."), "/api/");
        assert_eq!(decoded("/../../x"), "/x");
        assert_eq!(decoded("/api/files/..%2fsecrets"), "/api/files/..%2fsecrets", "%2F does not split");
        assert_eq!(decoded("/api/files/..\\secrets"), "/api/files/..\\secrets", "no backslash rule");
        assert_eq!(decoded("/api/x/..."), "/api/x/...");
    }

    #[test]
    fn nothing_else_is_collapsed() {
        assert_eq!(decoded("/api//x/"), "/api//x/");
        assert_eq!(decoded("/API/X"), "/API/X");
        assert_eq!(decoded("/"), "/");
    }

    #[test]
    fn invalid_utf8_and_nul_are_refused() {
        assert_eq!(RequestPath::parse("/api/%C3"), Err(PathError::InvalidUtf8));
        assert_eq!(RequestPath::parse("/api/%FF%FE"), Err(PathError::InvalidUtf8));
        assert_eq!(RequestPath::parse("/api/a%00b"), Err(PathError::Nul));
    }

    #[test]
    fn the_wire_form_cannot_be_rewritten_by_a_url_parser() {
        for raw in ["/api/%252e%252e/x", "/api/a%5C..%5Cb", "/api/a b/%3F%23", "/api/%25/%2F/%2f", "//x/%E2%82%AC"] {
            let path = RequestPath::parse(raw).unwrap();
            let url = url::Url::parse(&format!("http://127.0.0.1:1{}", path.wire())).unwrap();
            assert_eq!(url.path(), path.wire(), "{raw}");
            assert_eq!(url.host_str(), Some("127.0.0.1"));
        }
        assert_eq!(RequestPath::parse("/api/a b\\c%25").unwrap().wire(), "/api/a%20b%5Cc%25");
    }

    fn segments(path: &str) -> impl Iterator<Item = &str> {
        path.split('/')
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn no_dot_segment_survives_and_normalising_again_changes_nothing(
            raw in prop_oneof![
                "(/(\\.|\\.\\.|%2[eE]|%2[fF]|%25|%252[eE]|\\.%2[eE]|%2[eE]\\.|[a-z]{1,3}|\\\\|%5[cC]|%C3%A9|%20|)){0,8}/?",
                "/[ -~]{0,40}",
            ],
        ) {
            if let Ok(path) = RequestPath::parse(&raw) {
                for form in [path.decoded(), path.wire()] {
                    prop_assert!(segments(form).all(|s| s != "." && s != ".."), "{raw:?} gave {form:?}");
                }
                let again = RequestPath::parse(path.wire()).unwrap();
                prop_assert_eq!(again.decoded(), path.decoded());
                prop_assert_eq!(again.wire(), path.wire());
                prop_assert!(!path.wire().to_ascii_lowercase().contains("%2e"));
            }
        }
    }
}
