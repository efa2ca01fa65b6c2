//! Following the host's own changes back: an event Sked wrote for a booking, moved or deleted
//! by the host in their calendar (whichever provider), moves or cancels the booking (or, when
//! the new time is taken, is put back where the booking is).

use jiff::tz::TimeZone;
use serde_json::json;
use sked_app::{Actor, AppError, bookings};
use sked_calendar::busy::StoredEvent;
use sked_core::booking::BookingStatus;
use sked_core::ids::BookingId;
use sked_store::{BookingCalendarEvent, Connection, HistoryEntry, StoreError};

use super::jobs::Push;
use super::provider::Provider;
use super::tokens::Session;
use super::{CalError, job};
use crate::state::Services;

/// What following an event did to its booking.
pub(super) enum Followed {
    Nothing,
    Moved,
    Cancelled,
}

/// Follows a change the host made in their calendar to an event Sked wrote for a booking.
///
/// A listing can be overtaken by our own write (the booking rescheduled in Sked and pushed
/// while the listing was in flight): so before acting, the event is read again from the
/// provider, with pushes of the booking held off, and what it says now is followed.
pub(super) async fn follow(
    session: &mut Session<'_>,
    p: &dyn Provider,
    calendar: &str,
    listed: &StoredEvent,
    booking: &str,
    zone: &TimeZone,
) -> Result<Followed, CalError> {
    let Ok(id) = booking.parse::<BookingId>() else { return Ok(Followed::Nothing) };
    let state = session.state();
    let c = session.conn.clone();
    if !listed.cancelled && written(state, &c, calendar, &listed.id, id).await?.is_none() {
        return unrecorded(session, p, calendar, listed, id).await;
    }
    if !differs(state, &c, calendar, listed, id, zone).await? {
        return Ok(Followed::Nothing);
    }
    let _no_push_meanwhile = super::writeback::booking_lock(id).await;
    let current = p
        .event(session, calendar, &listed.id, zone)
        .await?
        .unwrap_or_else(|| StoredEvent { cancelled: true, ..listed.clone() });
    follow_now(state, &c, p, calendar, &current, id, zone).await
}

/// An event Sked wrote that no record stands for: the answer to its create was lost (a
/// timeout), and a retry had not found it yet. While its booking is confirmed, the retry will;
/// once the booking is cancelled nothing else deletes it, and its attendee would keep the
/// invitation, so it is deleted here.
async fn unrecorded(
    session: &mut Session<'_>,
    p: &dyn Provider,
    calendar: &str,
    e: &StoredEvent,
    id: BookingId,
) -> Result<Followed, CalError> {
    let state = session.state();
    let tenant = session.conn.tenant_id;
    let booking = match state.store.booking(tenant, id).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Ok(Followed::Nothing),
        Err(err) => return Err(err.into()),
    };
    if booking.status == BookingStatus::Confirmed {
        return Ok(Followed::Nothing);
    }
    let _no_push_meanwhile = super::writeback::booking_lock(id).await;
    let et = state.store.event_type(tenant, booking.event_type_id).await?;
    p.remove(session, calendar, &e.id, None, &et).await?;
    tracing::info!(booking = %id, event = %e.id, calendar, "deleted the unrecorded event of a cancelled booking");
    Ok(Followed::Nothing)
}

/// Whether an event of ours is no longer what was written for its booking.
pub(super) async fn differs(
    state: &Services,
    c: &Connection,
    calendar: &str,
    e: &StoredEvent,
    id: BookingId,
    zone: &TimeZone,
) -> Result<bool, CalError> {
    let Some(m) = written(state, c, calendar, &e.id, id).await? else { return Ok(false) };
    Ok(e.cancelled || times(e, zone).is_some_and(|t| t != (m.start_at, m.end_at)))
}

