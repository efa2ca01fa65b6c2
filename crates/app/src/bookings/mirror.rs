//! Bookings another system already made (Cal.com, while a business moves over): recorded at the
//! times that system sold, without the event type's slot rules (hours, grid, notice, horizon,
//! daily limit), but never on time another booking holds: the store's overlap check decides,
//! as for every booking.

use serde_json::Value;
use sked_core::assign::Assignment;
use sked_core::booking::{
    BookingAction, BookingSource, BookingStatus, BookingText, CODE_LEN, confirmation_code,
};
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_core::{FieldError, interval::DAY};
use sked_store::{Booking, BookingWrite, Ids, StoreError};

use super::record::{event_job, history, times};
use super::{Actor, Attendee, check_metadata};
use crate::App;
use crate::error::{AppError, AppResult, Refusal};
use crate::view::Written;

/// Attempts at a fresh confirmation code when one clashes.
const CODE_ATTEMPTS: usize = 4;

/// A booking made elsewhere, to record as it is.
#[derive(Clone, Debug)]
pub struct ExternalBooking {
    /// The event type it is of.
    pub event_type_id: EventTypeId,
    /// Start, Unix seconds.
    pub start: i64,
    /// End, Unix seconds (after the start, at most a week later).
    pub end: i64,
    /// Who it is for.
    pub attendee: Attendee,
    /// Free text.
    pub notes: Option<String>,
    /// A JSON object kept with the booking.
    pub metadata: Value,
    /// The system it came from.
    pub source: BookingSource,
    /// That system's reference.
    pub external_ref: Option<String>,
    /// Tried first when it is an active host of the event type (the other system's organizer).
    pub preferred_host: Option<HostId>,
}

/// Records a booking made elsewhere on the first of the event type's active hosts (the
/// preferred one first) whose time is free, or on all of them for a collective event type.
/// When every host's time is taken nothing is written and the answer is
/// [`AppError::Unavailable`] ([`Refusal::Taken`], no alternatives: the time was not ours to move).
pub async fn record_external(app: &App, actor: &Actor, req: &ExternalBooking) -> AppResult<Written> {
    let text = BookingText::parse(&req.attendee.name, req.notes.as_deref(), req.external_ref.as_deref())
        .map_err(AppError::Invalid)?;
    check_metadata(&req.metadata).map_err(|e| AppError::Invalid(vec![e]))?;
    if let Some(tz) = &req.attendee.time_zone {
        sked_core::local::parse_zone("attendee.time_zone", tz).map_err(|e| AppError::Invalid(vec![e]))?;
    }
    if req.end <= req.start || req.end - req.start > 7 * DAY {
        return Err(AppError::Invalid(vec![FieldError::new(
            "end",
            "must be after start, by at most a week",
        )]));
    }
    let e = app
        .store
        .event_type(actor.tenant, req.event_type_id)
        .await
        .map_err(|e| AppError::store("event type", e))?;
    let mut hosts = Vec::new();
    for id in &e.host_ids {
        match app.store.host(actor.tenant, *id).await {
            Ok(h) if h.active => hosts.push(h.id),
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    if let Some(p) = req.preferred_host.and_then(|p| hosts.iter().position(|h| *h == p)) {
        hosts[..=p].rotate_right(1);
    }
    if hosts.is_empty() {
        return Err(AppError::Rejected("the event type has no active host".into()));
    }
    let choices: Vec<Vec<HostId>> = if e.assignment == Assignment::Collective {
        vec![hosts]
    } else {
        hosts.into_iter().map(|h| vec![h]).collect()
    };
    for occupied in choices {
        for attempt in 0..CODE_ATTEMPTS {
            let now = app.clock.now_second();
            let booking_id = BookingId::new();
            let booking = Booking {
                id: booking_id,
                tenant_id: actor.tenant,
                uid: format!("{booking_id}@sked"),
                confirmation_code: confirmation_code(&mut rand::rng(), CODE_LEN + attempt / 2),
                status: BookingStatus::Confirmed,
                event_type_id: e.id,
                host_id: occupied[0],
                start_at: req.start,
                end_at: req.end,
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
                host_ids: Ids(occupied.clone()),
                answers: "{}".into(),
            };
            let w = app.written(booking.clone())?;
            let write = BookingWrite {
                daily_limit: None,
                history: history(
                    &w.view,
                    BookingAction::Created,
                    actor,
                    now,
                    None,
                    Some(times(&w.view)),
                    None,
                ),
                jobs: vec![event_job(actor, super::CREATED, &w.view, now, None)?],
                idempotency: None,
                booking,
            };
            match app.store.create_booking(&write).await {
                Ok(()) => {
                    metrics::counter!("sked_bookings_total", "outcome" => "recorded").increment(1);
                    app.wake.notify_one();
                    return Ok(w);
                }
                Err(StoreError::Duplicate("confirmation_code")) => continue,
                Err(StoreError::SlotTaken) => break,
                Err(err) => return Err(err.into()),
            }
        }
    }
    Err(AppError::Unavailable { refusal: Refusal::Taken, alternatives: Vec::new() })
}
