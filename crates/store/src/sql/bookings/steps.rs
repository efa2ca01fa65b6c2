//! Steps shared by the booking writes, inside their transaction.

use sked_core::ids::HostId;
use sqlx::Executor;

use crate::sql::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{Booking, BookingWrite, HistoryEntry, StoreError, StoreResult};

impl<DB: SqlDb> SqlStore<DB> {
    pub(super) async fn bump_and_check(
        tx: &mut sqlx::Transaction<'static, DB>,
        w: &BookingWrite,
        touched: &[HostId],
    ) -> StoreResult<()> {
        let b = &w.booking;
        let mut hosts = touched.to_vec();
        hosts.sort_unstable();
        hosts.dedup();
        let mut spans = Vec::with_capacity(hosts.len());
        let own = b.blocked().len();
        for h in &hosts {
            // The host's reach grows with this booking in the same statement; the answer is a
            // safe bound for the overlap check (it can only be larger than the old one).
            let grows = if b.host_ids.contains(h) { own } else { 0 };
            let span: Option<(i64,)> = sqlx::query_as(q::BUMP_HOST_SPAN)
                .bind(h.0)
                .bind(b.tenant_id.0)
                .bind(grows)
                .fetch_optional(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
            spans.push((*h, found(span)?.0));
        }
        let span_of =
            |h: &HostId| spans.iter().find(|(x, _)| x == h).map_or(q::MAX_BLOCKED_SPAN, |(_, s)| *s);
        let blocked = b.blocked();
        for h in b.host_ids.iter() {
            let (n,): (i64,) = sqlx::query_as(q::OVERLAPS)
                .bind(h.0)
                .bind(true)
                .bind(b.id.0)
                .bind(blocked.start)
                .bind(blocked.end)
                .bind(blocked.start - span_of(h))
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
            if n > 0 {
                return Err(StoreError::SlotTaken);
            }
        }
        if let Some(limit) = &w.daily_limit {
            for (h, day) in &limit.days {
                let (n,): (i64,) = sqlx::query_as(q::DAY_COUNT)
                    .bind(h.0)
                    .bind(true)
                    .bind(b.event_type_id.0)
                    .bind(day.start)
                    .bind(day.end)
                    .bind(b.id.0)
                    .bind(day.start - span_of(h) - 1)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err::<DB>)?;
                if n >= limit.limit {
                    return Err(StoreError::SlotTaken);
                }
            }
        }
        Ok(())
    }

    pub(super) async fn insert_occupancy(
        tx: &mut sqlx::Transaction<'static, DB>,
        b: &Booking,
    ) -> StoreResult<()> {
        let blocked = b.blocked();
        let active = b.status == sked_core::booking::BookingStatus::Confirmed;
        for (pos, h) in b.host_ids.iter().enumerate() {
            sqlx::query(q::INSERT_OCCUPANCY)
                .bind(b.id.0)
                .bind(h.0)
                .bind(b.tenant_id.0)
                .bind(pos as i64)
                .bind(active)
                .bind(blocked.start)
                .bind(blocked.end)
                .bind(b.event_type_id.0)
                .bind(b.start_at)
                .execute(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        Ok(())
    }

    pub(in crate::sql) async fn insert_history<'e, E: Executor<'e, Database = DB>>(
        e: E,
        h: &HistoryEntry,
    ) -> StoreResult<()> {
        sqlx::query(q::INSERT_HISTORY)
            .bind(h.id)
            .bind(h.booking_id.0)
            .bind(h.tenant_id.0)
            .bind(h.at)
            .bind(h.actor.as_str())
            .bind(h.action.as_str())
            .bind(h.before.as_deref())
            .bind(h.after.as_deref())
            .bind(h.reason.as_deref())
            .execute(e)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    pub(super) async fn count_assignment(
        tx: &mut sqlx::Transaction<'static, DB>,
        b: &Booking,
        host: HostId,
        delta: i64,
        at: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query(q::COUNT_ASSIGNMENT)
            .bind(b.event_type_id.0)
            .bind(host.0)
            .bind(b.tenant_id.0)
            .bind(delta)
            .bind(at)
            .execute(&mut **tx)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    pub(super) async fn finish_write(
        mut tx: sqlx::Transaction<'static, DB>,
        w: &BookingWrite,
    ) -> StoreResult<()> {
        Self::insert_history(&mut *tx, &w.history).await?;
        for job in &w.jobs {
            Self::insert_job(&mut tx, job).await?;
        }
        if let Some(i) = &w.idempotency {
            sqlx::query(q::INSERT_IDEMPOTENCY)
                .bind(i.tenant_id.0)
                .bind(i.key.as_str())
                .bind(i.request_hash.as_slice())
                .bind(i.status)
                .bind(i.response.as_str())
                .bind(i.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        tx.commit().await.map_err(map_err::<DB>)
    }
}
