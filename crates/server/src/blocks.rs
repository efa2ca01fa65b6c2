//! `/v1/hosts/{id}/blocks` (internal busy time, possibly recurring) and
//! `/v1/hosts/{id}/busy` (everything that blocks a host, merged).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sked_core::ids::{BlockId, HostId};
use sked_core::{BusyTimeline, FieldError, Interval, RecurrenceRule, WorkBudget, text};
use sked_store::Block;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::Instant;
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::{parse_instant, rfc3339};
use sked_app::availability::{EXPANSION_BUDGET, block_occurrences};

/// Longest range `busy` answers for.
pub const MAX_RANGE_DAYS: i64 = 62;

/// A block of internal busy time.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BlockView {
    #[schema(value_type = String, format = Uuid)]
    pub id: BlockId,
    #[schema(value_type = String, format = Uuid)]
    pub host_id: HostId,
    pub title: String,
    /// First occurrence's start.
    #[schema(format = DateTime)]
    pub start: String,
    /// First occurrence's end.
    #[schema(format = DateTime)]
    pub end: String,
    /// RFC 5545 RRULE, expanded in the host's zone.
    #[schema(example = "FREQ=WEEKLY;BYDAY=MO,WE")]
    pub rrule: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates a block.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBlock {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[serde(default = "default_title")]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S", default = "Busy")]
    pub title: String,
    /// RFC 3339.
    #[schema(value_type = Instant)]
    pub start: String,
    /// RFC 3339; after `start`, and at most 366 days after it.
    #[schema(value_type = Instant)]
    pub end: String,
    /// One RFC 5545 RRULE line (`RRULE:` may lead), FREQ=HOURLY or longer, no DTSTART; expanded
    /// in the host's zone from `start`.
    #[schema(min_length = 1, max_length = 500, pattern = "FREQ=", example = "FREQ=WEEKLY;BYDAY=MO,WE")]
    pub rrule: Option<String>,
}

fn default_title() -> String {
    "Busy".into()
}

/// Changes a block.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBlock {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: Option<String>,
    #[schema(value_type = Option<Instant>)]
    pub start: Option<String>,
    /// After `start`, and at most 366 days after it.
    #[schema(value_type = Option<Instant>)]
    pub end: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500, pattern = "FREQ=")]
    pub rrule: Option<Option<String>>,
}

/// Path of a host's block.
#[derive(Debug, Deserialize)]
struct BlockPath {
    id: HostId,
    block_id: BlockId,
}

fn view(b: Block) -> BlockView {
    BlockView {
        id: b.id,
        host_id: b.host_id,
        title: b.title,
        start: rfc3339(b.start_at),
        end: rfc3339(b.end_at),
        rrule: b.rrule,
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    }
}

