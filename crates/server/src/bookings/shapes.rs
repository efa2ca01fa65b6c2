//! The shapes of `/v1/bookings`: what requests send and answers show, with the rules the
//! document states.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sked_store::Booking;
use utoipa::{IntoParams, ToSchema};

pub use sked_app::BookingView;
use sked_app::view::Status;

use crate::error::ApiResult;
use crate::openapi::{EmailAddress, Instant, PhoneNumber, TimeZoneName};

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

/// Where a booking came from.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Source {
    Api,
    Widget,
    Voice,
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
    /// Answers to the event type's questions, keyed by question id: text for `text` and
    /// `choice` questions, `true`/`false` for `yes_no`. Every required question must be answered.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub answers: Option<Value>,
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
pub fn view(app: &sked_app::App, b: Booking) -> ApiResult<BookingView> {
    Ok(app.view(b)?)
}
