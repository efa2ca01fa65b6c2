//! Creating, moving and cancelling bookings: the engine decides, the store persists.
//!
//! Each attempt reads the current availability snapshot, checks the requested start with the
//! engine, picks hosts by the event type's assignment, and writes the booking with its history,
//! its outbox job and its idempotency record in one transaction. The store re-checks overlap and
//! daily limits inside that transaction (and PostgreSQL's exclusion constraint backs it), so two
//! requests racing for one time can never both win: the loser retries on fresh data and, if the
//! time is gone, gets a 409 with the nearest alternatives.

use axum::http::StatusCode;
use jiff::ToSpan;
use serde_json::{Value, json};
use sked_core::assign::{Assignment, Choice, HostStats, choose, local_week};
use sked_core::booking::{BookingStatus, BookingText, CODE_LEN, confirmation_code};
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_core::local::{date_of, start_of_day};
use sked_core::{Interval, Rejection, check_start, nearest};
use sked_store::{Booking, BookingWrite, DailyLimit, HistoryEntry, Ids, StoreError};

use crate::auth::TenantAuth;
use crate::availability::Snapshot;
use crate::bookings::{Attendee, BookingView, view};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::IdempotencyKey;
use crate::slots::slot_view;
use crate::state::AppState;
use crate::time::rfc3339;

/// Attempts before giving up on a start that keeps being taken under us.
const ATTEMPTS: usize = 4;

/// What a new booking asks for, validated.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub event_type_id: EventTypeId,
    pub start: i64,
    pub attendee: Attendee,
    pub host_id: Option<HostId>,
    pub notes: Option<String>,
    pub metadata: Value,
    pub source: String,
    pub external_ref: Option<String>,
}

/// A booking created, with its view serialised for the response.
#[derive(Debug)]
pub struct Written {
    pub view: BookingView,
    pub body: String,
}

/// Creates a booking.
pub async fn create(
    state: &AppState,
    auth: &TenantAuth,
    req: &NewBooking,
    idem: Option<&IdempotencyKey>,
) -> ApiResult<Written> {
    // Every door's text obeys the same rules (the API checked already; voice callers too).
    let text = BookingText::parse(&req.attendee.name, req.notes.as_deref(), req.external_ref.as_deref())
        .map_err(ApiError::Validation)?;
    let attendee = Attendee { name: text.name, ..req.attendee.clone() };
    let req = &NewBooking { attendee, notes: text.notes, external_ref: text.external_ref, ..req.clone() };
    for attempt in 0..ATTEMPTS {
        let now = state.clock.now_second();
        let snap = state.availability.near(auth.tenant, req.event_type_id, req.start).await?;
        let only = named_host(&snap, req.host_id)?;
        let hosts = pick_hosts(state, auth, &snap, now, req.start, only, None).await?;
        let e = &snap.event_type;
        let booking_id = BookingId::new();
        let booking = Booking {
            id: booking_id,
            tenant_id: auth.tenant,
            uid: format!("{booking_id}@sked"),
            confirmation_code: confirmation_code(&mut rand::rng(), CODE_LEN + attempt / 2),
            status: BookingStatus::Confirmed.as_str().into(),
            event_type_id: e.id,
            host_id: hosts[0],
            start_at: req.start,
            end_at: req.start + snap.rules.duration,
            buffer_before_minutes: e.buffer_before_minutes,
            buffer_after_minutes: e.buffer_after_minutes,
            attendee_name: req.attendee.name.clone(),
            attendee_email: req.attendee.email.clone(),
            attendee_phone: req.attendee.phone.clone(),
            attendee_time_zone: req.attendee.time_zone.clone(),
            notes: req.notes.clone(),
            metadata: req.metadata.to_string(),
            source: req.source.clone(),
            external_ref: req.external_ref.clone(),
            sequence: 0,
            cancel_reason: None,
            created_at: now,
            updated_at: now,
            host_ids: Ids(hosts),
        };
        let w = written(booking.clone())?;
        let write = BookingWrite {
            daily_limit: daily_limit(&snap, &booking),
            history: history(&w.view, "created", auth, now, None, Some(times(&w.view)), None),
            jobs: vec![event_job(auth, "booking.created", &w.view, now, None)],
            idempotency: idem.map(|k| k.record(auth.tenant, StatusCode::CREATED, &w.body, now)),
            booking,
        };
        match state.store.create_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "created").increment(1);
                state.wake_worker.notify_one();
                return Ok(w);
            }
            Err(StoreError::SlotTaken | StoreError::Duplicate("confirmation_code")) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => return Err(replayed()),
            Err(e) => return Err(ApiError::Internal(e.into())),
        }
    }
    taken(state, auth, req.event_type_id, req.start, req.host_id, None).await
}

