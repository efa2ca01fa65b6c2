//! The shapes of `/v1/bookings`: what requests send and answers show, with the rules the
//! document states.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_store::Booking;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiResult;
use crate::openapi::{EmailAddress, Instant, PhoneNumber, TimeZoneName};
use crate::time::rfc3339;

/// Who a booking is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<String>,
    /// E.164 (`+15551234567`).
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
    /// The attendee's IANA zone, for messages to them.
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
}

/// A booking as answers show it: the attendee's details as they were stored.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
struct AttendeeView {
    name: String,
    email: Option<String>,
    /// E.164 (`+15551234567`).
    phone: Option<String>,
    /// The attendee's IANA zone, for messages to them.
    time_zone: Option<String>,
}

/// A booking's status.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Status {
    Confirmed,
    Cancelled,
}

/// Where a booking came from.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Source {
    Api,
    Widget,
    Voice,
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
    #[schema(value_type = AttendeeView)]
    pub attendee: Attendee,
    pub notes: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// `api`, `widget` or `voice`.
    pub source: String,
    pub external_ref: Option<String>,
    /// Grows with each reschedule.
    pub sequence: i64,
    pub cancel_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Books a time.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBooking {
    #[schema(value_type = String, format = Uuid)]
    pub event_type_id: String,
    /// RFC 3339; must be a slot of the event type.
    #[schema(value_type = Instant)]
    pub start: String,
    pub attendee: Attendee,
    /// Book this host (otherwise the event type's assignment chooses).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<String>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// Any JSON object, kept with the booking (at most 16 KiB as JSON).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// `api` (default), `widget` or `voice`.
    #[schema(value_type = Option<Source>)]
    pub source: Option<String>,
    /// The caller's own reference.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub external_ref: Option<String>,
}

/// Moves a booking.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBooking {
    /// New start, RFC 3339; must be a slot of the event type.
    #[schema(value_type = Instant)]
    pub start: String,
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// Move it to this host.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<String>,
}

/// Cancels a booking.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBooking {
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// One change in a booking's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryView {
    #[schema(format = DateTime)]
    pub at: String,
    /// `api_key:<id>`, `operator`, `system`, `google`, ...
    pub actor: String,
    /// `created`, `rescheduled` or `cancelled`.
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// A booking's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryList {
    pub data: Vec<HistoryView>,
}

/// Filters of the booking list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookingQuery {
    /// Bookings ending after this instant (RFC 3339).
    #[param(value_type = Option<Instant>, inline)]
    pub from: Option<String>,
    /// Bookings starting before this instant (RFC 3339).
    #[param(value_type = Option<Instant>, inline)]
    pub to: Option<String>,
    #[param(format = Uuid)]
    pub host_id: Option<String>,
    /// `confirmed` or `cancelled`.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Text in the attendee's name, email or phone, or the confirmation code.
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(format = Uuid)]
    pub event_type_id: Option<String>,
    /// The caller's own reference (a voice booking's call id).
    #[param(max_length = 200)]
    pub external_ref: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The API's view of a stored booking.
pub fn view(b: Booking) -> ApiResult<BookingView> {
    Ok(BookingView {
        id: b.id,
        uid: b.uid,
        confirmation_code: b.confirmation_code,
        status: b.status,
        event_type_id: b.event_type_id,
        host_id: b.host_id,
        host_ids: b.host_ids.0,
        start: rfc3339(b.start_at),
        end: rfc3339(b.end_at),
        attendee: Attendee {
            name: b.attendee_name,
            email: b.attendee_email,
            phone: b.attendee_phone,
            time_zone: b.attendee_time_zone,
        },
        notes: b.notes,
        metadata: serde_json::from_str(&b.metadata).map_err(anyhow::Error::from)?,
        source: b.source,
        external_ref: b.external_ref,
        sequence: b.sequence,
        cancel_reason: b.cancel_reason,
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    })
}
