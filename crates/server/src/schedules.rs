//! `/v1/schedules`: weekly hours and date overrides in one zone.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::hours::{self, Weekly, validate};
use sked_core::ids::{ScheduleId, TenantId};
use sked_core::{FieldError, Zone};
use sked_store::Schedule;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::{LocalEndTime, LocalTime, TimeZoneName};
use crate::pagination::{ListQuery, Paged};
use crate::state::{AppState, Services};
use crate::time::rfc3339;

// The document's forms of `sked_core::hours::{TimeRange, DateOverride}`, which requests are
// read into.

/// `[start, end)` in local wall time, `HH:MM`; `end` may be `24:00`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
struct TimeRange {
    /// Opening time, `HH:MM`.
    #[schema(value_type = LocalTime)]
    start: String,
    /// Closing time, `HH:MM` (exclusive; `24:00` is the end of the day); after `start`.
    #[schema(value_type = LocalEndTime)]
    end: String,
}

/// The hours of one date, replacing its weekday's (no intervals = closed).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
struct DateOverride {
    /// Local date, `YYYY-MM-DD`; one override per date.
    #[schema(format = Date, example = "2026-12-24")]
    date: String,
    /// Open intervals that day (at most 24); they must not overlap.
    #[serde(default)]
    #[schema(max_items = 24)]
    intervals: Vec<TimeRange>,
}

/// The document's form of [`Weekly`]: a weekday's intervals must not overlap; a missing day is
/// closed.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
struct WeeklyHours {
    #[serde(default)]
    #[schema(max_items = 24)]
    mon: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    tue: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    wed: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    thu: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    fri: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    sat: Vec<TimeRange>,
    #[serde(default)]
    #[schema(max_items = 24)]
    sun: Vec<TimeRange>,
}

/// A schedule.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ScheduleId,
    pub name: String,
    /// IANA zone the hours are read in.
    #[schema(example = "America/Chicago")]
    pub time_zone: String,
    #[schema(value_type = WeeklyHours)]
    pub weekly: Weekly,
    #[schema(value_type = Vec<DateOverride>)]
    pub overrides: Vec<hours::DateOverride>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates a schedule.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSchedule {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// The zone the hours are read in.
    #[schema(value_type = TimeZoneName)]
    pub time_zone: String,
    #[serde(default)]
    #[schema(value_type = WeeklyHours)]
    pub weekly: Weekly,
    #[serde(default)]
    #[schema(max_items = 1000)]
    #[schema(value_type = Vec<DateOverride>)]
    pub overrides: Vec<hours::DateOverride>,
}

/// Changes a schedule; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSchedule {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    #[schema(value_type = Option<WeeklyHours>)]
    pub weekly: Option<Weekly>,
    #[schema(max_items = 1000, value_type = Option<Vec<DateOverride>>)]
    pub overrides: Option<Vec<hours::DateOverride>>,
}

