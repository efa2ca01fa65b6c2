//! Twilio's webhooks: delivery status callbacks (`/webhooks/twilio/status`) and inbound texts
//! (`/webhooks/twilio/sms`). Each is verified by `X-Twilio-Signature` (over the URL as
//! `SKED_PUBLIC_URL` gives it and every form field) before anything else; a bad or missing
//! signature answers 403.
//!
//! Inbound: the opt-out words stop all SMS to the sender for the business that last texted them,
//! `START` resumes, `C` confirms their next booking, `R` answers with its manage link, `HELP`
//! says what works, and anything else is passed on to the host by email.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use sked_core::ids::TenantId;
use sked_core::notify::{Channel, Kind, MessageStatus, Role};
use sked_notify::Notice;
use sked_store::{MessageOutcome, Preference, StoreError};
use sked_twilio::Keyword;

use super::{links, plan};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, Problem};
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;

/// Twilio's webhook routes (no API key: the signature is the credential).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status)).routes(routes!(inbound))
}

/// What Twilio posts about a message's delivery (it may add fields; all are signed).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StatusForm {
    #[schema(rename = "MessageSid")]
    message_sid: String,
    #[schema(rename = "MessageStatus")]
    message_status: String,
    #[schema(rename = "ErrorCode")]
    error_code: Option<String>,
}

/// What Twilio posts about a text received (it may add fields; all are signed).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct InboundForm {
    #[schema(rename = "MessageSid")]
    message_sid: String,
    #[schema(rename = "From")]
    from: String,
    #[schema(rename = "To")]
    to: String,
    #[schema(rename = "Body")]
    body: String,
}

/// The form fields of a request Twilio signed, or 403 (counted against the sender's address).
fn verified(
    state: &AppState,
    addr: ClientAddr,
    headers: &HeaderMap,
    uri: &Uri,
    body: &Bytes,
) -> ApiResult<Vec<(String, String)>> {
    let twilio = state.channels.twilio.as_ref().ok_or_else(|| ApiError::Client {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        detail: "SMS is not configured on this server".into(),
    })?;
    let door = Door::enter(state, addr, "twilio")?;
    let forbidden = || ApiError::Client {
        status: StatusCode::FORBIDDEN,
        code: "bad_signature",
        detail: "the X-Twilio-Signature header is missing or wrong".into(),
    };
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| door.refuse(forbidden()))?;
    let url = format!("{}{}", state.base_url, uri.path_and_query().map_or(uri.path(), |p| p.as_str()));
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let token = twilio.config().auth_token.expose_secret();
    if !sked_twilio::verify(token, &url, &params, signature) {
        return Err(door.refuse(forbidden()));
    }
    Ok(params)
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// How far along a status is: a late callback never moves a message back.
fn rank(s: MessageStatus) -> u8 {
    match s {
        MessageStatus::Queued => 0,
        MessageStatus::Sent => 1,
        _ => 2,
    }
}

/// A delivery status callback from Twilio: the message's status follows Twilio's.
#[utoipa::path(post, path = "/webhooks/twilio/status", tag = "notifications", security(()),
    request_body(content = StatusForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn status(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let params = verified(&state, addr, &headers, &uri, &body)?;
    let (Some(sid), Some(reported)) = (field(&params, "MessageSid"), field(&params, "MessageStatus")) else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let status = match reported {
        "sent" => MessageStatus::Sent,
        "delivered" | "read" => MessageStatus::Delivered,
        "undelivered" => MessageStatus::Undelivered,
        "failed" | "canceled" => MessageStatus::Failed,
        _ => return Ok(StatusCode::NO_CONTENT),
    };
    let m = match state.store.message_by_provider_id(Channel::Sms, sid).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Ok(StatusCode::NO_CONTENT),
        Err(e) => return Err(ApiError::store("message", e)),
    };
    if rank(status) <= rank(m.status) && !(status != m.status && rank(status) == 2 && rank(m.status) < 2) {
        return Ok(StatusCode::NO_CONTENT);
    }
    let error = field(&params, "ErrorCode").map(|c| format!("Twilio error {c}"));
    let o = MessageOutcome { status, provider_id: None, error, response_code: None, next_attempt_at: None };
    state
        .store
        .settle_message(m.id, &o, state.clock.now_second())
        .await
        .map_err(|e| ApiError::store("message", e))?;
    metrics::counter!("sked_messages_total", "channel" => "sms", "kind" => m.kind.clone(), "status" => status.as_str()).increment(1);
    Ok(StatusCode::NO_CONTENT)
}

fn twiml(reply: Option<&str>) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], sked_twilio::twiml(reply)).into_response()
}

