//! [`PrivacyStore`] on the SQL store, with its statements.

use async_trait::async_trait;
use sked_core::ids::TenantId;
use uuid::Uuid;

use super::notify::{MSG_COLS, PREF_COLS};
use super::{SqlDb, SqlStore, map_err, queries as q};
use crate::{AttendeeData, ERASED, Erased, PrivacyStore, StoreResult};

/// The person: `$2` an email (any case), `$3` a phone or NULL.
const PERSON: &str = "(lower(attendee_email) = lower($2) OR ($3 IS NOT NULL AND attendee_phone = $3))";
const ATTENDEE_BOOKINGS: &str = const_format::concatcp!(
    "SELECT ",
    q::BOOKING_COLS,
    " FROM bookings WHERE tenant_id = $1 AND ",
    PERSON,
    " ORDER BY start_at, id"
);
const ATTENDEE_BOOKING_IDS: &str =
    const_format::concatcp!("SELECT id FROM bookings WHERE tenant_id = $1 AND ", PERSON, " ORDER BY id");
const ATTENDEE_MESSAGES: &str = const_format::concatcp!(
    "SELECT ",
    MSG_COLS,
    " FROM messages WHERE tenant_id = $1 AND role = 'attendee' \
     AND (lower(recipient) = lower($2) OR ($3 IS NOT NULL AND recipient = $3)) ORDER BY id"
);
const ATTENDEE_PREFERENCES: &str = const_format::concatcp!(
    "SELECT ",
    PREF_COLS,
    " FROM notification_preferences \
     WHERE tenant_id = $1 AND (lower(address) = lower($2) OR ($3 IS NOT NULL AND address = $3)) \
     ORDER BY address, channel, kind"
);
const DELETE_PREFERENCES: &str = "DELETE FROM notification_preferences \
     WHERE tenant_id = $1 AND (lower(address) = lower($2) OR ($3 IS NOT NULL AND address = $3))";
const ERASE_CALLS_FROM: &str = "UPDATE voice_calls SET from_number = NULL, report = NULL, updated_at = $3 \
     WHERE tenant_id = $1 AND from_number = $2";
const ENDED_UNERASED: &str =
    "SELECT id FROM bookings WHERE erased_at IS NULL AND end_at < $1 ORDER BY end_at LIMIT $2";

// One booking, `$1` its id, `$2` the instant.
const ERASE_BOOKING: &str = const_format::concatcp!(
    "UPDATE bookings SET attendee_name = '",
    ERASED,
    "', attendee_email = NULL, attendee_phone = NULL, attendee_time_zone = NULL, notes = NULL, \
     metadata = '{}', answers = '{}', cancel_reason = NULL, erased_at = $2, updated_at = $2 WHERE id = $1"
);
const ERASE_HISTORY: &str = "UPDATE booking_history SET reason = NULL WHERE booking_id = $1";
const ERASE_MESSAGES: &str = const_format::concatcp!(
    "UPDATE messages SET recipient = CASE WHEN role = 'attendee' THEN '",
    ERASED,
    "' ELSE recipient END, payload = '{}', error = NULL, next_attempt_at = NULL, \
     status = CASE WHEN status = 'queued' THEN 'skipped' ELSE status END, updated_at = $2 \
     WHERE booking_id = $1"
);
const ERASE_CALL: &str = "UPDATE voice_calls SET from_number = NULL, report = NULL, updated_at = $2 \
     WHERE call_id = (SELECT external_ref FROM bookings WHERE id = $1 AND source = 'voice') \
     AND tenant_id = (SELECT tenant_id FROM bookings WHERE id = $1)";
/// Stored answers to retried requests hold the booking as it was answered.
const FORGET_ANSWERS: &str = "DELETE FROM idempotency_keys \
     WHERE tenant_id = (SELECT tenant_id FROM bookings WHERE id = $1) AND response LIKE $2";

/// A statement about one person, with its `$1` (tenant), `$2` (email) and `$3` (phone) bound.
macro_rules! person {
    ($make:ident, $sql:expr, $tenant:expr, $email:expr, $phone:expr) => {
        sqlx::$make($sql).bind($tenant.0).bind($email.trim()).bind($phone)
    };
}

#[async_trait]
impl<DB: SqlDb> PrivacyStore for SqlStore<DB> {
    async fn attendee_data(
        &self,
        tenant: TenantId,
        email: &str,
        phone: Option<&str>,
    ) -> StoreResult<AttendeeData> {
        let bookings = person!(query_as, ATTENDEE_BOOKINGS, tenant, email, phone)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let messages = person!(query_as, ATTENDEE_MESSAGES, tenant, email, phone)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        let preferences = person!(query_as, ATTENDEE_PREFERENCES, tenant, email, phone)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        Ok(AttendeeData { bookings, messages, preferences })
    }

    async fn erase_attendee(
        &self,
        tenant: TenantId,
        email: &str,
        phone: Option<&str>,
        at: i64,
    ) -> StoreResult<Erased> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let ids: Vec<(Uuid,)> = person!(query_as, ATTENDEE_BOOKING_IDS, tenant, email, phone)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            let erased = Self::erase_bookings(&mut tx, &ids, at).await?;
            person!(query, DELETE_PREFERENCES, tenant, email, phone)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if let Some(p) = phone {
                sqlx::query(ERASE_CALLS_FROM)
                    .bind(tenant.0)
                    .bind(p)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(erased)
        })
        .await
    }

    async fn erase_ended_before(&self, cutoff: i64, at: i64, limit: i64) -> StoreResult<Erased> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let ids: Vec<(Uuid,)> = sqlx::query_as(ENDED_UNERASED)
                .bind(cutoff)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            let erased = Self::erase_bookings(&mut tx, &ids, at).await?;
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(erased)
        })
        .await
    }
}

impl<DB: SqlDb> SqlStore<DB> {
    async fn erase_bookings(
        tx: &mut sqlx::Transaction<'static, DB>,
        ids: &[(Uuid,)],
        at: i64,
    ) -> StoreResult<Erased> {
        let mut erased = Erased::default();
        for (id,) in ids {
            sqlx::query(ERASE_CALL).bind(*id).bind(at).execute(&mut **tx).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(ERASE_BOOKING)
                .bind(*id)
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
            erased.bookings += DB::rows_affected(&r);
            sqlx::query(ERASE_HISTORY).bind(*id).execute(&mut **tx).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(ERASE_MESSAGES)
                .bind(*id)
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
            erased.messages += DB::rows_affected(&r);
            sqlx::query(FORGET_ANSWERS)
                .bind(*id)
                .bind(format!("%{}%", id.hyphenated()))
                .execute(&mut **tx)
                .await
                .map_err(map_err::<DB>)?;
        }
        Ok(erased)
    }
}
