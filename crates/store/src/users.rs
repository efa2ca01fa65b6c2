//! Dashboard users and their server-side sessions.

use async_trait::async_trait;
use sked_core::ids::{BookingId, HostId, TenantId, UserId};
use sqlx::FromRow;

use crate::{HistoryEntry, StoreResult};

/// A person who signs in to the dashboard of one tenant.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    /// Lower-case: unique per tenant whatever the case it was typed in.
    pub email: String,
    /// `owner`, `admin` or `host` (the database refuses anything else).
    pub role: String,
    /// The host a `host` user acts for.
    pub host_id: Option<HostId>,
    /// Argon2id, as a PHC string.
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A signed-in browser, known by the SHA-256 of its session id (the id itself is only in the
/// cookie).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Session {
    pub id_hash: Vec<u8>,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    /// The token every state-changing form of this session carries.
    pub csrf: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When the session ends if it is not used again (the idle timeout, capped by the
    /// absolute one).
    pub expires_at: i64,
}

/// Users and sessions.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user ([`StoreError::Duplicate`](crate::StoreError::Duplicate) `email` when the
    /// tenant has that address already, in any case).
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    /// A user of a tenant.
    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<User>;
    /// Every user with this address, in any tenant (sign-in looks them up before it knows the
    /// tenant).
    async fn users_by_email(&self, email: &str) -> StoreResult<Vec<User>>;
    /// A tenant's users, by id.
    async fn list_users(&self, tenant: TenantId) -> StoreResult<Vec<User>>;
    /// Changes a user's role and host.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Replaces a user's password hash and ends every session of theirs.
    async fn set_password(&self, tenant: TenantId, id: UserId, hash: &str, at: i64) -> StoreResult<()>;
    /// Deletes a user and their sessions.
    async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<()>;

    /// Stores a new session.
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The session with this hash, unless it expired by `now`.
    async fn session(&self, id_hash: &[u8], now: i64) -> StoreResult<Option<Session>>;
    /// Records a use: `last_seen_at` and a new `expires_at`.
    async fn touch_session(&self, id_hash: &[u8], now: i64, expires_at: i64) -> StoreResult<()>;
    /// Ends a session (idempotent).
    async fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()>;
    /// Forgets sessions expired by `now`; returns how many.
    async fn purge_sessions(&self, now: i64) -> StoreResult<u64>;

    /// Marks a confirmed booking as a no-show (or clears the mark with `at: None`), with its
    /// history entry, in one transaction.
    async fn set_no_show(
        &self,
        tenant: TenantId,
        id: BookingId,
        at: Option<i64>,
        history: &HistoryEntry,
    ) -> StoreResult<()>;
}
