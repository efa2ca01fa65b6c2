//! Putting a backup in place of the SQLite store: with the store's lock held exclusively, the
//! file is copied beside the database (`0600`), made one self-contained file (rollback journal,
//! so nothing of it sits in a `-wal` named after the temporary name), checked, flushed, and
//! renamed over the database. The database it replaces is kept as `<database>.before-restore`,
//! with its `-wal` and `-shm` renamed beside it, so it stays exactly as it was; otherwise they are
//! removed, since a `-wal` left beside the new file would be replayed into it.

use std::path::{Path, PathBuf};

use sqlx::Connection;

use super::{
    BackupError, Checked, check, create_private, db_error, io_error, lock, open, sync_dir, sync_file,
};

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    /// What the restored store holds.
    pub checked: Checked,
    /// Where the store it replaced was kept, when there was one and it was kept.
    pub previous: Option<PathBuf>,
}

/// The files SQLite keeps beside a database: its write-ahead log, the log's index, a rollback
/// journal. Each belongs to the database of the same name.
const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Where a restore keeps the store it replaced: `<db>.before-restore`.
pub fn previous_path(db: &Path) -> PathBuf {
    suffixed(db, ".before-restore")
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Replaces the SQLite database at `db` (which need not exist yet) with a checked copy of
/// `from`, keeping the one it replaces as [`previous_path`] when `keep`. Refused while any
/// other process has the store open ([`lock`]).
pub async fn restore(from: &Path, db: &Path, keep: bool) -> Result<Restored, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_path_buf()));
    }
    let previous = previous_path(db);
    if keep && db.exists() && previous.exists() {
        return Err(BackupError::PreviousKept(previous));
    }
    let _lock = lock::exclusive(db)?;
    let staged = super::beside(db, "restoring")?;
    let done = match stage(from, &staged).await {
        Ok(checked) => install(&staged, db, keep).map(|previous| Restored { checked, previous }),
        Err(e) => Err(e),
    };
    if done.is_err() {
        for suffix in ["", SIDECARS[0], SIDECARS[1], SIDECARS[2]] {
            let _ = std::fs::remove_file(suffixed(&staged, suffix));
        }
    }
    done
}

/// Copies `from` to `staged`, as one file, and checks it.
async fn stage(from: &Path, staged: &Path) -> Result<Checked, BackupError> {
    let mut out = create_private(staged)?;
    let mut src =
        std::fs::File::open(from).map_err(|e| io_error(format!("cannot open {}", from.display()), e))?;
    std::io::copy(&mut src, &mut out)
        .map_err(|e| io_error(format!("cannot copy {} to {}", from.display(), staged.display()), e))?;
    drop(out);
    let mut conn = open(staged).await.map_err(|e| named(e, staged, from))?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await
        .map_err(db_error(from, format!("cannot read {}", from.display())))?;
    let _ = conn.close().await;
    let checked = check(staged).await.map_err(|e| named(e, staged, from))?;
    sync_file(staged)?;
    Ok(checked)
}

/// Renames the staged copy over `db`; answers where the replaced store was kept.
fn install(staged: &Path, db: &Path, keep: bool) -> Result<Option<PathBuf>, BackupError> {
    let previous = if keep && db.exists() {
        let previous = previous_path(db);
        std::fs::hard_link(db, &previous).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::PreviousKept(previous.clone()),
            _ => io_error(format!("cannot keep {} as {}", db.display(), previous.display()), e),
        })?;
        Some(previous)
    } else {
        None
    };
    for suffix in SIDECARS {
        let side = suffixed(db, suffix);
        if !side.exists() {
            continue;
        }
        let moved = match &previous {
            Some(p) => std::fs::rename(&side, suffixed(p, suffix)),
            None => std::fs::remove_file(&side),
        };
        moved.map_err(|e| io_error(format!("cannot move {} aside", side.display()), e))?;
    }
    std::fs::rename(staged, db)
        .map_err(|e| io_error(format!("cannot rename {} to {}", staged.display(), db.display()), e))?;
    sync_dir(db)?;
    Ok(previous)
}

/// Errors about the staged copy name the file the operator gave.
fn named(e: BackupError, staged: &Path, from: &Path) -> BackupError {
    let from = from.to_path_buf();
    match e {
        BackupError::NotSqlite { reason, .. } => BackupError::NotSqlite { path: from, reason },
        BackupError::NotSked { reason, .. } => BackupError::NotSked { path: from, reason },
        BackupError::Damaged { detail, .. } => BackupError::Damaged { path: from, detail },
        BackupError::FromTheFuture { version, description, known, .. } => {
            BackupError::FromTheFuture { path: from, version, description, known }
        }
        BackupError::Database { context, source } => {
            let context = context.replace(&staged.display().to_string(), &from.display().to_string());
            BackupError::Database { context, source }
        }
        other => other,
    }
}
