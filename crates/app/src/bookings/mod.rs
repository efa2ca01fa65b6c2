//! Creating, moving and cancelling bookings: the engine decides, the store persists.
//!
//! Each attempt reads a fresh availability snapshot near the requested start, checks the start
//! with the engine, picks hosts by the event type's assignment, and writes the booking with its
//! history, its outbox job and its idempotency record in one transaction. Inside that
//! transaction the database refuses an overlapping occupancy itself (a constraint or trigger on
//! both stores) and the store counts daily limits, so two requests racing for one time can never
//! both win: the loser tries
//! again on fresh data and, if the time is gone, gets [`AppError::Unavailable`] with the nearest
//! alternatives.

mod assign;
mod attend;
mod change;
mod mirror;
mod record;

use serde_json::Value;
use sked_core::FieldError;
use sked_core::assign::Assignment;
use sked_core::booking::{
    BookingAction, BookingSource, BookingStatus, BookingText, CODE_LEN, confirmation_code,
};
use sked_core::contact::{Email, Phone};
use sked_core::ids::{BookingId, EventTypeId, HostId, TenantId};
use sked_store::{Booking, BookingWrite, Ids, StoreError};

pub use attend::{confirm_attendance, mark_no_show};
pub use change::{cancel, move_by_host};
pub use mirror::{ExternalBooking, record_external};
pub use record::{BOOKING_EVENT, BookingEvent, CREATED};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{Idempotency, Outcome};
use crate::view::Written;
use assign::{daily_limit, named_host, pick_hosts, taken};
use record::{event_job, history, times};

/// Attempts before giving up on a start that keeps being taken under us.
const ATTEMPTS: usize = 4;

/// Largest `metadata` a booking keeps, as JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// Who is acting, as history records it.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The tenant acted in.
    pub tenant: TenantId,
    /// `api_key:<id>`, `operator`, `voice_agent:<id>`, `google`, ...
    pub name: String,
}

/// Who a new booking is for, with its contact details already checked.
#[derive(Clone, Debug)]
pub struct Attendee {
    /// The name as given (trimmed and checked again when booking).
    pub name: String,
    /// A checked address.
    pub email: Option<Email>,
    /// A checked E.164 number.
    pub phone: Option<Phone>,
    /// An IANA zone name (checked when booking).
    pub time_zone: Option<String>,
}

/// What a new booking asks for.
#[derive(Clone, Debug)]
pub struct NewBooking {
    /// The event type booked.
    pub event_type_id: EventTypeId,
    /// Start, Unix seconds.
    pub start: i64,
    /// Who it is for.
    pub attendee: Attendee,
    /// Book this host instead of letting the assignment choose.
    pub host_id: Option<HostId>,
    /// Free text.
    pub notes: Option<String>,
    /// A JSON object kept with the booking.
    pub metadata: Value,
    /// The door it came through.
    pub source: BookingSource,
    /// The caller's own reference.
    pub external_ref: Option<String>,
    /// Answers to the event type's questions (an object keyed by question id, or `null`).
    pub answers: Value,
}

/// Checks a booking's `metadata`: a JSON object of at most [`MAX_METADATA_BYTES`].
pub fn check_metadata(metadata: &Value) -> Result<(), FieldError> {
    if !metadata.is_object() {
        Err(FieldError::new("metadata", "must be a JSON object"))
    } else if metadata.to_string().len() > MAX_METADATA_BYTES {
        Err(FieldError::new("metadata", "must be at most 16 KiB of JSON"))
    } else {
        Ok(())
    }
}

/// An event type's stored questions (the store holds what validation let through).
pub fn questions(stored: &str) -> Vec<sked_core::questions::Question> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// The stored answer of an idempotent request made before, if any.
pub async fn replay(app: &App, tenant: TenantId, idem: Option<&Idempotency>) -> AppResult<Option<Written>> {
    let Some(k) = idem else { return Ok(None) };
    let Some(stored) = k.stored(app, tenant).await? else { return Ok(None) };
    let view = serde_json::from_str(&stored.response).map_err(anyhow::Error::from)?;
    Ok(Some(Written { view, body: stored.response }))
}

/// Creates a booking.
pub async fn create(
    app: &App,
    actor: &Actor,
    req: &NewBooking,
    idem: Option<&Idempotency>,
) -> AppResult<Written> {
    unless_done(app, actor.tenant, idem, create_once(app, actor, req, idem).await).await
}

