//! Sends an authorized request to the handler as the host does. Forwarding mode (httpTrigger +
//! http functions when `enableForwardingHttpRequest` is on) passes the request through; payload
//! mode POSTs `/{FunctionName}` with the host's invocation payload and turns `Outputs` back into
//! an HTTP response. Any failure reaching the handler, and any non-2xx payload-mode answer, is a
//! 500 with an empty body, as in the host.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::supervisor::{HandlerState, INIT_TIMEOUT};
use super::{HOST_VERSION, layout::FunctionDef, new_guid};
use crate::keys::AuthLevel;

pub const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";
pub const HOST_VERSION_HEADER: &str = "x-azure-functions-hostversion";

/// Half the handler's header-read (idle) timeout.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
const _: () = assert!(POOL_IDLE_TIMEOUT.as_secs() * 2 <= vaultfn_handler::startup::HEADER_READ_TIMEOUT.as_secs());

/// Connection-level headers that belong to one hop, not to the request.
const HOP_BY_HOP: &[&str] =
    &["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"];

/// The parts of the caller's request the handler gets.
pub struct IncomingRequest {
    pub method: Method,
    /// The normalised path that was routed and authorised, in its wire form
    /// ([`super::path::RequestPath::wire`]).
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub url: String,
    pub params: BTreeMap<String, Option<String>>,
    pub granted: Option<AuthLevel>,
}

#[derive(Clone)]
pub struct Forwarder {
    client: reqwest::Client,
    state: watch::Receiver<HandlerState>,
}

impl Forwarder {
    pub fn new(state: watch::Receiver<HandlerState>) -> Self {
        // Redirects reach the caller as they are; the host's client does not follow them. Idle
        // connections are dropped well before the handler closes them (its header-read timeout),
        // so a request is never sent on a connection the handler is closing.
        let client = vaultfn_handler::http_client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self { client, state }
    }

    /// The handler's port, waiting while it (re)starts.
    async fn port(&self) -> Option<u16> {
        let mut state = self.state.clone();
        let ready = tokio::time::timeout(INIT_TIMEOUT, state.wait_for(|s| !matches!(s, HandlerState::Starting))).await;
        match ready.ok()?.ok().map(|s| *s)? {
            HandlerState::Ready { port } => Some(port),
            _ => None,
        }
    }

    pub async fn invoke(&self, function: &FunctionDef, forwarding: bool, req: IncomingRequest) -> Response {
        let Some(port) = self.port().await else {
            return failure(&function.name, "the handler is not running");
        };
        let invocation_id = new_guid();
        let result = if forwarding && function.http_in_and_out {
            self.forward(port, &invocation_id, req).await
        } else {
            self.payload(port, &invocation_id, function, req).await
        };
        result.unwrap_or_else(|why| failure(&function.name, &why))
    }

    /// POSTs a non-HTTP function's invocation payload to `/{function}`, as the host does, once
    /// the handler is up. Any status is the caller's to judge; `Err` when there was no answer.
    pub async fn post_invocation(&self, function: &str, payload: &Value) -> Result<reqwest::Response, String> {
        let port = self.port().await.ok_or("the handler is not running")?;
        let mut headers = HeaderMap::new();
        add_host_headers(&mut headers, &new_guid());
        self.client
            .post(format!("http://127.0.0.1:{port}/{function}"))
            .headers(headers)
            .json(payload)
            .timeout(Duration::from_secs(230))
            .send()
            .await
            .map_err(|e| format!("cannot reach the handler ({})", e.without_url()))
    }

