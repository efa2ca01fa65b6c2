//! [`AvailabilityStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sqlx::Row;

use super::script::{Script, stmt};
use super::{SqlDb, SqlStore, decoded, found, map_err, queries as q};
use crate::{
    Assigned, AvailabilityData, AvailabilityStore, Backend, Block, EventType, Host, HostLoad, Occupancy,
    Schedule, StoreError, StoreResult, Versions,
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
    ) -> StoreResult<AvailabilityData> {
        // Five or six reads that need nothing from each other (the occupancy and blocks
        // statements widen the range by the event type's buffers themselves): one statement on
        // PostgreSQL, one command on SQLite.
        let mut data = if DB::BACKEND == Backend::Postgres {
            self.read_as_json(tenant, event_type, range, assigned).await?
        } else {
            self.read_together(tenant, event_type, range, assigned).await?
        };
        // The event type comes without its host list: the active hosts are read in order.
        if let Some(et) = &mut data.event_type {
            et.host_ids = data.hosts.iter().map(|h| h.id).collect();
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
    /// [`AvailabilityStore::availability`]'s reads as one statement answering a row of JSON per
    /// record, each with its set and its place in the set.
    async fn read_as_json(
        &self,
        tenant: TenantId,
        id: EventTypeId,
        range: Interval,
        assigned: bool,
    ) -> StoreResult<AvailabilityData> {
        let sql = if assigned { q::AVAILABILITY_ASSIGNED_PG } else { q::AVAILABILITY_PG };
        let read = stmt!(sql, id.0, tenant.0, true, range.start, range.end);
        let [rows] = Script(vec![read]).fetch_sets::<DB, 1>(&self.pool).await?;
        let mut sets = Sets::default();
        for row in &rows {
            let part: i64 = row.try_get(0).map_err(map_err::<DB>)?;
            let place: i64 = row.try_get(1).map_err(map_err::<DB>)?;
            let record: String = row.try_get(2).map_err(map_err::<DB>)?;
            sets.add(part, place, &record)?;
        }
        sets.data(assigned)
    }

    /// [`AvailabilityStore::availability`]'s reads as one command.
    async fn read_together(
        &self,
        tenant: TenantId,
        id: EventTypeId,
        range: Interval,
        assigned: bool,
    ) -> StoreResult<AvailabilityData> {
        let (e, t) = (id.0, tenant.0);
        let mut reads = Script(vec![
            stmt!(q::EVENT_TYPE, e, t),
            stmt!(q::EVENT_TYPE_ACTIVE_HOSTS, e, t, true),
            stmt!(q::EVENT_TYPE_SCHEDULES, e, t),
            stmt!(q::EVENT_TYPE_OCCUPANCY, e, t, true, range.start, range.end),
            stmt!(q::EVENT_TYPE_BLOCKS, e, t, true, range.start, range.end),
        ]);
        // Always six sets: an empty sixth when the counts are not asked for.
        reads.push(if assigned { stmt!(q::ASSIGNMENTS, e, t) } else { stmt!(q::NOTHING) });
        let [et, hosts, schedules, occupancy, blocks, counts] = reads.fetch_sets::<DB, 6>(&self.pool).await?;
        Ok(AvailabilityData {
            event_type: Some(found(decoded::<DB, EventType>(&et)?.pop())?),
            hosts: decoded::<DB, Host>(&hosts)?,
            schedules: decoded::<DB, Schedule>(&schedules)?,
            occupancy: decoded::<DB, Occupancy>(&occupancy)?,
            blocks: decoded::<DB, Block>(&blocks)?,
            assigned: if assigned { Some(decoded::<DB, Assigned>(&counts)?) } else { None },
        })
    }
}

/// A record PostgreSQL handed over as JSON.
fn json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))
}

