//! What differs between SQLite and PostgreSQL: how a write transaction starts, how jobs are
//! leased, how an overlap, a duplicate or a transaction worth running again is reported, and the
//! migrations.

use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::error::DatabaseError;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Database, Pool, Postgres, Sqlite, Transaction};

use crate::Backend;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The SQLite migrations this binary has.
pub(crate) fn sqlite_migrator() -> &'static Migrator {
    &SQLITE_MIGRATIONS
}

/// The backend-specific part of the SQL store.
pub trait Dialect: Database {
    /// Which backend this is.
    const BACKEND: Backend;
    /// What follows the inner `SELECT ... LIMIT` of the job lease statement.
    const LEASE_LOCK: &'static str;

    /// Applies pending migrations.
    fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Starts a transaction that will write. SQLite takes the write lock at once, so the checks
    /// inside it see every earlier commit and no later one can interleave.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send;

    /// True when the error is the database refusing overlapping occupancy
    /// ([`OVERLAP_CONSTRAINT`]).
    fn is_overlap(err: &sqlx::Error) -> bool;

    /// True when the database aborted the transaction and running it again from the start may
    /// succeed: on PostgreSQL, a deadlock's victim ([`DEADLOCK_DETECTED`]) or a transaction that
    /// could not be serialized ([`SERIALIZATION_FAILURE`]).
    fn is_retryable(err: &sqlx::Error) -> bool;

    /// The field a unique violation is reported as ([`UNIQUE_KEYS`], `id` for any other key),
    /// or `None` when the error is not a unique violation.
    fn duplicate_of(err: &dyn DatabaseError) -> Option<&'static str>;

    /// Rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Periodic housekeeping that should not run on the write path.
    fn maintain(pool: &Pool<Self>) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// The database's own rule against double booking: PostgreSQL's exclusion constraint, SQLite's
/// triggers (they refuse with this name as their message).
pub const OVERLAP_CONSTRAINT: &str = "booking_hosts_no_overlap";

/// A unique key whose violation callers are told about by name.
#[derive(Debug)]
pub struct UniqueKey {
    /// The field [`StoreError::Duplicate`](crate::StoreError::Duplicate) names.
    pub field: &'static str,
    /// PostgreSQL's name for it (its default: `<table>_<columns>_key`, or `<table>_pkey`).
    pub postgres: &'static str,
    /// The columns SQLite's message lists for it: `UNIQUE constraint failed: <these>`.
    pub sqlite: &'static str,
}

/// The unique keys reported by field; the violation of any other (a primary key: an id used
/// twice) is reported as `id`. PostgreSQL names the violated constraint. SQLite names none, and
/// a named unique index would not help (its message names an index only when it is on an
/// expression), so there the violation is recognised by its extended code (2067 UNIQUE, 1555
/// PRIMARYKEY) and the exact column list of its message, a format SQLite has kept for a decade.
pub const UNIQUE_KEYS: [UniqueKey; 7] = [
    UniqueKey {
        field: "confirmation_code",
        postgres: "bookings_tenant_id_confirmation_code_key",
        sqlite: "bookings.tenant_id, bookings.confirmation_code",
    },
    UniqueKey {
        field: "idempotency_key",
        postgres: "idempotency_keys_pkey",
        sqlite: "idempotency_keys.tenant_id, idempotency_keys.key",
    },
    UniqueKey {
        field: "slug",
        postgres: "event_types_tenant_id_slug_key",
        sqlite: "event_types.tenant_id, event_types.slug",
    },
    UniqueKey { field: "slug", postgres: "tenants_slug_key", sqlite: "tenants.slug" },
    UniqueKey { field: "uid", postgres: "bookings_uid_key", sqlite: "bookings.uid" },
    UniqueKey { field: "api_key", postgres: "api_keys_key_hash_key", sqlite: "api_keys.key_hash" },
    UniqueKey {
        field: "email",
        postgres: "users_tenant_id_email_key",
        sqlite: "users.tenant_id, users.email",
    },
];

/// PostgreSQL's SQLSTATE for the transaction it aborted to break a deadlock.
pub const DEADLOCK_DETECTED: &str = "40P01";
/// PostgreSQL's SQLSTATE for a transaction that could not be serialized with concurrent ones.
pub const SERIALIZATION_FAILURE: &str = "40001";

impl Dialect for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;
    // One writer at a time: the UPDATE's own write lock is enough.
    const LEASE_LOCK: &'static str = "";

    fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<(), MigrateError>> + Send {
        SQLITE_MIGRATIONS.run(pool)
    }

    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send {
        pool.begin_with("BEGIN IMMEDIATE")
    }

    fn is_overlap(err: &sqlx::Error) -> bool {
        // The triggers of migration 0006 raise SQLITE_CONSTRAINT_TRIGGER (1811) with the
        // constraint's name, the same name PostgreSQL's exclusion constraint has.
        err.as_database_error()
            .is_some_and(|e| e.code().as_deref() == Some("1811") && e.message() == OVERLAP_CONSTRAINT)
    }

    fn is_retryable(_: &sqlx::Error) -> bool {
        // Nothing to run again: writers queue on one connection, and a writer that meets another
        // process's lock waits in the busy handler (`busy_timeout`) before SQLITE_BUSY surfaces.
        false
    }

    fn duplicate_of(err: &dyn DatabaseError) -> Option<&'static str> {
        if !matches!(err.code().as_deref(), Some("2067" | "1555")) {
            return None;
        }
        let columns = err.message().strip_prefix("UNIQUE constraint failed: ");
        Some(UNIQUE_KEYS.iter().find(|k| Some(k.sqlite) == columns).map_or("id", |k| k.field))
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    async fn maintain(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
        // PASSIVE never waits for readers or the writer.
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(pool).await.map(|_| ())
    }
}

impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    // Concurrent workers skip each other's rows instead of waiting on them.
    const LEASE_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";

    fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<(), MigrateError>> + Send {
        POSTGRES_MIGRATIONS.run(pool)
    }

    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send {
        pool.begin()
    }

    fn is_overlap(err: &sqlx::Error) -> bool {
        // 23P01: exclusion_violation, of the named constraint.
        err.as_database_error().is_some_and(|e| {
            e.code().as_deref() == Some("23P01") && e.constraint() == Some(OVERLAP_CONSTRAINT)
        })
    }

    fn is_retryable(err: &sqlx::Error) -> bool {
        err.as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| code == DEADLOCK_DETECTED || code == SERIALIZATION_FAILURE)
    }

    fn duplicate_of(err: &dyn DatabaseError) -> Option<&'static str> {
        // 23505: unique_violation, of the named constraint.
        if err.code().as_deref() != Some("23505") {
            return None;
        }
        let name = err.constraint();
        Some(UNIQUE_KEYS.iter().find(|k| Some(k.postgres) == name).map_or("id", |k| k.field))
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    fn maintain(_: &Pool<Self>) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        std::future::ready(Ok(()))
    }
}

