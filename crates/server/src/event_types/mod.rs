//! `/v1/event-types`: bookable services and their slot rules.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sked_core::assign::Assignment;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_core::rules::RulesSpec;
use sked_core::{FieldError, text};
use sked_store::{EventType, StoreError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pagination::{ListQuery, Paged};
use crate::state::{AppState, Services};
use crate::time::rfc3339;

mod shapes;

pub use shapes::*;

/// Most hosts one event type names (a team).
pub const MAX_HOSTS: usize = 100;

/// The fields of an event type before validation.
struct Draft {
    slug: String,
    title: String,
    description: Option<String>,
    spec: RulesSpec,
    host_ids: Vec<String>,
    assignment: String,
    location: Option<String>,
    send_updates: String,
    reminders: Vec<sked_core::notify::Reminder>,
    questions: Vec<sked_core::questions::Question>,
}

/// What validation makes of a draft's hosts and names.
struct Checked {
    hosts: Vec<HostId>,
    assignment: Assignment,
    send_updates: sked_core::notify::SendUpdates,
}

/// Validates a draft; every invalid field is reported. Hosts must be distinct hosts of the tenant.
async fn validate(state: &Services, tenant: TenantId, d: &mut Draft) -> ApiResult<Checked> {
    let mut errors: Vec<FieldError> = Vec::new();
    match sked_core::questions::check_questions("questions", &d.questions) {
        Ok(q) => d.questions = q,
        Err(e) => errors.push(e),
    }
    let slug_ok = (1..=64).contains(&d.slug.len())
        && d.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !d.slug.starts_with('-');
    if !slug_ok {
        errors.push(FieldError::new("slug", "must be 1 to 64 lowercase letters, digits and dashes"));
    }
    if let Err(e) = text::line("title", &d.title, 200) {
        errors.push(e);
    }
    if let Some(Err(e)) = d.description.as_deref().map(|s| text::text("description", s, 5_000)) {
        errors.push(e);
    }
    if let Some(Err(e)) = d.location.as_deref().map(|s| text::line("location", s, 500)) {
        errors.push(e);
    }
    let send_updates = sked_core::notify::SendUpdates::parse(&d.send_updates);
    if send_updates.is_none() {
        errors.push(FieldError::new("send_updates", "must be one of all, external_only, none"));
    }
    if let Err(e) = sked_core::notify::check_reminders("reminders", &d.reminders) {
        errors.push(e);
    }
    let assignment = Assignment::parse(&d.assignment);
    if assignment.is_none() {
        errors.push(FieldError::new(
            "assignment",
            "must be one of round_robin, least_busy, priority, specific, collective",
        ));
    }
    let spec = RulesSpec { collective: assignment == Some(Assignment::Collective), ..d.spec };
    if let Err(e) = spec.validate() {
        errors.push(e);
    }
    let mut hosts = Vec::new();
    if d.host_ids.is_empty() || d.host_ids.len() > MAX_HOSTS {
        errors.push(FieldError::new("host_ids", format!("must name 1 to {MAX_HOSTS} hosts")));
    }
    // Too many are refused before any is looked up.
    let listed = if d.host_ids.len() > MAX_HOSTS { &[][..] } else { &d.host_ids[..] };
    for (i, text) in listed.iter().enumerate() {
        let field = format!("host_ids[{i}]");
        match text.parse::<HostId>() {
            Err(_) => errors.push(FieldError::new(field, "is not an id")),
            Ok(id) if hosts.contains(&id) => errors.push(FieldError::new(field, "is listed twice")),
            Ok(id) => match state.store.host(tenant, id).await {
                Ok(_) => hosts.push(id),
                Err(StoreError::NotFound) => errors.push(FieldError::new(field, "no such host")),
                Err(e) => return Err(ApiError::Internal(e.into())),
            },
        }
    }
    match (assignment, send_updates) {
        (Some(assignment), Some(send_updates)) if errors.is_empty() => {
            Ok(Checked { hosts, assignment, send_updates })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// An event type's stored reminders (the store holds what validation let through).
pub fn reminders(stored: &str) -> Vec<sked_core::notify::Reminder> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// An event type as the API shows it.
pub(crate) fn view(e: EventType) -> EventTypeView {
    EventTypeView {
        id: e.id,
        slug: e.slug,
        title: e.title,
        description: e.description,
        duration_minutes: e.duration_minutes,
        slot_interval_minutes: e.slot_interval_minutes.unwrap_or(e.duration_minutes),
        buffer_before_minutes: e.buffer_before_minutes,
        buffer_after_minutes: e.buffer_after_minutes,
        min_notice_minutes: e.min_notice_minutes,
        max_days_ahead: e.max_days_ahead,
        daily_limit: e.daily_limit,
        host_ids: e.host_ids,
        assignment: e.assignment.as_str().to_owned(),
        location: e.location,
        send_updates: e.send_updates.as_str().to_owned(),
        reminders: reminders(&e.reminders),
        questions: sked_app::bookings::questions(&e.questions),
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
    }
}

fn record(
    id: EventTypeId,
    tenant: TenantId,
    d: Draft,
    Checked { hosts, assignment, send_updates }: Checked,
    now: i64,
    created: i64,
) -> EventType {
    EventType {
        id,
        tenant_id: tenant,
        slug: d.slug,
        title: d.title.trim().to_owned(),
        description: d.description,
        duration_minutes: i64::from(d.spec.duration_minutes),
        slot_interval_minutes: d.spec.slot_interval_minutes.map(i64::from),
        buffer_before_minutes: i64::from(d.spec.buffer_before_minutes),
        buffer_after_minutes: i64::from(d.spec.buffer_after_minutes),
        min_notice_minutes: i64::from(d.spec.min_notice_minutes),
        max_days_ahead: i64::from(d.spec.max_days_ahead),
        daily_limit: d.spec.daily_limit.map(i64::from),
        assignment,
        location: d.location,
        send_updates,
        reminders: serde_json::to_string(&d.reminders).unwrap_or_else(|_| "[]".into()),
        questions: serde_json::to_string(&d.questions).unwrap_or_else(|_| "[]".into()),
        version: 1,
        created_at: created,
        updated_at: now,
        host_ids: hosts,
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list)).routes(routes!(get, update, delete))
}

/// Create an event type.
#[utoipa::path(post, path = "/v1/event-types", tag = "event-types", request_body = CreateEventType,
    responses((status = 201, body = EventTypeView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<CreateEventType>,
) -> ApiResult<(StatusCode, Json<EventTypeView>)> {
    Ok((StatusCode::CREATED, Json(create_event_type(&state, auth.tenant, b).await?)))
}

/// Validates and stores a new event type: the one path of the API and the dashboard.
pub(crate) async fn create_event_type(
    state: &Services,
    tenant: TenantId,
    b: CreateEventType,
) -> ApiResult<EventTypeView> {
    let mut draft = Draft {
        slug: b.slug,
        title: b.title,
        description: b.description,
        spec: RulesSpec {
            duration_minutes: b.duration_minutes,
            slot_interval_minutes: b.slot_interval_minutes,
            buffer_before_minutes: b.buffer_before_minutes,
            buffer_after_minutes: b.buffer_after_minutes,
            min_notice_minutes: b.min_notice_minutes,
            max_days_ahead: b.max_days_ahead,
            daily_limit: b.daily_limit,
            collective: false,
        },
        host_ids: b.host_ids,
        assignment: b.assignment,
        location: b.location,
        send_updates: b.send_updates,
        reminders: b.reminders,
        questions: b.questions,
    };
    let checked = validate(state, tenant, &mut draft).await?;
    let now = state.clock.now_second();
    let e = record(EventTypeId::new(), tenant, draft, checked, now, now);
    state.store.insert_event_type(&e).await.map_err(|err| ApiError::store("event type", err))?;
    Ok(view(e))
}

/// List event types.
#[utoipa::path(get, path = "/v1/event-types", tag = "event-types", params(ListQuery),
    responses((status = 200, body = Paged<EventTypeView>)))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<EventTypeView>>> {
    let page = q.page()?;
    let rows = state
        .store
        .list_event_types(auth.tenant, page)
        .await
        .map_err(|e| ApiError::store("event type", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |e| e.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect(), next_cursor: next }))
}

/// Get an event type.
#[utoipa::path(get, path = "/v1/event-types/{id}", tag = "event-types", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = EventTypeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<EventTypeId>,
) -> ApiResult<Json<EventTypeView>> {
    let e = state.store.event_type(auth.tenant, id).await.map_err(|e| ApiError::store("event type", e))?;
    Ok(Json(view(e)))
}

/// Change an event type.
#[utoipa::path(patch, path = "/v1/event-types/{id}", tag = "event-types", params(("id" = uuid::Uuid, Path)),
    request_body = UpdateEventType,
    responses((status = 200, body = EventTypeView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<EventTypeId>,
    ApiJson(b): ApiJson<UpdateEventType>,
) -> ApiResult<Json<EventTypeView>> {
    Ok(Json(update_event_type(&state, auth.tenant, id, b).await?))
}

/// Validates and stores a change to an event type: the one path of the API and the dashboard.
pub(crate) async fn update_event_type(
    state: &AppState,
    tenant: TenantId,
    id: EventTypeId,
    b: UpdateEventType,
) -> ApiResult<EventTypeView> {
    let old = state.store.event_type(tenant, id).await.map_err(|e| ApiError::store("event type", e))?;
    let num = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let mut draft = Draft {
        slug: b.slug.unwrap_or(old.slug.clone()),
        title: b.title.unwrap_or(old.title.clone()),
        description: b.description.unwrap_or(old.description.clone()),
        spec: RulesSpec {
            duration_minutes: b.duration_minutes.unwrap_or(num(old.duration_minutes)),
            slot_interval_minutes: b.slot_interval_minutes.unwrap_or(old.slot_interval_minutes.map(num)),
            buffer_before_minutes: b.buffer_before_minutes.unwrap_or(num(old.buffer_before_minutes)),
            buffer_after_minutes: b.buffer_after_minutes.unwrap_or(num(old.buffer_after_minutes)),
            min_notice_minutes: b.min_notice_minutes.unwrap_or(num(old.min_notice_minutes)),
            max_days_ahead: b.max_days_ahead.unwrap_or(num(old.max_days_ahead)),
            daily_limit: b.daily_limit.unwrap_or(old.daily_limit.map(num)),
            collective: false,
        },
        host_ids: b.host_ids.unwrap_or_else(|| old.host_ids.iter().map(ToString::to_string).collect()),
        assignment: b.assignment.unwrap_or(old.assignment.as_str().to_owned()),
        location: b.location.unwrap_or(old.location.clone()),
        send_updates: b.send_updates.unwrap_or_else(|| old.send_updates.as_str().to_owned()),
        reminders: b.reminders.unwrap_or_else(|| reminders(&old.reminders)),
        questions: b.questions.unwrap_or_else(|| sked_app::bookings::questions(&old.questions)),
    };
    let checked = validate(state, tenant, &mut draft).await?;
    let e = record(id, tenant, draft, checked, state.clock.now_second(), old.created_at);
    state.store.update_event_type(&e).await.map_err(|err| ApiError::store("event type", err))?;
    Ok(view(e))
}

/// Delete an event type that has no bookings.
#[utoipa::path(delete, path = "/v1/event-types/{id}", tag = "event-types", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<EventTypeId>,
) -> ApiResult<StatusCode> {
    state.store.delete_event_type(auth.tenant, id).await.map_err(|e| ApiError::store("event type", e))?;
    Ok(StatusCode::NO_CONTENT)
}
