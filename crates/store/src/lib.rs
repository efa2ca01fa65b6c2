//! Sked's persistence.
//!
//! One trait per aggregate, each in its own module: [`SystemStore`] (the database as a whole:
//! migrations, settings, re-sealing secrets), [`TenancyStore`] (tenants and API keys),
//! [`SchedulingStore`] (schedules, hosts, blocks), [`EventTypeStore`], [`AvailabilityStore`]
//! (the reads availability is computed from), [`BookingStore`] (bookings, their history and
//! idempotency), [`JobStore`] (the job queue), [`VoiceStore`] (voice agents, calls, signed
//! requests seen), [`CalendarStore`] and [`CalendarSyncStore`] (connected calendars),
//! [`NotifyStore`] (messages, preferences, webhook endpoints), [`UserStore`] (dashboard users
//! and their sessions), [`CalcomStore`] (the Cal.com integration, its mirror and the
//! importer's links), [`AuditStore`] (who changed what) and [`PrivacyStore`] (an attendee's
//! data found and erased).
//! [`Store`] is all of them at once, and [`DynStore`] the shared handle the server holds; the
//! [`prelude`] brings every trait into scope.
//!
//! Two implementations share their SQL ([`connect`]): SQLite, the embedded default, and
//! PostgreSQL, for several server processes on one database. Backend-specific power is used
//! where it matters: PostgreSQL forbids overlapping occupancy with an exclusion constraint and
//! leases jobs with `FOR UPDATE SKIP LOCKED`; SQLite takes its write lock up front (`BEGIN
//! IMMEDIATE`) and re-checks inside it. A write PostgreSQL aborts to break a deadlock, or could
//! not serialize, is run again from the start a few times.
//!
//! Every read and write is scoped by tenant. Booking changes write their history, their outbox
//! jobs and their idempotency record in the same transaction as the booking.

#![forbid(unsafe_code)]

mod audit;
pub mod backup;
mod bookings;
mod calcom;
pub mod calendars;
mod jobs;
pub mod model;
mod notify;
mod privacy;
mod scheduling;
mod sql;
mod system;
mod tenancy;
mod users;
mod voice;

use std::sync::Arc;

pub use audit::*;
pub use bookings::*;
pub use calcom::*;
pub use calendars::*;
pub use jobs::*;
pub use model::*;
pub use notify::*;
pub use privacy::*;
pub use scheduling::*;
pub use sql::{connect, connect_postgres, connect_sqlite, connect_with};
pub use system::*;
pub use tenancy::*;
pub use users::*;
pub use voice::*;

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
    /// The store cannot be opened now (`sked restore` is replacing it).
    #[error("{0}")]
    Locked(String),
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

/// Sked's persistence: every aggregate's trait at once, what the server holds as a
/// [`DynStore`]. All methods that take a tenant see only that tenant's records: another tenant's
/// id is [`StoreError::NotFound`].
///
/// Implemented for every type that implements the aggregate traits. Generic code bound by
/// `Store` calls their methods with the traits in scope: `use sked_store::prelude::*;`.
pub trait Store:
    SystemStore
    + TenancyStore
    + SchedulingStore
    + EventTypeStore
    + AvailabilityStore
    + BookingStore
    + JobStore
    + VoiceStore
    + CalendarStore
    + CalendarSyncStore
    + NotifyStore
    + UserStore
    + CalcomStore
    + AuditStore
    + PrivacyStore
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: SystemStore
        + TenancyStore
        + SchedulingStore
        + EventTypeStore
        + AvailabilityStore
        + BookingStore
        + JobStore
        + VoiceStore
        + CalendarStore
        + CalendarSyncStore
        + NotifyStore
        + UserStore
        + CalcomStore
        + AuditStore
        + PrivacyStore
        + std::fmt::Debug
{
}

/// A shared store.
pub type DynStore = Arc<dyn Store>;

/// The store traits, to call their methods: `use sked_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AuditStore, AvailabilityStore, BookingStore, CalcomStore, CalendarStore, CalendarSyncStore,
        EventTypeStore, JobStore, NotifyStore, PrivacyStore, SchedulingStore, Store, SystemStore,
        TenancyStore, UserStore, VoiceStore,
    };
}