/// Moves a confirmed booking to `start`, keeping its id, uid and code. The booking's own time
/// counts as free; its hosts keep it when they are free at the new time, otherwise the event
/// type's assignment picks again (a `host_id` names the host instead).
pub async fn reschedule(
    state: &AppState,
    auth: &TenantAuth,
    id: BookingId,
    start: i64,
    host_id: Option<HostId>,
    reason: Option<String>,
    idem: Option<&IdempotencyKey>,
) -> ApiResult<Written> {
    let reason = sked_core::booking::reason(reason.as_deref())?;
    for _ in 0..ATTEMPTS {
        let now = state.clock.now_second();
        let old = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
        if old.status != BookingStatus::Confirmed.as_str() {
            return Err(ApiError::conflict("the booking is cancelled; book a new time instead"));
        }
        let snap = state.availability.near(auth.tenant, old.event_type_id, start).await?.without(old.id);
        let only = named_host(&snap, host_id)?;
        let hosts = pick_hosts(state, auth, &snap, now, start, only, Some(&old)).await?;
        let before = view(old.clone())?;
        let moved = Booking {
            start_at: start,
            end_at: start + snap.rules.duration,
            host_id: hosts[0],
            host_ids: Ids(hosts),
            sequence: old.sequence + 1,
            updated_at: now,
            ..old
        };
        let w = written(moved.clone())?;
        let write = BookingWrite {
            daily_limit: daily_limit(&snap, &moved),
            history: history(
                &w.view,
                "rescheduled",
                auth,
                now,
                Some(times(&before)),
                Some(times(&w.view)),
                reason.clone(),
            ),
            jobs: vec![event_job(auth, "booking.rescheduled", &w.view, now, Some(times(&before)))],
            idempotency: idem.map(|k| k.record(auth.tenant, StatusCode::OK, &w.body, now)),
            booking: moved,
        };
        match state.store.reschedule_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "rescheduled").increment(1);
                state.wake_worker.notify_one();
                return Ok(w);
            }
            Err(StoreError::SlotTaken | StoreError::Stale) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => return Err(replayed()),
            Err(e) => return Err(ApiError::Internal(e.into())),
        }
    }
    let old = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    taken(state, auth, old.event_type_id, start, host_id, Some(id)).await
}

/// Moves a confirmed booking to `[start, end)` because its host moved it in their own calendar.
/// The host's calendar decides the host's time, so the event type's slot rules (grid, hours,
/// notice, daily limit) do not apply; the store's overlap check does, so the booking never
/// lands on time another booking holds (then the answer is a 409 and nothing changes).
pub async fn move_by_host(
    state: &AppState,
    auth: &TenantAuth,
    id: BookingId,
    start: i64,
    end: i64,
    reason: &str,
) -> ApiResult<Written> {
    if end <= start {
        return Err(ApiError::field("end", "must be after start"));
    }
    for _ in 0..ATTEMPTS {
        let now = state.clock.now_second();
        let old = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
        if old.status != BookingStatus::Confirmed.as_str() {
            return Err(ApiError::conflict("the booking is cancelled"));
        }
        let before = view(old.clone())?;
        let moved =
            Booking { start_at: start, end_at: end, sequence: old.sequence + 1, updated_at: now, ..old };
        let w = written(moved.clone())?;
        let write = BookingWrite {
            daily_limit: None,
            history: history(
                &w.view,
                "rescheduled",
                auth,
                now,
                Some(times(&before)),
                Some(times(&w.view)),
                Some(reason.to_owned()),
            ),
            jobs: vec![event_job(auth, "booking.rescheduled", &w.view, now, Some(times(&before)))],
            idempotency: None,
            booking: moved,
        };
        match state.store.reschedule_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "rescheduled").increment(1);
                state.wake_worker.notify_one();
                return Ok(w);
            }
            Err(StoreError::Stale) => continue,
            Err(StoreError::SlotTaken) => {
                return Err(ApiError::Client {
                    status: StatusCode::CONFLICT,
                    code: "slot_unavailable",
                    detail: "another booking holds that time".into(),
                });
            }
            Err(e) => return Err(ApiError::Internal(e.into())),
        }
    }
    Err(ApiError::conflict("the booking kept changing; try again"))
}

