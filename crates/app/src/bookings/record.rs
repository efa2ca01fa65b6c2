//! What a booking change leaves behind besides the booking: its history entry and the outbox
//! job that tells later consumers.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sked_core::booking::BookingAction;
use sked_core::ids::BookingId;
use sked_jobs::Job;
use sked_store::{HistoryEntry, NewJob};

use super::Actor;
use crate::view::{BookingView, rfc3339};
use crate::{AppError, AppResult};

/// The job kind of a booking change (created, rescheduled, cancelled).
pub const BOOKING_EVENT: &str = "booking.event";

/// The event of a new booking.
pub const CREATED: &str = "booking.created";

/// A booking's times and hosts, as history shows before and after a change.
pub(super) fn times(v: &BookingView) -> Value {
    json!({ "start": v.start, "end": v.end, "host_ids": v.host_ids, "status": v.status })
}

pub(super) fn history(
    v: &BookingView,
    action: BookingAction,
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
        action,
        before: before.map(|b| b.to_string()),
        after: after.or_else(|| Some(times(v))).map(|a| a.to_string()),
        reason,
    }
}

/// A booking change, for later consumers (webhooks, email, SMS, calendar write-back): the
/// payload of a `booking.event` job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BookingEvent {
    /// `booking.created`, `booking.rescheduled` or `booking.cancelled`.
    pub event: String,
    /// The booking.
    pub booking_id: BookingId,
    /// When it changed (RFC 3339).
    pub occurred_at: String,
    /// The booking as the API shows it, after the change.
    pub booking: Value,
    /// Its times and hosts before a reschedule.
    #[serde(default)]
    pub previous: Option<Value>,
}

impl Job for BookingEvent {
    const KIND: &'static str = BOOKING_EVENT;
}

/// The outbox job announcing a booking change to its consumers (one job for all of them).
pub(super) fn event_job(
    actor: &Actor,
    event: &str,
    v: &BookingView,
    now: i64,
    previous: Option<Value>,
) -> AppResult<NewJob> {
    let payload = |e: serde_json::Error| AppError::Internal(anyhow::Error::new(e).context("a booking event"));
    let event = BookingEvent {
        event: event.to_owned(),
        booking_id: v.id,
        occurred_at: rfc3339(now),
        booking: serde_json::to_value(v).map_err(payload)?,
        previous,
    };
    event.to_new(Some(actor.tenant), now).map_err(payload)
}
