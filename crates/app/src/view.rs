//! A booking as every outside reader sees it: API answers, idempotent replays, webhook and job
//! payloads. One shape, so a replay through any door reads the same as the first answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_core::interval::timestamp;
use sked_store::Booking;
use utoipa::ToSchema;

use crate::error::AppResult;

/// Unix seconds as RFC 3339 in UTC (`2026-03-09T14:00:00Z`).
pub fn rfc3339(second: i64) -> String {
    timestamp(second).to_string()
}

/// A booking as answers show it: the attendee's details as they were stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttendeeView {
    pub name: String,
    pub email: Option<String>,
    /// E.164 (`+15551234567`).
    pub phone: Option<String>,
    /// The attendee's IANA zone, for messages to them.
    pub time_zone: Option<String>,
}

/// A booking's status.
// The document's form of `sked_core::booking::BookingStatus`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum Status {
    Confirmed,
    Cancelled,
}

/// A booking.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BookingView {
    #[schema(value_type = String, format = Uuid)]
    pub id: BookingId,
    /// Stable calendar UID (ICS).
    pub uid: String,
    /// 6–8 characters without look-alikes.
    pub confirmation_code: String,
    /// `confirmed` or `cancelled`.
    #[schema(value_type = Status)]
    pub status: String,
    #[schema(value_type = String, format = Uuid)]
    pub event_type_id: EventTypeId,
    #[schema(value_type = String, format = Uuid)]
    pub host_id: HostId,
    /// Every host the booking occupies, `host_id` first.
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub host_ids: Vec<HostId>,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    pub attendee: AttendeeView,
    pub notes: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// `api`, `widget`, `voice` or `calcom` (mirrored from Cal.com).
    pub source: String,
    pub external_ref: Option<String>,
    /// Grows with each reschedule.
    pub sequence: i64,
    pub cancel_reason: Option<String>,
    /// True when someone marked the attendee as not having come.
    #[serde(default)]
    pub no_show: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Answers to the event type's questions, keyed by question id.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub answers: Value,
    /// The attendee's page to see, move or cancel the booking (absent when the server has no
    /// secret key to sign it with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_url: Option<String>,
}

/// Makes the attendee's signed manage link of a booking (the server knows its key and address).
pub trait ManageLinks: Send + Sync + std::fmt::Debug {
    /// The absolute URL of the booking's manage page.
    fn manage_url(&self, booking: BookingId) -> String;
}

/// The outside view of a stored booking, with its manage link when `links` can make one.
pub fn view(links: Option<&dyn ManageLinks>, b: Booking) -> AppResult<BookingView> {
    Ok(BookingView {
        manage_url: links.map(|l| l.manage_url(b.id)),
        answers: serde_json::from_str(&b.answers).map_err(anyhow::Error::from)?,
        id: b.id,
        uid: b.uid,
        confirmation_code: b.confirmation_code,
        status: b.status.as_str().to_owned(),
        event_type_id: b.event_type_id,
        host_id: b.host_id,
        host_ids: b.host_ids.0,
        start: rfc3339(b.start_at),
        end: rfc3339(b.end_at),
        attendee: AttendeeView {
            name: b.attendee_name,
            email: b.attendee_email,
            phone: b.attendee_phone,
            time_zone: b.attendee_time_zone,
        },
        notes: b.notes,
        metadata: serde_json::from_str(&b.metadata).map_err(anyhow::Error::from)?,
        source: b.source.as_str().to_owned(),
        external_ref: b.external_ref,
        sequence: b.sequence,
        cancel_reason: b.cancel_reason,
        no_show: b.no_show_at.is_some(),
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    })
}

/// A booking written, with its view serialised as it was stored for replays.
#[derive(Debug)]
pub struct Written {
    /// The view.
    pub view: BookingView,
    /// The view as JSON.
    pub body: String,
}

/// The view and its JSON.
pub fn written(links: Option<&dyn ManageLinks>, b: Booking) -> AppResult<Written> {
    let view = view(links, b)?;
    let body = serde_json::to_string(&view).map_err(anyhow::Error::from)?;
    Ok(Written { view, body })
}
