//! Copies of the SQLite store, and putting one back: `sked backup` and `sked restore`.
//!
//! A backup is SQLite's `VACUUM INTO`: one read transaction, so the copy is the database as of
//! one commit, taken while the server goes on reading and writing (WAL readers and the writer do
//! not wait for each other). It is written beside the destination under a temporary name,
//! created `0600` before SQLite fills it, checked, flushed to disk, and only then given its name.
//!
//! A restore checks the file ([`check`]), takes the store's lock exclusively ([`lock`]), and
//! renames a checked copy over the database, keeping the one it replaces as
//! `<database>.before-restore` unless told not to ([`restore`]).

mod check;
pub mod lock;
mod restore;
mod sealed;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

pub use check::{Checked, check};
pub use lock::{StoreLock, lock_path};
pub use restore::{Restored, previous_path, restore};
pub use sealed::sealed_values;

#[cfg(test)]
mod tests;

/// Why a backup or a restore did not happen. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file to write is already there.
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
    /// There is no database where the settings say.
    #[error("there is no store at {0}")]
    NoStore(PathBuf),
    /// The file to restore is not there.
    #[error("{0} does not exist or is not a file")]
    Missing(PathBuf),
    /// The file is not a SQLite database at all.
    #[error("{path} is not a SQLite database ({reason})")]
    NotSqlite {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// A SQLite database, but not one Sked wrote.
    #[error("{path} is not a Sked database: {reason}")]
    NotSked {
        /// The file.
        path: PathBuf,
        /// What is missing or different.
        reason: String,
    },
    /// A Sked database with migrations this binary does not have.
    #[error(
        "{path} was written by a newer Sked: it has migration {version} ({description}), and this \
         binary knows migrations up to {known}; restore it with that version or a later one"
    )]
    FromTheFuture {
        /// The file.
        path: PathBuf,
        /// The newest migration it has.
        version: i64,
        /// That migration's name.
        description: String,
        /// The newest migration this binary has.
        known: i64,
    },
    /// SQLite's integrity check found damage.
    #[error("{path} failed SQLite's integrity check: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The check's first findings.
        detail: String,
    },
    /// Another process has the store open.
    #[error(
        "the store {store} is in use: a running `sked serve`, `sked worker` or other sked command \
         holds {lock}; stop it first"
    )]
    InUse {
        /// The database.
        store: PathBuf,
        /// Its lock file.
        lock: PathBuf,
    },
    /// `sked restore` is replacing the store.
    #[error("the store is being replaced by `sked restore` (it holds {lock}); start again when it is done")]
    BeingRestored {
        /// The lock file.
        lock: PathBuf,
    },
    /// The copy kept from an earlier restore is still there.
    #[error("{0} is left from an earlier restore; move it away first, or pass --no-keep")]
    PreviousKept(PathBuf),
    /// A path SQLite cannot be given.
    #[error("{0} is not valid UTF-8; use another path")]
    Path(PathBuf),
    /// The file system failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("{context}: {source}")]
    Database {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: sqlx::Error,
    },
}

fn io_error(context: String, source: std::io::Error) -> BackupError {
    BackupError::Io { context, source }
}

/// A SQLite error while `context`: SQLITE_NOTADB (26) says the file is not a database at all.
fn db_error(path: &Path, context: String) -> impl FnOnce(sqlx::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| match source.as_database_error() {
        Some(d) if d.code().as_deref() == Some("26") => {
            BackupError::NotSqlite { path, reason: d.message().to_owned() }
        }
        _ => BackupError::Database { context, source },
    }
}

/// What [`backup`] wrote.
#[derive(Debug)]
pub struct Backup {
    /// The copy's size in bytes.
    pub bytes: u64,
    /// What it holds.
    pub checked: Checked,
}

/// Copies the SQLite database at `db` to `dest`, consistently, while other processes use it.
/// `dest` is created readable by its owner only; an existing `dest` is refused unless `force`.
/// The copy is checked ([`check`]) before it gets its name.
pub async fn backup(db: &Path, dest: &Path, force: bool) -> Result<Backup, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoStore(db.to_path_buf()));
    }
    if !force && dest.exists() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    let partial = beside(dest, "partial")?;
    let result = copy_into(db, dest, &partial, force).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

async fn copy_into(db: &Path, dest: &Path, partial: &Path, force: bool) -> Result<Backup, BackupError> {
    let target = partial.to_str().ok_or_else(|| BackupError::Path(partial.to_path_buf()))?;
    // VACUUM INTO fills an empty file it is given and keeps its mode.
    create_private(partial)?;
    let mut conn = open(db).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut conn)
        .await
        .map_err(db_error(db, format!("cannot copy {}", db.display())))?;
    let _ = conn.close().await;
    let checked = check(partial).await?;
    let bytes = sync_file(partial)?;
    if force {
        std::fs::rename(partial, dest)
            .map_err(|e| io_error(format!("cannot rename {} to {}", partial.display(), dest.display()), e))?;
    } else {
        // A link refuses a name that appeared meanwhile, where a rename would replace it.
        std::fs::hard_link(partial, dest).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(dest.to_path_buf()),
            _ => io_error(format!("cannot name the copy {}", dest.display()), e),
        })?;
        std::fs::remove_file(partial)
            .map_err(|e| io_error(format!("cannot remove {}", partial.display()), e))?;
    }
    sync_dir(dest)?;
    Ok(Backup { bytes, checked })
}

/// Opens one connection to an existing SQLite file, without changing its journal mode.
async fn open(path: &Path) -> Result<SqliteConnection, BackupError> {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(db_error(path, format!("cannot open {}", path.display())))
}

/// A name beside `path` for a file being written: `.<name>.<what>-<random>`.
fn beside(path: &Path, what: &str) -> Result<PathBuf, BackupError> {
    let name = path.file_name().ok_or_else(|| BackupError::Path(path.to_path_buf()))?;
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".{what}-{:016x}", rand::random::<u64>()));
    Ok(path.with_file_name(temp))
}

/// Creates a new, empty file readable by its owner only.
fn create_private(path: &Path) -> Result<File, BackupError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(|e| io_error(format!("cannot create {}", path.display()), e))
}

/// Creates a directory (and its parents) readable by its owner only, unless it exists.
fn private_dir(dir: &Path) -> Result<(), BackupError> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| io_error(format!("cannot create {}", dir.display()), e))
}

/// Flushes a file to disk; answers its size.
fn sync_file(path: &Path) -> Result<u64, BackupError> {
    let f = File::open(path).map_err(|e| io_error(format!("cannot open {}", path.display()), e))?;
    f.sync_all().map_err(|e| io_error(format!("cannot flush {}", path.display()), e))?;
    f.metadata().map(|m| m.len()).map_err(|e| io_error(format!("cannot read {}", path.display()), e))
}

/// Flushes the directory holding `path`, so a rename in it survives a power loss.
fn sync_dir(path: &Path) -> Result<(), BackupError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(format!("cannot flush {}", dir.display()), e))?;
    Ok(())
}
