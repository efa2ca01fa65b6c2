//! The SQL store, written once for SQLite and PostgreSQL.
//!
//! [`SqlStore`] is generic over the database; its one `where` clause names every type the
//! statements bind or read. What differs between the two lives in [`dialect`].

mod calendars;
mod dialect;
mod queries;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{
    ApiKeyId, BlockId, BookingId, EventTypeId, HostId, JobId, ScheduleId, TenantId, VoiceAgentId,
};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use uuid::Uuid;

use self::dialect::Dialect;
use self::queries as q;
use crate::{
    ApiKey, AvailabilityData, Backend, Block, Booking, BookingFilter, BookingWrite, CalendarStore, DynStore,
    EventType, HistoryEntry, Host, HostLoad, IdempotentResponse, Job, NewJob, Occupancy, Page, Schedule,
    Store, StoreError, StoreResult, Tenant, Versions, VoiceAgent, VoiceCall,
};

/// Connects to `sqlite://PATH` or `postgres://...`, and migrates.
pub async fn connect(url: &str) -> StoreResult<DynStore> {
    connect_with(url, None).await
}

/// Connects with at most `max_connections` (default 8 readers for SQLite, 16 for PostgreSQL),
/// and migrates.
pub async fn connect_with(url: &str, max_connections: Option<u32>) -> StoreResult<DynStore> {
    let store = if let Some(path) = url.strip_prefix("sqlite://") {
        connect_sqlite(Path::new(path), max_connections.unwrap_or(8)).await?
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        connect_postgres(url, max_connections.unwrap_or(16)).await?
    } else {
        return Err(StoreError::Database(sqlx::Error::Configuration(
            format!("database URL must start with sqlite:// or postgres://, got `{url}`").into(),
        )));
    };
    store.migrate().await?;
    Ok(store)
}

/// Opens a SQLite store (not migrated): readers share `max_connections` connections, and every
/// write goes through one more, so writers queue in order instead of sleeping in SQLite's busy
/// handler.
pub async fn connect_sqlite(path: &Path, max_connections: u32) -> StoreResult<DynStore> {
    let writer = dialect::sqlite_pool(path, 1).await?;
    let pool = dialect::sqlite_pool(path, max_connections).await?;
    Ok(Arc::new(SqlStore { pool, writer }))
}

/// Opens a PostgreSQL store (not migrated).
pub async fn connect_postgres(url: &str, max_connections: u32) -> StoreResult<DynStore> {
    let pool = dialect::postgres_pool(url, max_connections).await?;
    Ok(Arc::new(SqlStore { writer: pool.clone(), pool }))
}

/// The store over one database.
#[derive(Debug)]
pub struct SqlStore<DB: Dialect> {
    /// Reads.
    pool: Pool<DB>,
    /// Writes (one connection on SQLite; the same pool on PostgreSQL).
    writer: Pool<DB>,
}

/// Maps database errors to what callers act on.
fn map_err<DB: Dialect>(e: sqlx::Error) -> StoreError {
    if DB::is_overlap(&e) {
        return StoreError::SlotTaken;
    }
    if let Some(d) = e.as_database_error() {
        if d.is_unique_violation() {
            let what = format!("{} {}", d.message(), d.constraint().unwrap_or_default());
            let field = [
                ("confirmation_code", "confirmation_code"),
                ("idempotency", "idempotency_key"),
                ("slug", "slug"),
                ("uid", "uid"),
                ("key_hash", "api_key"),
            ]
            .into_iter()
            .find(|(needle, _)| what.contains(needle))
            .map_or("id", |(_, field)| field);
            return StoreError::Duplicate(field);
        }
        if d.is_foreign_key_violation() {
            return StoreError::InUse(d.message().to_owned());
        }
    }
    StoreError::Database(e)
}