/// What was written for booking `id` as `event` in this calendar, while it stands.
async fn written(
    state: &Services,
    c: &Connection,
    calendar: &str,
    event: &str,
    id: BookingId,
) -> Result<Option<BookingCalendarEvent>, CalError> {
    let mapped = state.store.booking_calendar_events(id).await?;
    Ok(mapped.into_iter().find(|m| {
        m.connection_id == c.id && m.calendar_id == calendar && m.event_id == event && m.status == "active"
    }))
}

/// An event's start and end, as instants (all-day ones in `zone`).
fn times(e: &StoredEvent, zone: &TimeZone) -> Option<(i64, i64)> {
    let z = e.zone(zone);
    Some((e.start?.instant(&z)?, e.end?.instant(&z)?))
}

/// Follows what the provider says of one of our events now.
async fn follow_now(
    state: &Services,
    c: &Connection,
    p: &dyn Provider,
    calendar: &str,
    e: &StoredEvent,
    id: BookingId,
    zone: &TimeZone,
) -> Result<Followed, CalError> {
    let Some(m) = written(state, c, calendar, &e.id, id).await? else { return Ok(Followed::Nothing) };
    let booking = match state.store.booking(c.tenant_id, id).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Ok(Followed::Nothing),
        Err(err) => return Err(err.into()),
    };
    let now = state.clock.now_second();
    // Cancelled bookings stay cancelled, and what happened stays: tidying up a past event
    // changes nothing.
    if booking.status != BookingStatus::Confirmed || booking.end_at <= now {
        return Ok(Followed::Nothing);
    }
    let actor = Actor { tenant: c.tenant_id, name: p.name().into() };
    if e.cancelled {
        bookings::cancel(&state.app, &actor, id, Some(format!("deleted in {}", p.label())), None)
            .await
            .map_err(CalError::from_booking)?;
        state
            .store
            .save_booking_calendar_event(&BookingCalendarEvent {
                status: "deleted".into(),
                updated_at: now,
                ..m
            })
            .await?;
        return Ok(Followed::Cancelled);
    }
    let Some((start, end)) = times(e, zone) else {
        return Ok(Followed::Nothing);
    };
    if (start, end) == (m.start_at, m.end_at) {
        // Unchanged since we wrote it.
        return Ok(Followed::Nothing);
    }
    let seen = BookingCalendarEvent { start_at: start, end_at: end, updated_at: now, ..m };
    if (start, end) == (booking.start_at, booking.end_at) {
        // Already where the booking is.
        state.store.save_booking_calendar_event(&seen).await?;
        return Ok(Followed::Nothing);
    }
    let moved = format!("moved in {}", p.label());
    match bookings::move_by_host(&state.app, &actor, id, start, end, &moved).await {
        Ok(_) => {
            state.store.save_booking_calendar_event(&seen).await?;
            Ok(Followed::Moved)
        }
        Err(refused) => {
            // The new time is not free (another booking has it): the booking stays, the
            // refusal is recorded, and the event is put back where the booking is.
            let why = match refused {
                e @ (AppError::Unavailable { .. } | AppError::Rejected(_) | AppError::Stale) => e.to_string(),
                other => return Err(CalError::from_booking(other)),
            };
            state
                .store
                .add_history(&HistoryEntry {
                    id: uuid::Uuid::now_v7(),
                    booking_id: id,
                    tenant_id: c.tenant_id,
                    at: now,
                    actor: p.name().into(),
                    action: sked_core::booking::BookingAction::MoveRefused,
                    before: None,
                    after: Some(
                        json!({ "start": crate::time::rfc3339(start), "end": crate::time::rfc3339(end) })
                            .to_string(),
                    ),
                    reason: Some(format!("{moved} to a time that is not free: {why}")),
                })
                .await?;
            state.store.save_booking_calendar_event(&seen).await?;
            state.store.enqueue(&job(c.tenant_id, &Push { booking_id: id }, now)?).await?;
            state.wake_worker.notify_one();
            let why = "host moved a booking's event onto taken time; moved back";
            tracing::info!(booking = %id, calendar, "{why}");
            Ok(Followed::Nothing)
        }
    }
}
