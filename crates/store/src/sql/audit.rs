//! [`AuditStore`] on the SQL store, with its statements.

use async_trait::async_trait;
use sked_core::ids::TenantId;

use super::{SqlDb, SqlStore, map_err};
use crate::{AuditEntry, AuditRow, AuditStore, Page, StoreResult};

const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (id, tenant_id, at, actor, action, target) VALUES ($1, $2, $3, $4, $5, $6)";
/// Both sources, newest first (ids are UUIDv7, so id order is time order); each branch is
/// limited on its own so neither is read whole. `$5` and `$6` are typed NULLs (a bare `NULL`
/// in a PostgreSQL subquery is text, which cannot be united with a UUID column).
const AUDIT_LOG: &str = "SELECT id, at, actor, action, target, booking_id FROM (\
     SELECT * FROM (SELECT id, at, actor, action, target, $5 AS booking_id FROM audit_log \
       WHERE tenant_id = $1 AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR id < $3) \
       ORDER BY id DESC LIMIT $4) AS a \
     UNION ALL \
     SELECT * FROM (SELECT id, at, actor, action, $6 AS target, booking_id FROM booking_history \
       WHERE tenant_id = $1 AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR id < $3) \
       ORDER BY id DESC LIMIT $4) AS h\
     ) AS both_sources ORDER BY id DESC LIMIT $4";

#[async_trait]
impl<DB: SqlDb> AuditStore for SqlStore<DB> {
    async fn record_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(INSERT_AUDIT)
                .bind(e.id)
                .bind(e.tenant_id.0)
                .bind(e.at)
                .bind(e.actor.as_str())
                .bind(e.action.as_str())
                .bind(e.target.as_str())
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn audit_log(
        &self,
        tenant: TenantId,
        actor: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<AuditRow>> {
        sqlx::query_as(AUDIT_LOG)
            .bind(tenant.0)
            .bind(actor)
            .bind(page.after)
            .bind(page.limit)
            .bind(None::<uuid::Uuid>)
            .bind(None::<&str>)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }
}
