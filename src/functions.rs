//! The functions this app exposes. The folders under `function-templates/` hold the same table as
//! the host reads it (a test keeps the two in step); payload mode uses it to find the route that
//! answers an invocation of `/{FunctionName}`.

use std::sync::LazyLock;

use serde::Serialize;

/// A function's `authLevel`, and the level a presented key grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthLevel {
    Anonymous,
    Function,
    System,
    Admin,
}

/// An `authLevel` the host does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authLevel {0:?} is not one of anonymous, function, system, admin")]
pub struct UnknownAuthLevel(pub String);

impl std::str::FromStr for AuthLevel {
    type Err = UnknownAuthLevel;

    /// Parses `authLevel` from `function.json`, case-insensitively as the host does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            ("anonymous", AuthLevel::Anonymous),
            ("function", AuthLevel::Function),
            ("system", AuthLevel::System),
            ("admin", AuthLevel::Admin),
        ]
        .into_iter()
        .find(|(name, _)| s.eq_ignore_ascii_case(name))
        .map(|(_, level)| level)
        .ok_or_else(|| UnknownAuthLevel(s.to_owned()))
    }
}

/// Largest request body any function accepts; nothing the functions take comes near it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    /// Route template below the route prefix, in the host's syntax.
    pub route: &'static str,
    pub methods: &'static [&'static str],
    pub auth_level: AuthLevel,
}

/// The route prefix the app's host.json keeps (the host's default).
pub const ROUTE_PREFIX: &str = "api";

pub const FUNCTIONS: &[Function] = &[
    Function { name: "certificate-list", route: "certificates", methods: &["GET"], auth_level: AuthLevel::Admin },
    Function {
        name: "certificate-metadata",
        route: "certificates/{name}",
        methods: &["GET"],
        auth_level: AuthLevel::Admin,
    },
    Function { name: "config-check", route: "config-check", methods: &["GET"], auth_level: AuthLevel::Function },
    Function { name: "health", route: "health", methods: &["GET"], auth_level: AuthLevel::Anonymous },
    Function { name: "ready", route: "ready", methods: &["GET"], auth_level: AuthLevel::Anonymous },
    Function { name: "secret-list", route: "secrets", methods: &["GET"], auth_level: AuthLevel::Admin },
    Function { name: "secret-metadata", route: "secrets/{name}", methods: &["GET"], auth_level: AuthLevel::Admin },
];

pub fn by_name(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// What starts a function that is not an HTTP trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TriggerKind {
    EventGridTrigger,
    TimerTrigger,
}

/// A function the host invokes in payload mode with its trigger's data under `binding`.
#[derive(Debug, Clone, Copy)]
pub struct Triggered {
    pub name: &'static str,
    /// The trigger binding's name: the key of its data in the payload's `Data`.
    pub binding: &'static str,
    pub kind: TriggerKind,
}

pub const TRIGGERED: &[Triggered] = &[
    Triggered { name: "secret-events", binding: "event", kind: TriggerKind::EventGridTrigger },
    Triggered { name: "secret-expiry-scan", binding: "timer", kind: TriggerKind::TimerTrigger },
];

pub fn triggered_by_name(name: &str) -> Option<&'static Triggered> {
    TRIGGERED.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// The route the handler's router will take, named as the router names it
/// (`/api/secrets/{name}`), and the function it belongs to when it is a forwarded function route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteOf {
    pub template: &'static str,
    pub function: Option<&'static str>,
}

/// The handler's routes: the functions' (`/api/{route}`), payload mode's `/{function}`, and `/`.
static ROUTES: LazyLock<matchit::Router<RouteOf>> = LazyLock::new(|| {
    let mut routes = matchit::Router::new();
    let mut add = |template: &'static str, function| {
        let _ = routes.insert(template, RouteOf { template, function });
    };
    for function in FUNCTIONS {
        // Made once per process, and kept for it.
        let template: &'static str = Box::leak(format!("/{ROUTE_PREFIX}/{}", function.route).into_boxed_str());
        add(template, Some(function.name));
    }
    add("/", None);
    add("/{function}", None);
    routes
});

impl RouteOf {
    /// `None` when no route matches (the router answers 404).
    pub fn path(path: &str) -> Option<Self> {
        ROUTES.at(path).ok().map(|matched| *matched.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named_as_the_router_names_them() {
        let secret = RouteOf::path("/api/secrets/db-password").unwrap();
        assert_eq!((secret.template, secret.function), ("/api/secrets/{name}", Some("secret-metadata")));
        let check = RouteOf::path("/api/config-check").unwrap();
        assert_eq!((check.template, check.function), ("/api/config-check", Some("config-check")));
        assert_eq!(RouteOf::path("/config-check").unwrap().template, "/{function}");
        assert_eq!(RouteOf::path("/").unwrap().template, "/");
        assert_eq!(RouteOf::path("/api/secrets/a/b"), None);
        assert_eq!(RouteOf::path("/api/nothing-here"), None);
    }
}
