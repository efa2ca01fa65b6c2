//! Connected calendars on the SQL store: [`CalendarStore`](crate::CalendarStore) in
//! [`connections`], [`CalendarSyncStore`](crate::CalendarSyncStore) in [`sync`], their statements
//! in [`queries`], and the steps both share here.

mod connections;
mod queries;
mod sync;

use sked_core::ids::{HostId, TenantId};

use self::queries as q;
use super::{SqlDb, map_err};
use crate::{StoreResult, TokenAudit};

/// Rows per multi-row INSERT (well under both databases' bind limits).
const BATCH: usize = 500;

async fn insert_audit<DB: SqlDb>(tx: &mut sqlx::Transaction<'static, DB>, a: &TokenAudit) -> StoreResult<()> {
    sqlx::query(q::INSERT_AUDIT)
        .bind(a.id)
        .bind(a.connection_id.0)
        .bind(a.tenant_id.0)
        .bind(a.at)
        .bind(a.action.as_str())
        .bind(a.detail.as_deref())
        .execute(&mut **tx)
        .await
        .map_err(map_err::<DB>)?;
    Ok(())
}

/// Bumps a host's external version (its busy time from calendars changed) and grows its external
/// reach to `span`.
async fn bump_external<DB: SqlDb>(
    tx: &mut sqlx::Transaction<'static, DB>,
    host: HostId,
    tenant: TenantId,
    span: i64,
) -> StoreResult<()> {
    sqlx::query(q::BUMP_EXTERNAL)
        .bind(host.0)
        .bind(tenant.0)
        .bind(span)
        .execute(&mut **tx)
        .await
        .map_err(map_err::<DB>)?;
    Ok(())
}
