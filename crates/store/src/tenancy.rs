//! Tenants and the API keys that act for them.

use async_trait::async_trait;
use sked_core::ids::{ApiKeyId, TenantId};

use crate::{ApiKey, Page, StoreResult, Tenant};

/// Tenants and their API keys.
#[async_trait]
pub trait TenancyStore: Send + Sync {
    /// Creates a tenant.
    async fn insert_tenant(&self, tenant: &Tenant) -> StoreResult<()>;
    /// A tenant.
    async fn tenant(&self, id: TenantId) -> StoreResult<Tenant>;
    /// The tenant with this slug.
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Tenant>;
    /// Changes a tenant's slug ([`StoreError::Duplicate`](crate::StoreError::Duplicate) `slug`
    /// when another tenant has it).
    async fn set_tenant_slug(&self, id: TenantId, slug: &str) -> StoreResult<()>;
    /// A page of tenants.
    async fn list_tenants(&self, page: Page) -> StoreResult<Vec<Tenant>>;

    /// Stores a key by the SHA-256 of its secret.
    async fn insert_api_key(&self, key: &ApiKey, hash: &[u8]) -> StoreResult<()>;
    /// The live (unrevoked) key with this hash.
    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>>;
    /// Revokes a key (idempotent).
    async fn revoke_api_key(&self, id: ApiKeyId, at: i64) -> StoreResult<ApiKey>;
    /// A tenant's keys.
    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>>;
}
