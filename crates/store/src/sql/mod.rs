//! The SQL store, written once for SQLite and PostgreSQL.
//!
//! [`SqlStore`] is generic over the database, bound by [`SqlDb`]: every type the statements bind
//! or read, named once. What differs between the two databases lives in [`dialect`]; the
//! statements in [`queries`] (connected calendars keep theirs in their module). Each aggregate's
//! trait is implemented in its own module: [`system`], [`tenancy`], [`scheduling`],
//! [`event_types`], [`availability`], [`bookings`], [`jobs`], [`voice`], [`calendars`],
//! [`notify`], [`users`], [`calcom`], [`audit`] and [`privacy`]. A write built as statements
//! before it runs is a [`script`]; on SQLite new bookings commit together in a [`group`]; on
//! PostgreSQL in a [`batch`], a write of a host's occupancy first waits its [`turns`], and
//! bookings' availability reads of one event type are gathered into one ([`reads`]).
//!
//! Every write, a whole transaction or a single statement, runs in [`SqlStore::retry`], so a
//! PostgreSQL deadlock victim or serialization failure is run again from the start, and is
//! counted once it is over ([`AvailabilityStore::writes`](crate::AvailabilityStore::writes)).

mod audit;
mod availability;
mod batch;
mod bookings;
mod calcom;
mod calendars;
mod dialect;
mod event_types;
mod group;
mod jobs;
mod notify;
mod privacy;
pub(crate) mod queries;
mod reads;
mod scheduling;
mod script;
mod system;
mod tenancy;
mod turns;
mod users;
mod voice;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Pool, Postgres, Sqlite, Type};
use uuid::Uuid;

use self::dialect::Dialect;
pub(crate) use self::dialect::sqlite_migrator;
use crate::{
    ApiKey, Assigned, AuditRow, Block, Booking, BookingCalendarEvent, CalcomIntegration, Connection,
    ConnectionCalendar, DynStore, EventType, ExternalBusy, ExternalEventRow, HistoryEntry, Host, HostLoad,
    IdempotentResponse, Job, Message, NotifySettings, OAuthState, Occupancy, Preference, Schedule, Session,
    StoreError, StoreResult, Template, Tenant, TokenAudit, User, VoiceAgent, VoiceCall, Webhook,
};

/// Connects to `sqlite://PATH` or `postgres://...`, and migrates.
pub async fn connect(url: &str) -> StoreResult<DynStore> {
    connect_with(url, None).await
}

/// The default PostgreSQL pool of a process: four connections per core of this machine, from 8
/// to 32. A booking's statements keep the database's CPU busy rather than waiting on it, so
/// connections beyond a few per core only take turns on the same cores: on two cores shared with
/// the database, 8 connections per process booked 10 % faster than 16, with a lower p99.
pub fn postgres_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(4)).unwrap_or(u32::MAX).clamp(8, 32)
}

/// Connects with at most `max_connections` (default 8 readers for SQLite; for PostgreSQL
/// [`postgres_pool_size`]), and migrates.
pub async fn connect_with(url: &str, max_connections: Option<u32>) -> StoreResult<DynStore> {
    let store = if let Some(path) = url.strip_prefix("sqlite://") {
        connect_sqlite(Path::new(path), max_connections.unwrap_or(8)).await?
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        connect_postgres(url, max_connections.unwrap_or_else(postgres_pool_size)).await?
    } else {
        return Err(StoreError::Database(sqlx::Error::Configuration(
            format!("database URL must start with sqlite:// or postgres://, got `{url}`").into(),
        )));
    };
    store.migrate().await?;
    Ok(store)
}

/// Opens a SQLite store (not migrated): readers share `max_connections` connections, and every
/// write goes through one more, so writers queue in order instead of sleeping in SQLite's busy
/// handler. The store holds the database's lock shared while it lives ([`crate::backup::lock`]).
pub async fn connect_sqlite(path: &Path, max_connections: u32) -> StoreResult<DynStore> {
    let lock = crate::backup::lock::shared(path).map_err(|e| StoreError::Locked(e.to_string()))?;
    let writer = dialect::sqlite_pool(path, 1).await?;
    let pool = dialect::sqlite_pool(path, max_connections).await?;
    let group = Some(group::Group::start(writer.clone()));
    Ok(Arc::new(SqlStore {
        pool,
        writer,
        group,
        batch: None,
        reads: None,
        writes: AtomicU64::new(0),
        _lock: Some(lock),
    }))
}

/// Opens a PostgreSQL store (not migrated).
pub async fn connect_postgres(url: &str, max_connections: u32) -> StoreResult<DynStore> {
    let pool = dialect::postgres_pool(url, max_connections).await?;
    let batch = Some(batch::Batch::start(pool.clone()));
    let reads = Some(reads::Reads::start(pool.clone()));
    Ok(Arc::new(SqlStore {
        writer: pool.clone(),
        pool,
        group: None,
        batch,
        reads,
        writes: AtomicU64::new(0),
        _lock: None,
    }))
}

