//! [`TenancyStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{ApiKeyId, TenantId};

use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{ApiKey, Page, StoreResult, TenancyStore, Tenant};

#[async_trait]
impl<DB: SqlDb> TenancyStore for SqlStore<DB> {
    async fn insert_tenant(&self, t: &Tenant) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_TENANT)
                .bind(t.id.0)
                .bind(t.name.as_str())
                .bind(t.slug.as_str())
                .bind(t.created_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Tenant> {
        found(sqlx::query_as(q::TENANT).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Tenant> {
        found(
            sqlx::query_as(q::TENANT_BY_SLUG)
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn set_tenant_slug(&self, id: TenantId, slug: &str) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(q::SET_TENANT_SLUG)
                .bind(id.0)
                .bind(slug)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(crate::StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn list_tenants(&self, page: Page) -> StoreResult<Vec<Tenant>> {
        sqlx::query_as(q::LIST_TENANTS)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn insert_api_key(&self, k: &ApiKey, hash: &[u8]) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_API_KEY)
                .bind(k.id.0)
                .bind(k.tenant_id.0)
                .bind(k.name.as_str())
                .bind(k.prefix.as_str())
                .bind(hash)
                .bind(k.created_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>> {
        sqlx::query_as(q::API_KEY_BY_HASH).bind(hash).fetch_optional(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: i64) -> StoreResult<ApiKey> {
        self.retry(|| async move {
            sqlx::query(q::REVOKE_API_KEY)
                .bind(id.0)
                .bind(at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)
        })
        .await?;
        found(sqlx::query_as(q::API_KEY).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>> {
        sqlx::query_as(q::LIST_API_KEYS).bind(tenant.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }
}
