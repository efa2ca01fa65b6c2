//! [`SystemStore`] on the SQL store.

use async_trait::async_trait;
use uuid::Uuid;

use super::{SqlDb, SqlStore, map_err, queries as q};
use crate::{Backend, StoreError, StoreResult, SystemStore};

#[async_trait]
impl<DB: SqlDb> SystemStore for SqlStore<DB> {
    fn backend(&self) -> Backend {
        DB::BACKEND
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.map_err(map_err::<DB>)?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
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
        self.retry(|| async move {
            let r = sqlx::query(q::INIT_SETTING)
                .bind(name)
                .bind(value)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r) == 1)
        })
        .await
    }

    async fn reseal_secrets(
        &self,
        reseal: &(dyn for<'a> Fn(&'a str) -> Result<String, String> + Send + Sync),
    ) -> StoreResult<u64> {
        self.retry(|| async move {
            let again = |v: &str| -> StoreResult<String> { reseal(v).map_err(StoreError::Invalid) };
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let mut n = 0;
            let tokens: Vec<(Uuid, Option<String>, Option<String>)> =
                sqlx::query_as(q::SEALED_TOKENS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (id, access, refresh) in tokens {
                let access = access.as_deref().map(again).transpose()?;
                let refresh = refresh.as_deref().map(again).transpose()?;
                n += u64::from(access.is_some()) + u64::from(refresh.is_some());
                sqlx::query(q::RESEAL_TOKENS)
                    .bind(id)
                    .bind(access)
                    .bind(refresh)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            let verifiers: Vec<(String, String)> =
                sqlx::query_as(q::SEALED_VERIFIERS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (id, v) in verifiers {
                let v = again(&v)?;
                sqlx::query(q::RESEAL_VERIFIER)
                    .bind(id)
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                n += 1;
            }
            let secrets: Vec<(Uuid, String)> =
                sqlx::query_as(q::SEALED_VOICE).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (id, v) in secrets {
                let v = again(&v)?;
                sqlx::query(q::RESEAL_VOICE)
                    .bind(id)
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                n += 1;
            }
            let hooks: Vec<(Uuid, String)> =
                sqlx::query_as(q::SEALED_WEBHOOKS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (id, v) in hooks {
                let v = again(&v)?;
                sqlx::query(q::RESEAL_WEBHOOK)
                    .bind(id)
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                n += 1;
            }
            let calcom: Vec<(Uuid, String)> =
                sqlx::query_as(q::SEALED_CALCOM).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (tenant, v) in calcom {
                let v = again(&v)?;
                sqlx::query(q::RESEAL_CALCOM)
                    .bind(tenant)
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                n += 1;
            }
            let kept: Vec<(Uuid, Option<String>, Option<String>)> =
                sqlx::query_as(q::SEALED_REVOCATIONS).fetch_all(&mut *tx).await.map_err(map_err::<DB>)?;
            for (id, access, refresh) in kept {
                let access = access.as_deref().map(again).transpose()?;
                let refresh = refresh.as_deref().map(again).transpose()?;
                n += u64::from(access.is_some()) + u64::from(refresh.is_some());
                sqlx::query(q::RESEAL_REVOCATION)
                    .bind(id)
                    .bind(access)
                    .bind(refresh)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(n)
        })
        .await
    }
}
