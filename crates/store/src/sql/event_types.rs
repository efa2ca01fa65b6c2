//! [`EventTypeStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use uuid::Uuid;

use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{EventType, EventTypeStore, Page, StoreError, StoreResult};

#[async_trait]
impl<DB: SqlDb> EventTypeStore for SqlStore<DB> {
    async fn insert_event_type(&self, e: &EventType) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            sqlx::query(q::INSERT_EVENT_TYPE)
                .bind(e.id.0)
                .bind(e.tenant_id.0)
                .bind(e.slug.as_str())
                .bind(e.title.as_str())
                .bind(e.description.as_deref())
                .bind(e.duration_minutes)
                .bind(e.slot_interval_minutes)
                .bind(e.buffer_before_minutes)
                .bind(e.buffer_after_minutes)
                .bind(e.min_notice_minutes)
                .bind(e.max_days_ahead)
                .bind(e.daily_limit)
                .bind(e.assignment.as_str())
                .bind(e.location.as_deref())
                .bind(e.created_at)
                .bind(e.updated_at)
                .bind(e.send_updates.as_str())
                .bind(e.reminders.as_str())
                .bind(e.questions.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            for (pos, host) in e.host_ids.iter().enumerate() {
                let (n,): (i64,) = sqlx::query_as(q::TENANT_HOST_COUNT)
                    .bind(host.0)
                    .bind(e.tenant_id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(q::INSERT_EVENT_TYPE_HOST)
                    .bind(e.id.0)
                    .bind(host.0)
                    .bind(pos as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn update_event_type(&self, e: &EventType) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::UPDATE_EVENT_TYPE)
                .bind(e.id.0)
                .bind(e.tenant_id.0)
                .bind(e.slug.as_str())
                .bind(e.title.as_str())
                .bind(e.description.as_deref())
                .bind(e.duration_minutes)
                .bind(e.slot_interval_minutes)
                .bind(e.buffer_before_minutes)
                .bind(e.buffer_after_minutes)
                .bind(e.min_notice_minutes)
                .bind(e.max_days_ahead)
                .bind(e.daily_limit)
                .bind(e.assignment.as_str())
                .bind(e.location.as_deref())
                .bind(e.updated_at)
                .bind(e.send_updates.as_str())
                .bind(e.reminders.as_str())
                .bind(e.questions.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(q::CLEAR_EVENT_TYPE_HOSTS)
                .bind(e.id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            for (pos, host) in e.host_ids.iter().enumerate() {
                let (n,): (i64,) = sqlx::query_as(q::TENANT_HOST_COUNT)
                    .bind(host.0)
                    .bind(e.tenant_id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(q::INSERT_EVENT_TYPE_HOST)
                    .bind(e.id.0)
                    .bind(host.0)
                    .bind(pos as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn event_type_by_slug(&self, tenant: TenantId, slug: &str) -> StoreResult<EventType> {
        let (id,): (Uuid,) = found(
            sqlx::query_as(q::EVENT_TYPE_ID_BY_SLUG)
                .bind(tenant.0)
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )?;
        self.event_type(tenant, EventTypeId(id)).await
    }

    async fn event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<EventType> {
        let mut e: EventType = found(
            sqlx::query_as(q::EVENT_TYPE)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )?;
        let hosts: Vec<(Uuid,)> = sqlx::query_as(q::EVENT_TYPE_HOSTS)
            .bind(id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        e.host_ids = hosts.into_iter().map(|(h,)| HostId(h)).collect();
        Ok(e)
    }

    async fn list_event_types(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<EventType>> {
        let mut list: Vec<EventType> = sqlx::query_as(q::LIST_EVENT_TYPES)
            .bind(tenant.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let links: Vec<(Uuid, Uuid)> = sqlx::query_as(q::PAGE_EVENT_TYPE_HOSTS)
            .bind(tenant.0)
            .bind(page.after)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        for e in &mut list {
            e.host_ids = links.iter().filter(|(et, _)| *et == e.id.0).map(|(_, h)| HostId(*h)).collect();
        }
        Ok(list)
    }

    async fn delete_event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let (n,): (i64,) = sqlx::query_as(q::EVENT_TYPE_IN_USE)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if n > 0 {
                return Err(StoreError::InUse(format!("the event type has {n} booking(s)")));
            }
            let r = sqlx::query(q::DELETE_EVENT_TYPE)
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
}
