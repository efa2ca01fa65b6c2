//! What a booking change leaves behind besides the booking: its history entry and the outbox
//! job that tells later consumers.

use serde_json::{Value, json};
use sked_store::{HistoryEntry, NewJob};

use super::Actor;
use crate::view::{BookingView, rfc3339};
use crate::{AppError, AppResult};

/// The job kind of a booking change (created, rescheduled, cancelled).
pub const BOOKING_EVENT: &str = "booking.event";

/// A booking's times and hosts, as history shows before and after a change.
pub(super) fn times(v: &BookingView) -> Value {
    json!({ "start": v.start, "end": v.end, "host_ids": v.host_ids, "status": v.status })
}

pub(super) fn history(
    v: &BookingView,
    action: &str,
    actor: &Actor,
    now: i64,
    before: Option<Value>,
    after: Option<Value>,
    reason: Option<String>,
) -> HistoryEntry {
    HistoryEntry {
        id: uuid::Uuid::now_v7(),
        booking_id: v.id,
        tenant_id: actor.tenant,
        at: now,
        actor: actor.name.clone(),
        action: action.into(),
        before: before.map(|b| b.to_string()),
        after: after.or_else(|| Some(times(v))).map(|a| a.to_string()),
        reason,
    }
}

/// The outbox job announcing a booking change to later consumers (webhooks, email, SMS,
/// calendar write-back).
pub(super) fn event_job(
    actor: &Actor,
    event: &str,
    v: &BookingView,
    now: i64,
    previous: Option<Value>,
) -> AppResult<NewJob> {
    let payload = json!({
        "event": event,
        "booking_id": v.id,
        "occurred_at": rfc3339(now),
        "booking": v,
        "previous": previous,
    });
    sked_jobs::new_job(Some(actor.tenant), BOOKING_EVENT, &payload, now)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("the booking event's payload")))
}
