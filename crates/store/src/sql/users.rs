//! [`UserStore`] on the SQL store, with its statements.

use async_trait::async_trait;
use sked_core::ids::{BookingId, TenantId, UserId};

use super::{SqlDb, SqlStore, found, map_err};
use crate::{HistoryEntry, Session, StoreError, StoreResult, User, UserStore};

const USER_COLS: &str = "id, tenant_id, email, role, host_id, password_hash, created_at, updated_at";
const INSERT_USER: &str = "INSERT INTO users (id, tenant_id, email, role, host_id, password_hash, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const USER: &str =
    const_format::concatcp!("SELECT ", USER_COLS, " FROM users WHERE id = $1 AND tenant_id = $2");
const USERS_BY_EMAIL: &str =
    const_format::concatcp!("SELECT ", USER_COLS, " FROM users WHERE email = $1 ORDER BY id");
const LIST_USERS: &str =
    const_format::concatcp!("SELECT ", USER_COLS, " FROM users WHERE tenant_id = $1 ORDER BY id");
const UPDATE_USER: &str =
    "UPDATE users SET role = $3, host_id = $4, updated_at = $5 WHERE id = $1 AND tenant_id = $2";
const SET_PASSWORD: &str =
    "UPDATE users SET password_hash = $3, updated_at = $4 WHERE id = $1 AND tenant_id = $2";
const DELETE_USER: &str = "DELETE FROM users WHERE id = $1 AND tenant_id = $2";
const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";

const SESSION_COLS: &str = "id_hash, user_id, tenant_id, csrf, created_at, last_seen_at, expires_at";
const INSERT_SESSION: &str = "INSERT INTO sessions (id_hash, user_id, tenant_id, csrf, created_at, \
     last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const SESSION: &str =
    const_format::concatcp!("SELECT ", SESSION_COLS, " FROM sessions WHERE id_hash = $1 AND expires_at > $2");
const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";
const PURGE_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

const SET_NO_SHOW: &str = "UPDATE bookings SET no_show_at = $3, updated_at = $4 \
     WHERE id = $1 AND tenant_id = $2 AND status = 'confirmed'";

#[async_trait]
impl<DB: SqlDb> UserStore for SqlStore<DB> {
    async fn insert_user(&self, u: &User) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(INSERT_USER)
                .bind(u.id.0)
                .bind(u.tenant_id.0)
                .bind(u.email.to_lowercase())
                .bind(u.role.as_str())
                .bind(u.host_id.map(|h| h.0))
                .bind(u.password_hash.as_str())
                .bind(u.created_at)
                .bind(u.updated_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<User> {
        found(
            sqlx::query_as(USER)
                .bind(id.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err::<DB>)?,
        )
    }

    async fn users_by_email(&self, email: &str) -> StoreResult<Vec<User>> {
        sqlx::query_as(USERS_BY_EMAIL)
            .bind(email.trim().to_lowercase())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn list_users(&self, tenant: TenantId) -> StoreResult<Vec<User>> {
        sqlx::query_as(LIST_USERS).bind(tenant.0).fetch_all(&self.pool).await.map_err(map_err::<DB>)
    }

    async fn update_user(&self, u: &User) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(UPDATE_USER)
                .bind(u.id.0)
                .bind(u.tenant_id.0)
                .bind(u.role.as_str())
                .bind(u.host_id.map(|h| h.0))
                .bind(u.updated_at)
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

    async fn set_password(&self, tenant: TenantId, id: UserId, hash: &str, at: i64) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(SET_PASSWORD)
                .bind(id.0)
                .bind(tenant.0)
                .bind(hash)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(DELETE_USER_SESSIONS).bind(id.0).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            sqlx::query(DELETE_USER_SESSIONS).bind(id.0).execute(&mut *tx).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(DELETE_USER)
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

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(INSERT_SESSION)
                .bind(s.id_hash.as_slice())
                .bind(s.user_id.0)
                .bind(s.tenant_id.0)
                .bind(s.csrf.as_str())
                .bind(s.created_at)
                .bind(s.last_seen_at)
                .bind(s.expires_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &[u8], now: i64) -> StoreResult<Option<Session>> {
        sqlx::query_as(SESSION)
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn touch_session(&self, id_hash: &[u8], now: i64, expires_at: i64) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(TOUCH_SESSION)
                .bind(id_hash)
                .bind(now)
                .bind(expires_at)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()> {
        self.retry(|| async move {
            sqlx::query(DELETE_SESSION).bind(id_hash).execute(&self.writer).await.map_err(map_err::<DB>)?;
            Ok(())
        })
        .await
    }

    async fn purge_sessions(&self, now: i64) -> StoreResult<u64> {
        self.retry(|| async move {
            let r =
                sqlx::query(PURGE_SESSIONS).bind(now).execute(&self.writer).await.map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r))
        })
        .await
    }

    async fn set_no_show(
        &self,
        tenant: TenantId,
        id: BookingId,
        at: Option<i64>,
        history: &HistoryEntry,
    ) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let r = sqlx::query(SET_NO_SHOW)
                .bind(id.0)
                .bind(tenant.0)
                .bind(at)
                .bind(history.at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::Stale);
            }
            Self::insert_history(&mut *tx, history).await?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }
}
