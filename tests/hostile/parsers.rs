//! The parsers and matchers alone: secret names, the route table, the payload-mode parser and
//! Key Vault references.

use proptest::prelude::*;
use vaultfn_handler::vault::{VaultError, validate_name};

use crate::support::harness;

fn grammar(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Names near the grammar's edges: mostly valid characters, some not, lengths around 127.
fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9-]{0,130}",
        "[a-zA-Z0-9._~%/\\\\ -]{1,40}",
        "(\\.\\.|%2[eEfF]|/|%00|\u{0130}|\u{212A}|\u{FF0F}){1,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn secret_names_follow_the_grammar_exactly(name in names()) {
        prop_assert_eq!(validate_name(&name).is_ok(), grammar(&name));
    }

    #[test]
    fn the_payload_parser_never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = vaultfn_handler::invocation::parse(&body);
    }

    #[test]
    fn payload_errors_never_echo_the_payload(
        method in prop_oneof![Just(serde_json::json!("GET")), Just(serde_json::json!(7)), Just(serde_json::Value::Null)],
        headers in prop_oneof![
            Just(serde_json::json!({"x-functions-key": ["CANARY-hostile-key"]})),
            Just(serde_json::json!({"x-functions-key": "CANARY-hostile-key"})),
            Just(serde_json::json!(["CANARY-hostile-key"])),
        ],
        params in prop_oneof![Just(serde_json::json!({"name": "CANARY-hostile-key"})), Just(serde_json::json!({"name": 5}))],
        cut in 0usize..400,
    ) {
        let payload = serde_json::json!({"Data": {"req": {"Method": method, "Headers": headers, "Params": params}}, "Metadata": {}});
        let mut bytes = payload.to_string().into_bytes();
        // Cut short, too: an error about a truncated body must not quote it either.
        if cut < bytes.len() && cut % 2 == 1 {
            bytes.truncate(cut);
        }
        if let Err(e) = vaultfn_handler::invocation::parse(&bytes) {
            prop_assert!(!e.to_string().contains("CANARY-hostile"), "{e}");
        }
    }

    #[test]
    fn references_never_panic(text in prop_oneof![
        any::<String>(),
        "@Microsoft\\.KeyVault\\(((SecretUri|VaultName|SecretName|SecretVersion|x)=[^;)]{0,40};?){0,5}\\)?",
    ]) {
        let _ = vaultfn_handler::reference::parse(&text);
    }
}

/// Invalid names fail before any Key Vault request; checked at the counting proxy.
#[test]
fn invalid_names_never_reach_key_vault() {
    let h = harness();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (service, proxy) = rt.block_on(h.service(&[]));
    let before = proxy.total();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&names().prop_filter("invalid names", |n| !grammar(n)), |name| {
            let got = rt.block_on(service.get(&name));
            prop_assert_eq!(got.unwrap_err(), VaultError::InvalidName);
            Ok(())
        })
        .unwrap();
    assert_eq!(proxy.total(), before, "no Key Vault request for an invalid name");
}