    async fn forward(&self, port: u16, invocation_id: &str, req: IncomingRequest) -> Result<Response, String> {
        let url = handler_url(port, &req.path, req.query.as_deref())?;
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let skip =
                HOP_BY_HOP.contains(&name.as_str()) || name == header::CONTENT_LENGTH || name == header::CONTENT_TYPE;
            if !skip {
                headers.append(name.clone(), value.clone());
            }
        }
        // Chunked bodies too: the host passes any body it read, whatever framing it came in.
        let has_body = !req.body.is_empty();
        if has_body && let Some(kind) = req.headers.get(header::CONTENT_TYPE) {
            headers.insert(header::CONTENT_TYPE, kind.clone());
        }
        add_host_headers(&mut headers, invocation_id);
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self.client.request(method, url).headers(headers);
        if has_body {
            request = request.body(req.body);
        }
        let response = request.send().await.map_err(|e| format!("cannot reach the handler ({})", e.without_url()))?;
        let mut builder = Response::builder().status(response.status());
        for (name, value) in response.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                builder = builder.header(name, value);
            }
        }
        let body =
            response.bytes().await.map_err(|e| format!("the handler's response broke off ({})", e.without_url()))?;
        builder.body(Body::from(body)).map_err(|e| e.to_string())
    }

    async fn payload(
        &self,
        port: u16,
        invocation_id: &str,
        function: &FunctionDef,
        req: IncomingRequest,
    ) -> Result<Response, String> {
        let payload = invocation_payload(function, &req);
        let mut headers = HeaderMap::new();
        add_host_headers(&mut headers, invocation_id);
        let response = self
            .client
            .post(format!("http://127.0.0.1:{port}/{}", function.name))
            .headers(headers)
            .json(&payload)
            .timeout(Duration::from_secs(230))
            .send()
            .await
            .map_err(|e| format!("cannot reach the handler ({})", e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the handler answered the invocation with {status}"));
        }
        let result: Value =
            response.json().await.map_err(|_| "the handler's invocation result is not JSON".to_owned())?;
        if let Some(logs) = result.get("Logs").and_then(Value::as_array) {
            for log in logs.iter().filter_map(Value::as_str) {
                println!("[{}] {log}", function.name);
            }
        }
        let output = match function.http_output.as_deref() {
            Some("$return") => result.get("ReturnValue").cloned(),
            Some(name) => result.get("Outputs").and_then(|o| o.get(name)).cloned(),
            None => None,
        };
        http_output(output)
    }
}

fn failure(function: &str, why: &str) -> Response {
    eprintln!("Executed {function} (Failed): {why}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn add_host_headers(headers: &mut HeaderMap, invocation_id: &str) {
    let agent = format!("Azure-Functions-Host/{HOST_VERSION}");
    let agent = match headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()) {
        Some(existing) => format!("{existing} {agent}"),
        None => agent,
    };
    for (name, value) in
        [(HOST_VERSION_HEADER, HOST_VERSION), (INVOCATION_ID_HEADER, invocation_id), ("user-agent", &agent)]
    {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// The URL the handler is called at, with exactly the path that was authorised: built and then
/// checked, so that no URL parser rule (dot segments, `\`, `%2e`) can make it another one.
fn handler_url(port: u16, path: &str, query: Option<&str>) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(&format!("http://127.0.0.1:{port}{path}"))
        .map_err(|e| format!("cannot build the handler's URL ({e})"))?;
    if url.path() != path || url.host_str() != Some("127.0.0.1") {
        return Err("the request path does not survive as a URL unchanged".to_owned());
    }
    let query = joined_query(query);
    if !query.is_empty() {
        url.set_query(Some(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish()));
    }
    Ok(url)
}

/// The query as ASP.NET's query collection holds it: keys matched case-insensitively in order of
/// first appearance, repeated values joined with commas.
pub fn joined_query(query: Option<&str>) -> Vec<(String, String)> {
    let mut joined: Vec<(String, String)> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match joined.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => joined.push((key.into_owned(), value.into_owned())),
        }
    }
    joined
}

/// `{"Data":{"<trigger>":{Url,Method,Query,Headers,Params,Identities,Body}},"Metadata":{...}}`.
fn invocation_payload(function: &FunctionDef, req: &IncomingRequest) -> Value {
    let query: Map<String, Value> =
        joined_query(req.query.as_deref()).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let mut headers: Map<String, Value> = Map::new();
    for (name, value) in &req.headers {
        let value = Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned());
        match headers.get_mut(name.as_str()) {
            Some(Value::Array(values)) => values.push(value),
            _ => {
                headers.insert(name.as_str().to_owned(), Value::Array(vec![value]));
            }
        }
    }
    let params: Map<String, Value> =
        req.params.iter().map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String))).collect();
    let mut http = json!({
        "Url": req.url,
        "Method": req.method.as_str(),
        "Query": query,
        "Headers": headers,
        "Params": params,
        "Identities": identities(req.granted),
    });
    if !req.body.is_empty() {
        let kind =
            req.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        http["Body"] = if kind.starts_with("application/octet-stream") || kind.starts_with("multipart/") {
            Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body))
        } else {
            Value::String(String::from_utf8_lossy(&req.body).into_owned())
        };
    }
    // Metadata scalars arrive JSON-encoded, objects as objects; the trigger itself is left out.
    let mut metadata = Map::new();
    for (name, value) in req.params.iter().filter_map(|(k, v)| Some((k, v.as_ref()?))) {
        metadata.insert(name.clone(), Value::String(Value::String(value.clone()).to_string()));
    }
    metadata.insert("Query".to_owned(), Value::Object(query));
    metadata.insert(
        "Headers".to_owned(),
        json!(
            req.headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect::<BTreeMap<_, _>>()
        ),
    );
    metadata.insert(
        "sys".to_owned(),
        json!({"MethodName": function.name, "UtcNow": super::now_rfc3339(), "RandGuid": new_guid()}),
    );
    json!({"Data": {function.trigger_binding.clone(): http}, "Metadata": metadata})
}