/// Makes the database's directory (`0700`) and file (`0600`) private to the server's user before
/// SQLite opens it: SQLite creates its `-wal` and `-shm` files with the database file's mode, so
/// they are private too. A file already there with looser modes is tightened.
fn private_files(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?;
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Opens (creating if needed) a SQLite database file: WAL, `synchronous = FULL` so a commit is
/// on disk before the call returns, foreign keys on, and writers waiting up to 10 s for the lock.
pub async fn sqlite_pool(path: &Path, max_connections: u32) -> Result<Pool<Sqlite>, sqlx::Error> {
    private_files(path).map_err(sqlx::Error::Io)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("temp_store", "memory")
        // Checkpoints copy the WAL into the database and fsync it: tens of milliseconds that
        // would stall whichever commit triggered one. The server checkpoints every second off
        // the write path (`Store::maintain`); this larger threshold is only a backstop.
        .pragma("wal_autocheckpoint", "10000");
    // A connection to a file in this process cannot be dropped by a peer: sqlx's ping before
    // every acquire would only add a hand-over to the connection's thread per statement.
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

/// How long a PostgreSQL connection may sit idle before it is checked (a round trip) before use.
const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Connects to PostgreSQL.
pub async fn postgres_pool(url: &str, max_connections: u32) -> Result<Pool<Postgres>, sqlx::Error> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    // sqlx pings a connection before every use by default: a second round trip per statement.
    // A connection used within the last second is taken as live (a server restart meanwhile
    // fails that one statement, as it would fail one already running); an idler one is pinged.
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
}

#[cfg(test)]
pub(super) mod tests {
    use std::borrow::Cow;
    use std::error::Error;

    use sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// A database error as a driver would report it.
    #[derive(Debug)]
    struct Reported {
        code: &'static str,
        message: &'static str,
        constraint: Option<&'static str>,
    }

    impl std::fmt::Display for Reported {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.message)
        }
    }

    impl Error for Reported {}

    impl DatabaseError for Reported {
        fn message(&self) -> &str {
            self.message
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.code))
        }
        fn as_error(&self) -> &(dyn Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn Error + Send + Sync + 'static> {
            self
        }
        fn constraint(&self) -> Option<&str> {
            self.constraint
        }
        fn kind(&self) -> ErrorKind {
            ErrorKind::Other
        }
    }

    /// A database error with `code` (SQLSTATE, or SQLite's extended result code).
    pub(in crate::sql) fn db_error(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Reported { code, message: "refused", constraint: None }))
    }

    /// What `D` reports a violation with `code`, `message` and `constraint` as.
    fn duplicate<D: Dialect>(
        code: &'static str,
        message: &'static str,
        constraint: Option<&'static str>,
    ) -> Option<&'static str> {
        D::duplicate_of(&Reported { code, message, constraint })
    }

    #[test]
    fn postgres_names_the_duplicate_by_constraint() {
        let unique = |name| duplicate::<Postgres>("23505", "duplicate key value", Some(name));
        for k in &UNIQUE_KEYS {
            assert_eq!(unique(k.postgres), Some(k.field));
        }
        // Any other key is an id used twice; names are matched whole.
        for other in ["tenants_pkey", "bookings_uid_key_old", "uid", "idempotency"] {
            assert_eq!(unique(other), Some("id"), "{other}");
        }
        assert_eq!(duplicate::<Postgres>("23505", "duplicate key value", None), Some("id"));
        // Not unique violations: foreign key, exclusion (the overlap), check.
        for code in ["23503", "23P01", "23514"] {
            assert_eq!(duplicate::<Postgres>(code, "refused", Some("bookings_uid_key")), None, "{code}");
        }
    }

    #[test]
    fn sqlite_names_the_duplicate_by_code_and_column_list() {
        for k in &UNIQUE_KEYS {
            let message = format!("UNIQUE constraint failed: {}", k.sqlite).leak();
            let code = if k.field == "idempotency_key" { "1555" } else { "2067" };
            assert_eq!(duplicate::<Sqlite>(code, message, None), Some(k.field));
        }
        for other in [
            "UNIQUE constraint failed: tenants.id",
            "UNIQUE constraint failed: bookings.uid_hash",
            "UNIQUE constraint failed: bookings.tenant_id",
            "UNIQUE constraint failed: other.uid",
        ] {
            assert_eq!(duplicate::<Sqlite>("1555", other, None), Some("id"), "{other}");
        }
        // The overlap trigger (1811), a foreign key (787), NOT NULL (1299) and a bare constraint
        // failure (19) are not duplicates, whatever the message says.
        for code in ["1811", "787", "1299", "19"] {
            assert_eq!(duplicate::<Sqlite>(code, "UNIQUE constraint failed: bookings.uid", None), None);
        }
    }

    #[test]
    fn postgres_retries_deadlock_victims_and_serialization_failures_only() {
        assert!(Postgres::is_retryable(&db_error("40P01")));
        assert!(Postgres::is_retryable(&db_error("40001")));
        for code in ["23505", "23P01", "40P02", "40002", "57014", "08006"] {
            assert!(!Postgres::is_retryable(&db_error(code)), "{code}");
        }
        assert!(!Postgres::is_retryable(&sqlx::Error::PoolTimedOut));
        assert!(!Postgres::is_retryable(&sqlx::Error::RowNotFound));
    }

    #[test]
    fn sqlite_retries_nothing() {
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, and PostgreSQL's codes for good measure.
        for code in ["5", "517", "6", "40P01", "40001"] {
            assert!(!Sqlite::is_retryable(&db_error(code)), "{code}");
        }
    }
}
