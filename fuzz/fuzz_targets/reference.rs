//! Key Vault references: any text parses or is refused, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vaultfn::settings::reference::parse(text);
        let _ = vaultfn::settings::reference::is_reference(text);
    }
});
