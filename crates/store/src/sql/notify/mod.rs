//! [`NotifyStore`] on the SQL store: messages, preferences and webhook endpoints, their
//! statements in [`queries`].

mod queries;
mod retries;

pub(in crate::sql) use queries::{MSG_COLS, PREF_COLS};

use async_trait::async_trait;
use sked_core::ids::{BookingId, MessageId, TenantId, WebhookId};
use sked_core::notify::Channel;

use self::queries as q;
use super::{SqlDb, SqlStore, found, map_err};
use crate::{
    Booking, Message, MessageFilter, MessageOutcome, NewJob, NotifySettings, NotifyStore, Page, Preference,
    StoreError, StoreResult, Template, Via, Webhook,
};

#[async_trait]
impl<DB: SqlDb> NotifyStore for SqlStore<DB> {
    async fn queue_messages(&self, items: &[(Message, Option<NewJob>)]) -> StoreResult<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let mut queued = 0;
            for (m, job) in items {
                let r = sqlx::query(q::INSERT_MESSAGE)
                    .bind(m.id.0)
                    .bind(m.tenant_id.0)
                    .bind(m.booking_id.map(|b| b.0))
                    .bind(m.webhook_id.map(|w| w.0))
                    .bind(m.channel.as_str())
                    .bind(m.kind.as_str())
                    .bind(m.role.as_str())
                    .bind(m.recipient.as_str())
                    .bind(m.status.as_str())
                    .bind(m.dedupe_key.as_str())
                    .bind(m.payload.as_str())
                    .bind(m.provider_id.as_deref())
                    .bind(m.error.as_deref())
                    .bind(m.attempts)
                    .bind(m.sending_at)
                    .bind(m.response_code)
                    .bind(m.next_attempt_at)
                    .bind(m.created_at)
                    .bind(m.updated_at)
                    .bind(job.as_ref().map(|j| j.id.0))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                if DB::rows_affected(&r) == 0 {
                    continue;
                }
                queued += 1;
                if let Some(job) = job {
                    Self::insert_job(&mut tx, job).await?;
                }
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(queued)
        })
        .await
    }

    async fn message(&self, id: MessageId) -> StoreResult<Message> {
        found(sqlx::query_as(q::MESSAGE).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn tenant_message(&self, tenant: TenantId, id: MessageId) -> StoreResult<Message> {
        found(
            sqlx::query_as(q::TENANT_MESSAGE)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn message_by_provider_id(&self, channel: Channel, provider_id: &str) -> StoreResult<Message> {
        found(
            sqlx::query_as(q::MESSAGE_BY_PROVIDER)
                .bind(provider_id)
                .bind(channel.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn latest_message_to(&self, channel: Channel, recipient: &str) -> StoreResult<Option<Message>> {
        sqlx::query_as(q::LATEST_TO)
            .bind(recipient)
            .bind(channel.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn list_messages(
        &self,
        tenant: TenantId,
        f: &MessageFilter,
        page: Page,
    ) -> StoreResult<Vec<Message>> {
        sqlx::query_as(q::LIST_MESSAGES)
            .bind(tenant.0)
            .bind(f.booking_id.map(|b| b.0))
            .bind(page.after)
            .bind(f.webhook_id.map(|w| w.0))
            .bind(f.channel.map(Channel::as_str))
            .bind(f.status.map(|s| s.as_str()))
            .bind(f.kind.as_deref())
            .bind(f.recipient.as_deref())
            .bind(f.from)
            .bind(f.to)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn start_sending(&self, id: MessageId, now: i64) -> StoreResult<Message> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::START_SENDING)
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            let m = sqlx::query_as(q::MESSAGE).bind(id.0).fetch_one(&mut *tx).await.map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(m)
        })
        .await
    }

    async fn settle_message(&self, id: MessageId, o: &MessageOutcome, now: i64) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::SETTLE_MESSAGE)
                .bind(id.0)
                .bind(o.status.as_str())
                .bind(o.provider_id.as_deref())
                .bind(o.error.as_deref())
                .bind(o.response_code)
                .bind(o.next_attempt_at)
                .bind(now)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn requeue_message(
        &self,
        tenant: TenantId,
        id: MessageId,
        job: &NewJob,
        now: i64,
    ) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(q::REQUEUE_MESSAGE)
                .bind(id.0)
                .bind(tenant.0)
                .bind(now)
                .bind(job.id.0)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            Self::insert_job(&mut tx, job).await?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn drop_queued_reminders(&self, tenant: TenantId, booking: BookingId) -> StoreResult<u64> {
        self.retry(|| async move {
            let r = sqlx::query(q::DROP_REMINDERS)
                .bind(booking.0)
                .bind(tenant.0)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r))
        })
        .await
    }

    async fn message_counts(&self) -> StoreResult<Vec<(String, String, String, i64)>> {
        sqlx::query_as(q::MESSAGE_COUNTS).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn expedite_messages(&self, via: Via, now: i64) -> StoreResult<u64> {
        self.expedite(via, now).await
    }

    async fn set_preference(&self, p: &Preference) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::UPSERT_PREFERENCE)
                .bind(p.tenant_id.0)
                .bind(p.address.as_str())
                .bind(p.channel.as_str())
                .bind(p.kind.as_str())
                .bind(p.enabled)
                .bind(p.source.as_str())
                .bind(p.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn preferences(&self, tenant: TenantId, address: &str) -> StoreResult<Vec<Preference>> {
        sqlx::query_as(q::PREFERENCES)
            .bind(tenant.0)
            .bind(address)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn notify_settings(&self, tenant: TenantId) -> StoreResult<NotifySettings> {
        let row: Option<NotifySettings> = sqlx::query_as(q::NOTIFY_SETTINGS)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok(row.unwrap_or(NotifySettings { tenant_id: tenant, ..NotifySettings::default() }))
    }

    async fn set_notify_settings(&self, n: &NotifySettings) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::UPSERT_NOTIFY_SETTINGS)
                .bind(n.tenant_id.0)
                .bind(n.reply_to.as_deref())
                .bind(n.logo_url.as_deref())
                .bind(n.brand_color.as_deref())
                .bind(n.notify_email.as_deref())
                .bind(n.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn templates(&self, tenant: TenantId) -> StoreResult<Vec<Template>> {
        sqlx::query_as(q::TEMPLATES).bind(tenant.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn set_template(&self, t: &Template) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::UPSERT_TEMPLATE)
                .bind(t.tenant_id.0)
                .bind(t.kind.as_str())
                .bind(t.part.as_str())
                .bind(t.source.as_str())
                .bind(t.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn delete_template(&self, tenant: TenantId, kind: &str, part: &str) -> StoreResult<bool> {
        self.retry(|| async move {
            let r = sqlx::query(q::DELETE_TEMPLATE)
                .bind(tenant.0)
                .bind(kind)
                .bind(part)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r) == 1)
        })
        .await
    }

    async fn insert_webhook(&self, w: &Webhook) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(q::INSERT_WEBHOOK)
                .bind(w.id.0)
                .bind(w.tenant_id.0)
                .bind(w.url.as_str())
                .bind(w.events.as_str())
                .bind(w.description.as_deref())
                .bind(w.active)
                .bind(w.secret.as_str())
                .bind(w.failing_since)
                .bind(w.disabled_at)
                .bind(w.created_at)
                .bind(w.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn update_webhook(&self, w: &Webhook) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(q::UPDATE_WEBHOOK)
                .bind(w.id.0)
                .bind(w.tenant_id.0)
                .bind(w.url.as_str())
                .bind(w.events.as_str())
                .bind(w.description.as_deref())
                .bind(w.active)
                .bind(w.failing_since)
                .bind(w.disabled_at)
                .bind(w.updated_at)
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

    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Webhook> {
        found(
            sqlx::query_as(q::WEBHOOK)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn list_webhooks(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Webhook>> {
        sqlx::query_as(q::LIST_WEBHOOKS)
            .bind(tenant.0)
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn active_webhooks(&self, tenant: TenantId) -> StoreResult<Vec<Webhook>> {
        sqlx::query_as(q::ACTIVE_WEBHOOKS)
            .bind(tenant.0)
            .bind(true)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(q::DELETE_WEBHOOK)
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

    async fn note_webhook_result(&self, id: WebhookId, ok: bool, now: i64) -> StoreResult<Webhook> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let sql = if ok { q::WEBHOOK_OK } else { q::WEBHOOK_FAILED };
            sqlx::query(sql).bind(id.0).bind(now).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            let w: Option<Webhook> = sqlx::query_as(q::FIND_WEBHOOK)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)?;
            found(w)
        })
        .await
    }

    async fn disable_webhook(&self, id: WebhookId, now: i64) -> StoreResult<bool> {
        self.retry(|| async move {
            let r = sqlx::query(q::DISABLE_WEBHOOK)
                .bind(id.0)
                .bind(now)
                .bind(false)
                .bind(true)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r) == 1)
        })
        .await
    }

    async fn next_booking_for_phone(
        &self,
        tenant: TenantId,
        phone: &str,
        now: i64,
    ) -> StoreResult<Option<Booking>> {
        sqlx::query_as(q::NEXT_BOOKING_FOR_PHONE)
            .bind(tenant.0)
            .bind(phone)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }
}
