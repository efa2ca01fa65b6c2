//! The database as a whole: which one it is, whether it answers, its migrations and
//! housekeeping, instance-wide settings, and re-sealing every secret when the key changes.

use async_trait::async_trait;

use crate::{Backend, StoreResult};

/// The database as a whole.
#[async_trait]
pub trait SystemStore: Send + Sync {
    /// Which database this is.
    fn backend(&self) -> Backend;
    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Closes every connection, waiting for each. On SQLite the last one to close folds the
    /// write-ahead log into the database file. Calls after this fail.
    async fn close(&self);
    /// Housekeeping to run every second or so, off the request path (SQLite: a WAL checkpoint).
    async fn maintain(&self) -> StoreResult<()>;

    /// A setting.
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores a setting unless it exists; true when stored.
    async fn init_setting(&self, name: &str, value: &str) -> StoreResult<bool>;

    /// Re-seals every sealed value (connection tokens, authorization verifiers, voice agent
    /// secrets, webhook secrets, Cal.com webhook secrets, tokens kept for pending revocations) in
    /// one transaction with `reseal`; answers how many.
    /// Any failure changes nothing.
    async fn reseal_secrets(
        &self,
        reseal: &(dyn for<'a> Fn(&'a str) -> Result<String, String> + Send + Sync),
    ) -> StoreResult<u64>;
}
