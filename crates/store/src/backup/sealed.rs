//! The sealed secrets a SQLite file holds (calendar tokens, voice agents' and webhooks' secrets,
//! Cal.com's webhook secret, sign-in verifiers): the values `sked secret rotate` re-seals, read
//! from a backup so a restore can tell whether this server's key opens them.

use std::path::Path;

use sqlx::Row;
use sqlx::sqlite::SqliteConnection;

use super::{BackupError, db_error, open};
use crate::sql::queries as q;

/// Each table that holds sealed values, with the statement reading them (an id, then values).
const SEALED: [(&str, &str); 6] = [
    ("connections", q::SEALED_TOKENS),
    ("oauth_states", q::SEALED_VERIFIERS),
    ("voice_agents", q::SEALED_VOICE),
    ("webhooks", q::SEALED_WEBHOOKS),
    ("calcom_integrations", q::SEALED_CALCOM),
    ("pending_revocations", q::SEALED_REVOCATIONS),
];

/// Every sealed value in the SQLite file at `path` (read only; a table an older copy lacks holds
/// none).
pub async fn sealed_values(path: &Path) -> Result<Vec<String>, BackupError> {
    let mut conn = open(path).await?;
    let values = read(path, &mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    values
}

async fn read(path: &Path, conn: &mut SqliteConnection) -> Result<Vec<String>, BackupError> {
    let reading = || db_error(path, format!("cannot read the secrets in {}", path.display()));
    let mut values = Vec::new();
    for (table, sql) in SEALED {
        let present: Option<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_optional(&mut *conn)
                .await
                .map_err(reading())?;
        if present.is_none() {
            continue;
        }
        for row in sqlx::query(sql).fetch_all(&mut *conn).await.map_err(reading())? {
            for i in 1..row.len() {
                if let Some(v) = row.try_get::<Option<String>, _>(i).map_err(reading())? {
                    values.push(v);
                }
            }
        }
    }
    Ok(values)
}
