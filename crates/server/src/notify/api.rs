//! The message log (`/v1/bookings/{id}/messages`, `/v1/messages`), notification preferences
//! (`/v1/preferences`) and the unsubscribe link (`/u/{token}`: a page that asks, and the
//! one-click `POST` mail clients send for `List-Unsubscribe-Post`).

use axum::Json;
use axum::extract::State;
use axum::response::Html;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::contact::{Email, Phone};
use sked_core::ids::{BookingId, MessageId, WebhookId};
use sked_core::notify::{Channel, Kind, MessageStatus};
use sked_store::{Message, MessageFilter, Preference};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::links;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::{ContactAddress, Instant};
use crate::pagination::Paged;
use crate::state::AppState;
use crate::time::rfc3339;

/// A message: an email, an SMS or a webhook delivery.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessageView {
    #[schema(value_type = String, format = Uuid)]
    pub id: MessageId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub booking_id: Option<BookingId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub webhook_id: Option<WebhookId>,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// `confirmation`, `reschedule`, `cancellation`, `reminder`, ... (for webhooks, the event).
    pub kind: String,
    /// An email address, a phone number or a URL.
    pub to: String,
    /// `queued`, `sent`, `delivered`, `undelivered`, `failed`, `skipped` or `opted_out`.
    pub status: String,
    /// The provider's id (Twilio's message sid, the email's Message-ID).
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    /// The last HTTP status a webhook endpoint answered.
    pub response_code: Option<i64>,
    /// When the next attempt (or a reminder) is due.
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// As the API shows a message.
pub fn message_view(m: Message) -> MessageView {
    MessageView {
        id: m.id,
        booking_id: m.booking_id,
        webhook_id: m.webhook_id,
        channel: m.channel.as_str().to_owned(),
        kind: m.kind,
        to: m.recipient,
        status: m.status.as_str().to_owned(),
        provider_id: m.provider_id,
        error: m.error,
        attempts: m.attempts,
        response_code: m.response_code,
        next_attempt_at: m.next_attempt_at.map(rfc3339),
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
    }
}

/// Filters of the message log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    #[param(value_type = Option<ChannelName>)]
    pub channel: Option<String>,
    #[param(value_type = Option<StatusName>)]
    pub status: Option<String>,
    /// A message kind, or for webhook deliveries an event name.
    #[param(min_length = 1, max_length = 64)]
    pub kind: Option<String>,
    /// The recipient (address, number or URL).
    #[param(min_length = 1, max_length = 2048)]
    pub to: Option<String>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub booking_id: Option<String>,
    /// Created at or after this instant.
    #[param(value_type = Option<Instant>)]
    pub from: Option<String>,
    /// Created before this instant.
    #[param(value_type = Option<Instant>)]
    pub until: Option<String>,
}

/// A message channel.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
#[schema(as = MessageChannel)]
pub enum ChannelName {
    Email,
    Sms,
    Webhook,
}

/// A message status.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
#[schema(as = MessageStatus)]
pub enum StatusName {
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Skipped,
    OptedOut,
}

/// A channel preferences are kept for.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceChannel {
    Email,
    Sms,
}

/// A kind of message, or `*` for every kind.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceKind {
    #[serde(rename = "*")]
    All,
    Confirmation,
    Reschedule,
    Cancellation,
    Reminder,
    ConnectionAlert,
    Forward,
    Reply,
    WebhookDisabled,
    PasswordReset,
}

