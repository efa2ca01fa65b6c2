//! [`BookingStore`] on the SQL store; the steps the booking writes share are in [`steps`].

mod steps;

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BookingId, HostId, TenantId};
use uuid::Uuid;

use super::batch::Answer;
use super::script::{Script, stmt};
use super::turns::Turns;
use super::{Counted, SqlDb, SqlStore, found, map_err, queries as q};
use crate::{
    Booking, BookingFilter, BookingStore, BookingWrite, HistoryEntry, IdempotentResponse, StoreError,
    StoreResult,
};

#[async_trait]
impl<DB: SqlDb> BookingStore for SqlStore<DB> {
    async fn create_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        if let Some(script) = steps::create(w) {
            // On PostgreSQL the statement takes the booking's turns before its parts.
            let turns = Turns::of(&held(&w.booking));
            let alone = |script: Script, turns: Turns| async move {
                let (script, turns) = (&script, &turns.stmt());
                Self::attempts(|| async move { script.run_atomic::<DB>(&self.writer, turns).await }).await
            };
            let _counted = Counted(&self.writes);
            let done = match (&self.group, &self.batch) {
                (Some(group), _) => group.write(script).await.map(drop),
                (None, Some(batch)) => match batch.write(script, turns).await {
                    Answer::Written => Ok(()),
                    Answer::Refused(e) => Err(e),
                    // Its group failed and wrote nothing: the booking's own write decides.
                    Answer::Alone => match steps::create(w) {
                        Some(script) => alone(script, Turns::of(&held(&w.booking))).await,
                        None => Err(StoreError::Invalid("a grouped booking has no write of its own".into())),
                    },
                },
                (None, None) => alone(script, turns).await,
            };
            // A host removed since the booking was planned: its rows are gone.
            return done
                .map_err(|e| if matches!(e, StoreError::InUse(_)) { StoreError::NotFound } else { e });
        }
        let turns = &Turns::of(&held(&w.booking));
        self.retry(|| async move {
            let b = &w.booking;
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            Self::take_turns(&mut tx, turns).await?;
            Self::bump_and_check(&mut tx, w, &b.host_ids).await?;
            Self::finish_write(tx, w, Script(steps::placed(b))).await
        })
        .await
    }

    async fn reschedule_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        self.retry(|| async move {
            let b = &w.booking;
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let old: Vec<(Uuid, i64, i64)> = sqlx::query_as(q::OCCUPANCY_OF)
                .bind(b.id.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            // The times it leaves and the times it takes.
            let mut touched: Vec<(HostId, Interval)> =
                old.iter().map(|&(h, s, e)| (HostId(h), Interval::new(s, e))).collect();
            touched.extend(held(b));
            Self::take_turns(&mut tx, &Turns::of(&touched)).await?;
            let hosts: Vec<HostId> = touched.iter().map(|&(h, _)| h).collect();
            Self::bump_and_check(&mut tx, w, &hosts).await?;
            let previous: Option<(Uuid,)> = sqlx::query_as(q::BOOKING_HOST)
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            let r = sqlx::query(q::MOVE_BOOKING)
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .bind(b.host_id.0)
                .bind(b.start_at)
                .bind(b.end_at)
                .bind(b.host_ids.to_json())
                .bind(b.sequence)
                .bind(b.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::Stale);
            }
            let mut s = Script(vec![stmt!(q::DELETE_OCCUPANCY, b.id.0)]);
            s.0.extend(steps::occupancy(b));
            if let Some((was,)) = previous
                && was != b.host_id.0
            {
                // The two hosts' counts in the order of their ids, as every write locks rows.
                let mut counts = [(HostId(was), -1, None), (b.host_id, 1, Some(b.updated_at))];
                counts.sort_unstable_by_key(|(h, ..)| *h);
                s.0.extend(counts.map(|(h, delta, at)| steps::assignment(b, h, delta, at)));
            }
            Self::finish_write(tx, w, s).await
        })
        .await
    }

    async fn cancel_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        self.retry(|| async move {
            let b = &w.booking;
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            Self::take_turns(&mut tx, &Turns::of(&held(b))).await?;
            let r = sqlx::query(q::CANCEL_BOOKING)
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .bind(b.cancel_reason.as_deref())
                .bind(b.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::Stale);
            }
            let mut s = Script(vec![stmt!(q::RELEASE_OCCUPANCY, b.id.0, false)]);
            s.0.extend(steps::changed(b));
            s.push(steps::assignment(b, b.host_id, -1, None));
            Self::finish_write(tx, w, s).await
        })
        .await
    }

    async fn booking_tenant(&self, id: BookingId) -> StoreResult<TenantId> {
        let (t,): (Uuid,) = found(
            sqlx::query_as(q::BOOKING_TENANT)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )?;
        Ok(TenantId(t))
    }

    async fn booking(&self, tenant: TenantId, id: BookingId) -> StoreResult<Booking> {
        found(
            sqlx::query_as(q::BOOKING)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn booking_by_code(&self, tenant: TenantId, code: &str) -> StoreResult<Booking> {
        found(
            sqlx::query_as(q::BOOKING_BY_CODE)
                .bind(code)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_bookings(&self, tenant: TenantId, f: &BookingFilter) -> StoreResult<Vec<Booking>> {
        let pattern = f.q.as_deref().map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        // A code pattern only when the text has letters or digits: `%%` would match every code.
        let code =
            f.q.as_deref()
                .map(sked_core::booking::normalize_code)
                .filter(|c| !c.is_empty())
                .map(|c| format!("%{}%", escape_like(&c)));
        sqlx::query_as(q::LIST_BOOKINGS)
            .bind(tenant.0)
            .bind(f.from)
            .bind(f.to)
            .bind(f.host_id.map(|h| h.0))
            .bind(f.status.as_deref())
            .bind(f.event_type_id.map(|e| e.0))
            .bind(pattern.as_deref())
            .bind(f.q.as_deref().map(|s| format!("%{}%", escape_like(s.trim()))))
            .bind(code.as_deref())
            .bind(f.after.map(|a| a.0))
            .bind(f.after.map(|a| (a.1).0))
            .bind(f.limit)
            .bind(f.external_ref.as_deref())
            .bind(f.source.as_deref())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn add_history(&self, h: &HistoryEntry) -> StoreResult<()> {
        self.retry(|| async move {
            let mut conn = self.writer.acquire().await.map_err(map_err::<DB>)?;
            Self::insert_history(&mut conn, h).await
        })
        .await
    }

    async fn booking_history(&self, tenant: TenantId, id: BookingId) -> StoreResult<Vec<HistoryEntry>> {
        sqlx::query_as(q::HISTORY)
            .bind(id.0)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn idempotent_response(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>> {
        sqlx::query_as(q::IDEMPOTENCY)
            .bind(tenant.0)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn purge_idempotency(&self, before: i64) -> StoreResult<u64> {
        self.retry(|| async move {
            let r = sqlx::query(q::PURGE_IDEMPOTENCY)
                .bind(before)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r))
        })
        .await
    }
}

/// The times a booking holds: its blocked interval, for each of its hosts.
fn held(b: &Booking) -> Vec<(HostId, Interval)> {
    b.host_ids.iter().map(|&h| (h, b.blocked())).collect()
}

/// Escapes LIKE wildcards so text from a search box matches literally (the statements say
/// `ESCAPE '\'`).
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
