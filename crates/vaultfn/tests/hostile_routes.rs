//! Request paths built to hurt, against the local host's route table: nothing panics, and no
//! route parameter ever carries a slash.

use std::sync::OnceLock;

use proptest::prelude::*;
use vaultfn::devhost::layout::AppLayout;
use vaultfn::devhost::routing::RouteTable;

fn layout() -> &'static (AppLayout, RouteTable) {
    static TABLE: OnceLock<(AppLayout, RouteTable)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let layout = AppLayout::load(crate::support::repo()).expect("the app's layout loads");
        let table = RouteTable::build(&layout.host.route_prefix, &layout.functions).expect("routes build");
        (layout, table)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn route_matching_never_panics_and_never_lets_a_slash_into_a_parameter(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("DELETE".to_owned()), "[A-Za-z]{0,8}"],
        path in prop_oneof![
            any::<String>(),
            "(/(api|API|secrets|admin|\\.\\.|%2[eEfF]|%2F%2E|[a-z0-9-]{1,8}|%[0-9A-Fa-f]{0,2}|\u{00e9}|)){0,6}/?",
        ],
    ) {
        let (layout, table) = layout();
        if let Some(found) = table.find(method.as_str(), &path) {
            let function = &layout.functions[found.function];
            for value in found.params.values().flatten() {
                prop_assert!(!value.contains('/'), "{} got a parameter with a slash from {path:?}", function.name);
            }
        }
    }
}
