//! `POST /webhooks/calcom/{tenant_slug}`: Cal.com's deliveries.
//!
//! The signature is checked before anything else is read: `X-Cal-Signature-256` must be the
//! hex HMAC-SHA256 of the exact body under the tenant's webhook secret (compared in constant
//! time). An unknown tenant, a tenant without the integration or without a secret, a missing
//! or wrong signature and Cal.com's `no-secret-provided` all get the same 401, counted against
//! the sender's address ([`crate::guard`]). Bodies are at most [`MAX_BODY`] bytes.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use sked_store::{CalcomIntegration, StoreError, Tenant};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::config::{NO_SECRET, stored_map};
use super::mirror::{CalcomOutcome, apply};
use super::payload::{Parsed, parse};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, JsonBytes};
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;

/// Largest delivery taken (Cal.com's are a few kilobytes).
pub const MAX_BODY: usize = 256 * 1024;

/// The signature header.
const SIGNATURE: &str = "x-cal-signature-256";

/// The webhook's route (no API key: the signature is the credential).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(deliver)).layer(DefaultBodyLimit::max(MAX_BODY))
}

/// A Cal.com delivery (webhook version 2021-10-20); any other field is ignored.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CalcomDelivery {
    /// `BOOKING_CREATED`, `BOOKING_RESCHEDULED`, `BOOKING_CANCELLED` are mirrored; any other
    /// trigger is acknowledged.
    #[schema(rename = "triggerEvent")]
    trigger_event: String,
    /// When Cal.com made the delivery (RFC 3339): deliveries apply in this order.
    #[schema(rename = "createdAt", format = DateTime)]
    created_at: String,
    /// The booking: `uid`, `startTime`, `endTime`, `eventTypeId`, `attendees`, `organizer`,
    /// `rescheduleUid`, `cancellationReason`, ...
    #[schema(value_type = Object)]
    payload: serde_json::Value,
}

/// A delivery from Cal.com, mirrored as a Sked booking change. Signed with the tenant's secret.
#[utoipa::path(post, path = "/webhooks/calcom/{tenant_slug}", tag = "calcom", security(()),
    params(("tenant_slug" = String, Path),
        ("X-Cal-Signature-256" = String, Header, description = "Lower-case hex HMAC-SHA256 of the body under the webhook's secret")),
    request_body(content = CalcomDelivery, description = "A Cal.com webhook delivery"),
    responses((status = 200, description = "Applied, or applied before", body = CalcomOutcome),
        (status = 202, description = "Not applied (`ignored` or `conflict`), with the reason; Cal.com need not send it again", body = CalcomOutcome),
        (status = 400, description = "malformed_payload: a signed delivery the mirror cannot read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "unauthorized: no such tenant or integration, or the signature is missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many failures from this address", body = Problem, content_type = "application/problem+json")))]
async fn deliver(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiPath(slug): ApiPath<String>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Response> {
    let door = Door::enter(&state, addr, "calcom")?;
    let refuse =
        || door.refuse(ApiError::unauthorized("the delivery is not signed by this tenant's Cal.com webhook"));
    let Some(hook) = hook(&state, &slug).await? else { return Err(refuse()) };
    let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !verify(hook.secret.expose_secret().as_bytes(), &body, signature) {
        return Err(refuse());
    }
    let parsed = parse(&body).map_err(|why| ApiError::Client {
        status: StatusCode::BAD_REQUEST,
        code: "malformed_payload",
        detail: format!("the delivery cannot be read: {why}"),
    })?;
    let outcome = match parsed {
        Parsed::Other(trigger) => CalcomOutcome {
            outcome: "ignored",
            booking_id: None,
            detail: format!("{trigger} is not a booking change the mirror applies"),
        },
        Parsed::Booking(d) => {
            let _turn = state.calcom_locks.lock(hook.tenant.id).await;
            apply(&state, hook.tenant.id, &stored_map(&hook.integration.event_types), &d).await?
        }
    };
    metrics::counter!("sked_calcom_deliveries_total", "outcome" => outcome.outcome).increment(1);
    if !outcome.applied() {
        tracing::info!(tenant = %hook.tenant.id, outcome = outcome.outcome, detail = %outcome.detail, "a Cal.com delivery was not applied");
    }
    let status = if outcome.applied() { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(outcome)).into_response())
}

/// The tenant a URL names, its integration and its opened secret.
struct Hook {
    tenant: Tenant,
    integration: CalcomIntegration,
    secret: SecretString,
}

/// The hook a URL names; `None` when the tenant, its integration or its secret is missing.
async fn hook(state: &AppState, slug: &str) -> ApiResult<Option<Hook>> {
    let plausible = (1..=64).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !plausible {
        return Ok(None);
    }
    let tenant = match state.store.tenant_by_slug(slug).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let c = match state.store.calcom_integration(tenant.id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let Some(sealed) = &c.webhook_secret else { return Ok(None) };
    let sealer = state.sealer.as_ref().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no secret key")))?;
    let secret = sealer.open(sealed).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Some(Hook { tenant, integration: c, secret: SecretString::from(secret) }))
}

/// Whether `signature` is the hex HMAC-SHA256 of `body` under `secret` (constant time).
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    if signature.is_empty() || signature == NO_SECRET {
        return false;
    }
    let Ok(given) = hex::decode(signature.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature Cal.com would send for `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_body_and_secret() {
        let sig = sign(b"s3cret-s3cret-s3cret", b"{\"a\":1}");
        assert_eq!(sig.len(), 64);
        assert!(verify(b"s3cret-s3cret-s3cret", b"{\"a\":1}", &sig));
        assert!(verify(b"s3cret-s3cret-s3cret", b"{\"a\":1}", &sig.to_uppercase()));
        assert!(!verify(b"s3cret-s3cret-s3cret", b"{\"a\":2}", &sig));
        assert!(!verify(b"another-secret-entirely", b"{\"a\":1}", &sig));
        assert!(!verify(b"s3cret-s3cret-s3cret", b"{\"a\":1}", NO_SECRET));
        assert!(!verify(b"s3cret-s3cret-s3cret", b"{\"a\":1}", ""));
        assert!(!verify(b"s3cret-s3cret-s3cret", b"{\"a\":1}", &sig[..62]));
    }
}
