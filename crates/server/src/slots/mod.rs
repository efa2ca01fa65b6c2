//! `GET /v1/event-types/{id}/slots` (docs/API.md, Slots): the query read against an
//! availability snapshot, the answer computed by the engine; its JSON in [`json`].

mod gzip;
mod json;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_core::local::parse_zone;
use sked_core::{FieldError, Interval, SlotQuery, SlotSet, compute_slots};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::{InstantOrDate, LocalDate, TimeZoneName};
use crate::state::AppState;
use crate::time::{parse_instant_or_date, rfc3339};
pub use json::{ANSWER_BYTES, ANSWER_TTL, AnswerKey, Answers, answer_json};
use sked_app::Snapshot;

/// Longest slot query.
pub const MAX_DAYS: i64 = 62;

/// A slot query.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// Start: an RFC 3339 instant, or a date (`YYYY-MM-DD`) read in `time_zone`.
    #[param(value_type = InstantOrDate, inline)]
    pub from: String,
    /// End (exclusive): an instant or a date; after `from`, and at most 62 days after it.
    #[param(value_type = InstantOrDate, inline)]
    pub to: String,
    /// Zone the answer groups dates in (default: the first host's schedule zone).
    #[param(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    /// Only this host's slots: an active host of the event type.
    #[param(format = Uuid)]
    pub host_id: Option<String>,
}

/// A bookable slot.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SlotView {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// Free hosts (every host for collective event types).
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub host_ids: Vec<HostId>,
}

/// Slots grouped by local date.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SlotsView {
    #[schema(value_type = String, format = Uuid)]
    pub event_type_id: EventTypeId,
    pub time_zone: String,
    pub duration_minutes: i64,
    /// Dates with at least one slot, sorted (exactly the keys of `slots_by_date`).
    #[schema(value_type = Vec<LocalDate>)]
    pub available_dates: Vec<String>,
    pub slots_by_date: BTreeMap<String, Vec<SlotView>>,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(slots))
}

/// The slots views of a slot set, grouped in `tz`.
pub fn slot_views(
    snap: &Snapshot,
    set: &SlotSet,
    tz: &TimeZone,
) -> (Vec<String>, BTreeMap<String, Vec<SlotView>>) {
    let mut by_date = BTreeMap::new();
    for (date, idx) in set.group_by_date(tz) {
        let slots = idx.into_iter().filter_map(|i| set.get(i)).map(|s| slot_view(snap, s)).collect();
        by_date.insert(date.to_string(), slots);
    }
    (by_date.keys().cloned().collect(), by_date)
}

/// One slot as the API shows it.
pub fn slot_view(snap: &Snapshot, s: sked_core::Slot<'_>) -> SlotView {
    SlotView {
        start: rfc3339(s.start),
        end: rfc3339(s.end),
        host_ids: s.hosts.iter().map(|&h| snap.hosts[h as usize].id).collect(),
    }
}

/// Bookable slots of an event type.
#[utoipa::path(get, path = "/v1/event-types/{id}/slots", tag = "slots", params(("id" = uuid::Uuid, Path), SlotsQuery),
    responses((status = 200, body = SlotsView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn slots(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<EventTypeId>,
    ApiQuery(q): ApiQuery<SlotsQuery>,
) -> ApiResult<Response> {
    answer_json(&state, auth.tenant, id, q, None).await
}

/// The slots of one event type of `tenant` for a query: what `GET .../slots` answers, privately
/// and publicly.
pub async fn answer(
    state: &AppState,
    tenant: TenantId,
    id: EventTypeId,
    q: SlotsQuery,
) -> ApiResult<SlotsView> {
    let now = state.clock.now_second();
    let snap = state.app.availability.get(tenant, id, now).await?;
    let asked = Asked::new(snap, &q, now)?;
    state.app.availability.compute_sized(asked.cost, move || asked.view(id)).await
}

/// A slot query checked against a snapshot: all its answer depends on.
struct Asked {
    snap: Arc<Snapshot>,
    tz: TimeZone,
    query: SlotQuery,
    /// Engine steps: candidate starts in the range, times the hosts that can take them.
    cost: u64,
}

impl Asked {
    /// Reads `q` against `snap` at `now`, naming every bad field.
    fn new(snap: Arc<Snapshot>, q: &SlotsQuery, now: i64) -> ApiResult<Self> {
        let tz = match &q.time_zone {
            Some(name) => parse_zone("time_zone", name)?,
            None => snap.default_zone(),
        };
        let mut errors = Vec::new();
        let from = parse_instant_or_date("from", &q.from, &tz).map_err(|e| errors.push(e)).ok();
        let to = parse_instant_or_date("to", &q.to, &tz).map_err(|e| errors.push(e)).ok();
        let only_host = match q.host_id.as_deref().map(|h| h.parse::<HostId>()) {
            None => None,
            Some(Ok(h)) => match snap.host_index(h) {
                Some(i) => Some(i),
                None => {
                    errors.push(FieldError::new("host_id", "is not an active host of this event type"));
                    None
                }
            },
            Some(Err(_)) => {
                errors.push(FieldError::new("host_id", "is not an id"));
                None
            }
        };
        let (Some(from), Some(to)) = (from, to) else { return Err(ApiError::Validation(errors)) };
        let (from, to) = (from.as_second(), to.as_second());
        if to <= from {
            errors.push(FieldError::new("to", "must be after from"));
        } else if to - from > MAX_DAYS * 86_400 + 7_200 {
            // Two hours of slack: 62 local days can be 62 days and an hour of elapsed time.
            errors.push(FieldError::new("to", format!("must be at most {MAX_DAYS} days after from")));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let query = SlotQuery { range: Interval::new(from, to), now, only_host };
        let hosts = if only_host.is_some() && !snap.rules.collective { 1 } else { snap.hosts.len() as u64 };
        let cost = ((to - from) / snap.rules.interval.max(60)).unsigned_abs() * hosts.max(1);
        Ok(Self { snap, tz, query, cost })
    }

    /// Computes the answer (engine work: run it through `compute_sized`).
    fn view(self, id: EventTypeId) -> ApiResult<SlotsView> {
        let Self { snap, tz, query, .. } = self;
        let set = compute_slots(&snap.rules, &snap.inputs(), &query);
        check_size(&set)?;
        let (available_dates, slots_by_date) = slot_views(&snap, &set, &tz);
        Ok(SlotsView {
            event_type_id: id,
            time_zone: tz.iana_name().unwrap_or("UTC").to_owned(),
            duration_minutes: snap.event_type.duration_minutes,
            available_dates,
            slots_by_date,
        })
    }
}

/// Most entries (slots plus the host ids they list) one answer holds: about 4 MB of JSON.
pub const MAX_ANSWER_ENTRIES: usize = 100_000;

/// Refuses a slot set too large to answer, saying how to ask for less.
pub fn check_size(set: &SlotSet) -> Result<(), ApiError> {
    let entries: usize = set.iter().map(|s| 1 + s.hosts.len()).sum();
    if entries <= MAX_ANSWER_ENTRIES {
        return Ok(());
    }
    Err(ApiError::Validation(vec![FieldError::new(
        "to",
        format!(
            "the answer would hold {} slots with {entries} entries in all (at most {MAX_ANSWER_ENTRIES}); \
             ask for a shorter range, or one host with host_id",
            set.len()
        ),
    )]))
}
