//! Whether a file is a Sked SQLite database this binary can run on: SQLite's integrity check
//! passes, it has sqlx's migrations table, every migration it records is one of this binary's
//! (same checksum) and finished, and none is newer than this binary's newest.

use std::path::Path;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;

use super::{BackupError, db_error, open};

/// What a checked file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The newest migration it has.
    pub version: i64,
    /// The newest migration this binary has.
    pub known: i64,
    /// This binary's migrations it lacks: the server applies them at its next start.
    pub pending: usize,
}

/// Checks the SQLite file at `path` (read only; nothing in it changes).
pub async fn check(path: &Path) -> Result<Checked, BackupError> {
    let mut conn = open(path).await?;
    let checked = inspect(path, &mut conn).await;
    let _ = conn.close().await;
    checked
}

/// A row of sqlx's `_sqlx_migrations`.
type Applied = (i64, String, bool, Vec<u8>);

async fn inspect(path: &Path, conn: &mut SqliteConnection) -> Result<Checked, BackupError> {
    let reading = || db_error(path, format!("cannot read {}", path.display()));
    let found: Vec<(String,)> =
        sqlx::query_as("PRAGMA integrity_check(10)").fetch_all(&mut *conn).await.map_err(reading())?;
    if found.len() != 1 || found[0].0 != "ok" {
        let detail = found.into_iter().map(|r| r.0).collect::<Vec<_>>().join("; ");
        return Err(BackupError::Damaged { path: path.to_path_buf(), detail });
    }
    let not_sked = |reason: String| BackupError::NotSked { path: path.to_path_buf(), reason };
    let table: Option<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(&mut *conn)
            .await
            .map_err(reading())?;
    if table.is_none() {
        return Err(not_sked("it has no migrations table (_sqlx_migrations)".into()));
    }
    let applied: Vec<Applied> = sqlx::query_as(
        "SELECT version, description, success, checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(reading())?;
    let ours: Vec<_> =
        crate::sql::sqlite_migrator().iter().filter(|m| !m.migration_type.is_down_migration()).collect();
    let known = ours.iter().map(|m| m.version).max().unwrap_or(0);
    let Some((version, description, ..)) = applied.last() else {
        return Err(not_sked("it records no migrations".into()));
    };
    if *version > known {
        return Err(BackupError::FromTheFuture {
            path: path.to_path_buf(),
            version: *version,
            description: description.clone(),
            known,
        });
    }
    for (v, description, success, checksum) in &applied {
        match ours.iter().find(|m| m.version == *v) {
            None => return Err(not_sked(format!("migration {v} ({description}) is not one of Sked's"))),
            Some(m) if *m.checksum != **checksum => {
                return Err(not_sked(format!("migration {v} ({description}) differs from Sked's")));
            }
            Some(_) if !success => {
                let detail = format!("migration {v} ({description}) did not finish");
                return Err(BackupError::Damaged { path: path.to_path_buf(), detail });
            }
            Some(_) => {}
        }
    }
    let pending = ours.iter().filter(|m| !applied.iter().any(|a| a.0 == m.version)).count();
    Ok(Checked { version: *version, known, pending })
}