/// The store over one database.
#[derive(Debug)]
pub struct SqlStore<DB: Dialect> {
    /// Reads.
    pool: Pool<DB>,
    /// Writes (one connection on SQLite; the same pool on PostgreSQL).
    writer: Pool<DB>,
    /// SQLite: new bookings committed in groups ([`group`]).
    group: Option<group::Group>,
    /// PostgreSQL: new bookings written in groups ([`batch`]).
    batch: Option<batch::Batch>,
    /// PostgreSQL: availability reads gathered ([`reads`]).
    reads: Option<reads::Reads>,
    /// Writes run through this store so far, each counted once it is over ([`SqlStore::retry`]).
    writes: AtomicU64,
    /// SQLite: the database's lock, held shared so `sked restore` knows the store is in use.
    _lock: Option<crate::backup::StoreLock>,
}

/// `T` itself, as an associated type of any type. See [`SqlDb`].
pub trait Is<T: ?Sized> {
    /// Always `T`.
    type Ty: ?Sized;
}

impl<DB, T: ?Sized> Is<T> for DB {
    type Ty = T;
}

/// A database the SQL store runs on: its [`Dialect`], and every type the statements bind or read.
///
/// The store's impls say only `DB: SqlDb`. A trait's `where` clauses would not be implied there
/// (each impl would have to repeat them), but bounds on associated types of its supertraits are:
/// so each bound on a type `T` is put on `<Self as Is<T>>::Ty`, which the compiler knows to be
/// `T`. Implemented for the two databases by name, which checks every bound once; a new record
/// read with `query_as` gets a line here.
pub trait SqlDb: Dialect<Arguments: IntoArguments<Self> + Default>
    + for<'c> Is<&'c mut Self::Connection, Ty = &'c mut Self::Connection, Ty: Executor<'c, Database = Self>>
    + Is<Uuid, Ty = Uuid, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self> + Type<Self>>
    + Is<i64, Ty = i64, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self> + Type<Self>>
    + Is<bool, Ty = bool, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self> + Type<Self>>
    + Is<String, Ty = String, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self> + Type<Self>>
    + for<'t> Is<&'t str, Ty = &'t str, Ty: Encode<'t, Self> + Type<Self>>
    + for<'t> Is<&'t [u8], Ty = &'t [u8], Ty: Encode<'t, Self> + Type<Self>>
    + Is<Option<Uuid>, Ty = Option<Uuid>, Ty: for<'t> Encode<'t, Self>>
    + Is<Option<i64>, Ty = Option<i64>, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self>>
    + for<'t> Is<Option<&'t str>, Ty = Option<&'t str>, Ty: Encode<'t, Self>>
    + Is<Option<String>, Ty = Option<String>, Ty: for<'t> Encode<'t, Self> + for<'t> Decode<'t, Self>>
    + Is<usize, Ty = usize, Ty: ColumnIndex<Self::Row>>
    + Is<Tenant, Ty = Tenant, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<ApiKey, Ty = ApiKey, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Schedule, Ty = Schedule, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Host, Ty = Host, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<EventType, Ty = EventType, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Block, Ty = Block, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Booking, Ty = Booking, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<HistoryEntry, Ty = HistoryEntry, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Job, Ty = Job, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<IdempotentResponse, Ty = IdempotentResponse, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Occupancy, Ty = Occupancy, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Assigned, Ty = Assigned, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<HostLoad, Ty = HostLoad, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<VoiceAgent, Ty = VoiceAgent, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<VoiceCall, Ty = VoiceCall, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Connection, Ty = Connection, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<ConnectionCalendar, Ty = ConnectionCalendar, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<ExternalEventRow, Ty = ExternalEventRow, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<ExternalBusy, Ty = ExternalBusy, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<BookingCalendarEvent, Ty = BookingCalendarEvent, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<OAuthState, Ty = OAuthState, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<TokenAudit, Ty = TokenAudit, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Message, Ty = Message, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Preference, Ty = Preference, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Webhook, Ty = Webhook, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<NotifySettings, Ty = NotifySettings, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Template, Ty = Template, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<User, Ty = User, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<Session, Ty = Session, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<CalcomIntegration, Ty = CalcomIntegration, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<AuditRow, Ty = AuditRow, Ty: for<'r> FromRow<'r, Self::Row>>
    + Is<(String, String, String, i64), Ty = (String, String, String, i64), Ty: for<'r> FromRow<'r, Self::Row>>
{
}

impl SqlDb for Sqlite {}
impl SqlDb for Postgres {}

