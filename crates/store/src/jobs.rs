//! The durable job queue: jobs enqueued alone (booking changes enqueue theirs in their own
//! transaction, as an outbox), leased by workers, completed or failed.

use async_trait::async_trait;
use sked_core::ids::{JobId, TenantId};

use crate::{Job, NewJob, Page, StoreResult};

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for its run time or a worker (or a retry).
    Queued,
    /// Leased by a worker.
    Running,
    /// Finished.
    Done,
    /// Out of attempts, or refused for good: kept for a person to look at.
    Dead,
}

impl JobStatus {
    /// Every status, in the order a job goes through them.
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];

    /// As stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a known job status"))
    }
}

/// How the store reads a stored status back.
impl TryFrom<String> for JobStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// The job queue.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueues a job on its own.
    async fn enqueue(&self, job: &NewJob) -> StoreResult<()>;
    /// Enqueues a job unless one of the same kind and dedupe key (without a key: the same
    /// payload) is already queued to run by `due_by` (a burst of notifications makes one sync).
    /// Answers whether it enqueued.
    async fn enqueue_unless_queued(&self, job: &NewJob, due_by: i64) -> StoreResult<bool>;
    /// Asks for `job` (which has a dedupe key) to run at its `run_at`: a job of its kind and key
    /// already queued becomes it — due then (or sooner if it already was, never before its
    /// hold) with its attempts counted afresh — else `job` is enqueued. A calendar's poll during
    /// an outage so keeps one sync waiting, on the backoff of one failure rather than of every
    /// failure since the outage began. Answers whether it enqueued.
    async fn enqueue_or_renew(&self, job: &NewJob) -> StoreResult<bool>;
    /// Leases up to `limit` due jobs (queued and due, or running with an expired lease) to
    /// `worker` until `now + lease_secs`, counting an attempt for each. Several workers, in
    /// several processes, never lease the same job at once.
    async fn lease_jobs(&self, worker: &str, now: i64, lease_secs: i64, limit: i64) -> StoreResult<Vec<Job>>;
    /// Marks a leased job done.
    async fn complete_job(&self, id: JobId, worker: &str, now: i64) -> StoreResult<()>;
    /// Marks leased jobs done in one transaction; answers how many were still held by `worker`.
    async fn complete_jobs(&self, ids: &[JobId], worker: &str, now: i64) -> StoreResult<u64>;
    /// Records a failed attempt: queued again at `retry_at`, or dead when `retry_at` is `None`.
    /// `hold_until` is how long the service asked the job to wait (`Retry-After`): bringing the
    /// retry forward never moves it before then.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
        hold_until: Option<i64>,
    ) -> StoreResult<()>;
    /// Brings a tenant's jobs of `kind` that wait for a retry after a failure (queued, attempted
    /// before, due after `now`) forward to `now`, or to the end of their hold when that is later:
    /// the service they failed on answers again. Answers how many moved.
    async fn expedite_retries(&self, tenant: TenantId, kind: &str, now: i64) -> StoreResult<u64>;
    /// Deletes jobs that finished (`done`) before `before`; answers how many. Dead jobs stay:
    /// each needs a person to look at it.
    async fn purge_jobs(&self, before: i64) -> StoreResult<u64>;
    /// A tenant's jobs, newest first, optionally with one status.
    async fn list_jobs(
        &self,
        tenant: TenantId,
        status: Option<JobStatus>,
        page: Page,
    ) -> StoreResult<Vec<Job>>;
    /// A job.
    async fn job(&self, id: JobId) -> StoreResult<Job>;
    /// Jobs per status (queued, running, dead), over all tenants.
    async fn job_counts(&self) -> StoreResult<Vec<(JobStatus, i64)>>;
    /// When the longest-waiting job that is due by `now` fell due (none waiting: `None`): how far
    /// behind the queue is.
    async fn oldest_due(&self, now: i64) -> StoreResult<Option<i64>>;
}
