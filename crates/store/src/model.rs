//! Records as stored. Instants are Unix seconds; JSON columns are kept as text and interpreted
//! by the layer that owns their shape.

use sked_core::assign::Assignment;
use sked_core::booking::{BookingAction, BookingSource, BookingStatus};
use sked_core::ids::{
    ApiKeyId, BlockId, BookingId, EventTypeId, HostId, JobId, ScheduleId, TenantId, VoiceAgentId,
};
use sked_core::local::HourClock;
use sked_core::notify::SendUpdates;
use sked_core::zone::Zone;
use sked_voice::Platform;
use sked_when::Language;
use sqlx::FromRow;

use crate::JobStatus;

/// Reads a field kept as text through its `TryFrom<String>`, as `#[sqlx(try_from = "String")]`
/// does, for the records PostgreSQL hands over as JSON (see `sql::availability`).
fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<String, Error: std::fmt::Display>,
{
    T::try_from(<String as serde::Deserialize>::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// In public URLs: lower-case letters, digits and dashes, unique.
    pub slug: String,
    /// Creation instant.
    pub created_at: i64,
}

/// An API key, without its secret (only the SHA-256 of a key is stored).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ApiKey {
    /// Id.
    pub id: ApiKeyId,
    /// Tenant the key acts for.
    pub tenant_id: TenantId,
    /// A label.
    pub name: String,
    /// The key's first characters, to recognise it in lists.
    pub prefix: String,
    /// Creation instant.
    pub created_at: i64,
    /// When it stopped working.
    pub revoked_at: Option<i64>,
}

/// A schedule; `weekly` and `overrides` are JSON in the API's shape.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub tenant_id: TenantId,
    pub name: String,
    #[sqlx(try_from = "String")]
    #[serde(deserialize_with = "parsed")]
    pub time_zone: Zone,
    pub weekly: String,
    pub overrides: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A host.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct Host {
    pub id: HostId,
    pub tenant_id: TenantId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sqlx(try_from = "String")]
    #[serde(deserialize_with = "parsed")]
    pub time_zone: Zone,
    pub schedule_id: Option<ScheduleId>,
    pub priority: i64,
    pub weight: i64,
    pub active: bool,
    /// Bumped with every change to the host's availability (its own fields, its schedule, its
    /// bookings and blocks), in the same transaction; caches compare it.
    pub version: i64,
    /// The longest blocked interval any of its bookings had (seconds): how far back an overlap
    /// query for this host must look.
    pub max_span: i64,
    /// The longest busy interval from its connected calendars (seconds): how far back a query
    /// of its external busy time must look.
    pub external_span: i64,
    /// Bumped with every change to its busy time from connected calendars (kept apart from
    /// `version`, so a booking does not make caches read calendar busy time again).
    pub external_version: i64,
    /// What the host's calendar feed URL is signed with; bumped to make earlier URLs stop working.
    pub feed_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An event type.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct EventType {
    pub id: EventTypeId,
    pub tenant_id: TenantId,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub duration_minutes: i64,
    pub slot_interval_minutes: Option<i64>,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub min_notice_minutes: i64,
    pub max_days_ahead: i64,
    pub daily_limit: Option<i64>,
    #[sqlx(try_from = "String")]
    #[serde(deserialize_with = "parsed")]
    pub assignment: Assignment,
    pub location: Option<String>,
    /// Who the calendar provider emails about events written for bookings.
    #[sqlx(try_from = "String")]
    #[serde(deserialize_with = "parsed")]
    pub send_updates: SendUpdates,
    /// Reminders, JSON `[{"offset_minutes", "channels"}]`.
    pub reminders: String,
    /// Custom questions, JSON `[{"id", "label", "type", "required", "options"}]`.
    pub questions: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Hosts in their configured order (the order ties are broken in).
    #[sqlx(skip)]
    #[serde(default)]
    pub host_ids: Vec<HostId>,
}

