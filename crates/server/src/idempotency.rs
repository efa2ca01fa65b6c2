//! `Idempotency-Key` on the POSTs that create or change a booking: the header read, the request
//! fingerprinted (method, path, body) and a stored answer replayed with
//! `Idempotent-Replayed: true`. The rules themselves (stored with the change, a mismatch
//! refused, kept at least 24 hours) are the application layer's ([`sked_app::idempotency`]).

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sked_app::Idempotency;
use sked_core::ids::TenantId;
use sked_store::IdempotentResponse;

use crate::error::ApiError;
use crate::state::AppState;

/// The `Idempotency-Key` header, as the document shows it.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyHeader {
    /// Makes retries safe: the same key with the same request answers the first answer again;
    /// with another request, 422 `idempotency_mismatch`. Kept at least 24 hours.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 255, pattern = "^[!-~]([ -~]*[!-~])?$")]
    idempotency_key: Option<String>,
}

/// The `Idempotency-Key` of a request, if it sent one, fingerprinted by method, path and body.
pub fn from_request(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let bad = |m: String| ApiError::field("Idempotency-Key", m);
    let key = value.to_str().map_err(|_| bad("must be 1 to 255 visible ASCII characters".into()))?;
    Idempotency::new(key, &[method.as_bytes(), path.as_bytes(), body]).map(Some).map_err(bad)
}

/// The stored answer to `idem`, replayed as it was first answered, if this request was made
/// before.
pub async fn replay(
    state: &AppState,
    tenant: TenantId,
    idem: Option<&Idempotency>,
) -> Result<Option<Response>, ApiError> {
    let Some(k) = idem else { return Ok(None) };
    Ok(k.stored(&state.app, tenant).await?.map(|s| stored_response(&s)))
}

fn stored_response(s: &IdempotentResponse) -> Response {
    let status =
        u16::try_from(s.status).ok().and_then(|c| StatusCode::from_u16(c).ok()).unwrap_or(StatusCode::OK);
    let mut res = (status, s.response.clone()).into_response();
    let headers = res.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}
