//! `/v1/hosts`: the people who can be booked.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::Zone;
use sked_core::contact::{Email, Phone};
use sked_core::ids::{HostId, ScheduleId, TenantId};
use sked_store::{Host, StoreError};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::{EmailAddress, PhoneNumber, TimeZoneName};
use crate::pagination::{ListQuery, Paged};
use crate::state::{AppState, Services};
use crate::time::rfc3339;

/// A host.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HostView {
    #[schema(value_type = String, format = Uuid)]
    pub id: HostId,
    pub name: String,
    #[schema(format = Email)]
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// IANA zone of the host (recurring blocks are expanded in it).
    pub time_zone: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub schedule_id: Option<ScheduleId>,
    /// Higher is preferred by `priority` assignment.
    pub priority: i64,
    /// Share of round-robin bookings (default 100).
    pub weight: i64,
    /// Inactive hosts are offered no slots.
    pub active: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates a host.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHost {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<String>,
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
    #[schema(value_type = TimeZoneName)]
    pub time_zone: String,
    /// A schedule of the tenant.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub schedule_id: Option<String>,
    /// Higher is preferred by `priority` assignment.
    #[serde(default)]
    #[schema(minimum = -1_000_000, maximum = 1_000_000, default = 0)]
    pub priority: i64,
    /// Share of round-robin bookings.
    #[serde(default = "default_weight")]
    #[schema(minimum = 0, maximum = 1_000_000, default = 100)]
    pub weight: i64,
    #[serde(default = "default_true")]
    #[schema(default = true)]
    pub active: bool,
}

fn default_weight() -> i64 {
    100
}

fn default_true() -> bool {
    true
}

/// Changes a host; absent fields stay, `null` clears a nullable one (and leaves the others).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHost {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<Option<String>>,
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub schedule_id: Option<Option<String>>,
    #[schema(minimum = -1_000_000, maximum = 1_000_000)]
    pub priority: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub weight: Option<i64>,
    pub active: Option<bool>,
}

/// A host as the API shows it.
pub(crate) fn view(h: Host) -> HostView {
    HostView {
        id: h.id,
        name: h.name,
        email: h.email,
        phone: h.phone,
        time_zone: h.time_zone.as_str().to_owned(),
        schedule_id: h.schedule_id,
        priority: h.priority,
        weight: h.weight,
        active: h.active,
        created_at: rfc3339(h.created_at),
        updated_at: rfc3339(h.updated_at),
    }
}

/// A host's own fields as sent (or kept), before they are checked.
struct Draft {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    time_zone: String,
    priority: i64,
    weight: i64,
}

/// A draft's fields, checked and normalised.
struct Checked {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    time_zone: Zone,
    /// The schedule named, when one was.
    schedule_id: Option<ScheduleId>,
}

/// Checks a host's fields (normalising email and phone) and that the schedule named belongs to
/// the tenant; every invalid field is reported.
async fn validate(
    state: &Services,
    tenant: TenantId,
    d: Draft,
    schedule: Option<&str>,
) -> ApiResult<Checked> {
    let mut errors: Vec<FieldError> = Vec::new();
    let name = sked_core::text::line("name", &d.name, 200).map_err(|e| errors.push(e)).ok();
    let email = match d.email.as_deref().map(Email::parse) {
        Some(Ok(e)) => Some(e.to_string()),
        Some(Err(m)) => {
            errors.push(FieldError::new("email", m));
            None
        }
        None => None,
    };
    let phone = match d.phone.as_deref().map(Phone::parse) {
        Some(Ok(p)) => Some(p.to_string()),
        Some(Err(m)) => {
            errors.push(FieldError::new("phone", m));
            None
        }
        None => None,
    };
    let time_zone = Zone::parse("time_zone", &d.time_zone).map_err(|e| errors.push(e)).ok();
    if !(0..=1_000_000).contains(&d.weight) {
        errors.push(FieldError::new("weight", "must be between 0 and 1000000"));
    }
    if !(-1_000_000..=1_000_000).contains(&d.priority) {
        errors.push(FieldError::new("priority", "must be between -1000000 and 1000000"));
    }
    let mut schedule_id = None;
    if let Some(text) = schedule {
        match text.parse::<ScheduleId>() {
            Ok(id) => match state.store.schedule(tenant, id).await {
                Ok(_) => schedule_id = Some(id),
                Err(StoreError::NotFound) => errors.push(FieldError::new("schedule_id", "no such schedule")),
                Err(e) => return Err(ApiError::Internal(e.into())),
            },
            Err(_) => errors.push(FieldError::new("schedule_id", "is not an id")),
        }
    }
    match (name, time_zone) {
        (Some(name), Some(time_zone)) if errors.is_empty() => {
            Ok(Checked { name, email, phone, time_zone, schedule_id })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list)).routes(routes!(get, update, delete))
}