/// The outside view of a schedule.
pub fn view(s: Schedule) -> ApiResult<ScheduleView> {
    Ok(ScheduleView {
        id: s.id,
        name: s.name,
        time_zone: s.time_zone.as_str().to_owned(),
        weekly: serde_json::from_str(&s.weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::from_str(&s.overrides).map_err(anyhow::Error::from)?,
        created_at: rfc3339(s.created_at),
        updated_at: rfc3339(s.updated_at),
    })
}

fn check_name(name: &str) -> Result<(), FieldError> {
    sked_core::text::line("name", name, 200).map(drop)
}

/// Checks a schedule's name, zone and hours; every invalid field is reported.
fn check(name: &str, time_zone: &str, weekly: &Weekly, overrides: &[hours::DateOverride]) -> ApiResult<Zone> {
    let mut errors = check_name(name).err().into_iter().collect::<Vec<_>>();
    let zone = match validate(time_zone, weekly, overrides) {
        Ok(_) => Zone::parse("time_zone", time_zone).map_err(|e| errors.push(e)).ok(),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    match zone {
        Some(zone) if errors.is_empty() => Ok(zone),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list)).routes(routes!(get, update, delete))
}

/// Create a schedule.
#[utoipa::path(post, path = "/v1/schedules", tag = "schedules", request_body = CreateSchedule,
    responses((status = 201, body = ScheduleView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(body): ApiJson<CreateSchedule>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    Ok((StatusCode::CREATED, Json(create_schedule(&state, auth.tenant, body).await?)))
}

/// Validates and stores a new schedule: the one path of the API and the Cal.com importer.
pub(crate) async fn create_schedule(
    s: &Services,
    tenant: TenantId,
    body: CreateSchedule,
) -> ApiResult<ScheduleView> {
    let time_zone = check(&body.name, &body.time_zone, &body.weekly, &body.overrides)?;
    let now = s.clock.now_second();
    let record = Schedule {
        id: ScheduleId::new(),
        tenant_id: tenant,
        name: body.name.trim().to_owned(),
        time_zone,
        weekly: serde_json::to_string(&body.weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::to_string(&body.overrides).map_err(anyhow::Error::from)?,
        created_at: now,
        updated_at: now,
    };
    s.store.insert_schedule(&record).await.map_err(|e| ApiError::store("schedule", e))?;
    view(record)
}

/// List schedules.
#[utoipa::path(get, path = "/v1/schedules", tag = "schedules", params(ListQuery),
    responses((status = 200, body = Paged<ScheduleView>)))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<ScheduleView>>> {
    let page = q.page()?;
    let rows =
        state.store.list_schedules(auth.tenant, page).await.map_err(|e| ApiError::store("schedule", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |s| s.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect::<ApiResult<_>>()?, next_cursor: next }))
}

/// Get a schedule.
#[utoipa::path(get, path = "/v1/schedules/{id}", tag = "schedules", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ScheduleView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ScheduleId>,
) -> ApiResult<Json<ScheduleView>> {
    let s = state.store.schedule(auth.tenant, id).await.map_err(|e| ApiError::store("schedule", e))?;
    Ok(Json(view(s)?))
}

/// Change a schedule.
#[utoipa::path(patch, path = "/v1/schedules/{id}", tag = "schedules", params(("id" = uuid::Uuid, Path)),
    request_body = UpdateSchedule,
    responses((status = 200, body = ScheduleView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ScheduleId>,
    ApiJson(body): ApiJson<UpdateSchedule>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(change(&state, auth.tenant, id, body).await?))
}

/// Changes a schedule (the API's and the dashboard's way): absent fields stay, the whole result
/// is checked as a new schedule would be, and the change shows in slots at once.
pub async fn change(
    state: &AppState,
    tenant: TenantId,
    id: ScheduleId,
    body: UpdateSchedule,
) -> ApiResult<ScheduleView> {
    let old = state.store.schedule(tenant, id).await.map_err(|e| ApiError::store("schedule", e))?;
    let current = view(old.clone())?;
    let name = body.name.unwrap_or(current.name);
    let time_zone = body.time_zone.unwrap_or(current.time_zone);
    let weekly = body.weekly.unwrap_or(current.weekly);
    let overrides = body.overrides.unwrap_or(current.overrides);
    let time_zone = check(&name, &time_zone, &weekly, &overrides)?;
    let record = Schedule {
        name: name.trim().to_owned(),
        time_zone,
        weekly: serde_json::to_string(&weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::to_string(&overrides).map_err(anyhow::Error::from)?,
        updated_at: state.clock.now_second(),
        ..old
    };
    state.store.update_schedule(&record).await.map_err(|e| ApiError::store("schedule", e))?;
    view(record)
}

/// Delete a schedule no host uses.
#[utoipa::path(delete, path = "/v1/schedules/{id}", tag = "schedules", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ScheduleId>,
) -> ApiResult<StatusCode> {
    state.store.delete_schedule(auth.tenant, id).await.map_err(|e| ApiError::store("schedule", e))?;
    Ok(StatusCode::NO_CONTENT)
}
