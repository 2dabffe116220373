//! The payload-mode parser: any body is a request or a described error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vaultfn::invocation::parse(data);
});