fn found<T>(row: Option<T>) -> StoreResult<T> {
    row.ok_or(StoreError::NotFound)
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> Uuid: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> &'t [u8]: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Uuid>: Encode<'t, DB>,
    for<'t> Option<i64>: Encode<'t, DB>,
    for<'t> Option<&'t str>: Encode<'t, DB>,
    for<'t> Option<String>: Encode<'t, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> Tenant: FromRow<'r, DB::Row>,
    for<'r> ApiKey: FromRow<'r, DB::Row>,
    for<'r> Schedule: FromRow<'r, DB::Row>,
    for<'r> Host: FromRow<'r, DB::Row>,
    for<'r> EventType: FromRow<'r, DB::Row>,
    for<'r> Block: FromRow<'r, DB::Row>,
    for<'r> Booking: FromRow<'r, DB::Row>,
    for<'r> HistoryEntry: FromRow<'r, DB::Row>,
    for<'r> Job: FromRow<'r, DB::Row>,
    for<'r> IdempotentResponse: FromRow<'r, DB::Row>,
    for<'r> Occupancy: FromRow<'r, DB::Row>,
    for<'r> HostLoad: FromRow<'r, DB::Row>,
    for<'r> VoiceAgent: FromRow<'r, DB::Row>,
    for<'r> VoiceCall: FromRow<'r, DB::Row>,
    SqlStore<DB>: CalendarStore,
{
    fn backend(&self) -> Backend {
        DB::BACKEND
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn maintain(&self) -> StoreResult<()> {
        DB::maintain(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn migrate(&self) -> StoreResult<()> {
        Ok(DB::migrate(&self.writer).await?)
    }

    async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as(q::SETTING).bind(name).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?;
        Ok(row.map(|r| r.0))
    }

    async fn init_setting(&self, name: &str, value: &str) -> StoreResult<bool> {
        let r = sqlx::query(q::INIT_SETTING)
            .bind(name)
            .bind(value)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(DB::rows_affected(&r) == 1)
    }

    async fn insert_tenant(&self, t: &Tenant) -> StoreResult<()> {
        sqlx::query(q::INSERT_TENANT)
            .bind(t.id.0)
            .bind(t.name.as_str())
            .bind(t.created_at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Tenant> {
        found(sqlx::query_as(q::TENANT).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
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
    }

    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>> {
        sqlx::query_as(q::API_KEY_BY_HASH).bind(hash).fetch_optional(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: i64) -> StoreResult<ApiKey> {
        sqlx::query(q::REVOKE_API_KEY)
            .bind(id.0)
            .bind(at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        found(sqlx::query_as(q::API_KEY).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>> {
        sqlx::query_as(q::LIST_API_KEYS).bind(tenant.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn insert_schedule(&self, s: &Schedule) -> StoreResult<()> {
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
    }

    async fn update_schedule(&self, s: &Schedule) -> StoreResult<()> {
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
    }

    async fn insert_host(&self, h: &Host) -> StoreResult<()> {
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
    }

    async fn update_host(&self, h: &Host) -> StoreResult<()> {
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
    }

    async fn insert_event_type(&self, e: &EventType) -> StoreResult<()> {
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
    }

    async fn update_event_type(&self, e: &EventType) -> StoreResult<()> {
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
            .execute(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(q::CLEAR_EVENT_TYPE_HOSTS).bind(e.id.0).execute(&mut *tx).await.map_err(map_err::<DB>)?;
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
    }

    async fn insert_block(&self, b: &Block) -> StoreResult<()> {
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
    }

    async fn update_block(&self, b: &Block) -> StoreResult<()> {
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

    async fn create_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        let b = &w.booking;
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        Self::bump_and_check(&mut tx, w, &b.host_ids).await?;
        sqlx::query(q::INSERT_BOOKING)
            .bind(b.id.0)
            .bind(b.tenant_id.0)
            .bind(b.uid.as_str())
            .bind(b.confirmation_code.as_str())
            .bind(b.status.as_str())
            .bind(b.event_type_id.0)
            .bind(b.host_id.0)
            .bind(b.start_at)
            .bind(b.end_at)
            .bind(b.buffer_before_minutes)
            .bind(b.buffer_after_minutes)
            .bind(b.attendee_name.as_str())
            .bind(b.attendee_email.as_deref())
            .bind(b.attendee_phone.as_deref())
            .bind(b.attendee_time_zone.as_deref())
            .bind(b.notes.as_deref())
            .bind(b.metadata.as_str())
            .bind(b.source.as_str())
            .bind(b.external_ref.as_deref())
            .bind(b.host_ids.to_json())
            .bind(b.sequence)
            .bind(b.cancel_reason.as_deref())
            .bind(b.created_at)
            .bind(b.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        Self::insert_occupancy(&mut tx, b).await?;
        Self::count_assignment(&mut tx, b, b.host_id, 1, Some(b.created_at)).await?;
        Self::finish_write(tx, w).await
    }

    async fn reschedule_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        let b = &w.booking;
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let old: Vec<(Uuid,)> = sqlx::query_as(q::OCCUPANCY_HOSTS)
            .bind(b.id.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        let mut touched: Vec<HostId> = old.into_iter().map(|(h,)| HostId(h)).collect();
        touched.extend(b.host_ids.iter().copied());
        Self::bump_and_check(&mut tx, w, &touched).await?;
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
        sqlx::query(q::DELETE_OCCUPANCY).bind(b.id.0).execute(&mut *tx).await.map_err(map_err::<DB>)?;
        Self::insert_occupancy(&mut tx, b).await?;
        if let Some((was,)) = previous
            && was != b.host_id.0
        {
            Self::count_assignment(&mut tx, b, HostId(was), -1, None).await?;
            Self::count_assignment(&mut tx, b, b.host_id, 1, Some(b.updated_at)).await?;
        }
        Self::finish_write(tx, w).await
    }

    async fn cancel_booking(&self, w: &BookingWrite) -> StoreResult<()> {
        let b = &w.booking;
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
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
        sqlx::query(q::RELEASE_OCCUPANCY)
            .bind(b.id.0)
            .bind(false)
            .execute(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        for h in b.host_ids.iter() {
            sqlx::query(q::BUMP_HOST)
                .bind(h.0)
                .bind(b.tenant_id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        Self::count_assignment(&mut tx, b, b.host_id, -1, None).await?;
        Self::finish_write(tx, w).await
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
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn add_history(&self, h: &HistoryEntry) -> StoreResult<()> {
        Self::insert_history(&self.writer, h).await
    }

    async fn insert_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()> {
        sqlx::query(q::INSERT_VOICE_AGENT)
            .bind(a.id.0)
            .bind(a.tenant_id.0)
            .bind(a.platform.as_str())
            .bind(a.platform_agent_id.as_deref())
            .bind(a.event_type_ids.to_json())
            .bind(a.default_event_type_id.0)
            .bind(a.time_zone.as_str())
            .bind(a.secret.as_str())
            .bind(a.auth_header.as_deref())
            .bind(a.max_options_spoken)
            .bind(a.clock.as_str())
            .bind(a.language.as_str())
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn update_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()> {
        let r = sqlx::query(q::UPDATE_VOICE_AGENT)
            .bind(a.id.0)
            .bind(a.tenant_id.0)
            .bind(a.platform.as_str())
            .bind(a.platform_agent_id.as_deref())
            .bind(a.event_type_ids.to_json())
            .bind(a.default_event_type_id.0)
            .bind(a.time_zone.as_str())
            .bind(a.secret.as_str())
            .bind(a.auth_header.as_deref())
            .bind(a.max_options_spoken)
            .bind(a.clock.as_str())
            .bind(a.language.as_str())
            .bind(a.updated_at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<VoiceAgent> {
        found(
            sqlx::query_as(q::VOICE_AGENT)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn find_voice_agent(&self, id: VoiceAgentId) -> StoreResult<VoiceAgent> {
        found(
            sqlx::query_as(q::FIND_VOICE_AGENT)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_voice_agents(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<VoiceAgent>> {
        sqlx::query_as(q::LIST_VOICE_AGENTS)
            .bind(tenant.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn delete_voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<()> {
        let r = sqlx::query(q::DELETE_VOICE_AGENT)
            .bind(id.0)
            .bind(tenant.0)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn note_voice_call(&self, c: &VoiceCall) -> StoreResult<VoiceCall> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let old: Option<VoiceCall> = sqlx::query_as(q::VOICE_CALL)
            .bind(c.voice_agent_id.0)
            .bind(c.call_id.as_str())
            .bind(c.tenant_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        let merged = match old {
            None => {
                sqlx::query(q::INSERT_VOICE_CALL)
                    .bind(c.voice_agent_id.0)
                    .bind(c.call_id.as_str())
                    .bind(c.tenant_id.0)
                    .bind(c.from_number.as_deref())
                    .bind(c.last_event.as_deref())
                    .bind(c.report.as_deref())
                    .bind(c.created_at)
                    .bind(c.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                c.clone()
            }
            Some(old) => {
                let merged = VoiceCall {
                    from_number: old.from_number.clone().or_else(|| c.from_number.clone()),
                    last_event: c.last_event.clone().or(old.last_event.clone()),
                    report: c.report.clone().or(old.report.clone()),
                    updated_at: c.updated_at,
                    ..old
                };
                sqlx::query(q::UPDATE_VOICE_CALL)
                    .bind(merged.voice_agent_id.0)
                    .bind(merged.call_id.as_str())
                    .bind(merged.tenant_id.0)
                    .bind(merged.from_number.as_deref())
                    .bind(merged.last_event.as_deref())
                    .bind(merged.report.as_deref())
                    .bind(merged.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                merged
            }
        };
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(merged)
    }

    async fn voice_call(
        &self,
        tenant: TenantId,
        agent: VoiceAgentId,
        call_id: &str,
    ) -> StoreResult<VoiceCall> {
        found(
            sqlx::query_as(q::VOICE_CALL)
                .bind(agent.0)
                .bind(call_id)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
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
        let r = sqlx::query(q::PURGE_IDEMPOTENCY)
            .bind(before)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        Ok(DB::rows_affected(&r))
    }

    async fn first_seen(&self, key: &str, expires_at: i64, now: i64) -> StoreResult<bool> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        sqlx::query(q::PURGE_SEEN).bind(now).execute(&mut *tx).await.map_err(map_err::<DB>)?;
        let r = sqlx::query(q::INSERT_SEEN)
            .bind(key)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(DB::rows_affected(&r) == 1)
    }

    async fn enqueue(&self, job: &NewJob) -> StoreResult<()> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        Self::insert_job(&mut tx, job).await?;
        tx.commit().await.map_err(map_err::<DB>)
    }

    async fn enqueue_unless_queued(&self, job: &NewJob, due_by: i64) -> StoreResult<bool> {
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let queued: Option<(Uuid,)> = sqlx::query_as(q::QUEUED_LIKE)
            .bind(due_by)
            .bind(job.kind.as_str())
            .bind(job.payload.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        if queued.is_some() {
            return Ok(false);
        }
        Self::insert_job(&mut tx, job).await?;
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(true)
    }

    async fn lease_jobs(&self, worker: &str, now: i64, lease_secs: i64, limit: i64) -> StoreResult<Vec<Job>> {
        let sql = format!("{}{}{}", q::LEASE_HEAD, DB::LEASE_LOCK, q::LEASE_TAIL);
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let jobs: Vec<Job> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease_secs)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err::<DB>)?;
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(jobs)
    }

    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<()> {
        let r = sqlx::query(q::COMPLETE_JOB)
            .bind(id.0)
            .bind(worker)
            .bind(now)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::Stale);
        }
        Ok(())
    }

    async fn complete_jobs(&self, ids: &[JobId], worker: &str, now: i64) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
        let mut done = 0;
        for id in ids {
            let r = sqlx::query(q::COMPLETE_JOB)
                .bind(id.0)
                .bind(worker)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            done += DB::rows_affected(&r);
        }
        tx.commit().await.map_err(map_err::<DB>)?;
        Ok(done)
    }

    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> StoreResult<()> {
        let r = sqlx::query(q::FAIL_JOB)
            .bind(id.0)
            .bind(worker)
            .bind(now)
            .bind(error)
            .bind(retry_at)
            .execute(&self.writer)
            .await
            .map_err(map_err::<DB>)?;
        if DB::rows_affected(&r) == 0 {
            return Err(StoreError::Stale);
        }
        Ok(())
    }

    async fn list_jobs(&self, tenant: TenantId, status: Option<&str>, page: Page) -> StoreResult<Vec<Job>> {
        sqlx::query_as(q::LIST_JOBS)
            .bind(tenant.0)
            .bind(status)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn job(&self, id: JobId) -> StoreResult<Job> {
        found(sqlx::query_as(q::JOB).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn job_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        sqlx::query_as(q::JOB_COUNTS).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }
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

/// Steps shared by the booking writes, inside their transaction.
impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> Uuid: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
    for<'t> &'t [u8]: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Uuid>: Encode<'t, DB>,
    for<'t> Option<i64>: Encode<'t, DB>,
    for<'t> Option<&'t str>: Encode<'t, DB>,
    for<'t> Option<String>: Encode<'t, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> Tenant: FromRow<'r, DB::Row>,
    for<'r> ApiKey: FromRow<'r, DB::Row>,
    for<'r> Schedule: FromRow<'r, DB::Row>,
    for<'r> Host: FromRow<'r, DB::Row>,
    for<'r> EventType: FromRow<'r, DB::Row>,
    for<'r> Block: FromRow<'r, DB::Row>,
    for<'r> Booking: FromRow<'r, DB::Row>,
    for<'r> HistoryEntry: FromRow<'r, DB::Row>,
    for<'r> Job: FromRow<'r, DB::Row>,
    for<'r> IdempotentResponse: FromRow<'r, DB::Row>,
    for<'r> Occupancy: FromRow<'r, DB::Row>,
    for<'r> HostLoad: FromRow<'r, DB::Row>,
{
    /// Locks every touched host (bumping its version, in id order so two writers never wait on
    /// each other crosswise), then re-checks overlap and the daily limit for the new occupancy.
    async fn bump_and_check(
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

    /// Writes the booking's occupancy rows (the exclusion constraint checks them on PostgreSQL).
    async fn insert_occupancy(tx: &mut sqlx::Transaction<'static, DB>, b: &Booking) -> StoreResult<()> {
        let blocked = b.blocked();
        let active = b.status == sked_core::booking::BookingStatus::Confirmed.as_str();
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

    async fn insert_history<'e, E: Executor<'e, Database = DB>>(e: E, h: &HistoryEntry) -> StoreResult<()> {
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

    /// Moves a host's round-robin count for the booking's event type by `delta`.
    async fn count_assignment(
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

    /// Writes the history entry, the outbox jobs and the idempotency record, and commits.
    async fn finish_write(mut tx: sqlx::Transaction<'static, DB>, w: &BookingWrite) -> StoreResult<()> {
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

    async fn insert_job(tx: &mut sqlx::Transaction<'static, DB>, job: &NewJob) -> StoreResult<()> {
        sqlx::query(q::INSERT_JOB)
            .bind(job.id.0)
            .bind(job.tenant_id.map(|t| t.0))
            .bind(job.kind.as_str())
            .bind(job.payload.as_str())
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(job.created_at)
            .execute(&mut **tx)
            .await
            .map_err(map_err::<DB>)?;
        Ok(())
    }
}
