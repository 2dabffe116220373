//! Secret-name validation agrees with Key Vault's grammar on every input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(name) = std::str::from_utf8(data) {
        let grammar = (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        assert_eq!(vaultfn::vault::validate_name(name).is_ok(), grammar);
    }
});
