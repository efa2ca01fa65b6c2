//! [`AvailabilityStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use uuid::Uuid;

use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{
    AvailabilityData, AvailabilityStore, Block, EventType, Host, HostLoad, Occupancy, Schedule, StoreError,
    StoreResult, Versions,
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
    ) -> StoreResult<AvailabilityData> {
        // The event type without its host list: the active hosts are read below, in order.
        let et: EventType = found(
            sqlx::query_as(q::EVENT_TYPE)
                .bind(event_type.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )?;
        let range = Interval::new(
            range.start - et.buffer_before_minutes * 60,
            range.end + et.duration_minutes * 60 + et.buffer_after_minutes * 60,
        );
        let hosts: Vec<Host> = sqlx::query_as(q::EVENT_TYPE_ACTIVE_HOSTS)
            .bind(event_type.0)
            .bind(tenant.0)
            .bind(true)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let schedules: Vec<Schedule> = sqlx::query_as(q::EVENT_TYPE_SCHEDULES)
            .bind(event_type.0)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let reach = hosts.iter().map(|h| h.max_span).max().unwrap_or(0);
        let occupancy: Vec<Occupancy> = sqlx::query_as(q::EVENT_TYPE_OCCUPANCY)
            .bind(event_type.0)
            .bind(tenant.0)
            .bind(true)
            .bind(range.start)
            .bind(range.end)
            .bind(range.start - reach - 1)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let blocks: Vec<Block> = sqlx::query_as(q::EVENT_TYPE_BLOCKS)
            .bind(event_type.0)
            .bind(tenant.0)
            .bind(range.start)
            .bind(range.end)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let et = EventType { host_ids: hosts.iter().map(|h| h.id).collect(), ..et };
        Ok(AvailabilityData { event_type: Some(et), hosts, schedules, occupancy, blocks })
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
        let stats: Vec<(Uuid, i64, Option<i64>)> = sqlx::query_as(q::ASSIGNMENTS)
            .bind(tenant.0)
            .bind(event_type.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let weeks: Vec<(Uuid, i64)> = match week {
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
        Ok(hosts
            .iter()
            .map(|h| {
                let (assigned, last_assigned_at) =
                    stats.iter().find(|s| s.0 == h.0).map_or((0, None), |s| (s.1, s.2));
                let week_load = weeks.iter().find(|w| w.0 == h.0).map_or(0, |w| w.1);
                HostLoad { assigned, last_assigned_at, week_load }
            })
            .collect())
    }
}
