//! Steps shared by the booking writes, inside their transaction.

use sked_core::ids::HostId;

use crate::sql::script::{Script, Stmt, stmt};
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

    pub(in crate::sql) async fn insert_history(
        conn: &mut DB::Connection,
        h: &HistoryEntry,
    ) -> StoreResult<()> {
        history(h).run::<DB>(conn).await.map(drop)
    }

    /// Runs `s` with the write's history, jobs and idempotency record (one command on SQLite),
    /// and commits.
    pub(super) async fn finish_write(
        mut tx: sqlx::Transaction<'static, DB>,
        w: &BookingWrite,
        mut s: Script,
    ) -> StoreResult<()> {
        outbox(&mut s, w);
        s.run::<DB>(&mut tx).await?;
        tx.commit().await.map_err(map_err::<DB>)
    }
}

/// A new booking as one [`Script`], when it needs nothing read back: no daily limit to count
/// (the database refuses an overlapping occupancy itself, with the hosts' reach grown first, as
/// [`SqlStore::bump_and_check`] does).
pub(super) fn create(w: &BookingWrite) -> Option<Script> {
    if w.daily_limit.is_some() {
        return None;
    }
    let b = &w.booking;
    let mut s = Script::default();
    let mut hosts = b.host_ids.to_vec();
    hosts.sort_unstable();
    hosts.dedup();
    let own = b.blocked().len();
    for h in &hosts {
        s.push(stmt!(q::GROW_HOST_SPAN, h.0, b.tenant_id.0, own));
    }
    s.0.extend(placed(b));
    outbox(&mut s, w);
    Some(s)
}

/// A new booking's row, its occupancy (counted as a change of its hosts) and its host's
/// assignment count.
pub(super) fn placed(b: &Booking) -> Vec<Stmt> {
    let mut s = vec![booking(b)];
    s.extend(occupancy(b));
    s.extend(changed(b));
    s.push(assignment(b, b.host_id, 1, Some(b.created_at)));
    s
}

/// Counts a change of the booking's occupancy for each of its hosts (their slot snapshots'
/// versions), in the order of the hosts' ids: two bookings of the same hosts listed in
/// different orders (whose times need not overlap, so they take no turn in common) lock the
/// rows they share in one order, never each waiting for the other.
pub(super) fn changed(b: &Booking) -> Vec<Stmt> {
    let mut hosts = b.host_ids.to_vec();
    hosts.sort_unstable();
    hosts.dedup();
    hosts.iter().map(|h| stmt!(q::COUNT_OCCUPANCY_CHANGE, h.0, shard(b), 1i64)).collect()
}

/// The row of a host's spread counts this booking's changes go to: a booking always the same
/// one, concurrent bookings most often different ones.
fn shard(b: &Booking) -> i64 {
    // The low bits of a UUIDv7 are random.
    (b.id.0.as_u128() % q::SHARDS) as i64
}

/// The booking's row.
fn booking(b: &Booking) -> Stmt {
    stmt!(
        q::INSERT_BOOKING,
        b.id.0,
        b.tenant_id.0,
        b.uid.as_str(),
        b.confirmation_code.as_str(),
        b.status.as_str(),
        b.event_type_id.0,
        b.host_id.0,
        b.start_at,
        b.end_at,
        b.buffer_before_minutes,
        b.buffer_after_minutes,
        b.attendee_name.as_str(),
        b.attendee_email.as_deref(),
        b.attendee_phone.as_deref(),
        b.attendee_time_zone.as_deref(),
        b.notes.as_deref(),
        b.metadata.as_str(),
        b.source.as_str(),
        b.external_ref.as_deref(),
        b.host_ids.to_json().as_str(),
        b.sequence,
        b.cancel_reason.as_deref(),
        b.created_at,
        b.updated_at,
        b.answers.as_str(),
        b.no_show_at,
    )
}

/// The booking's occupancy rows, one per host.
pub(super) fn occupancy(b: &Booking) -> Vec<Stmt> {
    let blocked = b.blocked();
    let active = b.status == sked_core::booking::BookingStatus::Confirmed;
    b.host_ids
        .iter()
        .enumerate()
        .map(|(pos, h)| {
            stmt!(
                q::INSERT_OCCUPANCY,
                b.id.0,
                h.0,
                b.tenant_id.0,
                pos as i64,
                active,
                blocked.start,
                blocked.end,
                b.event_type_id.0,
                b.start_at,
            )
        })
        .collect()
}

fn history(h: &HistoryEntry) -> Stmt {
    stmt!(
        q::INSERT_HISTORY,
        h.id,
        h.booking_id.0,
        h.tenant_id.0,
        h.at,
        h.actor.as_str(),
        h.action.as_str(),
        h.before.as_deref(),
        h.after.as_deref(),
        h.reason.as_deref(),
    )
}

/// A host's count of bookings of the event type, for round-robin assignment.
pub(super) fn assignment(b: &Booking, host: HostId, delta: i64, at: Option<i64>) -> Stmt {
    stmt!(q::COUNT_ASSIGNMENT, b.event_type_id.0, host.0, b.tenant_id.0, delta, at, shard(b))
}

/// What every booking write ends with: its history entry, its jobs and its idempotency record.
fn outbox(s: &mut Script, w: &BookingWrite) {
    s.push(history(&w.history));
    for job in &w.jobs {
        s.push(super::super::jobs::job(job));
    }
    if let Some(i) = &w.idempotency {
        s.push(stmt!(
            q::INSERT_IDEMPOTENCY,
            i.tenant_id.0,
            i.key.as_str(),
            i.request_hash.as_slice(),
            i.status,
            i.response.as_str(),
            i.created_at,
        ));
    }
}