/// Cancels a booking, freeing its time at once. Cancelling a cancelled booking answers it as it
/// is.
pub async fn cancel(
    state: &AppState,
    auth: &TenantAuth,
    id: BookingId,
    reason: Option<String>,
    idem: Option<&IdempotencyKey>,
) -> ApiResult<Written> {
    let reason = sked_core::booking::reason(reason.as_deref())?;
    loop {
        let now = state.clock.now_second();
        let old = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
        if old.status == BookingStatus::Cancelled.as_str() {
            return written(old);
        }
        let cancelled = Booking {
            status: BookingStatus::Cancelled.as_str().into(),
            cancel_reason: reason.clone(),
            updated_at: now,
            ..old
        };
        let w = written(cancelled.clone())?;
        let write = BookingWrite {
            daily_limit: None,
            history: history(&w.view, "cancelled", auth, now, None, None, reason.clone()),
            jobs: vec![event_job(auth, "booking.cancelled", &w.view, now, None)],
            idempotency: idem.map(|k| k.record(auth.tenant, StatusCode::OK, &w.body, now)),
            booking: cancelled,
        };
        match state.store.cancel_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "cancelled").increment(1);
                state.wake_worker.notify_one();
                return Ok(w);
            }
            // Someone else cancelled it meanwhile: the next read answers it as cancelled.
            Err(StoreError::Stale) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => return Err(replayed()),
            Err(e) => return Err(ApiError::Internal(e.into())),
        }
    }
}

fn written(b: Booking) -> ApiResult<Written> {
    let view = view(b)?;
    let body = serde_json::to_string(&view).map_err(anyhow::Error::from)?;
    Ok(Written { view, body })
}

/// The index of a host the caller named, which must be an active host of the event type.
fn named_host(snap: &Snapshot, host: Option<HostId>) -> ApiResult<Option<usize>> {
    match host {
        None if snap.assignment == Assignment::Specific => {
            Err(ApiError::field("host_id", "this event type assigns a specific host: name one"))
        }
        None => Ok(None),
        Some(h) => snap
            .host_index(h)
            .map(Some)
            .ok_or_else(|| ApiError::field("host_id", "is not an active host of this event type")),
    }
}

/// Checks the start and picks the hosts of the booking, `hosts[0]` the primary. `keep` are the
/// hosts a rescheduled booking has now, preferred when free.
async fn pick_hosts(
    state: &AppState,
    auth: &TenantAuth,
    snap: &Snapshot,
    now: i64,
    start: i64,
    only: Option<usize>,
    moving: Option<&Booking>,
) -> ApiResult<Vec<HostId>> {
    let inputs = snap.inputs();
    let free = match check_start(&snap.rules, &inputs, now, start, only) {
        Ok(free) => free,
        Err(r) => {
            let alts =
                alternatives(state, auth.tenant, snap.event_type.id, now, start, only, moving.map(|b| b.id))
                    .await?;
            return Err(rejection(&snap.rules, r, alts));
        }
    };
    let keep = moving.map(|b| b.host_ids.0.as_slice());
    let ids = |idx: &[u32]| idx.iter().map(|&i| snap.hosts[i as usize].id).collect::<Vec<_>>();
    if snap.rules.collective {
        return Ok(ids(&free));
    }
    if let Some(current) = keep.and_then(|k| k.first()).and_then(|h| snap.host_index(*h))
        && free.contains(&(current as u32))
        && only.is_none_or(|o| o == current)
    {
        return Ok(vec![snap.hosts[current].id]);
    }
    if free.len() == 1 {
        return Ok(ids(&free));
    }
    let week = (snap.assignment == Assignment::LeastBusy).then(|| local_week(&snap.default_zone(), start));
    let all: Vec<HostId> = snap.hosts.iter().map(|h| h.id).collect();
    let loads = state
        .store
        .host_loads(snap.event_type.tenant_id, snap.event_type.id, &all, week)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let stats: Vec<HostStats> = snap
        .hosts
        .iter()
        .zip(&loads)
        .map(|(h, l)| HostStats {
            weight: u32::try_from(h.weight).unwrap_or(0),
            priority: i32::try_from(h.priority).unwrap_or(0),
            assigned: u64::try_from(l.assigned).unwrap_or(0),
            last_assigned_at: l.last_assigned_at,
            week_load: u32::try_from(l.week_load).unwrap_or(u32::MAX),
        })
        .collect();
    match choose(snap.assignment, &free, &stats) {
        Ok(Choice::One(i)) => Ok(vec![snap.hosts[i as usize].id]),
        Ok(Choice::All) => Ok(ids(&free)),
        Err(e) => Err(ApiError::Internal(anyhow::anyhow!("assignment failed with free hosts: {e}"))),
    }
}

