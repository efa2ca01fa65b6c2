//! Changes that skip the slot rules: a host moving a booking in their own calendar, and
//! cancelling.

use sked_core::booking::{BookingAction, BookingStatus};
use sked_core::ids::BookingId;
use sked_store::{Booking, BookingWrite, StoreError};

use super::record::{event_job, history, times};
use super::{ATTEMPTS, Actor};
use crate::App;
use crate::error::{AppError, AppResult, Refusal};
use crate::idempotency::{Idempotency, Outcome};
use crate::view::Written;

/// Moves a confirmed booking to `[start, end)` because its host moved it in their own calendar.
/// The host's calendar decides the host's time, so the event type's slot rules (grid, hours,
/// notice, daily limit) do not apply; the store's overlap check does, so the booking never
/// lands on time another booking holds (then it is [`AppError::Unavailable`] and nothing
/// changes).
pub async fn move_by_host(
    app: &App,
    actor: &Actor,
    id: BookingId,
    start: i64,
    end: i64,
    reason: &str,
) -> AppResult<Written> {
    if end <= start {
        return Err(AppError::field("end", "must be after start"));
    }
    for _ in 0..ATTEMPTS {
        let now = app.clock.now_second();
        let old = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
        if old.status != BookingStatus::Confirmed {
            return Err(AppError::Rejected("the booking is cancelled".into()));
        }
        let before = app.view(old.clone())?;
        let moved =
            Booking { start_at: start, end_at: end, sequence: old.sequence + 1, updated_at: now, ..old };
        let w = app.written(moved.clone())?;
        let (was, is) = (Some(times(&before)), Some(times(&w.view)));
        let write = BookingWrite {
            daily_limit: None,
            history: history(
                &w.view,
                BookingAction::Rescheduled,
                actor,
                now,
                was.clone(),
                is,
                Some(reason.to_owned()),
            ),
            jobs: vec![event_job(actor, "booking.rescheduled", &w.view, now, was)?],
            idempotency: None,
            booking: moved,
        };
        match app.store.reschedule_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "rescheduled").increment(1);
                app.wake.notify_one();
                return Ok(w);
            }
            Err(StoreError::Stale) => continue,
            Err(StoreError::SlotTaken) => {
                return Err(AppError::Unavailable { refusal: Refusal::Taken, alternatives: Vec::new() });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Stale)
}

/// Cancels a booking, freeing its time at once. Cancelling a cancelled booking answers it as it
/// is.
pub async fn cancel(
    app: &App,
    actor: &Actor,
    id: BookingId,
    reason: Option<String>,
    idem: Option<&Idempotency>,
) -> AppResult<Written> {
    let reason = sked_core::booking::reason(reason.as_deref()).map_err(|e| AppError::Invalid(vec![e]))?;
    loop {
        let now = app.clock.now_second();
        let old = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
        if old.status == BookingStatus::Cancelled {
            return app.written(old);
        }
        let cancelled = Booking {
            status: BookingStatus::Cancelled,
            cancel_reason: reason.clone(),
            // A cancellation is a new version of the event too (iTIP `CANCEL` carries it).
            sequence: old.sequence + 1,
            updated_at: now,
            ..old
        };
        let w = app.written(cancelled.clone())?;
        let write = BookingWrite {
            daily_limit: None,
            history: history(&w.view, BookingAction::Cancelled, actor, now, None, None, reason.clone()),
            jobs: vec![event_job(actor, "booking.cancelled", &w.view, now, None)?],
            idempotency: idem.map(|k| k.record(actor.tenant, Outcome::Changed, &w.body, now)),
            booking: cancelled,
        };
        match app.store.cancel_booking(&write).await {
            Ok(()) => {
                metrics::counter!("sked_bookings_total", "outcome" => "cancelled").increment(1);
                app.wake.notify_one();
                return Ok(w);
            }
            // Someone else cancelled it meanwhile: the next read answers it as cancelled.
            Err(StoreError::Stale) => continue,
            Err(StoreError::Duplicate("idempotency_key")) => {
                return super::done_elsewhere(app, actor.tenant, idem).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
