//! [`JobStore`] on the SQL store.

use async_trait::async_trait;
use sked_core::ids::{JobId, TenantId};
use uuid::Uuid;

use super::script::{Script, Stmt, stmt};
use super::{SqlDb, SqlStore, found, map_err, queries as q};
use crate::{Backend, Job, JobStatus, JobStore, NewJob, Page, StoreError, StoreResult};

#[async_trait]
impl<DB: SqlDb> JobStore for SqlStore<DB> {
    async fn enqueue(&self, job: &NewJob) -> StoreResult<()> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            Self::insert_job(&mut tx, job).await?;
            tx.commit().await.map_err(map_err::<DB>)
        })
        .await
    }

    async fn enqueue_unless_queued(&self, job: &NewJob, due_by: i64) -> StoreResult<bool> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let (sql, same) = match &job.dedupe_key {
                Some(key) => (q::QUEUED_KEY, key.as_str()),
                None => (q::QUEUED_LIKE, job.payload.as_str()),
            };
            let queued: Option<(Uuid,)> = sqlx::query_as(sql)
                .bind(due_by)
                .bind(job.kind.as_str())
                .bind(same)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            if queued.is_some() {
                return Ok(false);
            }
            Self::insert_job(&mut tx, job).await?;
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(true)
        })
        .await
    }

    async fn enqueue_or_renew(&self, job: &NewJob) -> StoreResult<bool> {
        let key = job
            .dedupe_key
            .as_deref()
            .ok_or(StoreError::Invalid("a renewed job needs a dedupe key".into()))?;
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let renewed = sqlx::query(q::RENEW_QUEUED)
                .bind(job.kind.as_str())
                .bind(key)
                .bind(job.run_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err::<DB>)?;
            let enqueued = DB::rows_affected(&renewed) == 0;
            if enqueued {
                Self::insert_job(&mut tx, job).await?;
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(enqueued)
        })
        .await
    }

    async fn lease_jobs(&self, worker: &str, now: i64, lease_secs: i64, limit: i64) -> StoreResult<Vec<Job>> {
        self.retry(|| async move {
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            // Jobs whose lease ran out first, then due ones: two statements that each read an
            // index in order (one statement with both conditions sorted every due job).
            let mut jobs: Vec<Job> = Vec::new();
            for which in [q::LEASE_EXPIRED, q::LEASE_DUE] {
                let room = limit - jobs.len() as i64;
                if room <= 0 {
                    break;
                }
                let sql = format!("{}{which}{}{}", q::LEASE_HEAD, DB::LEASE_LOCK, q::LEASE_TAIL);
                let leased: Vec<Job> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(worker)
                    .bind(now + lease_secs)
                    .bind(now)
                    .bind(room)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err::<DB>)?;
                jobs.extend(leased);
            }
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(jobs)
        })
        .await
    }

    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<()> {
        self.retry(|| async move {
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
        })
        .await
    }

    async fn complete_jobs(&self, ids: &[JobId], worker: &str, now: i64) -> StoreResult<u64> {
        self.retry(|| async move {
            if ids.is_empty() {
                return Ok(0);
            }
            if DB::BACKEND == Backend::Postgres {
                // One statement (atomic on its own) instead of one per job and a commit.
                let list =
                    format!("{{{}}}", ids.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(","));
                let mut conn = self.writer.acquire().await.map_err(map_err::<DB>)?;
                return stmt!(q::COMPLETE_JOBS_PG, list.as_str(), worker, now).run::<DB>(&mut conn).await;
            }
            // SQLite: one statement, committed with the group of bookings written meanwhile (one
            // `fsync` for both).
            let list =
                serde_json::to_string(&ids.iter().map(|id| id.0.simple().to_string()).collect::<Vec<_>>())
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let script = Script(vec![stmt!(q::COMPLETE_JOBS_SQLITE, list.as_str(), worker, now)]);
            if let Some(group) = &self.group {
                return group.write(script).await;
            }
            let mut tx = DB::begin_write(&self.writer).await.map_err(map_err::<DB>)?;
            let done = script.run::<DB>(&mut tx).await?;
            tx.commit().await.map_err(map_err::<DB>)?;
            Ok(done)
        })
        .await
    }

    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
        hold_until: Option<i64>,
    ) -> StoreResult<()> {
        self.retry(|| async move {
            let r = sqlx::query(q::FAIL_JOB)
                .bind(id.0)
                .bind(worker)
                .bind(now)
                .bind(error)
                .bind(retry_at)
                .bind(hold_until)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            if DB::rows_affected(&r) == 0 {
                return Err(StoreError::Stale);
            }
            Ok(())
        })
        .await
    }

    async fn expedite_retries(&self, tenant: TenantId, kind: &str, now: i64) -> StoreResult<u64> {
        self.retry(|| async move {
            let r = sqlx::query(q::EXPEDITE_RETRIES)
                .bind(tenant.0)
                .bind(kind)
                .bind(now)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r))
        })
        .await
    }

    async fn purge_jobs(&self, before: i64) -> StoreResult<u64> {
        const SLICE: i64 = 1_000;
        let mut purged = 0;
        loop {
            let n = self
                .retry(|| async move {
                    let r = sqlx::query(q::PURGE_JOBS)
                        .bind(before)
                        .bind(SLICE)
                        .execute(&self.writer)
                        .await
                        .map_err(map_err::<DB>)?;
                    Ok(DB::rows_affected(&r))
                })
                .await?;
            purged += n;
            if n < SLICE as u64 {
                return Ok(purged);
            }
        }
    }

    async fn list_jobs(
        &self,
        tenant: TenantId,
        status: Option<JobStatus>,
        page: Page,
    ) -> StoreResult<Vec<Job>> {
        sqlx::query_as(q::LIST_JOBS)
            .bind(tenant.0)
            .bind(status.map(JobStatus::as_str))
            .bind(page.after)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err::<DB>)
    }

    async fn job(&self, id: JobId) -> StoreResult<Job> {
        found(sqlx::query_as(q::JOB).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err::<DB>)?)
    }

    async fn job_counts(&self) -> StoreResult<Vec<(JobStatus, i64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as(q::JOB_COUNTS).fetch_all(&self.pool).await.map_err(map_err::<DB>)?;
        rows.into_iter().map(|(s, n)| Ok((s.parse().map_err(StoreError::Invalid)?, n))).collect()
    }

    async fn oldest_due(&self, now: i64) -> StoreResult<Option<i64>> {
        let (at,): (Option<i64>,) =
            sqlx::query_as(q::OLDEST_DUE).bind(now).fetch_one(&self.pool).await.map_err(map_err::<DB>)?;
        Ok(at)
    }
}

impl<DB: SqlDb> SqlStore<DB> {
    /// Enqueues a job inside a transaction (the outbox of the write it belongs to).
    pub(super) async fn insert_job(tx: &mut sqlx::Transaction<'static, DB>, job: &NewJob) -> StoreResult<()> {
        self::job(job).run::<DB>(tx).await.map(drop)
    }
}

/// The statement enqueuing `job`.
pub(super) fn job(job: &NewJob) -> Stmt {
    stmt!(
        q::INSERT_JOB,
        job.id.0,
        job.tenant_id.map(|t| t.0),
        job.kind.as_str(),
        job.payload.as_str(),
        job.max_attempts,
        job.run_at,
        job.created_at,
        job.dedupe_key.as_deref(),
    )
}