/// The claims identity the host's key authentication adds (none for anonymous requests).
fn identities(granted: Option<AuthLevel>) -> Value {
    let level = match granted {
        Some(AuthLevel::Admin) => "Admin",
        Some(AuthLevel::System) => "System",
        Some(AuthLevel::Function) => "Function",
        _ => return json!([]),
    };
    let claim = |kind: &str, value: &str| {
        json!({"Issuer": "LOCAL AUTHORITY", "OriginalIssuer": "LOCAL AUTHORITY", "Properties": {},
               "Type": kind, "Value": value, "ValueType": "http://www.w3.org/2001/XMLSchema#string"})
    };
    json!([{
        "AuthenticationType": "WebJobsAuthLevel",
        "IsAuthenticated": true,
        "Actor": null, "BootstrapContext": null, "Label": null, "Name": null,
        "NameClaimType": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "RoleClaimType": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "Claims": [
            claim("http://schemas.microsoft.com/2017/07/functions/claims/authlevel", level),
            claim("http://schemas.microsoft.com/2017/07/functions/claims/invoke", "true"),
        ],
    }])
}

/// Turns `Outputs.res` (`statusCode`/`status`, `headers`, `body`) into the HTTP response.
fn http_output(output: Option<Value>) -> Result<Response, String> {
    // The host also accepts the output as a JSON string holding the object.
    let output = match output {
        Some(Value::String(text)) => {
            serde_json::from_str(&text).map_err(|_| "Outputs.res is not an object".to_owned())?
        }
        Some(other) => other,
        None => Value::Object(Map::new()),
    };
    let status = ["statusCode", "StatusCode", "status", "Status"]
        .iter()
        .find_map(|k| output.get(*k))
        .and_then(|s| s.as_u64().or_else(|| s.as_str()?.trim().parse().ok()))
        .and_then(|s| StatusCode::from_u16(u16::try_from(s).ok()?).ok())
        .unwrap_or(StatusCode::OK);
    let mut builder = Response::builder().status(status);
    let mut has_type = false;
    if let Some(headers) = ["headers", "Headers"].iter().find_map(|k| output.get(*k)).and_then(Value::as_object) {
        for (name, value) in headers {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            has_type |= name.eq_ignore_ascii_case("content-type");
            builder = builder.header(name.as_str(), value);
        }
    }
    let body = match ["body", "Body"].iter().find_map(|k| output.get(*k)) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => {
            if !has_type {
                builder = builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8");
            }
            other.to_string().into_bytes()
        }
    };
    builder.body(Body::from(body)).map_err(|_| "Outputs.res has an invalid header".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_gets_the_authorised_path_unchanged() {
        for raw in ["/api/files/%252e%252e/secrets/x", "/api/files/a%5C..%5Cb", "/api/a%2Fb", "//x/y"] {
            let path = super::super::path::RequestPath::parse(raw).unwrap();
            let url = handler_url(7, path.wire(), Some("code=k&a=1&A=2")).unwrap();
            assert_eq!(url.path(), path.wire(), "{raw}");
            assert_eq!(url.host_str(), Some("127.0.0.1"));
            assert_eq!(url.query(), Some("code=k&a=1%2C2"));
        }
        assert!(handler_url(7, "/api/files/../secrets/x", None).is_err(), "a dot segment is never sent");
        assert!(handler_url(7, "/api/files/%2e%2e/secrets/x", None).is_err());
        assert!(handler_url(7, "/api/a\\b", None).is_err());
    }

    #[test]
    fn repeated_query_keys_are_comma_joined() {
        let q = joined_query(Some("a=1&b=2&A=3&code=k%3D%3D"));
        assert_eq!(q, vec![("a".into(), "1,3".into()), ("b".into(), "2".into()), ("code".into(), "k==".into())]);
    }

    #[tokio::test]
    async fn outputs_become_the_response() {
        let r = http_output(Some(json!({"statusCode": "201", "headers": {"X-A": "b"}, "body": "hi"}))).unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()["x-a"], "b");
        let r = http_output(Some(json!({"body": {"k": 1}}))).unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    }
}
