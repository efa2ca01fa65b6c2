//! `/v1/webhooks`: outbound webhook endpoints (Standard Webhooks), their deliveries, redelivery
//! and a test ping. One attempt at one delivery is [`super::deliver::deliver`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::ids::{MessageId, TenantId, WebhookId};
use sked_core::notify::{Channel, Role};
use sked_jobs::Job;
use sked_store::{Message, MessageFilter, Webhook};
use sked_webhooks::Secret;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{MessageView, message_view};
use super::send::SendMessage;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

/// A webhook endpoint.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookId,
    pub url: String,
    /// Event names, or `["*"]` for all.
    pub events: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    /// The signing secret (`whsec_...`): in the answer to create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Since when every delivery has failed.
    pub failing_since: Option<String>,
    /// When it was disabled for failing 5 days.
    pub disabled_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates an endpoint.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https` on a public host (unless the server allows private ones): not `localhost`, a
    /// single label, `.local`/`.internal` names, or a loopback, private, link-local or metadata
    /// address.
    #[schema(
        max_length = 2048,
        pattern = "^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*)?$"
    )]
    pub url: String,
    /// Events to receive; `["*"]` (alone) for all.
    #[schema(min_items = 1, max_items = 16, value_type = Vec<EventName>)]
    pub events: Vec<String>,
    /// 1 to 500 characters on one line.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// An event a webhook endpoint can receive.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub enum EventName {
    #[serde(rename = "*")]
    All,
    #[serde(rename = "booking.created")]
    BookingCreated,
    #[serde(rename = "booking.rescheduled")]
    BookingRescheduled,
    #[serde(rename = "booking.cancelled")]
    BookingCancelled,
    #[serde(rename = "booking.confirmed")]
    BookingConfirmed,
    #[serde(rename = "connection.unhealthy")]
    ConnectionUnhealthy,
    #[serde(rename = "message.failed")]
    MessageFailed,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

fn yes() -> bool {
    true
}

/// Changes an endpoint; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(
        max_length = 2048,
        pattern = "^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\\s\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*)?$"
    )]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 16, value_type = Option<Vec<EventName>>)]
    pub events: Option<Vec<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500, pattern = "\\S")]
    pub description: Option<Option<String>>,
    /// `true` enables a disabled endpoint again (its failure streak starts over).
    pub active: Option<bool>,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(deliveries))
        .routes(routes!(redeliver))
        .routes(routes!(test))
}

/// An endpoint as the API shows it (`secret` only when just made).
pub(crate) fn view(w: Webhook, secret: Option<String>) -> WebhookView {
    WebhookView {
        id: w.id,
        url: w.url,
        events: serde_json::from_str(&w.events).unwrap_or_default(),
        description: w.description,
        active: w.active,
        secret,
        failing_since: w.failing_since.map(rfc3339),
        disabled_at: w.disabled_at.map(rfc3339),
        created_at: rfc3339(w.created_at),
        updated_at: rfc3339(w.updated_at),
    }
}

fn check(state: &AppState, url: &str, events: &[String], description: Option<&str>) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Err(e) = sked_webhooks::check_url(url, state.settings.webhook_allow_private) {
        errors.push(FieldError::new("url", e.to_string()));
    }
    if let Err(e) = sked_webhooks::check_events(events) {
        errors.push(FieldError::new("events", e));
    }
    if let Some(Err(e)) = description.map(|d| sked_core::text::line("description", d, 500)) {
        errors.push(e);
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Create a webhook endpoint; the answer holds its signing secret, shown this once.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = WebhookView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<CreateWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    Ok((StatusCode::CREATED, Json(create_webhook(&state, auth.tenant, b).await?)))
}

/// Validates and stores a new endpoint with a fresh secret: the one path of the API and the
/// dashboard.
pub(crate) async fn create_webhook(
    state: &AppState,
    tenant: TenantId,
    b: CreateWebhook,
) -> ApiResult<WebhookView> {
    check(state, &b.url, &b.events, b.description.as_deref())?;
    let sealer = state.sealer.as_ref().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no secret key")))?;
    let secret = Secret::generate().expose_whsec();
    let now = state.clock.now_second();
    let w = Webhook {
        id: WebhookId::new(),
        tenant_id: tenant,
        url: b.url,
        events: serde_json::to_string(&b.events).unwrap_or_else(|_| "[]".into()),
        description: b.description,
        active: b.active,
        secret: sealer.seal(&secret).map_err(|e| ApiError::Internal(e.into()))?,
        failing_since: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_webhook(&w).await.map_err(|e| ApiError::store("webhook", e))?;
    Ok(view(w, Some(secret)))
}

/// List webhook endpoints.
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", params(ListQuery),
    responses((status = 200, body = Paged<WebhookView>)))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<WebhookView>>> {
    let page = q.page()?;
    let rows =
        state.store.list_webhooks(auth.tenant, page).await.map_err(|e| ApiError::store("webhook", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |w| w.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(|w| view(w, None)).collect(), next_cursor: next }))
}

/// Get a webhook endpoint.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<WebhookId>,
) -> ApiResult<Json<WebhookView>> {
    let w = state.store.webhook(auth.tenant, id).await.map_err(|e| ApiError::store("webhook", e))?;
    Ok(Json(view(w, None)))
}

/// Change a webhook endpoint.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    request_body = UpdateWebhook,
    responses((status = 200, body = WebhookView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<WebhookId>,
    ApiJson(b): ApiJson<UpdateWebhook>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(update_webhook(&state, auth.tenant, id, b).await?))
}

/// Validates and stores a change to an endpoint: the one path of the API and the dashboard.
pub(crate) async fn update_webhook(
    state: &AppState,
    tenant: TenantId,
    id: WebhookId,
    b: UpdateWebhook,
) -> ApiResult<WebhookView> {
    let old = state.store.webhook(tenant, id).await.map_err(|e| ApiError::store("webhook", e))?;
    let events = b.events.unwrap_or_else(|| serde_json::from_str(&old.events).unwrap_or_default());
    let url = b.url.unwrap_or(old.url.clone());
    let description = b.description.unwrap_or(old.description.clone());
    check(state, &url, &events, description.as_deref())?;
    let enabled_again = b.active == Some(true) && !old.active;
    let w = Webhook {
        url,
        events: serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()),
        description,
        active: b.active.unwrap_or(old.active),
        failing_since: if enabled_again { None } else { old.failing_since },
        disabled_at: if enabled_again { None } else { old.disabled_at },
        updated_at: state.clock.now_second(),
        ..old
    };
    state.store.update_webhook(&w).await.map_err(|e| ApiError::store("webhook", e))?;
    Ok(view(w, None))
}

/// Delete a webhook endpoint (its deliveries stay in the message log).
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<WebhookId>,
) -> ApiResult<StatusCode> {
    state.store.delete_webhook(auth.tenant, id).await.map_err(|e| ApiError::store("webhook", e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// An endpoint's deliveries, newest first: status, response code, attempts, next attempt.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = uuid::Uuid, Path), ListQuery),
    responses((status = 200, body = Paged<MessageView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn deliveries(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<WebhookId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<MessageView>>> {
    let page = q.page()?;
    let rows = endpoint_deliveries(&state, auth.tenant, id, page).await?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |m| m.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(message_view).collect(), next_cursor: next }))
}

/// An endpoint's deliveries, newest first (the API and the dashboard).
pub(crate) async fn endpoint_deliveries(
    state: &AppState,
    tenant: TenantId,
    id: WebhookId,
    page: sked_store::Page,
) -> ApiResult<Vec<Message>> {
    state.store.webhook(tenant, id).await.map_err(|e| ApiError::store("webhook", e))?;
    let filter = MessageFilter { webhook_id: Some(id), ..MessageFilter::default() };
    state.store.list_messages(tenant, &filter, page).await.map_err(|e| ApiError::store("message", e))
}

/// Send a delivery again now (same body, same `webhook-id`), whatever became of it.
#[utoipa::path(post, path = "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = uuid::Uuid, Path), ("delivery_id" = uuid::Uuid, Path)),
    responses((status = 202, body = MessageView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn redeliver(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath((id, delivery)): ApiPath<(WebhookId, MessageId)>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let m = redeliver_delivery(&state, auth.tenant, id, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(message_view(m))))
}

/// Queues a delivery of an endpoint again now (the API's redeliver and the dashboard's button).
pub(crate) async fn redeliver_delivery(
    state: &AppState,
    tenant: TenantId,
    id: WebhookId,
    delivery: MessageId,
) -> ApiResult<Message> {
    let m = state.store.tenant_message(tenant, delivery).await.map_err(|e| ApiError::store("delivery", e))?;
    if m.webhook_id != Some(id) {
        return Err(ApiError::not_found("delivery"));
    }
    let now = state.clock.now_second();
    let job = SendMessage { message_id: m.id }
        .to_new(Some(tenant), now)
        .map_err(|e| ApiError::Internal(e.into()))?;
    state.store.requeue_message(tenant, m.id, &job, now).await.map_err(|e| ApiError::store("delivery", e))?;
    state.wake_worker.notify_one();
    state.store.tenant_message(tenant, delivery).await.map_err(|e| ApiError::store("delivery", e))
}

/// Send a `webhook.test` event to the endpoint now.
#[utoipa::path(post, path = "/v1/webhooks/{id}/test", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 202, body = MessageView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn test(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<WebhookId>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let m = send_test(&state, auth.tenant, id).await?;
    Ok((StatusCode::ACCEPTED, Json(message_view(m))))
}

/// Queues a `webhook.test` event to an endpoint (the API's test and the dashboard's button).
pub(crate) async fn send_test(state: &AppState, tenant: TenantId, id: WebhookId) -> ApiResult<Message> {
    let w = state.store.webhook(tenant, id).await.map_err(|e| ApiError::store("webhook", e))?;
    let now = state.clock.now_second();
    let at = jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let data = serde_json::json!({ "webhook_id": w.id, "message": "A test event from Sked." });
    let body =
        String::from_utf8_lossy(&sked_webhooks::payload(sked_webhooks::TEST_EVENT, at, &data)).into_owned();
    let key = format!("webhook.test:{}:{}", w.id, uuid::Uuid::now_v7());
    let (mut m, job) = super::plan::Draft {
        tenant,
        booking: None,
        channel: Channel::Webhook,
        kind: sked_webhooks::TEST_EVENT,
        role: Role::Endpoint,
        to: &w.url,
    }
    .queue(key, body, now, now)
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    m.webhook_id = Some(w.id);
    state.store.queue_messages(&[(m.clone(), job)]).await.map_err(|e| ApiError::store("delivery", e))?;
    state.wake_worker.notify_one();
    Ok(m)
}