/// The records of [`q::AVAILABILITY_PG`]'s rows by set, each with its place in it.
#[derive(Default)]
struct Sets {
    event_type: Option<EventType>,
    hosts: Vec<(i64, Host)>,
    schedules: Vec<Schedule>,
    occupancy: Vec<(i64, Occupancy)>,
    blocks: Vec<(i64, Block)>,
    assigned: Vec<Assigned>,
}

impl Sets {
    fn add(&mut self, part: i64, place: i64, record: &str) -> StoreResult<()> {
        match part {
            0 => self.event_type = Some(json(record)?),
            1 => self.hosts.push((place, json(record)?)),
            2 => self.schedules.push(json(record)?),
            3 => self.occupancy.push((place, json(record)?)),
            4 => self.blocks.push((place, json(record)?)),
            5 => self.assigned.push(json(record)?),
            _ => return Err(StoreError::Invalid(format!("an availability record of set {part}"))),
        }
        Ok(())
    }

    /// The sets in order (hosts as listed, occupancy and blocks by start), a schedule shared by
    /// several hosts once, and each host's round-robin counts added up (when `assigned`).
    fn data(self, assigned: bool) -> StoreResult<AvailabilityData> {
        let mut schedules = self.schedules;
        schedules.sort_by_key(|s| s.id);
        schedules.dedup_by_key(|s| s.id);
        Ok(AvailabilityData {
            event_type: Some(self.event_type.ok_or(StoreError::NotFound)?),
            hosts: ordered(self.hosts),
            schedules,
            occupancy: ordered(self.occupancy),
            blocks: ordered(self.blocks),
            assigned: assigned.then(|| summed(self.assigned)),
        })
    }
}

/// The records by their places (stably: records of one place keep the order they came in).
fn ordered<T>(mut v: Vec<(i64, T)>) -> Vec<T> {
    v.sort_by_key(|(place, _)| *place);
    v.into_iter().map(|(_, r)| r).collect()
}

/// Each host's round-robin counts added up, its last assignment the latest (as [`q::ASSIGNMENTS`]).
fn summed(mut rows: Vec<Assigned>) -> Vec<Assigned> {
    rows.sort_by_key(|a| a.host_id);
    let mut out: Vec<Assigned> = Vec::with_capacity(rows.len());
    for a in rows {
        match out.last_mut() {
            Some(last) if last.host_id == a.host_id => {
                last.assigned = last.assigned.saturating_add(a.assigned);
                last.last_assigned_at = last.last_assigned_at.max(a.last_assigned_at);
            }
            _ => out.push(a),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sked_core::ids::HostId;
    use uuid::Uuid;

    #[test]
    fn the_postgresql_read_sets_up_no_aggregate() {
        // Each aggregate is set up anew on every call: the reader puts sets in order and adds up.
        for sql in [q::AVAILABILITY_PG, q::AVAILABILITY_ASSIGNED_PG] {
            let lower = sql.to_lowercase();
            for word in ["_agg(", "max(", "sum(", "count(", "min(", "group by", "distinct", " in (select"] {
                assert!(!lower.contains(word), "{word} in {sql}");
            }
        }
    }

    #[test]
    fn records_come_out_in_their_places_and_counts_added_up_per_host() {
        let (a, b) = (HostId(Uuid::from_u128(1)), HostId(Uuid::from_u128(2)));
        let count =
            |h: HostId, n: i64, at: Option<i64>| Assigned { host_id: h, assigned: n, last_assigned_at: at };
        let rows = vec![count(b, 1, Some(5)), count(a, 2, None), count(b, 3, Some(9)), count(a, 4, Some(7))];
        assert_eq!(summed(rows), vec![count(a, 6, Some(7)), count(b, 4, Some(9))]);
        assert_eq!(ordered(vec![(3, 'c'), (1, 'a'), (2, 'b'), (1, 'z')]), vec!['a', 'z', 'b', 'c']);
        let mut sets = Sets::default();
        assert!(matches!(sets.add(6, 0, "{}"), Err(StoreError::Invalid(_))));
        assert!(matches!(sets.data(false), Err(StoreError::NotFound)));
    }
}
