//! [`CalendarStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BookingId, ConnectionId, HostId, TenantId};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, QueryBuilder, Type};
use uuid::Uuid;

use super::dialect::Dialect;
use super::{SqlStore, found, map_err, queries as shared};
use crate::{
    BookingCalendarEvent, CalendarStore, Connection, ConnectionCalendar, ExternalBusy, ExternalEventRow,
    Host, NewJob, OAuthState, Page, REVOKED, StoreError, StoreResult, SyncWrite, TokenAudit, TokenUpdate,
};

const CONN_COLS: &str = "id, tenant_id, host_id, provider, account, status, access_token, refresh_token, \
     token_expires_at, refresh_expires_at, scopes, booking_calendar_id, last_checked_at, last_error, \
     next_check_at, created_at, updated_at";
const CAL_COLS: &str = "connection_id, calendar_id, tenant_id, host_id, summary, time_zone, is_primary, writable, \
     busy, sync_token, synced_at, next_poll_at, expanded_until, channel_id, channel_resource_id, \
     channel_token_hash, channel_expires_at, next_watch_at, last_error";
const EVENT_COLS: &str = "connection_id, calendar_id, event_id, series_id, booking_id, data";
const BCE_COLS: &str =
    "booking_id, connection_id, tenant_id, calendar_id, event_id, start_at, end_at, status, updated_at";

mod q {
    use const_format::concatcp;

    use super::{BCE_COLS, CAL_COLS, CONN_COLS, EVENT_COLS};

    pub const INSERT_STATE: &str = "INSERT INTO oauth_states (id, tenant_id, host_id, provider, verifier, \
         redirect_to, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    pub const TAKE_STATE: &str = "DELETE FROM oauth_states WHERE id = $1 RETURNING id, tenant_id, host_id, \
         provider, verifier, redirect_to, expires_at, created_at";
    pub const PURGE_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < $1";

