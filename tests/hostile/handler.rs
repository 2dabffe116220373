//! Generated hostile names sent to the real handler's metadata route, raw on the wire: an answer
//! of 400 or 404, never a Key Vault request beyond the start-up warm-up.

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::capture::captures;
use crate::support::handler::Handler;
use crate::support::harness;

/// The path segment as a hostile client would send it: raw bytes, percent-encoded, or a mix.
fn segments() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~%/-]{0,40}",
        "(\\.\\.|%2[eEfF]|%2F|/|%00|%C3%A9|%E2%80%AE|%5C|;|,|a|-|\\?x=1){1,8}",
        "[a-zA-Z0-9-]{128,140}",
        any::<Vec<u8>>().prop_map(|b| b.iter().map(|x| format!("%{x:02X}")).collect()),
    ]
}

/// The route parameter the server extracts: up to a query, a single segment, percent-decoded.
fn decoded(segment: &str) -> Option<String> {
    let path = segment.split('?').next()?;
    // The handler takes trailing slashes as none.
    let path = path.trim_end_matches('/');
    if path.contains('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

async fn raw(port: u16, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!("GET /api/secrets/{path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn hostile_names_at_the_handler_never_reach_key_vault() {
    let h = harness();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let proxy = h.proxy();
    let handler = rt.block_on(Handler::spawn("hostile names", &h.settings(&proxy, &h.identity)));
    // Known-good first, so the warm-up is done and the route demonstrably reaches Key Vault.
    let ok = rt.block_on(handler.get("/api/secrets/plain-secret"));
    assert_eq!(ok.status, 200, "{}", ok.body);
    // The start-up warm-up lists one secret; it must be over before requests are attributed.
    let warm = std::time::Instant::now();
    while !proxy.seen().iter().any(|s| s.path == "/secrets" && s.authorized) {
        assert!(warm.elapsed() < std::time::Duration::from_secs(10), "the warm-up never reached Key Vault");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&segments(), |segment| {
            let before = proxy.total();
            let answer = rt.block_on(raw(handler.port, &segment));
            captures().record("hostile names: answer", &answer);
            let status = answer.get(9..12).unwrap_or_default();
            // What the route sees once the server has decoded it; an encoded valid name is a
            // valid name, and may be asked about.
            let valid = decoded(&segment).is_some_and(|name| vaultfn_handler::vault::validate_name(&name).is_ok());
            // `/api/secrets/` or `/api/secrets//` (only slashes before a query) is the list,
            // which may answer.
            let list = segment.split('?').next().is_some_and(|p| p.bytes().all(|b| b == b'/'));
            prop_assert!(matches!(status, "400" | "404") || valid || list, "{segment:?} answered {status}");
            if !valid && !list {
                let new: Vec<_> = proxy.seen().into_iter().skip(before).map(|s| s.path).collect();
                prop_assert!(new.is_empty(), "{segment:?} reached Key Vault as {new:?}");
            }
            Ok(())
        })
        .unwrap();
    // Whatever did reach Key Vault was the warm-up or a valid name's versions: never another path.
    for seen in proxy.seen() {
        let name = seen.path.strip_prefix("/secrets/").and_then(|p| p.strip_suffix("/versions"));
        let fine = seen.path == "/secrets" || name.is_some_and(|n| vaultfn_handler::vault::validate_name(n).is_ok());
        assert!(fine, "Key Vault was asked for {}", seen.path);
    }
    let markers = [h.canary.clone()];
    let (hits, _) = captures().scan(&markers);
    assert!(hits.is_empty(), "a secret value leaked: {hits:?}");
    assert!(!h.leaks(&handler.output()));
}