impl MessageQuery {
    fn filter(&self) -> ApiResult<(MessageFilter, sked_store::Page)> {
        let mut errors = Vec::new();
        let mut f = MessageFilter::default();
        match self.channel.as_deref().map(|c| Channel::parse(c).ok_or(c)) {
            Some(Ok(c)) => f.channel = Some(c),
            Some(Err(_)) => errors.push(FieldError::new("channel", "must be email, sms or webhook")),
            None => {}
        }
        match self.status.as_deref().map(|s| MessageStatus::parse(s).ok_or(s)) {
            Some(Ok(s)) => f.status = Some(s),
            Some(Err(_)) => errors.push(FieldError::new("status", "is not a message status")),
            None => {}
        }
        if let Some(k) = &self.kind {
            if k.chars().count() > 64 {
                errors.push(FieldError::new("kind", "at most 64 characters"));
            }
            f.kind = Some(k.clone());
        }
        if let Some(t) = &self.to {
            if t.chars().count() > 2048 {
                errors.push(FieldError::new("to", "at most 2048 characters"));
            }
            f.recipient = Some(t.clone());
        }
        match self.booking_id.as_deref().map(str::parse::<BookingId>) {
            Some(Ok(b)) => f.booking_id = Some(b),
            Some(Err(_)) => errors.push(FieldError::new("booking_id", "is not an id")),
            None => {}
        }
        for (field, value, slot) in [("from", &self.from, &mut f.from), ("until", &self.until, &mut f.to)] {
            match value.as_deref().map(|v| crate::time::parse_instant(field, v)) {
                Some(Ok(t)) => *slot = Some(t.as_second()),
                Some(Err(e)) => errors.push(e),
                None => {}
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let page = crate::pagination::ListQuery { limit: self.limit, cursor: self.cursor.clone() }.page()?;
        Ok((f, page))
    }
}

/// Routes of the message log and preferences (tenant API).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(booking_messages))
        .routes(routes!(messages))
        .routes(routes!(get_preferences, set_preference))
}

/// The unsubscribe page and its one-click form (no API key: the link is the credential).
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unsubscribe_page, unsubscribe))
}

/// The messages of a booking, newest first.
#[utoipa::path(get, path = "/v1/bookings/{id}/messages", tag = "notifications", params(("id" = uuid::Uuid, Path), MessageQuery),
    responses((status = 200, body = Paged<MessageView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn booking_messages(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
    ApiQuery(q): ApiQuery<MessageQuery>,
) -> ApiResult<Json<Paged<MessageView>>> {
    state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    let (f, page) = q.filter()?;
    list(&state, auth, MessageFilter { booking_id: Some(id), ..f }, page).await
}

/// The tenant's messages, newest first, filtered.
#[utoipa::path(get, path = "/v1/messages", tag = "notifications", params(MessageQuery),
    responses((status = 200, body = Paged<MessageView>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn messages(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<MessageQuery>,
) -> ApiResult<Json<Paged<MessageView>>> {
    let (f, page) = q.filter()?;
    list(&state, auth, f, page).await
}

async fn list(
    state: &AppState,
    auth: TenantAuth,
    f: MessageFilter,
    page: sked_store::Page,
) -> ApiResult<Json<Paged<MessageView>>> {
    let rows =
        state.store.list_messages(auth.tenant, &f, page).await.map_err(|e| ApiError::store("message", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |m| m.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(message_view).collect(), next_cursor: next }))
}

/// Whose preferences.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AddressQuery {
    #[param(value_type = ContactAddress)]
    pub address: String,
}

/// Whether an address gets a kind of message on a channel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PreferenceView {
    /// An email address (channel `email`) or a phone number (channel `sms`).
    pub address: String,
    /// `email` or `sms`.
    pub channel: String,
    /// A message kind (`reminder`, `confirmation`, ...) or `*` for every kind.
    pub kind: String,
    pub enabled: bool,
    /// Who set it: `api`, `unsubscribe` or `sms`.
    pub source: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Sets whether an address gets a kind of message on a channel.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPreference {
    /// An email address (channel `email`) or a phone number (channel `sms`).
    #[schema(value_type = ContactAddress)]
    pub address: String,
    #[schema(value_type = PreferenceChannel)]
    pub channel: String,
    /// A message kind, or `*` for every kind.
    #[schema(value_type = PreferenceKind)]
    pub kind: String,
    pub enabled: bool,
}

/// An address normalised for its channel.
fn address(channel: Channel, text: &str) -> Result<String, FieldError> {
    match channel {
        Channel::Email => Email::parse(text).map(|e| e.as_str().to_owned()),
        _ => Phone::parse(text).map(|p| p.as_str().to_owned()),
    }
    .map_err(|e| FieldError::new("address", e))
}

/// An address's notification preferences.
#[utoipa::path(get, path = "/v1/preferences", tag = "notifications", params(AddressQuery),
    responses((status = 200, body = Vec<PreferenceView>)))]
