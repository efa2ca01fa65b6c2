//! Attendance: an attendee confirming they will come (an SMS `C`), recorded in the booking's
//! history only; and someone marking that the attendee did not come (a no-show), kept on the
//! booking with its history entry.

use sked_core::FieldError;
use sked_core::booking::{BookingAction, BookingStatus};
use sked_core::ids::BookingId;

use super::Actor;
use super::record::{history, times};
use crate::view::BookingView;
use crate::{App, AppError, AppResult};

/// Records that the attendee confirmed booking `id`; answers the booking, or `None` when it is
/// no longer confirmed (cancelled meanwhile) and there is nothing to confirm.
pub async fn confirm_attendance(app: &App, actor: &Actor, id: BookingId) -> AppResult<Option<BookingView>> {
    let b = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
    if b.status != BookingStatus::Confirmed {
        return Ok(None);
    }
    let v = app.view(b)?;
    let now = app.clock.now_second();
    let entry = history(&v, BookingAction::AttendanceConfirmed, actor, now, None, Some(times(&v)), None);
    app.store.add_history(&entry).await.map_err(|e| AppError::store("booking", e))?;
    Ok(Some(v))
}

/// Marks booking `id` as a no-show (`no_show: true`) or takes the mark back, recording
/// `no_show` or `no_show_cleared` in its history. Only a confirmed booking that has started can
/// be marked.
pub async fn mark_no_show(app: &App, actor: &Actor, id: BookingId, no_show: bool) -> AppResult<BookingView> {
    let b = app.store.booking(actor.tenant, id).await.map_err(|e| AppError::store("booking", e))?;
    let now = app.clock.now_second();
    if b.status != BookingStatus::Confirmed {
        return Err(AppError::Rejected("only a confirmed booking can be marked as a no-show".into()));
    }
    if no_show && b.start_at > now {
        return Err(AppError::Invalid(vec![FieldError::new("no_show", "the booking has not started yet")]));
    }
    let at = no_show.then_some(now);
    let marked = sked_store::Booking { no_show_at: at, updated_at: now, ..b };
    let v = app.view(marked)?;
    let action = if no_show { BookingAction::NoShow } else { BookingAction::NoShowCleared };
    let entry = history(&v, action, actor, now, None, Some(serde_json::json!({ "no_show": no_show })), None);
    app.store.set_no_show(actor.tenant, id, at, &entry).await.map_err(|e| match e {
        sked_store::StoreError::Stale => AppError::Stale,
        e => AppError::store("booking", e),
    })?;
    Ok(v)
}