/// An internal busy block, possibly recurring.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct Block {
    pub id: BlockId,
    pub tenant_id: TenantId,
    pub host_id: HostId,
    pub title: String,
    pub start_at: i64,
    pub end_at: i64,
    pub rrule: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A booking.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Booking {
    pub id: BookingId,
    pub tenant_id: TenantId,
    pub uid: String,
    pub confirmation_code: String,
    #[sqlx(try_from = "String")]
    pub status: BookingStatus,
    pub event_type_id: EventTypeId,
    pub host_id: HostId,
    pub start_at: i64,
    pub end_at: i64,
    /// The event type's buffers when the booking was made: its blocked interval keeps them.
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub attendee_name: String,
    pub attendee_email: Option<String>,
    pub attendee_phone: Option<String>,
    pub attendee_time_zone: Option<String>,
    pub notes: Option<String>,
    /// JSON object.
    pub metadata: String,
    #[sqlx(try_from = "String")]
    pub source: BookingSource,
    pub external_ref: Option<String>,
    /// Grows with each reschedule (the ICS SEQUENCE).
    pub sequence: i64,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Answers to the event type's questions, JSON object keyed by question id.
    pub answers: String,
    /// When someone marked the attendee as not having come.
    pub no_show_at: Option<i64>,
    /// Every host the booking occupies, `host_id` first.
    #[sqlx(try_from = "String")]
    pub host_ids: HostIds,
}

/// A list of ids stored as a JSON array in one column.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Ids<T>(pub Vec<T>);

/// Hosts a booking occupies.
pub type HostIds = Ids<HostId>;

impl<T: serde::Serialize> Ids<T> {
    /// As stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }
}

impl<T: serde::de::DeserializeOwned> TryFrom<String> for Ids<T> {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s)
    }
}

impl<T> std::ops::Deref for Ids<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl Booking {
    /// `[start - buffer_before, end + buffer_after)`.
    pub fn blocked(&self) -> sked_core::Interval {
        sked_core::busy::blocked_interval(
            self.start_at,
            self.end_at,
            self.buffer_before_minutes.clamp(0, i64::from(u32::MAX)) as u32,
            self.buffer_after_minutes.clamp(0, i64::from(u32::MAX)) as u32,
        )
    }
}

/// One change to a booking.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct HistoryEntry {
    pub id: uuid::Uuid,
    pub booking_id: BookingId,
    pub tenant_id: TenantId,
    pub at: i64,
    /// Who: `api_key:<id>`, `operator`, `system`, `google`, ...
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub action: BookingAction,
    /// JSON snapshot of the changed fields before (absent for `created`).
    pub before: Option<String>,
    /// JSON snapshot after.
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// A durable background job.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Job {
    pub id: JobId,
    pub tenant_id: Option<TenantId>,
    /// What to do (`booking.event`, `webhook.deliver`, ...).
    pub kind: String,
    /// JSON.
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: i64,
    pub max_attempts: i64,
    /// Not before this instant.
    pub run_at: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A job to enqueue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub id: JobId,
    pub tenant_id: Option<TenantId>,
    pub kind: String,
    /// JSON, with ids rather than secrets (a secret a job needs is kept in a row of its own).
    pub payload: String,
    /// Jobs of one kind with the same key are one piece of work (see
    /// [`crate::JobStore::enqueue_unless_queued`]).
    pub dedupe_key: Option<String>,
    pub run_at: i64,
    pub max_attempts: i64,
    pub created_at: i64,
}

/// A stored answer to an idempotent request.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct IdempotentResponse {
    pub tenant_id: TenantId,
    pub key: String,
    /// SHA-256 of the request (method, path, body), to spot a key reused with another body.
    pub request_hash: Vec<u8>,
    pub status: i64,
    pub response: String,
    pub created_at: i64,
}

/// A confirmed booking's occupancy of one host, as availability needs it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct Occupancy {
    pub booking_id: BookingId,
    pub host_id: HostId,
    pub event_type_id: EventTypeId,
    pub start_at: i64,
    pub blocked_start: i64,
    pub blocked_end: i64,
}

/// What availability of an event type depends on besides time: the event type, its active hosts
/// and their schedules. It changes only when one of them is edited, so a reader may keep it and
/// have it sent again only when its [stamp](AvailabilityData::stamp) moved.
#[derive(Clone, Debug)]
pub struct AvailabilityContext {
    /// The event type (its `host_ids` are the active ones).
    pub event_type: EventType,
    /// The event type's active hosts, in its order.
    pub hosts: Vec<Host>,
    /// Their schedules (each once).
    pub schedules: Vec<Schedule>,
}

