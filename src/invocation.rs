//! Payload mode: the host POSTs `/{FunctionName}` with `{"Data":{"req":{...}},"Metadata":{...}}`
//! for functions it does not forward, and wants `{"Outputs":{"res":{...}},"Logs":[...],
//! "ReturnValue":...}` back with a 2xx status. The request inside is rebuilt and sent through the
//! same routes as forwarding mode, so both modes give the same answer.

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::Path,
    http::{HeaderName, HeaderValue, Method, Request, header},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower::ServiceExt;

use crate::{
    functions::{self, MAX_BODY_BYTES},
    problem::ApiError,
    state::SharedState,
    telemetry::request as telemetry,
    triggers,
};

/// The name of the trigger binding in every function.json (`Data` key) and of the output binding
/// (`Outputs` key).
pub const TRIGGER_BINDING: &str = "req";
pub const OUTPUT_BINDING: &str = "res";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationRequest {
    pub data: BTreeMap<String, HttpRequestData>,
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
}

/// `Data.req`: the HTTP request as the host serialises it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpRequestData {
    #[serde(default)]
    pub url: Option<String>,
    pub method: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    /// Route parameters; the host sends `null` for an absent optional one.
    pub params: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub identities: Option<Value>,
    #[serde(default)]
    pub body: Option<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationResponse {
    pub outputs: BTreeMap<&'static str, HttpResponseData>,
    pub logs: Vec<String>,
    pub return_value: Option<Value>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponseData {
    pub status_code: u16,
    pub body: String,
    pub headers: BTreeMap<String, String>,
}

pub async fn invoke(
    functions: Router,
    state: SharedState,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<InvocationResponse>, ApiError> {
    telemetry::adopt_payload(&body);
    if let Some(triggered) = functions::triggered_by_name(&name) {
        tracing::Span::current().record("function", triggered.name);
        telemetry::invoked(triggered.name);
        let data = trigger_data(&body, triggered.binding)?;
        let outcome = triggers::run(&state, triggered, &data).await?;
        return Ok(Json(InvocationResponse {
            outputs: BTreeMap::new(),
            logs: outcome.logs,
            return_value: outcome.return_value,
        }));
    }
    let function = functions::by_name(&name).ok_or_else(|| ApiError::RouteNotFound(format!("function {name}")))?;
    tracing::Span::current().record("function", function.name);
    telemetry::invoked(function.name);
    let payload = parse(&body)?;
    let request = rebuild_request(function, payload)?;
    let Ok(response) = functions.oneshot(request).await;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_BODY_BYTES).await.map_err(|_| ApiError::Internal)?;
    let body = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::Internal)?;
    Ok(Json(InvocationResponse {
        outputs: BTreeMap::from([(OUTPUT_BINDING, HttpResponseData { status_code: status, body, headers })]),
        logs: vec![format!("{} answered {status}", function.name)],
        return_value: None,
    }))
}

/// A non-HTTP trigger's data: `Data.{binding}`, as an object or a JSON string holding one (the
/// host sends both).
pub fn trigger_data(body: &[u8], binding: &str) -> Result<Value, ApiError> {
    let payload: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::InvalidPayload(format!("it is not valid JSON (line {} column {})", e.line(), e.column()))
    })?;
    let data = payload
        .get("Data")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::InvalidPayload("it has no Data object".into()))?;
    let value = data
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(binding))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| ApiError::InvalidPayload(format!("Data has no \"{binding}\" binding")))?;
    Ok(match value {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        other => other,
    })
}

/// Parses a payload, describing what is wrong without echoing any of it (headers carry keys).
pub fn parse(body: &[u8]) -> Result<HttpRequestData, ApiError> {
    let mut payload: InvocationRequest = serde_json::from_slice(body).map_err(|e| {
        let at = format!("line {} column {}", e.line(), e.column());
        let why = match e.classify() {
            serde_json::error::Category::Eof => format!("the JSON ends early ({at})"),
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                format!("it is not valid JSON ({at})")
            }
            serde_json::error::Category::Data => {
                let msg = e.to_string();
                match msg.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
                    Some(field) => format!("the field {field} is missing ({at})"),
                    None => format!(
                        "a field has the wrong type ({at}); Method is a string, Headers an object of string \
                         arrays, Query and Params objects of strings"
                    ),
                }
            }
        };
        ApiError::InvalidPayload(why)
    })?;
    payload
        .data
        .remove(TRIGGER_BINDING)
        .ok_or_else(|| ApiError::InvalidPayload(format!("Data has no \"{TRIGGER_BINDING}\" binding")))
}

fn rebuild_request(function: &functions::Function, req: HttpRequestData) -> Result<Request<Body>, ApiError> {
    let invalid = |why: &str| ApiError::InvalidPayload(why.to_owned());
    let method = Method::from_bytes(req.method.as_bytes()).map_err(|_| invalid("Method is not an HTTP method"))?;
    let mut uri = format!("/{}/{}", functions::ROUTE_PREFIX, fill_route(function.route, &req.params)?);
    if !req.query.is_empty() {
        uri.push('?');
        uri.push_str(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&req.query).finish());
    }
    let body = match req.body {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) => Bytes::from(s),
        Some(other) => Bytes::from(other.to_string()),
    };
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .map_err(|_| invalid("Url or Params do not form a valid path"))?;
    let headers = request.headers_mut();
    for (name, values) in &req.headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("Headers has an invalid header name"))?;
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING || name == header::HOST {
            continue;
        }
        for value in values {
            let value = HeaderValue::from_str(value).map_err(|_| invalid("Headers has an invalid header value"))?;
            headers.append(name.clone(), value);
        }
    }
    Ok(request)
}

/// Substitutes `{param}` and `{param:constraint}` segments of a route template from `Params`.
fn fill_route(template: &str, params: &BTreeMap<String, Option<String>>) -> Result<String, ApiError> {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            None => Ok(segment.to_owned()),
            Some(param) => {
                let name = param.split(':').next().unwrap_or(param).trim_end_matches('?');
                let value = params
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_ref())
                    .ok_or_else(|| {
                        ApiError::InvalidPayload(format!("Params has no value for the route parameter {name}"))
                    })?;
                Ok(url::form_urlencoded::byte_serialize(value.as_bytes()).collect())
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|segments| segments.join("/"))
}
