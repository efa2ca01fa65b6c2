//! An attendee confirming they will come (an SMS `C`): recorded in the booking's history; the
//! booking itself does not change.

use sked_core::booking::BookingStatus;
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
    let entry = history(&v, "attendance_confirmed", actor, now, None, Some(times(&v)), None);
    app.store.add_history(&entry).await.map_err(|e| AppError::store("booking", e))?;
    Ok(Some(v))
}