/// Checks title, times and rule; every invalid field is reported. A recurring block must occur
/// at least once from its start in `zone` (the host's).
fn validate(
    title: &str,
    start: &str,
    end: &str,
    rrule: Option<&str>,
    zone: &TimeZone,
) -> Result<(String, i64, i64, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let title = text::line("title", title, 200).map_err(|e| errors.push(e)).ok();
    let s = parse_instant("start", start).map_err(|e| errors.push(e)).ok();
    let e = parse_instant("end", end).map_err(|e| errors.push(e)).ok();
    if let (Some(s), Some(e)) = (s, e) {
        if e <= s {
            errors.push(FieldError::new("end", "must be after start"));
        } else if e.as_second() - s.as_second() > 366 * 86_400 {
            errors.push(FieldError::new("end", "a block lasts at most a year; use rrule to repeat it"));
        }
    }
    let rule = match rrule.map(RecurrenceRule::parse) {
        Some(Ok(rule)) => Some(rule),
        Some(Err(m)) => {
            errors.push(FieldError::new("rrule", m));
            None
        }
        None => None,
    };
    if let (Some(rule), Some(s)) = (&rule, s) {
        match rule.first(zone, s.as_second()) {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(FieldError::new("rrule", "never occurs from this start")),
            Err(m) => errors.push(FieldError::new("rrule", m)),
        }
    }
    match (title, s, e) {
        (Some(t), Some(s), Some(e)) if errors.is_empty() => {
            Ok((t, s.as_second(), e.as_second(), rule.map(|r| r.as_str().to_owned())))
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// [`validate`] on the engine's threads: finding that a rule never occurs can take a few
/// milliseconds.
async fn checked(
    state: &AppState,
    title: String,
    start: String,
    end: String,
    rrule: Option<String>,
    zone: TimeZone,
) -> Result<(String, i64, i64, Option<String>), ApiError> {
    state.app.availability.compute(move || validate(&title, &start, &end, rrule.as_deref(), &zone)).await
}

/// The zone a host's blocks repeat in.
fn host_zone(h: &sked_store::Host) -> Result<TimeZone, ApiError> {
    Ok(h.time_zone.tz().clone())
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(busy))
}

/// Add a block to a host.
#[utoipa::path(post, path = "/v1/hosts/{id}/blocks", tag = "blocks", params(("id" = uuid::Uuid, Path)),
    request_body = CreateBlock,
    responses((status = 201, body = BlockView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    ApiJson(b): ApiJson<CreateBlock>,
) -> ApiResult<(StatusCode, Json<BlockView>)> {
    let h = state.store.host(auth.tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let (title, start_at, end_at, rrule) =
        checked(&state, b.title, b.start, b.end, b.rrule, host_zone(&h)?).await?;
    let now = state.clock.now_second();
    let block = Block {
        id: BlockId::new(),
        tenant_id: auth.tenant,
        host_id: host,
        title,
        start_at,
        end_at,
        rrule,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_block(&block).await.map_err(|e| ApiError::store("host", e))?;
    Ok((StatusCode::CREATED, Json(view(block))))
}

/// List a host's blocks.
#[utoipa::path(get, path = "/v1/hosts/{id}/blocks", tag = "blocks", params(("id" = uuid::Uuid, Path), ListQuery),
    responses((status = 200, body = Paged<BlockView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<BlockView>>> {
    state.store.host(auth.tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let page = q.page()?;
    let rows =
        state.store.list_blocks(auth.tenant, host, page).await.map_err(|e| ApiError::store("block", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |b| b.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect(), next_cursor: next }))
}

/// Get a block.
#[utoipa::path(get, path = "/v1/hosts/{id}/blocks/{block_id}", tag = "blocks",
    params(("id" = uuid::Uuid, Path), ("block_id" = uuid::Uuid, Path)),
    responses((status = 200, body = BlockView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(p): ApiPath<BlockPath>,
) -> ApiResult<Json<BlockView>> {
    let b =
        state.store.block(auth.tenant, p.id, p.block_id).await.map_err(|e| ApiError::store("block", e))?;
    Ok(Json(view(b)))
}

/// Change a block.
#[utoipa::path(patch, path = "/v1/hosts/{id}/blocks/{block_id}", tag = "blocks",
    params(("id" = uuid::Uuid, Path), ("block_id" = uuid::Uuid, Path)), request_body = UpdateBlock,
    responses((status = 200, body = BlockView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(p): ApiPath<BlockPath>,
    ApiJson(b): ApiJson<UpdateBlock>,
) -> ApiResult<Json<BlockView>> {
    let old =
        state.store.block(auth.tenant, p.id, p.block_id).await.map_err(|e| ApiError::store("block", e))?;
    let h = state.store.host(auth.tenant, p.id).await.map_err(|e| ApiError::store("host", e))?;
    let title = b.title.unwrap_or(old.title.clone());
    let start = b.start.unwrap_or_else(|| rfc3339(old.start_at));
    let end = b.end.unwrap_or_else(|| rfc3339(old.end_at));
    let rrule = b.rrule.unwrap_or(old.rrule.clone());
    let (title, start_at, end_at, rrule) = checked(&state, title, start, end, rrule, host_zone(&h)?).await?;
    let block = Block { title, start_at, end_at, rrule, updated_at: state.clock.now_second(), ..old };
    state.store.update_block(&block).await.map_err(|e| ApiError::store("block", e))?;
    Ok(Json(view(block)))
}

/// Delete a block.
#[utoipa::path(delete, path = "/v1/hosts/{id}/blocks/{block_id}", tag = "blocks",
    params(("id" = uuid::Uuid, Path), ("block_id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(p): ApiPath<BlockPath>,
) -> ApiResult<StatusCode> {
    state.store.delete_block(auth.tenant, p.id, p.block_id).await.map_err(|e| ApiError::store("block", e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Range of a busy query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyQuery {
    /// Start, RFC 3339.
    #[param(value_type = Instant, inline)]
    pub from: String,
    /// End (exclusive), RFC 3339; after `from`, and at most 62 days after it.
    #[param(value_type = Instant, inline)]
    pub to: String,
}

/// One busy interval.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BusyInterval {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// `booking`, `block`, or a calendar connection id.
    pub source: String,
}

/// A host's busy time.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BusyView {
    pub data: Vec<BusyInterval>,
}

/// Everything that blocks a host in a range: bookings (with their buffers), blocks and each
/// connected calendar's busy time, each source merged, all sorted by start.
#[utoipa::path(get, path = "/v1/hosts/{id}/busy", tag = "blocks", params(("id" = uuid::Uuid, Path), BusyQuery),
    responses((status = 200, body = BusyView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn busy(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    ApiQuery(q): ApiQuery<BusyQuery>,
) -> ApiResult<Json<BusyView>> {
    let from = parse_instant("from", &q.from)?.as_second();
    let to = parse_instant("to", &q.to)?.as_second();
    if to <= from {
        return Err(ApiError::field("to", "must be after from"));
    }
    if to - from > MAX_RANGE_DAYS * 86_400 {
        return Err(ApiError::field("to", format!("must be at most {MAX_RANGE_DAYS} days after from")));
    }
    Ok(Json(host_busy(&state, auth.tenant, host, Interval::new(from, to)).await?))
}

/// What blocks a host in `range`: bookings with their buffers, blocks and connected calendars'
/// busy time, each source merged, sorted by start (the busy answer, and the dashboard's calendar).
pub async fn host_busy(
    state: &AppState,
    tenant: sked_core::ids::TenantId,
    host: HostId,
    range: Interval,
) -> ApiResult<BusyView> {
    let h = state.store.host(tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let (occupancy, blocks) =
        state.store.host_busy(tenant, host, range).await.map_err(|e| ApiError::store("host", e))?;
    let zone = host_zone(&h)?;
    let bookings =
        BusyTimeline::from_intervals(occupancy.iter().map(|o| Interval::new(o.blocked_start, o.blocked_end)));
    let blocked = state
        .app
        .availability
        .compute(move || {
            let mut budget = WorkBudget::new(EXPANSION_BUDGET);
            let mut spans = Vec::new();
            for b in &blocks {
                spans.extend(block_occurrences(b, &zone, range, &mut budget)?);
            }
            Ok::<_, ApiError>(BusyTimeline::from_intervals(spans))
        })
        .await?;
    let external =
        state.store.host_external_busy(tenant, host, range).await.map_err(|e| ApiError::store("host", e))?;
    let mut by_connection: std::collections::BTreeMap<String, Vec<Interval>> = Default::default();
    for x in &external {
        by_connection
            .entry(x.connection_id.to_string())
            .or_default()
            .push(Interval::new(x.start_at, x.end_at));
    }

    let mut data: Vec<(Interval, &str)> = bookings
        .within(range)
        .map(|i| (i, "booking"))
        .chain(blocked.within(range).map(|i| (i, "block")))
        .collect();
    let merged: Vec<(&String, BusyTimeline)> = by_connection
        .iter()
        .map(|(c, spans)| (c, BusyTimeline::from_intervals(spans.iter().copied())))
        .collect();
    for (c, timeline) in &merged {
        data.extend(timeline.within(range).map(|i| (i, c.as_str())));
    }
    data.sort_by_key(|(i, s)| (i.start, i.end, *s));
    Ok(BusyView {
        data: data
            .into_iter()
            .map(|(i, s)| BusyInterval { start: rfc3339(i.start), end: rfc3339(i.end), source: s.into() })
            .collect(),
    })
}
