//! The facts a message tells, kept with the message.

use serde::{Deserialize, Serialize};

/// What one message tells: the booking as of the change (or the alert), who reads it, in which
/// zone, and the links it offers. Stored as the message's payload, so a retry sends the same.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notice {
    /// `confirmation`, `reschedule`, `cancellation`, `reminder`, `connection_alert`, `forward`,
    /// `reply`, `webhook_disabled`.
    pub kind: String,
    /// The business's name.
    pub business: String,
    /// Where replies go, when the business set it.
    pub reply_to: Option<String>,
    /// The event type's title.
    pub title: String,
    /// The booking's calendar UID and version.
    pub uid: String,
    pub sequence: i64,
    pub cancelled: bool,
    /// When the change it tells about happened (the invitation's `DTSTAMP`).
    pub stamp: i64,
    /// Start and end (Unix seconds).
    pub start: i64,
    pub end: i64,
    /// Before a reschedule.
    pub previous_start: Option<i64>,
    pub code: String,
    pub location: Option<String>,
    pub host_name: String,
    pub host_email: Option<String>,
    pub attendee_name: String,
    pub attendee_email: Option<String>,
    pub attendee_phone: Option<String>,
    pub notes: Option<String>,
    /// Why it was cancelled or moved.
    pub reason: Option<String>,
    /// The reader's name (greeting) and zone (IANA), in which times are written.
    pub reader_name: String,
    pub zone: String,
    /// `attendee` or `host`: who reads it.
    pub role: String,
    /// Where the attendee can see, move or cancel the booking.
    pub manage_url: Option<String>,
    /// Where the reader stops reminder email.
    pub unsubscribe_url: Option<String>,
    /// Minutes before the start, for a reminder.
    pub offset_minutes: Option<i64>,
    /// Free text: an attendee's SMS passed on, or an alert's reason.
    pub text: Option<String>,
    /// An action link: reconnect a calendar, see the webhook.
    pub link: Option<String>,
}

impl Notice {
    /// Whether this notice is about a booking (and so carries an invitation).
    pub fn is_booking(&self) -> bool {
        matches!(self.kind.as_str(), "confirmation" | "reschedule" | "cancellation" | "reminder")
    }
}
