//! Bookings, their history and idempotency records: what a booking change carries and the
//! store calls that commit it whole.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BookingId, EventTypeId, HostId, TenantId};

use crate::{Booking, HistoryEntry, IdempotentResponse, NewJob, StoreResult};

/// Filters for listing bookings, ordered by start then id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookingFilter {
    /// Bookings ending after this instant.
    pub from: Option<i64>,
    /// Bookings starting before this instant.
    pub to: Option<i64>,
    /// Occupying this host.
    pub host_id: Option<HostId>,
    /// With this status.
    pub status: Option<String>,
    /// Of this event type.
    pub event_type_id: Option<EventTypeId>,
    /// Matching text in the attendee's name, email or phone, or the confirmation code.
    pub q: Option<String>,
    /// Made through this door (`api`, `widget`, `voice`, ...).
    pub source: Option<String>,
    /// With this `external_ref` (voice bookings carry their call id there).
    pub external_ref: Option<String>,
    /// After this (start, id), exclusive.
    pub after: Option<(i64, BookingId)>,
    /// Most bookings to return.
    pub limit: i64,
}

/// A daily limit to re-check inside a booking's transaction: per host, the local day the
/// booking falls on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyLimit {
    /// Most confirmed bookings of the event type per host per local day.
    pub limit: i64,
    /// Each host with the instants of its local day.
    pub days: Vec<(HostId, Interval)>,
}

/// A change to a booking and everything that must commit with it.
#[derive(Clone, Debug)]
pub struct BookingWrite {
    /// The booking as it is after the change (with `host_ids`).
    pub booking: Booking,
    /// A daily limit to re-check, if the event type has one.
    pub daily_limit: Option<DailyLimit>,
    /// The history entry recording the change.
    pub history: HistoryEntry,
    /// Jobs the change enqueues (the outbox).
    pub jobs: Vec<NewJob>,
    /// The response to remember for the request's idempotency key.
    pub idempotency: Option<IdempotentResponse>,
}

/// Bookings, their history and idempotency records.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Inserts a booking, its occupancy, history, jobs and idempotency record at once;
    /// [`StoreError::SlotTaken`](crate::StoreError::SlotTaken) if any occupied host is taken or
    /// at its daily limit.
    async fn create_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// Moves a booking (new times and hosts, `sequence` grown) with the same checks, its own
    /// old occupancy not counting against it.
    async fn reschedule_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// Cancels a booking and frees its time.
    async fn cancel_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// A booking.
    async fn booking(&self, tenant: TenantId, id: BookingId) -> StoreResult<Booking>;
    /// The tenant a booking belongs to (for links that name only the booking, such as the
    /// attendee's signed manage link).
    async fn booking_tenant(&self, id: BookingId) -> StoreResult<TenantId>;
    /// A booking by confirmation code.
    async fn booking_by_code(&self, tenant: TenantId, code: &str) -> StoreResult<Booking>;
    /// Bookings matching a filter.
    async fn list_bookings(&self, tenant: TenantId, filter: &BookingFilter) -> StoreResult<Vec<Booking>>;
    /// Appends an entry to a booking's history (events about a booking that are not changes to
    /// it, such as a call's report).
    async fn add_history(&self, entry: &HistoryEntry) -> StoreResult<()>;
    /// A booking's changes, oldest first.
    async fn booking_history(&self, tenant: TenantId, id: BookingId) -> StoreResult<Vec<HistoryEntry>>;
    /// The stored response for an idempotency key.
    async fn idempotent_response(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>>;
    /// Forgets idempotency keys created before `before`; returns how many.
    async fn purge_idempotency(&self, before: i64) -> StoreResult<u64>;
}
