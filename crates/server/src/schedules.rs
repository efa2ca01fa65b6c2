//! `/v1/schedules`: weekly hours and date overrides in one zone.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::ids::ScheduleId;
use sked_core::local::parse_zone;
use sked_core::schedule::{DayHours, Schedule as CoreSchedule, WEEKDAY_KEYS};
use sked_store::Schedule;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::{LocalEndTime, LocalTime, TimeZoneName};
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

/// `[start, end)` in local wall time, `HH:MM`; `end` may be `24:00`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// Opening time, `HH:MM`.
    #[schema(value_type = LocalTime)]
    pub start: String,
    /// Closing time, `HH:MM` (exclusive; `24:00` is the end of the day); after `start`.
    #[schema(value_type = LocalEndTime)]
    pub end: String,
}

/// The hours of one date, replacing its weekday's (no intervals = closed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateOverride {
    /// Local date, `YYYY-MM-DD`; one override per date.
    #[schema(format = Date, example = "2026-12-24")]
    pub date: String,
    /// Open intervals that day (at most 24); they must not overlap.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub intervals: Vec<TimeRange>,
}

/// Weekday (`mon` … `sun`) to its open intervals; a missing day is closed.
pub type Weekly = BTreeMap<String, Vec<TimeRange>>;

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
    pub overrides: Vec<DateOverride>,
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
    pub overrides: Vec<DateOverride>,
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
    #[schema(max_items = 1000)]
    pub overrides: Option<Vec<DateOverride>>,
}

/// Checks a schedule and builds the engine's form of it; every invalid field is reported.
pub fn validate(
    time_zone: &str,
    weekly: &Weekly,
    overrides: &[DateOverride],
) -> Result<CoreSchedule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let tz = parse_zone("time_zone", time_zone).map_err(|e| errors.push(e)).ok();
    let mut days: [DayHours; 7] = Default::default();
    for (key, ranges) in weekly {
        match WEEKDAY_KEYS.iter().position(|k| k == key) {
            Some(i) => match day_hours(ranges) {
                Ok(h) => days[i] = h,
                Err(e) => errors.push(e.within(&format!("weekly.{key}"))),
            },
            None => errors
                .push(FieldError::new(format!("weekly.{key}"), "days are mon, tue, wed, thu, fri, sat, sun")),
        }
    }
    if overrides.len() > MAX_OVERRIDES {
        errors.push(FieldError::new("overrides", format!("at most {MAX_OVERRIDES} dates")));
    }
    let mut by_date = BTreeMap::new();
    let listed = if overrides.len() > MAX_OVERRIDES { &[][..] } else { overrides };
    for (i, o) in listed.iter().enumerate() {
        let at = format!("overrides[{i}]");
        // Exactly `YYYY-MM-DD`: the date is echoed as given.
        let Some(date) = o.date.parse::<Date>().ok().filter(|_| o.date.len() == 10) else {
            errors.push(FieldError::new(
                format!("{at}.date"),
                format!("`{}` is not a date in YYYY-MM-DD form", o.date),
            ));
            continue;
        };
        match day_hours(&o.intervals) {
            Ok(h) => {
                if by_date.insert(date, h).is_some() {
                    errors.push(FieldError::new(format!("{at}.date"), format!("{date} has two overrides")));
                }
            }
            Err(e) => errors.push(e.within(&format!("{at}.intervals"))),
        }
    }
    match tz {
        Some(tz) if errors.is_empty() => Ok(CoreSchedule::new(tz, days, by_date)),
        _ => Err(errors),
    }
}

/// Most date overrides a schedule holds (several years of holidays and special days).
pub const MAX_OVERRIDES: usize = 1_000;
/// Most open intervals in one day.
pub const MAX_INTERVALS_PER_DAY: usize = 24;

fn day_hours(ranges: &[TimeRange]) -> Result<DayHours, FieldError> {
    if ranges.len() > MAX_INTERVALS_PER_DAY {
        return Err(FieldError::new("", format!("at most {MAX_INTERVALS_PER_DAY} intervals a day")));
    }
    let pairs: Vec<(&str, &str)> = ranges.iter().map(|r| (r.start.as_str(), r.end.as_str())).collect();
    DayHours::parse(&pairs)
}

/// The engine's form of a stored schedule.
pub fn parse_stored_schedule(s: &Schedule) -> anyhow::Result<CoreSchedule> {
    let weekly: Weekly = serde_json::from_str(&s.weekly)?;
    let overrides: Vec<DateOverride> = serde_json::from_str(&s.overrides)?;
    validate(&s.time_zone, &weekly, &overrides)
        .map_err(|e| anyhow::anyhow!("stored schedule {} is invalid: {e:?}", s.id))
}

fn view(s: Schedule) -> ApiResult<ScheduleView> {
    Ok(ScheduleView {
        id: s.id,
        name: s.name,
        time_zone: s.time_zone,
        weekly: serde_json::from_str(&s.weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::from_str(&s.overrides).map_err(anyhow::Error::from)?,
        created_at: rfc3339(s.created_at),
        updated_at: rfc3339(s.updated_at),
    })
}

fn check_name(name: &str) -> Result<(), FieldError> {
    sked_core::text::line("name", name, 200).map(drop)
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
    let mut errors = check_name(&body.name).err().into_iter().collect::<Vec<_>>();
    if let Err(e) = validate(&body.time_zone, &body.weekly, &body.overrides) {
        errors.extend(e);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now_second();
    let record = Schedule {
        id: ScheduleId::new(),
        tenant_id: auth.tenant,
        name: body.name.trim().to_owned(),
        time_zone: body.time_zone,
        weekly: serde_json::to_string(&body.weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::to_string(&body.overrides).map_err(anyhow::Error::from)?,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_schedule(&record).await.map_err(|e| ApiError::store("schedule", e))?;
    Ok((StatusCode::CREATED, Json(view(record)?)))
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
    let old = state.store.schedule(auth.tenant, id).await.map_err(|e| ApiError::store("schedule", e))?;
    let current = view(old.clone())?;
    let name = body.name.unwrap_or(current.name);
    let time_zone = body.time_zone.unwrap_or(current.time_zone);
    let weekly = body.weekly.unwrap_or(current.weekly);
    let overrides = body.overrides.unwrap_or(current.overrides);
    let mut errors = check_name(&name).err().into_iter().collect::<Vec<_>>();
    if let Err(e) = validate(&time_zone, &weekly, &overrides) {
        errors.extend(e);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let record = Schedule {
        name: name.trim().to_owned(),
        time_zone,
        weekly: serde_json::to_string(&weekly).map_err(anyhow::Error::from)?,
        overrides: serde_json::to_string(&overrides).map_err(anyhow::Error::from)?,
        updated_at: state.clock.now_second(),
        ..old
    };
    state.store.update_schedule(&record).await.map_err(|e| ApiError::store("schedule", e))?;
    Ok(Json(view(record)?))
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
