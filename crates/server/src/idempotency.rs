//! `Idempotency-Key` on the POSTs that create or change a booking.
//!
//! The first successful answer is stored in the same transaction as the change it reports, with
//! a hash of the request (method, path, body). The same key with the same request returns that
//! answer again (with `Idempotent-Replayed: true`); with another request it is a 422
//! `idempotency_mismatch`. Failed requests store nothing, so they can be retried with the same
//! key. Keys are kept for at least 24 hours.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sked_core::ids::TenantId;
use sked_store::IdempotentResponse;

use crate::error::ApiError;
use crate::state::AppState;

/// How long keys are kept before they may be purged (at least the 24 hours promised).
pub const RETENTION_SECS: i64 = 48 * 3_600;

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

/// The idempotency key of a request, if it sent one.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    key: String,
    hash: Vec<u8>,
}

impl IdempotencyKey {
    /// Reads the header; hashes the request.
    pub fn from_request(
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
        let key =
            value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(
                || ApiError::field("Idempotency-Key", "must be 1 to 255 visible ASCII characters"),
            )?;
        let mut h = Sha256::new();
        h.update(method.as_bytes());
        h.update([0]);
        h.update(path.as_bytes());
        h.update([0]);
        h.update(body);
        Ok(Some(Self { key: key.to_owned(), hash: h.finalize().to_vec() }))
    }

    /// The stored answer to this key, if any: replayed when the request matches, refused when
    /// it does not.
    pub async fn replay(&self, state: &AppState, tenant: TenantId) -> Result<Option<Response>, ApiError> {
        Ok(self.stored(state, tenant).await?.map(|s| stored_response(&s)))
    }

    /// The stored answer to this key if the request matches it (a mismatch is refused).
    pub async fn stored(
        &self,
        state: &AppState,
        tenant: TenantId,
    ) -> Result<Option<IdempotentResponse>, ApiError> {
        let stored = state
            .store
            .idempotent_response(tenant, &self.key)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        match stored {
            Some(s) if s.request_hash != self.hash => Err(ApiError::Client {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "idempotency_mismatch",
                detail: "this Idempotency-Key was used with a different request".into(),
            }),
            other => Ok(other),
        }
    }

    /// The record to store with the change.
    pub fn record(&self, tenant: TenantId, status: StatusCode, body: &str, now: i64) -> IdempotentResponse {
        IdempotentResponse {
            tenant_id: tenant,
            key: self.key.clone(),
            request_hash: self.hash.clone(),
            status: i64::from(status.as_u16()),
            response: body.to_owned(),
            created_at: now,
        }
    }
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
