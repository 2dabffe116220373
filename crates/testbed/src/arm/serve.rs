//! The fake ARM's request path: authentication, the api-version, faults, finding the site, and
//! the answers and errors shared by the resources.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use super::{API_VERSION, ArmFault, ArmRequest, CALLER_OBJECT_ID, HOST, SiteData, State, config_references, keys};

pub(super) type Answer = Response<Full<Bytes>>;

pub(super) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Answer, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let refusal = authenticate(&state, &parts);
    state.seen.lock().unwrap().push(ArmRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        authorized: refusal.is_none(),
    });
    let fault = state.take_fault(false);
    match fault {
        // An error from the service makes hyper drop the connection: what a kept-alive
        // connection to an endpoint that went away sees.
        ArmFault::Refuse => return Err(std::io::Error::other("refused by the fake ARM")),
        ArmFault::Slow(delay) => tokio::time::sleep(delay).await,
        _ => {}
    }
    Ok(refusal.unwrap_or_else(|| route(&state, &parts, &body, &fault)))
}

/// The refusal, if the request is not authenticated: ARM checks the token before anything else,
/// the api-version included.
fn authenticate(state: &State, parts: &Parts) -> Option<Answer> {
    let header = parts.headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(token) = header.and_then(|v| v.strip_prefix("Bearer ")).filter(|t| !t.trim().is_empty()) else {
        let mut answer = arm_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        );
        answer.headers_mut().insert(
            "www-authenticate",
            hyper::header::HeaderValue::from_static("Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\""),
        );
        return Some(answer);
    };
    match &state.config().token_prefix {
        Some(prefix) if !token.starts_with(prefix.as_str()) => {
            Some(arm_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "The access token is invalid."))
        }
        _ => None,
    }
}