/// Maps database errors to what callers act on.
fn map_err<DB: Dialect>(e: sqlx::Error) -> StoreError {
    if DB::is_overlap(&e) {
        return StoreError::SlotTaken;
    }
    if let Some(d) = e.as_database_error() {
        if let Some(field) = DB::duplicate_of(d) {
            return StoreError::Duplicate(field);
        }
        if d.is_foreign_key_violation() {
            return StoreError::InUse(d.message().to_owned());
        }
    }
    StoreError::Database(e)
}

/// Most runs of one write: PostgreSQL aborts a deadlock's victim, and transactions it could not
/// serialize, and expects them to be run again.
const ATTEMPTS: u32 = 5;

impl<DB: Dialect> SqlStore<DB> {
    /// Runs one write: [`attempts`](Self::attempts) of it, then counts it in `writes`, whether
    /// it committed, failed or was abandoned half way (a dropped request), so a reader that sees
    /// the count move knows the write is over.
    async fn retry<T, Fut>(&self, attempt: impl FnMut() -> Fut) -> StoreResult<T>
    where
        Fut: Future<Output = StoreResult<T>>,
    {
        let _counted = Counted(&self.writes);
        Self::attempts(attempt).await
    }

    /// Runs `attempt` (one whole transaction, or one statement) again while the database aborts
    /// it asking for that ([`Dialect::is_retryable`]), at most [`ATTEMPTS`] times in all, with a
    /// short jittered pause before each new run.
    async fn attempts<T, Fut>(mut attempt: impl FnMut() -> Fut) -> StoreResult<T>
    where
        Fut: Future<Output = StoreResult<T>>,
    {
        let mut n = 1;
        loop {
            match attempt().await {
                Err(StoreError::Database(e)) if n < ATTEMPTS && DB::is_retryable(&e) => {
                    tracing::warn!(attempt = n, error = %e, "the database aborted a write; running it again");
                    tokio::time::sleep(backoff(n)).await;
                    n += 1;
                }
                done => return done,
            }
        }
    }

    /// The count of writes over (see [`SqlStore::retry`]).
    fn writes_over(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }
}

/// Counts a write in its store's `writes` when dropped: after its last statement, or when its
/// future is dropped mid-way.
struct Counted<'a>(&'a AtomicU64);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// The pause after failed run `n`: 5 ms doubled each time, less a random part of up to half, so
/// the transactions that collided do not meet again in step.
fn backoff(n: u32) -> Duration {
    let full = 5u64 << n.saturating_sub(1).min(8);
    Duration::from_millis(full - rand::random_range(0..=full / 2))
}

/// Rows read as records.
fn decoded<DB: SqlDb, T: for<'r> FromRow<'r, DB::Row>>(rows: &[DB::Row]) -> StoreResult<Vec<T>> {
    rows.iter().map(|r| T::from_row(r).map_err(map_err::<DB>)).collect()
}

fn found<T>(row: Option<T>) -> StoreResult<T> {
    row.ok_or(StoreError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::dialect::tests::db_error;
    use super::*;

    /// Runs `retry` on `DB` with attempts that fail with `code` `failures` times, then succeed;
    /// answers the outcome and how many attempts ran.
    async fn run<DB: Dialect>(code: &'static str, failures: u32) -> (StoreResult<u32>, u32) {
        let mut runs = 0;
        let outcome = SqlStore::<DB>::attempts(|| {
            runs += 1;
            let n = runs;
            async move { if n <= failures { Err(StoreError::Database(db_error(code))) } else { Ok(n) } }
        })
        .await;
        (outcome, runs)
    }

    #[tokio::test]
    async fn a_deadlock_victim_runs_again_until_it_commits() {
        let (outcome, runs) = run::<Postgres>(dialect::DEADLOCK_DETECTED, 2).await;
        assert_eq!((outcome.ok(), runs), (Some(3), 3));
    }

    #[tokio::test]
    async fn serialization_failures_are_retried_a_bounded_number_of_times() {
        let (outcome, runs) = run::<Postgres>(dialect::SERIALIZATION_FAILURE, u32::MAX).await;
        assert_eq!(runs, ATTEMPTS);
        let Err(StoreError::Database(e)) = outcome else { panic!("the last failure is the answer") };
        assert_eq!(e.as_database_error().and_then(|d| d.code()).as_deref(), Some("40001"));
    }

    #[tokio::test]
    async fn other_failures_and_sqlite_run_once() {
        assert_eq!(run::<Postgres>("23505", 1).await.1, 1);
        assert_eq!(run::<Sqlite>("5", 1).await.1, 1);
        assert_eq!(run::<Sqlite>(dialect::DEADLOCK_DETECTED, 1).await.1, 1);
    }

    #[test]
    fn backoff_grows_and_stays_short() {
        for n in 1..ATTEMPTS {
            let full = 5 << (n - 1);
            let pause = backoff(n).as_millis();
            assert!((full / 2..=full).contains(&pause), "run {n}: {pause} ms");
        }
    }
}
