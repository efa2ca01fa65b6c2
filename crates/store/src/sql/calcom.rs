//! [`CalcomStore`] on the SQL store, with its statements.

use async_trait::async_trait;
use sked_core::ids::{BookingId, TenantId};
use uuid::Uuid;

use super::{SqlDb, SqlStore, found, map_err};
use crate::{CalcomIntegration, CalcomKind, CalcomMirror, CalcomNote, CalcomStore, StoreError, StoreResult};

const INTEGRATION: &str = "SELECT tenant_id, webhook_secret, event_types, created_at, updated_at \
     FROM calcom_integrations WHERE tenant_id = $1";
const UPSERT_INTEGRATION: &str = "INSERT INTO calcom_integrations (tenant_id, webhook_secret, event_types, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO UPDATE SET \
     webhook_secret = excluded.webhook_secret, event_types = excluded.event_types, \
     updated_at = excluded.updated_at";
const DELETE_INTEGRATION: &str = "DELETE FROM calcom_integrations WHERE tenant_id = $1";
const MIRROR: &str = "SELECT uid, booking_id, last_created_at FROM calcom_bookings \
     WHERE tenant_id = $1 AND (uid = $2 OR uid = $3) ORDER BY uid";
const MIRROR_UIDS: &str =
    "SELECT uid FROM calcom_bookings WHERE tenant_id = $1 AND booking_id = $2 ORDER BY uid";
const DELIVERY: &str = "SELECT applied_at FROM calcom_deliveries WHERE tenant_id = $1 AND key = $2";
const INSERT_DELIVERY: &str = "INSERT INTO calcom_deliveries (tenant_id, key, applied_at) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id, key) DO NOTHING";
// A uid keeps the booking it was first linked to; its mark only grows.
const UPSERT_UID: &str = "INSERT INTO calcom_bookings (tenant_id, uid, booking_id, last_created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, uid) DO UPDATE SET \
     booking_id = COALESCE(calcom_bookings.booking_id, excluded.booking_id), \
     last_created_at = CASE WHEN excluded.last_created_at > calcom_bookings.last_created_at \
     THEN excluded.last_created_at ELSE calcom_bookings.last_created_at END, updated_at = excluded.updated_at";
const MARK_BOOKING: &str = "UPDATE calcom_bookings SET last_created_at = $3, updated_at = $4 \
     WHERE tenant_id = $1 AND booking_id = $2 AND last_created_at < $3";
const LINK: &str = "SELECT sked_id FROM calcom_links WHERE tenant_id = $1 AND kind = $2 AND calcom_id = $3";
const UPSERT_LINK: &str = "INSERT INTO calcom_links (tenant_id, kind, calcom_id, sked_id, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, kind, calcom_id) DO UPDATE SET \
     sked_id = excluded.sked_id, created_at = excluded.created_at";

#[async_trait]
impl<DB: SqlDb> CalcomStore for SqlStore<DB> {
    async fn calcom_integration(&self, tenant: TenantId) -> StoreResult<CalcomIntegration> {
        found(
            sqlx::query_as(INTEGRATION)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn put_calcom_integration(&self, c: &CalcomIntegration) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(UPSERT_INTEGRATION)
                .bind(c.tenant_id.0)
                .bind(c.webhook_secret.as_deref())
                .bind(c.event_types.as_str())
                .bind(c.created_at)
                .bind(c.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn delete_calcom_integration(&self, tenant: TenantId) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(DELETE_INTEGRATION)
                .bind(tenant.0)
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

    async fn calcom_mirror(&self, tenant: TenantId, uids: &[&str]) -> StoreResult<Option<CalcomMirror>> {
        let (first, second) = match uids {
            [] => return Ok(None),
            [one] => (*one, None),
            [one, two, ..] => (*one, Some(*two)),
        };
        let rows: Vec<(String, Option<Uuid>, i64)> = sqlx::query_as(MIRROR)
            .bind(tenant.0)
            .bind(first)
            .bind(second)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let Some(last_created_at) = rows.iter().map(|r| r.2).max() else { return Ok(None) };
        // The booking of the first uid asked about that has one (a uid a reschedule replaced may
        // name a booking cancelled before the new time was mirrored as another).
        let booking_id =
            uids.iter().find_map(|u| rows.iter().find(|r| r.0 == *u).and_then(|r| r.1)).map(BookingId);
        let mut known: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        if let Some(b) = booking_id {
            // Every uid of the booking, not only those asked about.
            let all: Vec<(String,)> = sqlx::query_as(MIRROR_UIDS)
                .bind(tenant.0)
                .bind(b.0)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err::<DB>)?;
            known = all.into_iter().map(|r| r.0).collect();
        }
        Ok(Some(CalcomMirror { booking_id, last_created_at, uids: known }))
    }

    async fn calcom_delivery_applied(&self, tenant: TenantId, key: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> = sqlx::query_as(DELIVERY)
            .bind(tenant.0)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok(row.is_some())
    }

    async fn note_calcom(&self, n: &CalcomNote) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            if let Some(key) = &n.delivery {
                sqlx::query(INSERT_DELIVERY)
                    .bind(n.tenant_id.0)
                    .bind(key.as_str())
                    .bind(n.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            for uid in &n.uids {
                sqlx::query(UPSERT_UID)
                    .bind(n.tenant_id.0)
                    .bind(uid.as_str())
                    .bind(n.booking_id.map(|b| b.0))
                    .bind(n.created_at)
                    .bind(n.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            if let Some(b) = n.booking_id {
                sqlx::query(MARK_BOOKING)
                    .bind(n.tenant_id.0)
                    .bind(b.0)
                    .bind(n.created_at)
                    .bind(n.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn calcom_link(
        &self,
        tenant: TenantId,
        kind: CalcomKind,
        calcom_id: &str,
    ) -> StoreResult<Option<Uuid>> {
        let row: Option<(Uuid,)> = sqlx::query_as(LINK)
            .bind(tenant.0)
            .bind(kind.as_str())
            .bind(calcom_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok(row.map(|r| r.0))
    }

    async fn put_calcom_link(
        &self,
        tenant: TenantId,
        kind: CalcomKind,
        calcom_id: &str,
        sked_id: Uuid,
        at: i64,
    ) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(UPSERT_LINK)
                .bind(tenant.0)
                .bind(kind.as_str())
                .bind(calcom_id)
                .bind(sked_id)
                .bind(at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }
}