/// Create a host.
#[utoipa::path(post, path = "/v1/hosts", tag = "hosts", request_body = CreateHost,
    responses((status = 201, body = HostView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(body): ApiJson<CreateHost>,
) -> ApiResult<(StatusCode, Json<HostView>)> {
    Ok((StatusCode::CREATED, Json(create_host(&state, auth.tenant, body).await?)))
}

/// Validates and stores a new host: the one path of the API and the dashboard.
pub(crate) async fn create_host(state: &Services, tenant: TenantId, body: CreateHost) -> ApiResult<HostView> {
    let d = Draft {
        name: body.name,
        email: body.email,
        phone: body.phone,
        time_zone: body.time_zone,
        priority: body.priority,
        weight: body.weight,
    };
    let c = validate(state, tenant, d, body.schedule_id.as_deref()).await?;
    let now = state.clock.now_second();
    let h = Host {
        id: HostId::new(),
        tenant_id: tenant,
        name: c.name,
        email: c.email,
        phone: c.phone,
        time_zone: c.time_zone,
        schedule_id: c.schedule_id,
        priority: body.priority,
        weight: body.weight,
        active: body.active,
        version: 1,
        max_span: 0,
        external_span: 0,
        external_version: 0,
        feed_version: 1,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_host(&h).await.map_err(|e| ApiError::store("host", e))?;
    Ok(view(h))
}

/// List hosts.
#[utoipa::path(get, path = "/v1/hosts", tag = "hosts", params(ListQuery),
    responses((status = 200, body = Paged<HostView>)))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<HostView>>> {
    let page = q.page()?;
    let rows = state.store.list_hosts(auth.tenant, page).await.map_err(|e| ApiError::store("host", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |h| h.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect(), next_cursor: next }))
}

/// Get a host.
#[utoipa::path(get, path = "/v1/hosts/{id}", tag = "hosts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = HostView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<HostId>,
) -> ApiResult<Json<HostView>> {
    let h = state.store.host(auth.tenant, id).await.map_err(|e| ApiError::store("host", e))?;
    Ok(Json(view(h)))
}

/// Change a host.
#[utoipa::path(patch, path = "/v1/hosts/{id}", tag = "hosts", params(("id" = uuid::Uuid, Path)), request_body = UpdateHost,
    responses((status = 200, body = HostView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<HostId>,
    ApiJson(body): ApiJson<UpdateHost>,
) -> ApiResult<Json<HostView>> {
    Ok(Json(update_host(&state, auth.tenant, id, body).await?))
}

/// Validates and stores a change to a host: the one path of the API and the dashboard.
pub(crate) async fn update_host(
    state: &AppState,
    tenant: TenantId,
    id: HostId,
    body: UpdateHost,
) -> ApiResult<HostView> {
    let old = state.store.host(tenant, id).await.map_err(|e| ApiError::store("host", e))?;
    let schedule_text = body.schedule_id.clone();
    let d = Draft {
        name: body.name.unwrap_or(old.name.clone()),
        email: body.email.unwrap_or(old.email.clone()),
        phone: body.phone.unwrap_or(old.phone.clone()),
        time_zone: body.time_zone.unwrap_or_else(|| old.time_zone.as_str().to_owned()),
        priority: body.priority.unwrap_or(old.priority),
        weight: body.weight.unwrap_or(old.weight),
    };
    let (priority, weight) = (d.priority, d.weight);
    let c = validate(state, tenant, d, schedule_text.clone().flatten().as_deref()).await?;
    let schedule_id = match schedule_text {
        Some(None) => None,
        Some(Some(_)) => c.schedule_id,
        None => old.schedule_id,
    };
    let mut h = Host {
        name: c.name,
        email: c.email,
        phone: c.phone,
        time_zone: c.time_zone,
        schedule_id,
        priority,
        weight,
        active: body.active.unwrap_or(old.active),
        updated_at: state.clock.now_second(),
        ..old
    };
    state.store.update_host(&h).await.map_err(|e| ApiError::store("host", e))?;
    h.version += 1;
    Ok(view(h))
}

/// Delete a host that has no bookings and belongs to no event type.
#[utoipa::path(delete, path = "/v1/hosts/{id}", tag = "hosts", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<HostId>,
) -> ApiResult<StatusCode> {
    state.store.delete_host(auth.tenant, id).await.map_err(|e| ApiError::store("host", e))?;
    Ok(StatusCode::NO_CONTENT)
}