/// What a request names: the site (lower-cased key), and the path below it.
struct Target<'a> {
    key: String,
    subscription: &'a str,
    resource_group: &'a str,
    site: &'a str,
    slot: bool,
    rest: Vec<&'a str>,
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{site}[/slots/{slot}]/...`,
/// the literal segments compared ignoring case, as ARM compares them.
fn target(path: &str) -> Option<Target<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is = |i: usize, word: &str| segments.get(i).is_some_and(|s| s.eq_ignore_ascii_case(word));
    if !(is(0, "subscriptions")
        && is(2, "resourcegroups")
        && is(4, "providers")
        && is(5, "microsoft.web")
        && is(6, "sites"))
        || segments.len() < 8
        || segments[..8].iter().any(|s| s.is_empty())
    {
        return None;
    }
    let slot = is(8, "slots") && segments.get(9).is_some_and(|s| !s.is_empty());
    let end = if slot { 10 } else { 8 };
    let key = format!("/{}", segments[..end].join("/")).to_ascii_lowercase();
    let (subscription, resource_group, site) = (segments[1], segments[3], segments[7]);
    Some(Target { key, subscription, resource_group, site, slot, rest: segments[end..].to_vec() })
}

fn route(state: &State, parts: &Parts, body: &[u8], fault: &ArmFault) -> Answer {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    if let Some(refusal) = check_api_version(query.get("api-version").map(String::as_str)) {
        return refusal;
    }
    let path = parts.uri.path();
    let Some(target) = target(path) else {
        return arm_error(StatusCode::NOT_FOUND, "NotServedByFake", &format!("The fake ARM does not serve {path}."));
    };
    let rest: Vec<String> = target.rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match fault {
        ArmFault::Forbidden => {
            let action = action(&parts.method, target.slot, &rest);
            return arm_error(
                StatusCode::FORBIDDEN,
                "AuthorizationFailed",
                &format!(
                    "The client '{CALLER_OBJECT_ID}' with object id '{CALLER_OBJECT_ID}' does not have authorization to perform action '{action}' over scope '{path}' or the scope is invalid. If access was recently granted, please refresh your credentials."
                ),
            );
        }
        ArmFault::Throttled { retry_after_secs } => {
            let kind = if parts.method == Method::GET { "read" } else { "write" };
            let mut answer = arm_error(
                StatusCode::TOO_MANY_REQUESTS,
                "SubscriptionRequestsThrottled",
                &format!(
                    "Number of '{kind}' requests for subscription '{}' actor '{CALLER_OBJECT_ID}' exceeded. Please try again after '{retry_after_secs}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling",
                    target.subscription
                ),
            );
            answer.headers_mut().insert("retry-after", (*retry_after_secs).into());
            return answer;
        }
        _ => {}
    }
    let config = state.config();
    let (page_size, keys_shape, identity_object, refresh_status) =
        (config.page_size, config.keys_shape, config.identity_object, config.refresh_status);
    drop(config);
    let mut sites = state.sites();
    let Some(site) = sites.get_mut(&target.key) else {
        return site_not_found(&sites, &target);
    };
    let method = &parts.method;
    let host = parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or(HOST);
    match rest.as_slice() {
        ["config", "configreferences", "appsettings"] if method == Method::GET => {
            let skip = query.iter().find(|(k, _)| k.eq_ignore_ascii_case("$skiptoken")).map(|(_, v)| v.as_str());
            config_references::list(site, &format!("https://{host}{path}"), skip, page_size, identity_object)
        }
        ["config", "configreferences", "appsettings", "refresh"] if method == Method::POST => {
            config_references::refresh(site, refresh_status)
        }
        ["config", "configreferences", "appsettings", _] if method == Method::GET => {
            config_references::get(site, target.rest[3], identity_object)
        }
        ["host", "default", "listkeys"] if method == Method::POST => keys::list_host(site),
        ["host", "default", _, _] if method == Method::PUT => {
            keys::put_host(site, target.rest[2], target.rest[3], body)
        }
        ["host", "default", _, _] if method == Method::DELETE => {
            keys::delete_host(site, target.rest[2], target.rest[3])
        }
        ["functions", _, "listkeys"] if method == Method::POST => keys::list_function(site, target.rest[1], keys_shape),
        ["functions", _, "keys", _] if method == Method::PUT => {
            keys::put_function(site, target.rest[1], target.rest[3], body)
        }
        ["functions", _, "keys", _] if method == Method::DELETE => {
            keys::delete_function(site, target.rest[1], target.rest[3])
        }
        ["config", "configreferences", "appsettings", ..]
        | ["host", "default", ..]
        | ["functions", _, "listkeys" | "keys", ..] => arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("The requested resource does not support http method '{method}'."),
        ),
        _ => arm_error(
            StatusCode::NOT_FOUND,
            "NotServedByFake",
            &format!("The fake ARM does not serve {method} {path}."),
        ),
    }
}

/// ARM refuses a missing or malformed api-version itself; a well-formed one the resource type
/// does not have reaches no resource provider.
fn check_api_version(version: Option<&str>) -> Option<Answer> {
    let version = match version {
        Some(API_VERSION) => return None,
        None => {
            return Some(arm_error(
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ));
        }
        Some(version) => version,
    };
    let date = version.strip_suffix("-preview").unwrap_or(version);
    let well_formed = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    Some(if well_formed {
        arm_error(
            StatusCode::BAD_REQUEST,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for location 'westeurope' and API version '{version}' for type 'sites'. The supported api-versions are '{API_VERSION}'."
            ),
        )
    } else {
        arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!("The api-version '{version}' is invalid. The supported versions are '{API_VERSION}'."),
        )
    })
}

/// The RBAC action a request needs, as `AuthorizationFailed` names it.
fn action(method: &Method, slot: bool, rest: &[&str]) -> String {
    let verb = |m: &Method| if m == Method::DELETE { "delete" } else { "write" };
    let tail = match rest {
        ["config", "configreferences", "appsettings", "refresh"] => "config/write".to_owned(),
        ["config", ..] => "config/read".to_owned(),
        ["host", "default", "listkeys"] => "host/listkeys/action".to_owned(),
        ["host", "default", kind, _] => format!("host/{kind}/{}", verb(method)),
        ["functions", _, "listkeys"] => "functions/listkeys/action".to_owned(),
        ["functions", _, "keys", _] => format!("functions/keys/{}", verb(method)),
        _ if method == Method::GET => "read".to_owned(),
        _ => verb(method).to_owned(),
    };
    format!("Microsoft.Web/sites/{}{tail}", if slot { "slots/" } else { "" })
}

fn site_not_found(sites: &HashMap<String, SiteData>, target: &Target<'_>) -> Answer {
    let rg = target.resource_group;
    let group_known = sites.values().any(|s| {
        s.resource_group.eq_ignore_ascii_case(rg)
            && s.id
                .to_ascii_lowercase()
                .starts_with(&format!("/subscriptions/{}/", target.subscription.to_ascii_lowercase()))
    });
    if !group_known {
        return arm_error(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            &format!("Resource group '{rg}' could not be found."),
        );
    }
    let kind = if target.slot { "Microsoft.Web/sites/slots" } else { "Microsoft.Web/sites" };
    arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "The Resource '{kind}/{}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            target.site
        ),
    )
}

/// An error ARM raises itself. Messages name ids and names only, never a key value.
fn arm_error(status: StatusCode, code: &str, message: &str) -> Answer {
    respond(status, &json!({"error": {"code": code, "message": message}}))
}

/// An error from inside App Service (Microsoft.Web's own envelope).
pub(super) fn web_error(status: StatusCode, code: &str, message: &str) -> Answer {
    let body = json!({
        "Code": code, "Message": message, "Target": null,
        "Details": [{"Message": message}, {"Code": code}],
        "Innererror": null,
    });
    respond(status, &body)
}

pub(super) fn respond(status: StatusCode, body: &Value) -> Answer {
    let builder = Response::builder().status(status).header("content-type", "application/json; charset=utf-8");
    with_arm_headers(builder).body(Full::new(Bytes::from(body.to_string()))).unwrap()
}

pub(super) fn empty(status: StatusCode) -> Answer {
    with_arm_headers(Response::builder().status(status)).body(Full::default()).unwrap()
}

fn with_arm_headers(builder: hyper::http::response::Builder) -> hyper::http::response::Builder {
    let id = format!("{:032x}", rand::random::<u128>());
    let id = format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]);
    builder.header("cache-control", "no-cache").header("x-ms-request-id", &id).header("x-ms-correlation-request-id", id)
}