/// An inbound text from Twilio; the answer is TwiML.
#[utoipa::path(post, path = "/webhooks/twilio/sms", tag = "notifications", security(()),
    request_body(content = InboundForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, content_type = "text/xml", body = String), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn inbound(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let params = verified(&state, addr, &headers, &uri, &body)?;
    let (Some(from), text) = (field(&params, "From"), field(&params, "Body").unwrap_or("")) else {
        return Ok(twiml(None));
    };
    let Ok(from) = sked_core::contact::Phone::parse(from).map(|p| p.as_str().to_owned()) else {
        return Ok(twiml(None));
    };
    // The business this number answers: the one that last texted it.
    let Some(last) = state
        .store
        .latest_message_to(Channel::Sms, &from)
        .await
        .map_err(|e| ApiError::store("message", e))?
    else {
        return Ok(twiml(None));
    };
    let tenant = last.tenant_id;
    let now = state.clock.now_second();
    match sked_twilio::classify(text) {
        Keyword::OptOut | Keyword::OptIn => {
            let enabled = sked_twilio::classify(text) == Keyword::OptIn;
            let p = Preference {
                tenant_id: tenant,
                address: from,
                channel: Channel::Sms,
                kind: "*".into(),
                enabled,
                source: "sms".into(),
                updated_at: now,
            };
            state.store.set_preference(&p).await.map_err(|e| ApiError::store("preference", e))?;
            // Twilio answers the standard opt-out and opt-in words itself.
            Ok(twiml(None))
        }
        Keyword::Help => {
            Ok(twiml(Some("Reply C to confirm your next booking, R for its link, STOP to opt out.")))
        }
        Keyword::Confirm => confirm(&state, tenant, &from, now).await,
        Keyword::Manage => {
            let next = next_booking(&state, tenant, &from, now).await?;
            let reply = match (next, &state.sealer) {
                (Some(b), Some(k)) => format!(
                    "Your booking {}: {}",
                    b.confirmation_code,
                    links::manage_url(&state.base_url, k, b.id)
                ),
                _ => "You have no upcoming booking.".to_owned(),
            };
            Ok(twiml(Some(&reply)))
        }
        Keyword::Other => {
            forward(&state, tenant, &from, text, field(&params, "MessageSid").unwrap_or(""), now).await?;
            Ok(twiml(None))
        }
    }
}

async fn next_booking(
    state: &AppState,
    tenant: TenantId,
    from: &str,
    now: i64,
) -> ApiResult<Option<sked_store::Booking>> {
    state.store.next_booking_for_phone(tenant, from, now).await.map_err(|e| ApiError::store("booking", e))
}

/// `C`: the sender's next booking is confirmed by them (history, and `booking.confirmed`).
async fn confirm(state: &AppState, tenant: TenantId, from: &str, now: i64) -> ApiResult<Response> {
    let Some(b) = next_booking(state, tenant, from, now).await? else {
        return Ok(twiml(Some("You have no upcoming booking to confirm.")));
    };
    let actor = sked_app::Actor { tenant, name: "attendee".into() };
    let Some(v) = sked_app::bookings::confirm_attendance(&state.app, &actor, b.id).await? else {
        return Ok(twiml(Some("You have no upcoming booking to confirm.")));
    };
    let data = serde_json::to_value(&v).map_err(|e| ApiError::Internal(e.into()))?;
    let at = jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let key = format!("{}:booking.confirmed:{now}", b.id);
    plan::queue_webhooks(&state.services, tenant, Some(b.id), "booking.confirmed", &key, at, &data)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(twiml(Some(&format!("Thanks, booking {} is confirmed.", b.confirmation_code))))
}

/// Anything else: passed on to the host of the sender's next booking (or the latest message's
/// booking) by email.
async fn forward(
    state: &AppState,
    tenant: TenantId,
    from: &str,
    text: &str,
    sid: &str,
    now: i64,
) -> ApiResult<()> {
    let Some(b) = next_booking(state, tenant, from, now).await? else { return Ok(()) };
    let host = state.store.host(tenant, b.host_id).await.map_err(|e| ApiError::store("host", e))?;
    let (Some(to), Some(_)) = (host.email.clone(), &state.channels.mailer) else { return Ok(()) };
    let business = state.store.tenant(tenant).await.map_err(|e| ApiError::store("tenant", e))?.name;
    let text: String = text.chars().filter(|c| !c.is_control() || *c == '\n').take(1600).collect();
    let n = Notice {
        kind: Kind::Forward.as_str().into(),
        business,
        reader_name: host.name.clone(),
        zone: host.time_zone.to_string(),
        role: "host".into(),
        attendee_name: b.attendee_name.clone(),
        attendee_phone: Some(from.to_owned()),
        code: b.confirmation_code.clone(),
        text: Some(text),
        ..Notice::default()
    };
    let payload = serde_json::to_string(&n).map_err(|e| ApiError::Internal(e.into()))?;
    let key = format!("forward:{sid}:{to}");
    let item = plan::Draft {
        tenant,
        booking: Some(b.id),
        channel: Channel::Email,
        kind: Kind::Forward.as_str(),
        role: Role::Host,
        to: &to,
    }
    .queue(key, payload, now, now)
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    state.store.queue_messages(&[item]).await.map_err(|e| ApiError::store("message", e))?;
    state.wake_worker.notify_one();
    Ok(())
}
