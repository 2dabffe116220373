use super::*;
use crate::keys::AuthLevel;

fn function(name: &str, route: &str, methods: Option<&[&str]>) -> FunctionDef {
    FunctionDef {
        name: name.to_owned(),
        route: route.to_owned(),
        methods: methods.map(|m| m.iter().map(|s| s.to_string()).collect()),
        auth_level: AuthLevel::Function,
        http_in_and_out: true,
        trigger_binding: "req".to_owned(),
        http_output: Some("res".to_owned()),
        disabled: false,
    }
}

fn table(functions: &[FunctionDef]) -> RouteTable {
    RouteTable::build("api", functions).unwrap()
}

fn hit(t: &RouteTable, method: &str, path: &str) -> Option<usize> {
    t.find(method, path).map(|m| m.function)
}

#[test]
fn literals_ignore_case_and_a_trailing_slash() {
    let t = table(&[function("cc", "config-check", Some(&["GET"]))]);
    assert_eq!(hit(&t, "GET", "/api/config-check"), Some(0));
    assert_eq!(hit(&t, "GET", "/API/Config-Check/"), Some(0));
    assert_eq!(hit(&t, "POST", "/api/config-check"), None);
    assert_eq!(hit(&t, "GET", "/api/config-check/x"), None);
    assert_eq!(hit(&t, "GET", "/api"), None);
}

#[test]
fn constraints_pick_the_route() {
    let t = table(&[
        function("byname", "items/{name:alpha}", None),
        function("byid", "items/{id:int}", None),
        function("fixed", "items/latest", None),
    ]);
    assert_eq!(hit(&t, "GET", "/api/items/42"), Some(1));
    assert_eq!(hit(&t, "GET", "/api/items/abc"), Some(0));
    assert_eq!(hit(&t, "GET", "/api/items/latest"), Some(2), "literals before parameters");
    assert_eq!(hit(&t, "GET", "/api/items/a1"), None);
    let m = t.find("GET", "/api/items/42").unwrap();
    assert_eq!(m.params.get("id"), Some(&Some("42".to_owned())));
}

#[test]
fn optional_default_and_catch_all() {
    let t = table(&[
        function("opt", "greet/{name?}", None),
        function("def", "page/{n:int=1}", None),
        function("all", "files/{*path}", None),
    ]);
    let m = t.find("GET", "/api/greet").unwrap();
    assert_eq!(m.params.get("name"), Some(&None));
    assert_eq!(t.find("GET", "/api/greet/bob").unwrap().params["name"], Some("bob".to_owned()));
    assert_eq!(t.find("GET", "/api/page").unwrap().params["n"], Some("1".to_owned()));
    assert_eq!(hit(&t, "GET", "/api/page/x"), None);
    assert_eq!(t.find("GET", "/api/files/a/b c.txt").unwrap().params["path"], Some("a/b c.txt".to_owned()));
}

#[test]
fn the_normalised_path_is_not_decoded_again() {
    let t = table(&[function("all", "files/{*path}", None), function("one", "secrets/{name}", None)]);
    let routed = |raw: &str| {
        let path = crate::devhost::path::RequestPath::parse(raw).unwrap();
        t.find("GET", path.decoded()).map(|m| (m.function, m.params))
    };
    let (function, params) = routed("/api/files/a/b%20c.txt").unwrap();
    assert_eq!((function, params["path"].as_deref()), (0, Some("a/b c.txt")));
    let (function, _) = routed("/api/files/%2e%2e/secrets/x").unwrap();
    assert_eq!(function, 1, "the dot segment is gone before routing");
    let (function, params) = routed("/api/secrets/a%2Fb").unwrap();
    assert_eq!((function, params["name"].as_deref()), (1, Some("a%2Fb")), "%2F stays text in a segment");
    let (_, params) = routed("/api/secrets/%2541").unwrap();
    assert_eq!(params["name"].as_deref(), Some("%41"), "decoded once");
}

#[test]
fn complex_segments() {
    let t = table(&[function("f", "dl/{name}.{ext:alpha}", None)]);
    let m = t.find("GET", "/api/dl/report.v2.pdf").unwrap();
    assert_eq!(m.params["name"], Some("report.v2".to_owned()));
    assert_eq!(m.params["ext"], Some("pdf".to_owned()));
    assert_eq!(hit(&t, "GET", "/api/dl/report"), None);
}

#[test]
fn reserved_and_conflicting_routes_are_refused() {
    let err = RouteTable::build("api", &[function("a", "admin/x", None)]).unwrap_err();
    assert!(matches!(err, RouteError::Reserved { .. }));
    assert!(RouteTable::build("api", &[function("a", "Runtime", None)]).is_err());
    let err = RouteTable::build("api", &[function("a", "x", Some(&["GET"])), function("b", "X/", None)]).unwrap_err();
    assert!(matches!(err, RouteError::Conflict { .. }));
    assert!(
        RouteTable::build("api", &[function("a", "x", Some(&["GET"])), function("b", "x", Some(&["POST"]))]).is_ok()
    );
    assert!(RouteTable::build("api", &[function("a", "x/{id:slug}", None)]).is_err());
}

#[test]
fn empty_prefix() {
    let t = RouteTable::build("", &[function("h", "hello/{who}", None)]).unwrap();
    assert_eq!(hit(&t, "GET", "/hello/you"), Some(0));
}
