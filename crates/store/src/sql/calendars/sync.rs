//! [`CalendarSyncStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BookingId, ConnectionId, HostId, TenantId};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::queries as q;
use super::{BATCH, bump_external};
use crate::sql::{SqlDb, SqlStore, found, map_err};
use crate::{
    BookingCalendarEvent, CalendarSyncStore, ConnectionCalendar, ExternalBusy, ExternalEventRow, Host,
    REVOKED, StoreError, StoreResult, SyncWrite,
};

#[async_trait]
impl<DB: SqlDb> CalendarSyncStore for SqlStore<DB> {
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
            let r = self
                .retry(|| async move {
                    sqlx::query(q::CLAIM_CHECK)
                        .bind(id)
                        .bind(at)
                        .bind(next)
                        .execute(&self.writer)
                        .await
                        .map_err(map_err::<DB>)
                })
                .await?;
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
            let cal = calendar.as_str();
            let r = self
                .retry(|| async move {
                    sqlx::query(q::CLAIM_POLL)
                        .bind(id)
                        .bind(cal)
                        .bind(at)
                        .bind(next)
                        .execute(&self.writer)
                        .await
                        .map_err(map_err::<DB>)
                })
                .await?;
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
            let cal = calendar.as_str();
            let r = self
                .retry(|| async move {
                    sqlx::query(q::CLAIM_WATCH)
                        .bind(id)
                        .bind(cal)
                        .bind(at)
                        .bind(retry_at)
                        .execute(&self.writer)
                        .await
                        .map_err(map_err::<DB>)
                })
                .await?;
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
        self.retry(|| async move {
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
        })
        .await
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
        self.retry(|| async move {
            sqlx::query(q::CAL_ERROR)
                .bind(id.0)
                .bind(calendar)
                .bind(error)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
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
        self.retry(|| async move {
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
        })
        .await
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

    async fn written_events(
        &self,
        id: ConnectionId,
        calendar: &str,
    ) -> StoreResult<Vec<BookingCalendarEvent>> {
        sqlx::query_as(q::WRITTEN)
            .bind(id.0)
            .bind(calendar)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn booking_calendar_events(&self, booking: BookingId) -> StoreResult<Vec<BookingCalendarEvent>> {
        sqlx::query_as(q::BCES).bind(booking.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn save_booking_calendar_event(&self, e: &BookingCalendarEvent) -> StoreResult<()> {
        self.retry(|| async move {
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
                .bind(e.etag.as_deref())
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }
}