/// Up to three free starts nearest `start`, as the API shows slots. They can be far away, so
/// they come from the full (cached) snapshot, without the booking being moved if any.
async fn alternatives(
    state: &AppState,
    tenant: sked_core::ids::TenantId,
    event_type: EventTypeId,
    now: i64,
    start: i64,
    only: Option<usize>,
    moving: Option<BookingId>,
) -> ApiResult<Value> {
    let full = state.availability.get(tenant, event_type, now).await?;
    state
        .availability
        .compute(move || {
            let excluded;
            let snap = match moving {
                Some(id) => {
                    excluded = full.without(id);
                    &excluded
                }
                None => &*full,
            };
            let set = nearest(&snap.rules, &snap.inputs(), now, start, 3, only);
            Ok(Value::Array(set.iter().map(|s| json!(slot_view(snap, s))).collect()))
        })
        .await
}

/// The answer for a start the engine refused.
fn rejection(rules: &sked_core::EventRules, r: Rejection, alternatives: Value) -> ApiError {
    let (status, code, detail) = match r {
        Rejection::TooSoon { earliest } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_availability",
            format!(
                "start is too soon: bookings need {} minutes' notice, so the earliest start is {}",
                rules.min_notice / 60,
                rfc3339(earliest)
            ),
        ),
        Rejection::TooFar { limit } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_availability",
            format!(
                "start is too far ahead: bookings open {} days ahead, until {}",
                rules.horizon / 86_400,
                rfc3339(limit)
            ),
        ),
        Rejection::OffGrid { window_start } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_availability",
            format!(
                "start is not a slot: starts are every {} minutes from {}",
                rules.interval / 60,
                rfc3339(window_start)
            ),
        ),
        Rejection::OutsideHours => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_availability",
            "start is outside the hosts' hours".to_owned(),
        ),
        Rejection::Unavailable => (StatusCode::CONFLICT, "slot_unavailable", "that time is taken".to_owned()),
    };
    metrics::counter!("sked_bookings_total", "outcome" => code).increment(1);
    ApiError::Unbookable { status, code, detail, alternatives }
}

/// The 409 after every attempt found the start taken.
async fn taken(
    state: &AppState,
    auth: &TenantAuth,
    et: EventTypeId,
    start: i64,
    host: Option<HostId>,
    moving: Option<BookingId>,
) -> ApiResult<Written> {
    let now = state.clock.now_second();
    let snap = state.availability.get(auth.tenant, et, now).await?;
    let only = host.and_then(|h| snap.host_index(h));
    let alternatives = alternatives(state, auth.tenant, et, now, start, only, moving).await?;
    Err(rejection(&snap.rules, Rejection::Unavailable, alternatives))
}

/// A concurrent request with the same key committed first; the caller replays its answer.
fn replayed() -> ApiError {
    ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "idempotency_in_progress",
        detail:
            "a request with this Idempotency-Key was completed concurrently; send it again to get its answer"
                .into(),
    }
}

/// The daily limit to re-check at write time: each host's local day of the start.
fn daily_limit(snap: &Snapshot, b: &Booking) -> Option<DailyLimit> {
    let limit = snap.rules.daily_limit?;
    let days = b
        .host_ids
        .iter()
        .filter_map(|h| {
            let tz = snap.host_zone(snap.host_index(*h)?);
            let date = date_of(tz, b.start_at);
            let from = start_of_day(tz, date)?.as_second();
            let to = start_of_day(tz, date.checked_add(1.day()).ok()?)?.as_second();
            Some((*h, Interval::new(from, to)))
        })
        .collect();
    Some(DailyLimit { limit: i64::from(limit), days })
}

fn times(v: &BookingView) -> Value {
    json!({ "start": v.start, "end": v.end, "host_ids": v.host_ids, "status": v.status })
}

fn history(
    v: &BookingView,
    action: &str,
    auth: &TenantAuth,
    now: i64,
    before: Option<Value>,
    after: Option<Value>,
    reason: Option<String>,
) -> HistoryEntry {
    HistoryEntry {
        id: uuid::Uuid::now_v7(),
        booking_id: v.id,
        tenant_id: auth.tenant,
        at: now,
        actor: auth.caller.actor(),
        action: action.into(),
        before: before.map(|b| b.to_string()),
        after: after.or_else(|| Some(times(v))).map(|a| a.to_string()),
        reason,
    }
}

/// The outbox job announcing a booking change to later consumers (webhooks, email, SMS,
/// calendar write-back).
fn event_job(
    auth: &TenantAuth,
    event: &str,
    v: &BookingView,
    now: i64,
    previous: Option<Value>,
) -> sked_store::NewJob {
    let payload = json!({
        "event": event,
        "booking_id": v.id,
        "occurred_at": rfc3339(now),
        "booking": v,
        "previous": previous,
    });
    sked_jobs::new_job(Some(auth.tenant), crate::events::BOOKING_EVENT, &payload, now)
}
