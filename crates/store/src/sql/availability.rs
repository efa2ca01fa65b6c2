//! [`AvailabilityStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sqlx::Row;

use super::reads::Key;
use super::script::{Script, stmt};
use super::{SqlDb, SqlStore, decoded, found, map_err, queries as q};
use crate::{
    Assigned, AvailabilityContext, AvailabilityData, AvailabilityStore, Block, EventType, Host, HostLoad,
    Occupancy, Schedule, StoreError, StoreResult, Versions,
};

#[async_trait]
impl<DB: SqlDb> AvailabilityStore for SqlStore<DB> {
    fn writes(&self) -> u64 {
        self.writes_over()
    }

    async fn availability_versions(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
    ) -> StoreResult<Versions> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(q::VERSIONS)
            .bind(event_type.0)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        if rows.first().is_none_or(|(k, _)| *k != 0) {
            return Err(StoreError::NotFound);
        }
        Ok(rows.into_iter().map(|(_, v)| v).collect())
    }

    async fn availability(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        range: Interval,
        assigned: bool,
        known: Option<&str>,
    ) -> StoreResult<AvailabilityData> {
        // Reads that need nothing from each other (the occupancy and blocks statements widen the
        // range by the event type's buffers themselves): one statement on PostgreSQL, gathered
        // with other bookings' reads of the event type; one command on SQLite.
        let mut data = if let Some(reads) = &self.reads {
            let key = Key { tenant, event_type, assigned, known: known.map(str::to_owned) };
            reads.read(key, range).await?
        } else {
            self.read_together(tenant, event_type, range, assigned, known).await?
        };
        // The event type comes without its host list: the active hosts are read in order.
        if let Some(c) = &mut data.context {
            c.event_type.host_ids = c.hosts.iter().map(|h| h.id).collect();
        }
        Ok(data)
    }

    async fn host_busy(
        &self,
        tenant: TenantId,
        host: HostId,
        range: Interval,
    ) -> StoreResult<(Vec<Occupancy>, Vec<Block>)> {
        let reach: Option<(i64,)> = sqlx::query_as(q::HOST_SPAN)
            .bind(host.0)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let reach = reach.map_or(0, |(r,)| r);
        let occupancy: Vec<Occupancy> = sqlx::query_as(q::HOST_OCCUPANCY)
            .bind(host.0)
            .bind(tenant.0)
            .bind(true)
            .bind(range.start)
            .bind(range.end)
            .bind(range.start - reach - 1)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let blocks: Vec<Block> = sqlx::query_as(q::HOST_BLOCKS)
            .bind(host.0)
            .bind(tenant.0)
            .bind(range.start)
            .bind(range.end)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok((occupancy, blocks))
    }

    async fn host_loads(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        hosts: &[HostId],
        week: Option<Interval>,
    ) -> StoreResult<Vec<HostLoad>> {
        let assigned: Vec<Assigned> = sqlx::query_as(q::ASSIGNMENTS)
            .bind(event_type.0)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let weeks: Vec<(HostId, i64)> = match week {
            Some(w) => sqlx::query_as(q::WEEK_LOADS)
                .bind(event_type.0)
                .bind(tenant.0)
                .bind(true)
                .bind(w.start)
                .bind(w.end)
                .bind(w.start - q::MAX_BLOCKED_SPAN)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
            None => Vec::new(),
        };
        Ok(HostLoad::of(hosts, &assigned, &weeks))
    }
}

impl<DB: SqlDb> SqlStore<DB> {
    /// [`AvailabilityStore::availability`]'s reads as one command. SQLite reads the context
    /// whatever `known` says (a read in the same process, no copy over a connection); it is left
    /// out of the answer all the same, so the caller's parsed copy is used.
    async fn read_together(
        &self,
        tenant: TenantId,
        id: EventTypeId,
        range: Interval,
        assigned: bool,
        known: Option<&str>,
    ) -> StoreResult<AvailabilityData> {
        let (e, t) = (id.0, tenant.0);
        let mut reads = Script(vec![
            // The stamp first: a context read after it is at least as new as it says, and
            // one newer than it only costs the next reader a context sent again.
            stmt!(q::STAMP_SQLITE, e, t),
            stmt!(q::EVENT_TYPE, e, t),
            stmt!(q::EVENT_TYPE_ACTIVE_HOSTS, e, t, true),
            stmt!(q::EVENT_TYPE_SCHEDULES, e, t),
            stmt!(q::EVENT_TYPE_OCCUPANCY, e, t, true, range.start, range.end),
            stmt!(q::EVENT_TYPE_BLOCKS, e, t, true, range.start, range.end),
        ]);
        // Always seven sets: an empty seventh when the counts are not asked for.
        reads.push(if assigned { stmt!(q::ASSIGNMENTS, e, t) } else { stmt!(q::NOTHING) });
        let [stamp, et, hosts, schedules, occupancy, blocks, counts] =
            reads.fetch_sets::<DB, 7>(&self.pool).await?;
        let stamp: Option<String> = match stamp.first() {
            Some(row) => row.try_get(0).map_err(map_err::<DB>)?,
            None => None,
        };
        let stamp = found(stamp)?;
        let context = if known == Some(stamp.as_str()) {
            None
        } else {
            Some(AvailabilityContext {
                event_type: found(decoded::<DB, EventType>(&et)?.pop())?,
                hosts: decoded::<DB, Host>(&hosts)?,
                schedules: decoded::<DB, Schedule>(&schedules)?,
            })
        };
        Ok(AvailabilityData {
            stamp,
            context,
            occupancy: decoded::<DB, Occupancy>(&occupancy)?,
            blocks: decoded::<DB, Block>(&blocks)?,
            assigned: if assigned { Some(decoded::<DB, Assigned>(&counts)?) } else { None },
        })
    }
}