/// Everything availability of one event type depends on, for one range.
#[derive(Clone, Debug)]
pub struct AvailabilityData {
    /// What the context was read at, read in the same snapshot of the database as the rest: two
    /// equal stamps of one event type mean equal contexts. Opaque; compare it, never parse it.
    pub stamp: String,
    /// The context, or `None` when the reader said it holds the context of this very stamp.
    pub context: Option<AvailabilityContext>,
    /// Confirmed bookings' occupancy of those hosts overlapping the range.
    pub occupancy: Vec<Occupancy>,
    /// Their blocks: one-off ones overlapping the range, and every recurring one.
    pub blocks: Vec<Block>,
    /// The round-robin counts of the event type's hosts, when asked for (a booking's near-start
    /// read: read with the rest instead of after it).
    pub assigned: Option<Vec<Assigned>>,
}

/// A host's round-robin count for an event type (hosts never assigned have none).
#[derive(Clone, Debug, PartialEq, Eq, FromRow, serde::Deserialize)]
pub struct Assigned {
    pub host_id: HostId,
    /// Confirmed bookings of the event type assigned to the host.
    pub assigned: i64,
    /// Creation instant of the last one.
    pub last_assigned_at: Option<i64>,
}

/// The versions that availability of an event type was computed from: the event type's, then
/// each host's in order, then each host's external (connected calendar) version. Equal versions
/// mean equal inputs.
pub type Versions = Vec<i64>;

/// Assignment statistics of one host for one event type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromRow)]
pub struct HostLoad {
    /// Confirmed bookings of the event type assigned to the host.
    pub assigned: i64,
    /// Creation instant of the last one.
    pub last_assigned_at: Option<i64>,
    /// Confirmed bookings (any event type) starting in the given week.
    pub week_load: i64,
}

impl HostLoad {
    /// The loads of `hosts`, in order, from their round-robin counts and their bookings in the
    /// week (`(host, count)`, when counted).
    pub fn of(hosts: &[HostId], assigned: &[Assigned], weeks: &[(HostId, i64)]) -> Vec<HostLoad> {
        hosts
            .iter()
            .map(|h| {
                let (assigned, last_assigned_at) = assigned
                    .iter()
                    .find(|a| a.host_id == *h)
                    .map_or((0, None), |a| (a.assigned, a.last_assigned_at));
                let week_load = weeks.iter().find(|w| w.0 == *h).map_or(0, |w| w.1);
                HostLoad { assigned, last_assigned_at, week_load }
            })
            .collect()
    }
}

/// A voice agent (a Retell or Vapi agent answering a business's phone) and how Sked answers it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct VoiceAgent {
    pub id: VoiceAgentId,
    pub tenant_id: TenantId,
    #[sqlx(try_from = "String")]
    pub platform: Platform,
    /// The agent's id on the platform (Retell `agent_id`, Vapi assistant id).
    pub platform_agent_id: Option<String>,
    /// Event types the agent may book.
    #[sqlx(try_from = "String")]
    pub event_type_ids: Ids<EventTypeId>,
    /// The one used when the caller names none.
    pub default_event_type_id: EventTypeId,
    /// The business's zone: phrases are read and times spoken in it.
    #[sqlx(try_from = "String")]
    pub time_zone: Zone,
    /// The platform secret, sealed (Retell API key for signatures, Vapi secret or HMAC key).
    pub secret: String,
    /// Header that carries the Vapi secret (default `x-vapi-secret`).
    pub auth_header: Option<String>,
    /// Most times read out in one answer.
    pub max_options_spoken: i64,
    /// How times are spoken.
    #[sqlx(try_from = "String")]
    pub clock: HourClock,
    /// Spoken language.
    #[sqlx(try_from = "String")]
    pub language: Language,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a voice platform reported about one call (its post-call events). Bookings made during
/// the call carry the call id in `external_ref`.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct VoiceCall {
    pub voice_agent_id: VoiceAgentId,
    pub call_id: String,
    pub tenant_id: TenantId,
    pub from_number: Option<String>,
    /// The last post-call event (`call_ended`, `call_analyzed`, `end-of-call-report`).
    pub last_event: Option<String>,
    /// What the platform reported about the call (JSON: summary, sentiment, duration, ...).
    pub report: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}
