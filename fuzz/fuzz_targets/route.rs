//! The local host's route table over the app's own functions: any method and path either match
//! with slash-free parameters or do not match, never panic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vaultfn::devhost::layout::AppLayout;
use vaultfn::devhost::routing::RouteTable;

fn table() -> &'static RouteTable {
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let layout = AppLayout::load(&root).expect("the app's layout loads");
        RouteTable::build(&layout.host.route_prefix, &layout.functions).expect("routes build")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (method, path) = text.split_once(' ').unwrap_or(("GET", text));
    if let Some(found) = table().find(method, path) {
        assert!(found.params.values().flatten().all(|v| !v.contains('/')));
    }
});
