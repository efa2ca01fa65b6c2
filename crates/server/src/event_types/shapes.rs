//! The shapes of `/v1/event-types`: what requests send and answers show, with the rules the
//! document states.

use serde::{Deserialize, Serialize};
use sked_core::ids::{EventTypeId, HostId};
use sked_core::notify::Reminder;
use sked_core::questions::Question;
use utoipa::ToSchema;

use crate::openapi::{Slug, host_ids};

/// An event type.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventTypeView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EventTypeId,
    /// Unique per tenant: lowercase letters, digits and dashes.
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub duration_minutes: i64,
    /// Step between candidate starts (the duration unless set).
    pub slot_interval_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub min_notice_minutes: i64,
    pub max_days_ahead: i64,
    /// Most confirmed bookings per host per local day; `null` is no limit.
    pub daily_limit: Option<i64>,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub host_ids: Vec<HostId>,
    /// `round_robin`, `least_busy`, `priority`, `specific` or `collective`.
    #[schema(value_type = AssignmentName)]
    pub assignment: String,
    pub location: Option<String>,
    /// Who the host's connected calendar (Google) emails about the event written for a
    /// booking: `all` (the client gets an invitation), `external_only` or `none`.
    #[schema(value_type = SendUpdates)]
    pub send_updates: String,
    /// Reminders to the attendee before the start.
    #[schema(value_type = Vec<ReminderShape>)]
    pub reminders: Vec<Reminder>,
    /// Questions whoever books is asked.
    #[schema(value_type = Vec<QuestionShape>)]
    pub questions: Vec<Question>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates an event type.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventType {
    #[schema(value_type = Slug)]
    pub slug: String,
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: u32,
    /// Step between candidate starts (default: the duration).
    #[schema(minimum = 1, maximum = 10080)]
    pub slot_interval_minutes: Option<u32>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10080, default = 0)]
    pub buffer_before_minutes: u32,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10080, default = 0)]
    pub buffer_after_minutes: u32,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 527040, default = 0)]
    pub min_notice_minutes: u32,
    #[serde(default = "default_days")]
    #[schema(minimum = 1, maximum = 3660, default = 60)]
    pub max_days_ahead: u32,
    /// Most confirmed bookings per host per local day (absent or `null`: no limit).
    #[schema(minimum = 1, maximum = 10000)]
    pub daily_limit: Option<u32>,
    /// Distinct hosts of the tenant, at least one.
    #[schema(schema_with = host_ids)]
    pub host_ids: Vec<String>,
    #[serde(default = "default_assignment")]
    #[schema(value_type = AssignmentName, default = "round_robin")]
    pub assignment: String,
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub location: Option<String>,
    /// `all` (default), `external_only` or `none`.
    #[serde(default = "default_send_updates")]
    #[schema(value_type = SendUpdates, default = "all")]
    pub send_updates: String,
    /// Reminders to the attendee (default: a day and an hour before, by email and SMS; `[]`:
    /// none). At most 10, each offset once.
    #[serde(default = "sked_core::notify::default_reminders")]
    #[schema(value_type = Vec<ReminderShape>, max_items = 10)]
    pub reminders: Vec<Reminder>,
    /// Custom questions asked when booking (default none). At most 20.
    #[serde(default)]
    #[schema(value_type = Vec<QuestionShape>, max_items = 20)]
    pub questions: Vec<Question>,
}

/// A custom question.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
#[schema(as = Question)]
pub struct QuestionShape {
    /// Unique within the event type; answers are keyed by it.
    #[schema(pattern = "^[a-z0-9_-]{1,40}$")]
    id: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    label: String,
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: QuestionKind,
    /// Whether every booking must answer it (default false).
    #[serde(default)]
    required: bool,
    /// The options of a `choice` (1 to 50, distinct); absent or empty for the other types.
    #[serde(default)]
    #[schema(max_items = 50)]
    options: Vec<String>,
}

/// The kind of answer a question takes.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    Choice,
    YesNo,
}

/// A reminder: sent `offset_minutes` before the start on each channel.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
#[schema(as = Reminder)]
pub struct ReminderShape {
    #[schema(minimum = 0, maximum = 86400)]
    offset_minutes: i64,
    #[schema(schema_with = reminder_channels)]
    channels: Vec<ReminderChannel>,
}

/// One or both channels, each once.
fn reminder_channels() -> utoipa::openapi::schema::Array {
    use utoipa::PartialSchema;
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(ReminderChannel::schema())
        .min_items(Some(1))
        .max_items(Some(2))
        .unique_items(true)
        .build()
}

/// A channel a reminder goes by.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum ReminderChannel {
    Email,
    Sms,
}

/// How an event type picks the host of a booking.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
#[schema(as = Assignment)]
pub enum AssignmentName {
    RoundRobin,
    LeastBusy,
    Priority,
    Specific,
    Collective,
}

/// Who the host's connected calendar emails about a booking's event.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum SendUpdates {
    All,
    ExternalOnly,
    None,
}

fn default_days() -> u32 {
    60
}

fn default_assignment() -> String {
    "round_robin".into()
}

fn default_send_updates() -> String {
    "all".into()
}

/// Values of `send_updates`.
pub const SEND_UPDATES: [&str; 3] = [
    sked_core::notify::SendUpdates::All.as_str(),
    sked_core::notify::SendUpdates::ExternalOnly.as_str(),
    sked_core::notify::SendUpdates::None.as_str(),
];

/// Changes an event type; absent fields stay, `null` clears a nullable one (and leaves the
/// others).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEventType {
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub description: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 10080)]
    pub duration_minutes: Option<u32>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10080)]
    pub slot_interval_minutes: Option<Option<u32>>,
    #[schema(minimum = 0, maximum = 10080)]
    pub buffer_before_minutes: Option<u32>,
    #[schema(minimum = 0, maximum = 10080)]
    pub buffer_after_minutes: Option<u32>,
    #[schema(minimum = 0, maximum = 527040)]
    pub min_notice_minutes: Option<u32>,
    #[schema(minimum = 1, maximum = 3660)]
    pub max_days_ahead: Option<u32>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    pub daily_limit: Option<Option<u32>>,
    #[schema(schema_with = host_ids)]
    pub host_ids: Option<Vec<String>>,
    #[schema(value_type = Option<AssignmentName>)]
    pub assignment: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500, pattern = "\\S")]
    pub location: Option<Option<String>>,
    #[schema(value_type = Option<SendUpdates>)]
    pub send_updates: Option<String>,
    #[schema(value_type = Option<Vec<ReminderShape>>, max_items = 10)]
    pub reminders: Option<Vec<Reminder>>,
    #[schema(value_type = Option<Vec<QuestionShape>>, max_items = 20)]
    pub questions: Option<Vec<Question>>,
}