    pub const INSERT_CONN: &str = concatcp!(
        "INSERT INTO connections (",
        CONN_COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    pub const INSERT_CAL: &str = concatcp!(
        "INSERT INTO connection_calendars (",
        CAL_COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    pub const INSERT_AUDIT: &str = "INSERT INTO token_audit (id, connection_id, tenant_id, at, action, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)";
    pub const CONN: &str =
        concatcp!("SELECT ", CONN_COLS, " FROM connections WHERE id = $1 AND tenant_id = $2");
    pub const FIND_CONN: &str = concatcp!("SELECT ", CONN_COLS, " FROM connections WHERE id = $1");
    pub const LIST_CONNS: &str = concatcp!(
        "SELECT ",
        CONN_COLS,
        " FROM connections WHERE tenant_id = $1 AND ($2 IS NULL OR host_id = $2) AND ($3 IS NULL OR id > $3) \
         ORDER BY id LIMIT $4"
    );
    pub const CALS: &str = concatcp!(
        "SELECT ",
        CAL_COLS,
        " FROM connection_calendars WHERE connection_id = $1 ORDER BY calendar_id"
    );
    pub const SET_BOOKING_CAL: &str =
        "UPDATE connections SET booking_calendar_id = $3, updated_at = $4 WHERE id = $1 AND tenant_id = $2";
    pub const CAL_OFF: &str = "UPDATE connection_calendars SET busy = $3, sync_token = NULL, synced_at = NULL, \
         expanded_until = NULL, channel_id = NULL, channel_resource_id = NULL, channel_token_hash = NULL, \
         channel_expires_at = NULL, next_watch_at = NULL WHERE connection_id = $1 AND calendar_id = $2";
    pub const CAL_ON: &str = "UPDATE connection_calendars SET busy = $3, sync_token = NULL, next_poll_at = $4, \
         next_watch_at = NULL WHERE connection_id = $1 AND calendar_id = $2";
    pub const DROP_CAL_EVENTS: &str =
        "DELETE FROM external_events WHERE connection_id = $1 AND calendar_id = $2";
    pub const DROP_CAL_BUSY: &str = "DELETE FROM external_busy WHERE connection_id = $1 AND calendar_id = $2";
    pub const SAVE_TOKENS: &str = "UPDATE connections SET access_token = $2, \
         refresh_token = COALESCE($3, refresh_token), token_expires_at = $4, \
         refresh_expires_at = COALESCE($5, refresh_expires_at), updated_at = $6 WHERE id = $1";
    pub const STATUS: &str = "SELECT status FROM connections WHERE id = $1";
    pub const SET_HEALTH: &str = "UPDATE connections SET status = $2, last_error = $3, last_checked_at = $4, \
         updated_at = $4 WHERE id = $1";
    pub const DELETE_CONN_BUSY: &str = "DELETE FROM external_busy WHERE connection_id = $1";
    pub const DELETE_CONN_EVENTS: &str = "DELETE FROM external_events WHERE connection_id = $1";
    pub const DELETE_CONN_BCE: &str = "DELETE FROM booking_calendar_events WHERE connection_id = $1";
    pub const DELETE_CONN_CALS: &str = "DELETE FROM connection_calendars WHERE connection_id = $1";
    pub const DELETE_CONN: &str = "DELETE FROM connections WHERE id = $1";
    pub const AUDIT: &str = "SELECT a.id, a.connection_id, a.tenant_id, a.at, a.action, a.detail FROM token_audit a \
         WHERE a.connection_id = $1 AND a.tenant_id = $2 ORDER BY a.at DESC, a.id DESC LIMIT $3";

    pub const DUE_CHECKS: &str = "SELECT id, next_check_at FROM connections WHERE next_check_at <= $1 \
         AND status <> $2 ORDER BY next_check_at LIMIT $3";
    pub const CLAIM_CHECK: &str =
        "UPDATE connections SET next_check_at = $3 WHERE id = $1 AND next_check_at = $2";
    pub const DUE_POLLS: &str = "SELECT c.connection_id, c.calendar_id, c.next_poll_at FROM connection_calendars c \
         JOIN connections n ON n.id = c.connection_id \
         WHERE (c.busy = $2 OR c.calendar_id = n.booking_calendar_id) AND c.next_poll_at <= $1 \
         AND n.status <> $3 ORDER BY c.next_poll_at LIMIT $4";
    pub const CLAIM_POLL: &str = "UPDATE connection_calendars SET next_poll_at = $4 \
         WHERE connection_id = $1 AND calendar_id = $2 AND next_poll_at = $3";
    pub const DUE_WATCHES: &str = "SELECT c.connection_id, c.calendar_id, c.next_watch_at FROM connection_calendars c \
         JOIN connections n ON n.id = c.connection_id \
         WHERE (c.busy = $3 OR c.calendar_id = n.booking_calendar_id) AND n.status <> $4 \
         AND (c.channel_expires_at IS NULL OR c.channel_expires_at < $2) \
         AND (c.next_watch_at IS NULL OR c.next_watch_at <= $1) ORDER BY c.next_watch_at LIMIT $5";
    pub const CLAIM_WATCH: &str = "UPDATE connection_calendars SET next_watch_at = $4 \
         WHERE connection_id = $1 AND calendar_id = $2 AND next_watch_at IS NOT DISTINCT FROM $3";
    pub const SAVE_CHANNEL: &str = "UPDATE connection_calendars SET channel_id = $3, channel_resource_id = $4, \
         channel_token_hash = $5, channel_expires_at = $6 WHERE connection_id = $1 AND calendar_id = $2";
    pub const BY_CHANNEL: &str =
        concatcp!("SELECT ", CAL_COLS, " FROM connection_calendars WHERE channel_id = $1");
    pub const CAL_ERROR: &str =
        "UPDATE connection_calendars SET last_error = $3 WHERE connection_id = $1 AND calendar_id = $2";

    pub const SERIES: &str = concatcp!(
        "SELECT ",
        EVENT_COLS,
        " FROM external_events WHERE connection_id = $1 AND calendar_id = $2 AND series_id = $3"
    );
    pub const EVENTS: &str = concatcp!(
        "SELECT ",
        EVENT_COLS,
        " FROM external_events WHERE connection_id = $1 AND calendar_id = $2"
    );
    pub const ADVANCE: &str = "UPDATE connection_calendars SET sync_token = $3, synced_at = $4, \
         expanded_until = COALESCE($5, expanded_until), last_error = NULL \
         WHERE connection_id = $1 AND calendar_id = $2 AND sync_token IS NOT DISTINCT FROM $6 \
         AND (busy = $7 OR calendar_id = (SELECT n.booking_calendar_id FROM connections n WHERE n.id = $1)) \
         RETURNING host_id, tenant_id, busy";
    pub const DELETE_EVENT: &str =
        "DELETE FROM external_events WHERE connection_id = $1 AND calendar_id = $2 AND event_id = $3";
    pub const DELETE_SERIES_BUSY: &str =
        "DELETE FROM external_busy WHERE connection_id = $1 AND calendar_id = $2 AND series_id = $3";
    pub const UPSERT_EVENTS: &str = concatcp!("INSERT INTO external_events (", EVENT_COLS, ") ");
    pub const UPSERT_EVENTS_TAIL: &str = " ON CONFLICT (connection_id, calendar_id, event_id) DO UPDATE SET \
         series_id = excluded.series_id, booking_id = excluded.booking_id, data = excluded.data";
    pub const INSERT_BUSY: &str = "INSERT INTO external_busy (connection_id, calendar_id, series_id, tenant_id, \
         host_id, start_at, end_at) ";
    pub const BUMP_EXTERNAL: &str = "UPDATE hosts SET external_version = external_version + 1, \
         external_span = CASE WHEN external_span < $3 THEN $3 ELSE external_span END \
         WHERE id = $1 AND tenant_id = $2";
    pub const EXTERNAL_SPAN: &str = "SELECT external_span FROM hosts WHERE id = $1 AND tenant_id = $2";
    pub const HOST_SPANS: &str = "SELECT start_at, end_at FROM external_busy \
         WHERE host_id = $1 AND tenant_id = $2 AND start_at < $4 AND end_at > $3 AND start_at > $5 \
         ORDER BY start_at";
    pub const HOST_EXTERNAL: &str = "SELECT host_id, connection_id, start_at, end_at FROM external_busy \
         WHERE host_id = $1 AND tenant_id = $2 AND start_at < $4 AND end_at > $3 AND start_at > $5 \
         ORDER BY start_at";

    pub const BCES: &str =
        concatcp!("SELECT ", BCE_COLS, " FROM booking_calendar_events WHERE booking_id = $1");
    pub const SAVE_BCE: &str = concatcp!(
        "INSERT INTO booking_calendar_events (",
        BCE_COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (booking_id, connection_id) DO UPDATE SET \
         calendar_id = excluded.calendar_id, event_id = excluded.event_id, start_at = excluded.start_at, \
         end_at = excluded.end_at, status = excluded.status, updated_at = excluded.updated_at"
    );

    pub const SEALED_TOKENS: &str = "SELECT id, access_token, refresh_token FROM connections";
    pub const RESEAL_TOKENS: &str =
        "UPDATE connections SET access_token = $2, refresh_token = $3 WHERE id = $1";
    pub const SEALED_VERIFIERS: &str = "SELECT id, verifier FROM oauth_states";
    pub const RESEAL_VERIFIER: &str = "UPDATE oauth_states SET verifier = $2 WHERE id = $1";
    pub const SEALED_VOICE: &str = "SELECT id, secret FROM voice_agents";
    pub const RESEAL_VOICE: &str = "UPDATE voice_agents SET secret = $2 WHERE id = $1";
    pub const SEALED_JOBS: &str = "SELECT id, payload FROM jobs WHERE status IN ('queued', 'running') \
         AND payload LIKE '%token\"%'";
    pub const RESEAL_JOB: &str = "UPDATE jobs SET payload = $2 WHERE id = $1";
}

/// Rows per multi-row INSERT (well under both databases' bind limits).
const BATCH: usize = 500;

#[async_trait]
impl<DB> CalendarStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'t> Uuid: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Uuid>: Encode<'t, DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Decode<'t, DB>,
    for<'t> Option<&'t str>: Encode<'t, DB>,
    for<'t> Option<String>: Encode<'t, DB> + Decode<'t, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> Connection: FromRow<'r, DB::Row>,
    for<'r> ConnectionCalendar: FromRow<'r, DB::Row>,
    for<'r> ExternalEventRow: FromRow<'r, DB::Row>,
    for<'r> ExternalBusy: FromRow<'r, DB::Row>,
    for<'r> BookingCalendarEvent: FromRow<'r, DB::Row>,
    for<'r> OAuthState: FromRow<'r, DB::Row>,
    for<'r> TokenAudit: FromRow<'r, DB::Row>,
{
    async fn insert_oauth_state(&self, s: &OAuthState) -> StoreResult<()> {
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
    }

    async fn take_oauth_state(&self, id: &str, now: i64) -> StoreResult<OAuthState> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let taken: Option<OAuthState> =
            sqlx::query_as(q::TAKE_STATE).bind(id).fetch_optional(&mut *tx).await.map_err(map_err::<DB>)?;
        sqlx::query(q::PURGE_STATES).bind(now).execute(&mut *tx).await.map_err(map_err::<DB>)?;
        tx.commit().await.map_err(map_err::<DB>)?;
        found(taken.filter(|s| s.expires_at >= now))
    }

    async fn insert_connection(
        &self,
        c: &Connection,
        calendars: &[ConnectionCalendar],
        audit: &TokenAudit,
        jobs: &[NewJob],
    ) -> StoreResult<()> {
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
        insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(map_err::<DB>)
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
                    sqlx::query(stmt).bind(id.0).bind(cal).execute(&mut *tx).await.map_err(map_err::<DB>)?;
                }
            }
        }
        if changed {
            bump_external(&mut tx, conn.host_id, conn.tenant_id, 0).await?;
        }
        tx.commit().await.map_err(map_err::<DB>)
    }

    async fn save_tokens(&self, id: ConnectionId, t: &TokenUpdate, audit: &TokenAudit) -> StoreResult<()> {
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
    }

    async fn set_connection_health(
        &self,
        id: ConnectionId,
        status: &str,
        error: Option<&str>,
        checked_at: i64,
        audit: Option<&TokenAudit>,
    ) -> StoreResult<String> {
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
    }

    async fn delete_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        jobs: &[NewJob],
    ) -> StoreResult<(Connection, Vec<ConnectionCalendar>)> {
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
        insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok((conn, calendars))
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

    async fn claim_health_checks(&self, now: i64, next: i64, limit: i64) -> StoreResult<Vec<ConnectionId>> {
        let due: Vec<(Uuid, i64)> = sqlx::query_as(q::DUE_CHECKS)
            .bind(now)
            .bind(REVOKED)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let mut claimed = Vec::new();
        for (id, at) in due {
            let r = sqlx::query(q::CLAIM_CHECK)
                .bind(id)
                .bind(at)
                .bind(next)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 1 {
                claimed.push(ConnectionId(id));
            }
        }
        Ok(claimed)
    }

    async fn claim_polls(&self, now: i64, next: i64, limit: i64) -> StoreResult<Vec<(ConnectionId, String)>> {
        let due: Vec<(Uuid, String, i64)> = sqlx::query_as(q::DUE_POLLS)
            .bind(now)
            .bind(true)
            .bind(REVOKED)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let mut claimed = Vec::new();
        for (id, calendar, at) in due {
            let r = sqlx::query(q::CLAIM_POLL)
                .bind(id)
                .bind(calendar.as_str())
                .bind(at)
                .bind(next)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 1 {
                claimed.push((ConnectionId(id), calendar));
            }
        }
        Ok(claimed)
    }

    async fn claim_watches(
        &self,
        now: i64,
        renew_before: i64,
        retry_at: i64,
        limit: i64,
    ) -> StoreResult<Vec<(ConnectionId, String)>> {
        let due: Vec<(Uuid, String, Option<i64>)> = sqlx::query_as(q::DUE_WATCHES)
            .bind(now)
            .bind(renew_before)
            .bind(true)
            .bind(REVOKED)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let mut claimed = Vec::new();
        for (id, calendar, at) in due {
            let r = sqlx::query(q::CLAIM_WATCH)
                .bind(id)
                .bind(calendar.as_str())
                .bind(at)
                .bind(retry_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 1 {
                claimed.push((ConnectionId(id), calendar));
            }
        }
        Ok(claimed)
    }

    async fn save_channel(
        &self,
        id: ConnectionId,
        calendar: &str,
        channel: Option<(&str, &str, &str, i64)>,
    ) -> StoreResult<()> {
        let r = sqlx::query(q::SAVE_CHANNEL)
            .bind(id.0)
            .bind(calendar)
            .bind(channel.map(|c| c.0))
            .bind(channel.map(|c| c.1))
            .bind(channel.map(|c| c.2))
            .bind(channel.map(|c| c.3))
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn calendar_by_channel(&self, channel_id: &str) -> StoreResult<ConnectionCalendar> {
        found(
            sqlx::query_as(q::BY_CHANNEL)
                .bind(channel_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn set_calendar_error(
        &self,
        id: ConnectionId,
        calendar: &str,
        error: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(q::CAL_ERROR)
            .bind(id.0)
            .bind(calendar)
            .bind(error)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn external_series(
        &self,
        id: ConnectionId,
        calendar: &str,
        series: &[String],
    ) -> StoreResult<Vec<ExternalEventRow>> {
        let mut out = Vec::new();
        for s in series {
            let rows: Vec<ExternalEventRow> = sqlx::query_as(q::SERIES)
                .bind(id.0)
                .bind(calendar)
                .bind(s.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(map_err::<DB>)?;
            out.extend(rows);
        }
        Ok(out)
    }

    async fn external_events(&self, id: ConnectionId, calendar: &str) -> StoreResult<Vec<ExternalEventRow>> {
        sqlx::query_as(q::EVENTS).bind(id.0).bind(calendar).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn apply_sync(&self, w: &SyncWrite) -> StoreResult<()> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let owner: Option<(Uuid, Uuid, bool)> = sqlx::query_as(q::ADVANCE)
            .bind(w.connection_id.0)
            .bind(w.calendar_id.as_str())
            .bind(w.new_token.as_deref())
            .bind(w.synced_at)
            .bind(w.expanded_until)
            .bind(w.expected_token.as_deref())
            .bind(true)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        // Another sync moved the token meanwhile, or the calendar stopped being synced.
        let (host, tenant, busy) = owner.ok_or(StoreError::Stale)?;
        // A calendar synced only because it receives bookings has no busy time.
        let spans: &[(String, Vec<Interval>)] = if busy { &w.busy } else { &[] };
        let (conn, cal) = (w.connection_id.0, w.calendar_id.as_str());
        if w.full {
            for stmt in [q::DROP_CAL_EVENTS, q::DROP_CAL_BUSY] {
                sqlx::query(stmt).bind(conn).bind(cal).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            }
        }
        for id in &w.delete {
            sqlx::query(q::DELETE_EVENT)
                .bind(conn)
                .bind(cal)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        for chunk in w.upsert.chunks(BATCH) {
            let mut b = QueryBuilder::<DB>::new(q::UPSERT_EVENTS);
            b.push_values(chunk, |mut row, e| {
                row.push_bind(e.connection_id.0)
                    .push_bind(e.calendar_id.as_str())
                    .push_bind(e.event_id.as_str())
                    .push_bind(e.series_id.as_str())
                    .push_bind(e.booking_id.as_deref())
                    .push_bind(e.data.as_str());
            });
            b.push(q::UPSERT_EVENTS_TAIL);
            b.build().execute(&mut *tx).await.map_err(map_err::<DB>)?;
        }
        let mut longest = 0;
        let mut rows: Vec<(&str, Interval)> = Vec::new();
        for (series, spans) in spans {
            if !w.full {
                sqlx::query(q::DELETE_SERIES_BUSY)
                    .bind(conn)
                    .bind(cal)
                    .bind(series.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            for iv in spans {
                longest = longest.max(iv.len());
                rows.push((series.as_str(), *iv));
            }
        }
        for chunk in rows.chunks(BATCH) {
            let mut b = QueryBuilder::<DB>::new(q::INSERT_BUSY);
            b.push_values(chunk, |mut row, (series, iv)| {
                row.push_bind(conn)
                    .push_bind(cal)
                    .push_bind(*series)
                    .push_bind(tenant)
                    .push_bind(host)
                    .push_bind(iv.start)
                    .push_bind(iv.end);
            });
            b.build().execute(&mut *tx).await.map_err(map_err::<DB>)?;
        }
        if busy && (w.full || !spans.is_empty()) {
            bump_external(&mut tx, HostId(host), TenantId(tenant), longest).await?;
        }
        tx.commit().await.map_err(map_err::<DB>)
    }

    async fn host_external_busy(
        &self,
        tenant: TenantId,
        host: HostId,
        range: Interval,
    ) -> StoreResult<Vec<ExternalBusy>> {
        let reach: Option<(i64,)> = sqlx::query_as(q::EXTERNAL_SPAN)
            .bind(host.0)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let reach = reach.map_or(0, |(r,)| r);
        sqlx::query_as(q::HOST_EXTERNAL)
            .bind(host.0)
            .bind(tenant.0)
            .bind(range.start)
            .bind(range.end)
            .bind(range.start - reach - 1)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn external_spans(&self, host: &Host, range: Interval) -> StoreResult<Vec<Interval>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(q::HOST_SPANS)
            .bind(host.id.0)
            .bind(host.tenant_id.0)
            .bind(range.start)
            .bind(range.end)
            .bind(range.start - host.external_span - 1)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok(rows.into_iter().map(|(s, e)| Interval::new(s, e)).collect())
    }

    async fn booking_calendar_events(&self, booking: BookingId) -> StoreResult<Vec<BookingCalendarEvent>> {
        sqlx::query_as(q::BCES).bind(booking.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn save_booking_calendar_event(&self, e: &BookingCalendarEvent) -> StoreResult<()> {
        sqlx::query(q::SAVE_BCE)
            .bind(e.booking_id.0)
            .bind(e.connection_id.0)
            .bind(e.tenant_id.0)
            .bind(e.calendar_id.as_str())
            .bind(e.event_id.as_str())
            .bind(e.start_at)
            .bind(e.end_at)
            .bind(e.status.as_str())
            .bind(e.updated_at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn reseal_secrets(
        &self,
        reseal: &(dyn for<'a> Fn(&'a str) -> Result<String, String> + Send + Sync),
    ) -> StoreResult<u64> {
        let again = |v: &str| -> StoreResult<String> { reseal(v).map_err(StoreError::Invalid) };
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let mut n = 0;
        let tokens: Vec<(Uuid, Option<String>, Option<String>)> =
            sqlx::query_as(q::SEALED_TOKENS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
        for (id, access, refresh) in tokens {
            let access = access.as_deref().map(again).transpose()?;
            let refresh = refresh.as_deref().map(again).transpose()?;
            n += u64::from(access.is_some()) + u64::from(refresh.is_some());
            sqlx::query(q::RESEAL_TOKENS)
                .bind(id)
                .bind(access)
                .bind(refresh)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        let verifiers: Vec<(String, String)> =
            sqlx::query_as(q::SEALED_VERIFIERS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
        for (id, v) in verifiers {
            let v = again(&v)?;
            sqlx::query(q::RESEAL_VERIFIER)
                .bind(id)
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            n += 1;
        }
        let secrets: Vec<(Uuid, String)> =
            sqlx::query_as(q::SEALED_VOICE).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
        for (id, v) in secrets {
            let v = again(&v)?;
            sqlx::query(q::RESEAL_VOICE).bind(id).bind(v).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            n += 1;
        }
        // Unfinished jobs carrying sealed tokens (see `NewJob::payload`).
        let jobs: Vec<(Uuid, String)> =
            sqlx::query_as(q::SEALED_JOBS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
        for (id, payload) in jobs {
            let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str::<serde_json::Value>(&payload)
            else {
                continue;
            };
            let mut changed = false;
            for (key, value) in map.iter_mut() {
                if let (true, serde_json::Value::String(sealed)) = (crate::sealed_payload_key(key), &*value) {
                    *value = serde_json::Value::String(again(sealed)?);
                    changed = true;
                    n += 1;
                }
            }
            if changed {
                let payload = serde_json::Value::Object(map).to_string();
                sqlx::query(q::RESEAL_JOB)
                    .bind(id)
                    .bind(payload)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
        }
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(n)
    }
}

async fn insert_audit<DB>(tx: &mut sqlx::Transaction<'static, DB>, a: &TokenAudit) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> Option<&'t str>: Encode<'t, DB>,
{
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

async fn insert_jobs<DB>(tx: &mut sqlx::Transaction<'static, DB>, jobs: &[NewJob]) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Uuid>: Encode<'t, DB>,
{
    for job in jobs {
        sqlx::query(shared::INSERT_JOB)
            .bind(job.id.0)
            .bind(job.tenant_id.map(|t| t.0))
            .bind(job.kind.as_str())
            .bind(job.payload.as_str())
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(job.created_at)
            .execute(&mut **tx)
            .await
            .map_err(map_err::<DB>)?;
    }
    Ok(())
}

/// Bumps a host's external version (its busy time from calendars changed) and grows its external
/// reach to `span`.
async fn bump_external<DB>(
    tx: &mut sqlx::Transaction<'static, DB>,
    host: HostId,
    tenant: TenantId,
    span: i64,
) -> StoreResult<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    sqlx::query(q::BUMP_EXTERNAL)
        .bind(host.0)
        .bind(tenant.0)
        .bind(span)
        .execute(&mut **tx)
        .await
        .map_err(map_err::<DB>)?;
    Ok(())
}