async fn get_preferences(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<AddressQuery>,
) -> ApiResult<Json<Vec<PreferenceView>>> {
    let channel = if q.address.contains('@') { Channel::Email } else { Channel::Sms };
    let address = address(channel, &q.address).map_err(|e| ApiError::Validation(vec![e]))?;
    let rows =
        state.store.preferences(auth.tenant, &address).await.map_err(|e| ApiError::store("preference", e))?;
    Ok(Json(rows.into_iter().map(pref_view).collect()))
}

fn pref_view(p: Preference) -> PreferenceView {
    PreferenceView {
        address: p.address,
        channel: p.channel.as_str().to_owned(),
        kind: p.kind,
        enabled: p.enabled,
        source: p.source,
        updated_at: rfc3339(p.updated_at),
    }
}

/// Sets whether an address gets a kind of message (or `*`, every kind) on a channel; every
/// send honours it.
#[utoipa::path(put, path = "/v1/preferences", tag = "notifications", request_body = SetPreference,
    responses((status = 200, body = PreferenceView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_preference(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<SetPreference>,
) -> ApiResult<Json<PreferenceView>> {
    let mut errors = Vec::new();
    let channel = match b.channel.as_str() {
        "email" => Some(Channel::Email),
        "sms" => Some(Channel::Sms),
        _ => {
            errors.push(FieldError::new("channel", "must be email or sms"));
            None
        }
    };
    if b.kind != "*" && Kind::parse(&b.kind).is_none() {
        errors.push(FieldError::new("kind", "must be a message kind or `*`"));
    }
    let addr = channel.map(|c| address(c, &b.address));
    if let Some(Err(e)) = &addr {
        errors.push(e.clone());
    }
    let (Some(channel), Some(Ok(address))) = (channel, addr) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let p = Preference {
        tenant_id: auth.tenant,
        address,
        channel,
        kind: b.kind,
        enabled: b.enabled,
        source: "api".into(),
        updated_at: state.clock.now_second(),
    };
    state.store.set_preference(&p).await.map_err(|e| ApiError::store("preference", e))?;
    Ok(Json(pref_view(p)))
}

/// The unsubscribe page: says what the link does and asks to confirm (so a link scanner's `GET`
/// changes nothing).
#[utoipa::path(get, path = "/u/{token}", tag = "notifications", security(()), params(("token" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unsubscribe_page(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> ApiResult<Html<String>> {
    let sealer = state.sealer.as_ref().ok_or_else(|| ApiError::not_found("link"))?;
    let u = links::unsubscribe(sealer, &token).ok_or_else(|| ApiError::not_found("link"))?;
    let address = html_escape(&u.address);
    Ok(Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Stop reminder emails</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         <h1>Stop reminder emails</h1><p>Stop sending reminder emails to <strong>{address}</strong>?</p>\
         <form method=\"post\"><button type=\"submit\">Stop reminders</button></form></body></html>"
    )))
}

/// Stops reminder email to the link's address (a form post or the one-click `POST`).
#[utoipa::path(post, path = "/u/{token}", tag = "notifications", security(()), params(("token" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unsubscribe(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> ApiResult<Html<&'static str>> {
    let sealer = state.sealer.as_ref().ok_or_else(|| ApiError::not_found("link"))?;
    let u = links::unsubscribe(sealer, &token).ok_or_else(|| ApiError::not_found("link"))?;
    let p = Preference {
        tenant_id: u.tenant,
        address: u.address,
        channel: Channel::Email,
        kind: Kind::Reminder.as_str().to_owned(),
        enabled: false,
        source: "unsubscribe".into(),
        updated_at: state.clock.now_second(),
    };
    state.store.set_preference(&p).await.map_err(|e| ApiError::store("preference", e))?;
    Ok(Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Done</title></head><body><p>Reminder emails to this address are stopped.</p></body></html>",
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
