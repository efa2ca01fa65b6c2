//! [`CalendarStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{ConnectionId, HostId, TenantId};

use super::queries as q;
use super::{bump_external, insert_audit};
use crate::sql::{SqlDb, SqlStore, found, map_err};
use crate::{
    CalendarStore, Connection, ConnectionCalendar, NewJob, OAuthState, Page, PendingRevocation, StoreError,
    StoreResult, TokenAudit, TokenUpdate,
};

#[async_trait]
impl<DB: SqlDb> CalendarStore for SqlStore<DB> {
    async fn insert_oauth_state(&self, s: &OAuthState) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_STATE)
                .bind(s.id.as_str())
                .bind(s.tenant_id.0)
                .bind(s.host_id.0)
                .bind(s.provider.as_str())
                .bind(s.verifier.as_str())
                .bind(s.redirect_to.as_deref())
                .bind(s.expires_at)
                .bind(s.created_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn take_oauth_state(&self, id: &str, now: i64) -> StoreResult<OAuthState> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let taken: Option<OAuthState> = sqlx::query_as(q::TAKE_STATE)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            sqlx::query(q::PURGE_STATES).bind(now).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)?;
            found(taken.filter(|s| s.expires_at >= now))
        })
        .await
    }

    async fn insert_connection(
        &self,
        c: &Connection,
        calendars: &[ConnectionCalendar],
        audit: &TokenAudit,
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            sqlx::query(q::INSERT_CONN)
                .bind(c.id.0)
                .bind(c.tenant_id.0)
                .bind(c.host_id.0)
                .bind(c.provider.as_str())
                .bind(c.account.as_str())
                .bind(c.status.as_str())
                .bind(c.access_token.as_deref())
                .bind(c.refresh_token.as_deref())
                .bind(c.token_expires_at)
                .bind(c.refresh_expires_at)
                .bind(c.scopes.as_str())
                .bind(c.booking_calendar_id.as_deref())
                .bind(c.last_checked_at)
                .bind(c.last_error.as_deref())
                .bind(c.next_check_at)
                .bind(c.created_at)
                .bind(c.updated_at)
                .bind(c.server_url.as_deref())
                .bind(c.username.as_deref())
                .bind(c.password.as_deref())
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            for k in calendars {
                sqlx::query(q::INSERT_CAL)
                    .bind(k.connection_id.0)
                    .bind(k.calendar_id.as_str())
                    .bind(k.tenant_id.0)
                    .bind(k.host_id.0)
                    .bind(k.summary.as_str())
                    .bind(k.time_zone.as_deref())
                    .bind(k.is_primary)
                    .bind(k.writable)
                    .bind(k.busy)
                    .bind(k.sync_token.as_deref())
                    .bind(k.synced_at)
                    .bind(k.next_poll_at)
                    .bind(k.expanded_until)
                    .bind(k.channel_id.as_deref())
                    .bind(k.channel_resource_id.as_deref())
                    .bind(k.channel_token_hash.as_deref())
                    .bind(k.channel_expires_at)
                    .bind(k.next_watch_at)
                    .bind(k.last_error.as_deref())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            insert_audit(&mut tx, audit).await?;
            for job in jobs {
                Self::insert_job(&mut tx, job).await?;
            }
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<Connection> {
        found(
            sqlx::query_as(q::CONN)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn find_connection(&self, id: ConnectionId) -> StoreResult<Connection> {
        found(
            sqlx::query_as(q::FIND_CONN)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_connections(
        &self,
        tenant: TenantId,
        host: Option<HostId>,
        page: Page,
    ) -> StoreResult<Vec<Connection>> {
        sqlx::query_as(q::LIST_CONNS)
            .bind(tenant.0)
            .bind(host.map(|h| h.0))
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn connection_calendars(&self, id: ConnectionId) -> StoreResult<Vec<ConnectionCalendar>> {
        sqlx::query_as(q::CALS).bind(id.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn configure_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        booking_calendar_id: Option<&str>,
        busy: &[(String, bool)],
        now: i64,
    ) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let conn: Connection = found(
                sqlx::query_as(q::CONN)
                    .bind(id.0)
                    .bind(tenant.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?,
            )?;
            sqlx::query(q::SET_BOOKING_CAL)
                .bind(id.0)
                .bind(tenant.0)
                .bind(booking_calendar_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            let calendars: Vec<ConnectionCalendar> =
                sqlx::query_as(q::CALS).bind(id.0).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (calendar, _) in busy {
                if !calendars.iter().any(|k| &k.calendar_id == calendar) {
                    return Err(StoreError::NotFound);
                }
            }
            let mut changed = false;
            for k in &calendars {
                let cal = k.calendar_id.as_str();
                let on = busy.iter().find(|(c, _)| c == cal).map_or(k.busy, |(_, on)| *on);
                let was = k.synced(conn.booking_calendar_id.as_deref());
                let now_synced = on || booking_calendar_id == Some(cal);
                if on == k.busy && was == now_synced {
                    continue;
                }
                changed |= on != k.busy;
                if now_synced {
                    // Synced afresh, or its busy time is recomputed: a full sync is due now.
                    sqlx::query(q::CAL_ON)
                        .bind(id.0)
                        .bind(cal)
                        .bind(on)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err::<DB>)?;
                    if !on {
                        sqlx::query(q::DROP_CAL_BUSY)
                            .bind(id.0)
                            .bind(cal)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err::<DB>)?;
                    }
                } else {
                    sqlx::query(q::CAL_OFF)
                        .bind(id.0)
                        .bind(cal)
                        .bind(on)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err::<DB>)?;
                    for stmt in [q::DROP_CAL_EVENTS, q::DROP_CAL_BUSY] {
                        sqlx::query(stmt)
                            .bind(id.0)
                            .bind(cal)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err::<DB>)?;
                    }
                }
            }
            if changed {
                bump_external(&mut tx, conn.host_id, conn.tenant_id, 0).await?;
            }
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn save_tokens(&self, id: ConnectionId, t: &TokenUpdate, audit: &TokenAudit) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::SAVE_TOKENS)
                .bind(id.0)
                .bind(t.access_token.as_str())
                .bind(t.refresh_token.as_deref())
                .bind(t.token_expires_at)
                .bind(t.refresh_expires_at)
                .bind(audit.at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            insert_audit(&mut tx, audit).await?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn set_connection_health(
        &self,
        id: ConnectionId,
        status: &str,
        error: Option<&str>,
        checked_at: i64,
        audit: Option<&TokenAudit>,
    ) -> StoreResult<String> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let before: Option<(String,)> =
                sqlx::query_as(q::STATUS).bind(id.0).fetch_optional(&mut *tx).await.map_err(map_err::<DB>)?;
            let (before,) = found(before)?;
            sqlx::query(q::SET_HEALTH)
                .bind(id.0)
                .bind(status)
                .bind(error)
                .bind(checked_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if let Some(a) = audit {
                insert_audit(&mut tx, a).await?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(before)
        })
        .await
    }

    async fn delete_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        revocation: Option<uuid::Uuid>,
        jobs: &[NewJob],
    ) -> StoreResult<(Connection, Vec<ConnectionCalendar>)> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let conn: Connection = found(
                sqlx::query_as(q::CONN)
                    .bind(id.0)
                    .bind(tenant.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?,
            )?;
            let calendars: Vec<ConnectionCalendar> =
                sqlx::query_as(q::CALS).bind(id.0).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            if let Some(r) = revocation {
                sqlx::query(q::KEEP_REVOCATION)
                    .bind(r)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            for stmt in [
                q::DELETE_CONN_BUSY,
                q::DELETE_CONN_EVENTS,
                q::DELETE_CONN_BCE,
                q::DELETE_CONN_CALS,
                q::DELETE_CONN,
            ] {
                sqlx::query(stmt).bind(id.0).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            }
            bump_external(&mut tx, conn.host_id, conn.tenant_id, 0).await?;
            for job in jobs {
                Self::insert_job(&mut tx, job).await?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok((conn, calendars))
        })
        .await
    }

    async fn pending_revocation(&self, id: uuid::Uuid) -> StoreResult<PendingRevocation> {
        let row: Option<(uuid::Uuid, uuid::Uuid, Option<String>, Option<String>, String)> =
            sqlx::query_as(q::PENDING_REVOCATION)
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?;
        let (id, tenant, access_token, refresh_token, provider) = found(row)?;
        Ok(PendingRevocation { id, tenant_id: TenantId(tenant), access_token, refresh_token, provider })
    }

    async fn delete_pending_revocation(&self, id: uuid::Uuid) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::DELETE_REVOCATION).bind(id).execute(&self.writer).await.map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn token_audit(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        limit: i64,
    ) -> StoreResult<Vec<TokenAudit>> {
        sqlx::query_as(q::AUDIT)
            .bind(id.0)
            .bind(tenant.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }
}
