//! [`VoiceStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{TenantId, VoiceAgentId};

use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{Page, StoreError, StoreResult, VoiceAgent, VoiceCall, VoiceStore};

#[async_trait]
impl<DB: SqlDb> VoiceStore for SqlStore<DB> {
    async fn insert_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()> {
        self.retry(|| async move {
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
        })
        .await
    }

    async fn update_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()> {
        self.retry(|| async move {
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
        })
        .await
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
        self.retry(|| async move {
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
        })
        .await
    }

    async fn note_voice_call(&self, c: &VoiceCall) -> StoreResult<VoiceCall> {
        self.retry(|| async move {
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
        })
        .await
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

    async fn first_seen(&self, key: &str, expires_at: i64, now: i64) -> StoreResult<bool> {
        self.retry(|| async move {
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
        })
        .await
    }
}
