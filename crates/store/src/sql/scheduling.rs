//! [`SchedulingStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{BlockId, HostId, ScheduleId, TenantId};

use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{Block, Host, Page, Schedule, SchedulingStore, StoreError, StoreResult};

#[async_trait]
impl<DB: SqlDb> SchedulingStore for SqlStore<DB> {
    async fn insert_schedule(&self, s: &Schedule) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_SCHEDULE)
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .bind(s.name.as_str())
                .bind(s.time_zone.as_str())
                .bind(s.weekly.as_str())
                .bind(s.overrides.as_str())
                .bind(s.created_at)
                .bind(s.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn update_schedule(&self, s: &Schedule) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::UPDATE_SCHEDULE)
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .bind(s.name.as_str())
                .bind(s.time_zone.as_str())
                .bind(s.weekly.as_str())
                .bind(s.overrides.as_str())
                .bind(s.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(q::BUMP_SCHEDULE_HOSTS)
                .bind(s.id.0)
                .bind(s.tenant_id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<Schedule> {
        found(
            sqlx::query_as(q::SCHEDULE)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_schedules(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Schedule>> {
        sqlx::query_as(q::LIST_SCHEDULES)
            .bind(tenant.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn delete_schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let (users,): (i64,) = sqlx::query_as(q::SCHEDULE_IN_USE)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if users > 0 {
                return Err(StoreError::InUse(format!("{users} host(s) use this schedule")));
            }
            let r = sqlx::query(q::DELETE_SCHEDULE)
                .bind(id.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn insert_host(&self, h: &Host) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_HOST)
                .bind(h.id.0)
                .bind(h.tenant_id.0)
                .bind(h.name.as_str())
                .bind(h.email.as_deref())
                .bind(h.phone.as_deref())
                .bind(h.time_zone.as_str())
                .bind(h.schedule_id.map(|s| s.0))
                .bind(h.priority)
                .bind(h.weight)
                .bind(h.active)
                .bind(h.created_at)
                .bind(h.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn update_host(&self, h: &Host) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(q::UPDATE_HOST)
                .bind(h.id.0)
                .bind(h.tenant_id.0)
                .bind(h.name.as_str())
                .bind(h.email.as_deref())
                .bind(h.phone.as_deref())
                .bind(h.time_zone.as_str())
                .bind(h.schedule_id.map(|s| s.0))
                .bind(h.priority)
                .bind(h.weight)
                .bind(h.active)
                .bind(h.updated_at)
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

    async fn host(&self, tenant: TenantId, id: HostId) -> StoreResult<Host> {
        found(
            sqlx::query_as(q::HOST)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_hosts(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Host>> {
        sqlx::query_as(q::LIST_HOSTS)
            .bind(tenant.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn delete_host(&self, tenant: TenantId, id: HostId) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            // Checked first so a host of another tenant is "not found", never "in use".
            let exists: Option<Host> = sqlx::query_as(q::HOST)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            found(exists)?;
            let (refs,): (i64,) =
                sqlx::query_as(q::HOST_IN_USE).bind(id.0).fetch_one(&mut *tx).await.map_err(map_err::<DB>)?;
            if refs > 0 {
                return Err(StoreError::InUse(
                    "the host has bookings or belongs to event types; set active to false instead".into(),
                ));
            }
            sqlx::query(q::DELETE_HOST)
                .bind(id.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn rotate_feed(&self, tenant: TenantId, id: HostId) -> StoreResult<i64> {
        self.retry(|| async move {
            let row: Option<(i64,)> = sqlx::query_as(q::ROTATE_FEED)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            found(row).map(|(v,)| v)
        })
        .await
    }

    async fn insert_block(&self, b: &Block) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::BUMP_HOST)
                .bind(b.host_id.0)
                .bind(b.tenant_id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(q::INSERT_BLOCK)
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .bind(b.host_id.0)
                .bind(b.title.as_str())
                .bind(b.start_at)
                .bind(b.end_at)
                .bind(b.rrule.as_deref())
                .bind(b.created_at)
                .bind(b.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn update_block(&self, b: &Block) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::UPDATE_BLOCK)
                .bind(b.id.0)
                .bind(b.tenant_id.0)
                .bind(b.host_id.0)
                .bind(b.title.as_str())
                .bind(b.start_at)
                .bind(b.end_at)
                .bind(b.rrule.as_deref())
                .bind(b.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(q::BUMP_HOST)
                .bind(b.host_id.0)
                .bind(b.tenant_id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<Block> {
        found(
            sqlx::query_as(q::BLOCK)
                .bind(id.0)
                .bind(tenant.0)
                .bind(host.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_blocks(&self, tenant: TenantId, host: HostId, page: Page) -> StoreResult<Vec<Block>> {
        sqlx::query_as(q::LIST_BLOCKS)
            .bind(tenant.0)
            .bind(host.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn delete_block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::DELETE_BLOCK)
                .bind(id.0)
                .bind(tenant.0)
                .bind(host.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(q::BUMP_HOST)
                .bind(host.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }
}