async fn create_once(
    app: &App,
    actor: &Actor,
    req: &NewBooking,
    idem: Option<&Idempotency>,
) -> AppResult<Written> {
    // Every door's text obeys the same rules, whatever the door checked before.
    let text = BookingText::parse(&req.attendee.name, req.notes.as_deref(), req.external_ref.as_deref())
        .map_err(AppError::Invalid)?;
    check_metadata(&req.metadata).map_err(|e| AppError::Invalid(vec![e]))?;
    if let Some(tz) = &req.attendee.time_zone {
        sked_core::local::parse_zone("attendee.time_zone", tz).map_err(|e| AppError::Invalid(vec![e]))?;
    }
    for attempt in 0..ATTEMPTS {
        let now = app.clock.now_second();
        let snap = app.availability.near(actor.tenant, req.event_type_id, req.start).await?;
        let only = named_host(&snap, req.host_id)?;
        let hosts = pick_hosts(app, &snap, now, req.start, only, None).await?;
        let e = &snap.event_type;
        let answers = sked_core::questions::check_answers(&questions(&e.questions), &req.answers)
            .map_err(AppError::Invalid)?;
        let booking_id = BookingId::new();
        let booking = Booking {
            id: booking_id,
            tenant_id: actor.tenant,
            uid: format!("{booking_id}@sked"),
            confirmation_code: confirmation_code(&mut rand::rng(), CODE_LEN + attempt / 2),
            status: BookingStatus::Confirmed,
            event_type_id: e.id,
            host_id: hosts[0],
            start_at: req.start,
            end_at: req.start + snap.rules.duration,
            buffer_before_minutes: e.buffer_before_minutes,
            buffer_after_minutes: e.buffer_after_minutes,
            attendee_name: text.name.clone(),
            attendee_email: req.attendee.email.as_ref().map(ToString::to_string),
            attendee_phone: req.attendee.phone.as_ref().map(ToString::to_string),
            attendee_time_zone: req.attendee.time_zone.clone(),
            notes: text.notes.clone(),
            metadata: req.metadata.to_string(),
            source: req.source,
            external_ref: text.external_ref.clone(),
            sequence: 0,
            cancel_reason: None,
            created_at: now,
            updated_at: now,
            no_show_at: None,
            host_ids: Ids(hosts),
            answers: Value::Object(answers).to_string(),
        };
        let w = app.written(booking.clone())?;
        let write = BookingWrite {
            daily_limit: daily_limit(&snap, &booking),
            history: history(&w.view, BookingAction::Created, actor, now, None, Some(times(&w.view)), None),
            jobs: vec![event_job(actor, CREATED, &w.view, now, None)?],
            idempotency: idem.map(|k| k.record(actor.tenant, Outcome::Created, &w.body, now)),
            booking,
        };
        match app.store.create_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "created").increment(1);
                app.wake.notify_one();
                return Ok(w);
            }
            Err(StoreError::SlotTaken | StoreError::Duplicate("confirmation_code")) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => {
                return done_elsewhere(app, actor.tenant, idem).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(taken(app, actor.tenant, req.event_type_id, req.start, req.host_id, None).await)
}

/// A refusal of a request that carries an idempotency key, unless the same request took the
/// time itself: one cut off (its server killed) whose write committed while this one was being
/// tried. Then its stored answer.
async fn unless_done(
    app: &App,
    tenant: TenantId,
    idem: Option<&Idempotency>,
    outcome: AppResult<Written>,
) -> AppResult<Written> {
    match outcome {
        Err(e @ AppError::Unavailable { .. }) if idem.is_some() => replay(app, tenant, idem).await?.ok_or(e),
        other => other,
    }
}

/// The answer to a request whose idempotency key a concurrent request with the same key stored
/// first: that request's answer once it is committed (the unique key waits for it), or, if it
/// is not there, "in progress".
pub(super) async fn done_elsewhere(
    app: &App,
    tenant: TenantId,
    idem: Option<&Idempotency>,
) -> AppResult<Written> {
    replay(app, tenant, idem).await?.ok_or(AppError::IdempotencyInProgress)
}

/// Moves a confirmed booking to `start`, keeping its id, uid and code. The booking's own time
/// counts as free; its hosts keep it when they are free at the new time, otherwise the event
/// type's assignment picks again (a `host_id` names the host instead).
pub async fn reschedule(
    app: &App,
    actor: &Actor,
    id: BookingId,
    start: i64,
    host_id: Option<HostId>,
    reason: Option<String>,
    idem: Option<&Idempotency>,
) -> AppResult<Written> {
    let reason = sked_core::booking::reason(reason.as_deref()).map_err(|e| AppError::Invalid(vec![e]))?;
    for _ in 0..ATTEMPTS {
        let now = app.clock.now_second();
        let old = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
        if old.status != BookingStatus::Confirmed {
            return Err(AppError::Rejected("the booking is cancelled; book a new time instead".into()));
        }
        let snap = app.availability.near(actor.tenant, old.event_type_id, start).await?.without(old.id);
        // An event type that books named hosts keeps the booking's host unless another is named.
        let host_id = host_id.or((snap.assignment == Assignment::Specific).then_some(old.host_id));
        let only = named_host(&snap, host_id)?;
        let hosts = pick_hosts(app, &snap, now, start, only, Some(&old)).await?;
        let before = app.view(old.clone())?;
        // The moved booking follows the event type as it is now, as a new booking would: its
        // duration and its buffers.
        let moved = Booking {
            start_at: start,
            end_at: start + snap.rules.duration,
            buffer_before_minutes: snap.event_type.buffer_before_minutes,
            buffer_after_minutes: snap.event_type.buffer_after_minutes,
            host_id: hosts[0],
            host_ids: Ids(hosts),
            sequence: old.sequence + 1,
            updated_at: now,
            ..old
        };
        let w = app.written(moved.clone())?;
        let (was, is) = (Some(times(&before)), Some(times(&w.view)));
        let write = BookingWrite {
            daily_limit: daily_limit(&snap, &moved),
            history: history(
                &w.view,
                BookingAction::Rescheduled,
                actor,
                now,
                was.clone(),
                is,
                reason.clone(),
            ),
            jobs: vec![event_job(actor, "booking.rescheduled", &w.view, now, was)?],
            idempotency: idem.map(|k| k.record(actor.tenant, Outcome::Changed, &w.body, now)),
            booking: moved,
        };
        match app.store.reschedule_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "rescheduled").increment(1);
                app.wake.notify_one();
                return Ok(w);
            }
            Err(StoreError::SlotTaken | StoreError::Stale) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => {
                return done_elsewhere(app, actor.tenant, idem).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let old = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
    Err(taken(app, actor.tenant, old.event_type_id, start, host_id, Some(id)).await)
}
