use axum::{
    Json,
    extract::{RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::state::SharedState;
use crate::{problem::ApiError, settings::classify, settings::deep};

/// 200 when every reported setting is resolved, 503 otherwise, so App Service health checks can
/// point at it. `?deep=true` also looks up the Key Vault secret behind each `SETTING=SecretName`
/// entry and warns about disabled, expired and expiring secrets without changing the status.
pub async fn config_check(State(state): State<SharedState>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    // The last `deep` counts, as it did with a map of the query; most checks carry none.
    let deep = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| k == "deep")
            .last()
            .map(|(_, v)| v.to_ascii_lowercase())
    });
    let deep = match deep {
        None => false,
        Some(v) if v == "true" || v == "1" => true,
        Some(v) if v == "false" || v == "0" || v.is_empty() => false,
        Some(_) => return Err(ApiError::BadRequest("The query parameter deep must be true or false.".into())),
    };
    if !deep {
        tracing::debug!(healthy = state.config_check.status == StatusCode::OK, "config-check");
        return Ok(no_store((state.config_check.status, [json_content_type()], state.config_check.body.clone())));
    }
    let mut report = classify::evaluate(&state.config, state.key_vault_info());
    deep::deepen(&mut report, state.deep_context()).await;
    Ok(no_store((crate::state::status_of(&report), Json(report))))
}

fn json_content_type() -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
}

fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
