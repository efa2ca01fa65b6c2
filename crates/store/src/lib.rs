//! Sked's persistence.
//!
//! One [`Store`] trait with two implementations that share their SQL: SQLite, the embedded
//! default, and PostgreSQL, for several server processes on one database. Backend-specific power
//! is used where it matters: PostgreSQL forbids overlapping occupancy with an exclusion
//! constraint and leases jobs with `FOR UPDATE SKIP LOCKED`; SQLite takes its write lock up front
//! (`BEGIN IMMEDIATE`) and re-checks inside it.
//!
//! Every read and write is scoped by tenant. Booking changes write their history, their outbox
//! jobs and their idempotency record in the same transaction as the booking.

#![forbid(unsafe_code)]

pub mod calendars;
pub mod model;
mod sql;

use std::sync::Arc;

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{
    ApiKeyId, BlockId, BookingId, EventTypeId, HostId, JobId, ScheduleId, TenantId, VoiceAgentId,
};

pub use calendars::*;
pub use model::*;
pub use sql::{connect, connect_postgres, connect_sqlite, connect_with};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record in this tenant.
    #[error("not found")]
    NotFound,
    /// The time is taken: another confirmed booking overlaps a host, or a host reached the
    /// event type's daily limit. Nothing was written.
    #[error("the time is taken")]
    SlotTaken,
    /// A unique value is already used (`slug`, `confirmation_code`, `idempotency_key`, ...).
    #[error("{0} is already used")]
    Duplicate(&'static str),
    /// The booking changed since it was read (cancelled or moved by someone else).
    #[error("the booking changed meanwhile")]
    Stale,
    /// The record is referenced by others and cannot be deleted.
    #[error("in use: {0}")]
    InUse(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be used (e.g. a sealed secret that does not open).
    #[error("{0}")]
    Invalid(String),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A page of an id-ordered list: at most `limit` records after the id `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Most records to return.
    pub limit: i64,
    /// Return records after this id.
    pub after: Option<uuid::Uuid>,
}

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

/// Sked's persistence. All methods that take a tenant see only that tenant's records: another
/// tenant's id is [`StoreError::NotFound`].
#[async_trait]
pub trait Store: CalendarStore + Send + Sync + std::fmt::Debug {
    /// Which database this is.
    fn backend(&self) -> Backend;
    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Housekeeping to run every second or so, off the request path (SQLite: a WAL checkpoint).
    async fn maintain(&self) -> StoreResult<()>;

    // Settings and tenants.
    /// A setting.
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores a setting unless it exists; true when stored.
    async fn init_setting(&self, name: &str, value: &str) -> StoreResult<bool>;
    /// Creates a tenant.
    async fn insert_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    /// A tenant.
    async fn tenant(&self, id: TenantId) -> StoreResult<Tenant>;
    /// A page of tenants.
    async fn list_tenants(&self, page: Page) -> StoreResult<Vec<Tenant>>;

    // API keys.
    /// Stores a key by the SHA-256 of its secret.
    async fn insert_api_key(&self, key: &ApiKey, hash: &[u8]) -> StoreResult<()>;
    /// The live (unrevoked) key with this hash.
    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>>;
    /// Revokes a key (idempotent).
    async fn revoke_api_key(&self, id: ApiKeyId, at: i64) -> StoreResult<ApiKey>;
    /// A tenant's keys.
    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>>;

    // Schedules.
    /// Creates a schedule.
    async fn insert_schedule(&self, s: &Schedule) -> StoreResult<()>;
    /// Replaces a schedule's fields; bumps the version of every host using it.
    async fn update_schedule(&self, s: &Schedule) -> StoreResult<()>;
    /// A schedule.
    async fn schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<Schedule>;
    /// A page of schedules.
    async fn list_schedules(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Schedule>>;
    /// Deletes a schedule no host uses.
    async fn delete_schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<()>;

    // Hosts.
    /// Creates a host.
    async fn insert_host(&self, h: &Host) -> StoreResult<()>;
    /// Replaces a host's fields and bumps its version.
    async fn update_host(&self, h: &Host) -> StoreResult<()>;
    /// A host.
    async fn host(&self, tenant: TenantId, id: HostId) -> StoreResult<Host>;
    /// A page of hosts.
    async fn list_hosts(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Host>>;
    /// Deletes a host that no booking or event type references.
    async fn delete_host(&self, tenant: TenantId, id: HostId) -> StoreResult<()>;

    // Event types.
    /// Creates an event type with its hosts.
    async fn insert_event_type(&self, e: &EventType) -> StoreResult<()>;
    /// Replaces an event type's fields and hosts, and bumps its version.
    async fn update_event_type(&self, e: &EventType) -> StoreResult<()>;
    /// An event type, with its hosts.
    async fn event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<EventType>;
    /// A page of event types.
    async fn list_event_types(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<EventType>>;
    /// Deletes an event type that has no bookings.
    async fn delete_event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<()>;

    // Blocks.
    /// Creates a block; bumps its host's version.
    async fn insert_block(&self, b: &Block) -> StoreResult<()>;
    /// Replaces a block; bumps its host's version.
    async fn update_block(&self, b: &Block) -> StoreResult<()>;
    /// A block of a host.
    async fn block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<Block>;
    /// A page of a host's blocks.
    async fn list_blocks(&self, tenant: TenantId, host: HostId, page: Page) -> StoreResult<Vec<Block>>;
    /// Deletes a block; bumps its host's version.
    async fn delete_block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<()>;

    // Availability.
    /// The versions availability of an event type depends on (see [`Versions`]).
    async fn availability_versions(&self, tenant: TenantId, event_type: EventTypeId)
    -> StoreResult<Versions>;
    /// Everything availability of an event type depends on for candidate starts in `range`:
    /// occupancy and blocks are read for `range` widened by the event type's own buffers and
    /// duration, which is where those candidates' blocked intervals can reach.
    async fn availability(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        range: Interval,
    ) -> StoreResult<AvailabilityData>;
    /// One host's occupancy and blocks over `range` (for its busy time).
    async fn host_busy(
        &self,
        tenant: TenantId,
        host: HostId,
        range: Interval,
    ) -> StoreResult<(Vec<Occupancy>, Vec<Block>)>;
    /// Assignment statistics of `hosts` for `event_type`, with week loads counted in `week` when
    /// given (only `least_busy` needs them).
    async fn host_loads(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        hosts: &[HostId],
        week: Option<Interval>,
    ) -> StoreResult<Vec<HostLoad>>;

    // Bookings.
    /// Inserts a booking, its occupancy, history, jobs and idempotency record at once;
    /// [`StoreError::SlotTaken`] if any occupied host is taken or at its daily limit.
    async fn create_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// Moves a booking (new times and hosts, `sequence` grown) with the same checks, its own
    /// old occupancy not counting against it.
    async fn reschedule_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// Cancels a booking and frees its time.
    async fn cancel_booking(&self, w: &BookingWrite) -> StoreResult<()>;
    /// A booking.
    async fn booking(&self, tenant: TenantId, id: BookingId) -> StoreResult<Booking>;
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
    /// Records `key` (a signed request) until `expires_at`; answers false when it is already
    /// recorded and not expired, true when this is the first time. Atomic across processes;
    /// entries expired before `now` are forgotten on the way.
    async fn first_seen(&self, key: &str, expires_at: i64, now: i64) -> StoreResult<bool>;

    // Voice.
    /// Creates a voice agent.
    async fn insert_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()>;
    /// Replaces a voice agent's fields.
    async fn update_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()>;
    /// A voice agent of a tenant.
    async fn voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<VoiceAgent>;
    /// A voice agent by id alone: platform requests carry no API key, they prove themselves
    /// with the agent's secret, and the agent names the tenant.
    async fn find_voice_agent(&self, id: VoiceAgentId) -> StoreResult<VoiceAgent>;
    /// A page of a tenant's voice agents.
    async fn list_voice_agents(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<VoiceAgent>>;
    /// Deletes a voice agent.
    async fn delete_voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<()>;
    /// Records what a platform reported about a call: the caller's number is kept once known,
    /// and an event and report replace the previous ones.
    async fn note_voice_call(&self, call: &VoiceCall) -> StoreResult<VoiceCall>;
    /// A call of a voice agent.
    async fn voice_call(
        &self,
        tenant: TenantId,
        agent: VoiceAgentId,
        call_id: &str,
    ) -> StoreResult<VoiceCall>;

    // Jobs.
    /// Enqueues a job on its own.
    async fn enqueue(&self, job: &NewJob) -> StoreResult<()>;
    /// Enqueues a job unless one of the same kind and payload is already queued to run by
    /// `due_by` (a burst of notifications makes one sync). Answers whether it enqueued.
    async fn enqueue_unless_queued(&self, job: &NewJob, due_by: i64) -> StoreResult<bool>;
    /// Leases up to `limit` due jobs (queued and due, or running with an expired lease) to
    /// `worker` until `now + lease_secs`, counting an attempt for each. Several workers, in
    /// several processes, never lease the same job at once.
    async fn lease_jobs(&self, worker: &str, now: i64, lease_secs: i64, limit: i64) -> StoreResult<Vec<Job>>;
    /// Marks a leased job done.
    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<()>;
    /// Marks leased jobs done in one transaction; answers how many were still held by `worker`.
    async fn complete_jobs(&self, ids: &[JobId], worker: &str, now: i64) -> StoreResult<u64>;
    /// Records a failed attempt: queued again at `retry_at`, or dead when `retry_at` is `None`.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> StoreResult<()>;
    /// A tenant's jobs, newest first, optionally with one status.
    async fn list_jobs(&self, tenant: TenantId, status: Option<&str>, page: Page) -> StoreResult<Vec<Job>>;
    /// A job.
    async fn job(&self, id: JobId) -> StoreResult<Job>;
    /// Jobs per status (queued, running, dead), over all tenants.
    async fn job_counts(&self) -> StoreResult<Vec<(String, i64)>>;
}

/// A shared store.
pub type DynStore = Arc<dyn Store>;
