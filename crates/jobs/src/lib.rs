//! Durable background work.
//!
//! Jobs are rows of the store's `jobs` table, usually written in the same transaction as the
//! change that calls for them (the outbox). A [`Worker`] leases due jobs for a while, runs the
//! [`Handler`] registered for each job's kind, and settles each one soon after it finishes:
//! done (the successes of a lease finishing within a few milliseconds of each other share one
//! write), queued again after a backoff, or dead after its last attempt. Leases make several
//! workers, in several processes, safe: a job is held by one worker at a time, and a worker
//! that dies simply lets its lease run out. No transaction is held open while a handler talks
//! to the outside.
//!
//! Each kind of job is a type ([`Job`]): its kind string, its payload (the type itself), its
//! attempts, an optional dedupe key and a timeout shorter than the lease, after which an attempt
//! is cancelled and retried. [`Worker::handle`] registers the handler that receives it decoded.
//! The jobs of one lease may share reads made after it ([`Shared`]).

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use sked_core::Clock;
use sked_core::ids::{JobId, TenantId};
use sked_store::{DynStore, Job as JobRow, NewJob, StoreResult};
use tokio::sync::{Notify, watch};

mod shared;
mod typed;
pub use shared::{Shared, leased_at};
pub use typed::{Job, JobHandler};

/// How a job attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again after the usual backoff (sooner if the service answers again meanwhile:
    /// [`sked_store::JobStore::expedite_retries`]).
    #[error("{0}")]
    Retry(String),
    /// Try again at this instant (Unix seconds), or sooner if the service answers again.
    #[error("{1} (retry at {0})")]
    RetryAt(i64, String),
    /// The service asked to wait this many seconds (`Retry-After`): try again then, and never
    /// sooner, even when the service answers other calls again.
    #[error("{1} (retry after {0} s)")]
    RetryAfter(i64, String),
    /// The service asked to wait until `hold_until` (`Retry-After`, a mail server's 4xx reply):
    /// try again at `at` (the usual backoff when `None`), and never before `hold_until` (before
    /// that retry when `None`), even when the service answers other calls again.
    #[error("{message} (held)")]
    Held {
        /// When to try again; the usual backoff when `None`.
        at: Option<i64>,
        /// No attempt before this; the retry's own time when `None`.
        hold_until: Option<i64>,
        /// What the service said.
        message: String,
    },
    /// Trying again cannot help: dead-letter now.
    #[error("{0}")]
    Permanent(String),
}

/// Runs jobs of one kind.
#[async_trait]
pub trait Handler: Send + Sync {
    /// Does the job's work. Must be safe to run more than once for one job: a worker can die
    /// after the work is done but before the job is marked done.
    async fn run(&self, job: &JobRow) -> Result<(), JobError>;
}

/// Retry delays: `base × 2^(attempt−1)`, capped, with ±20 % jitter taken from the job id (so two
/// jobs failing together spread out, and one job's schedule is the same every run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure, in seconds.
    pub base_secs: i64,
    /// Longest delay, in seconds.
    pub max_secs: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base_secs: 30, max_secs: 6 * 3_600 }
    }
}

impl Backoff {
    /// Seconds to wait after failed attempt number `attempt` (1-based) of job `id`.
    pub fn delay(&self, attempt: i64, id: JobId) -> i64 {
        let exp = attempt.clamp(1, 30) - 1;
        let raw = self.base_secs.saturating_mul(1_i64 << exp).min(self.max_secs);
        // Jitter in [-20 %, +20 %], from the random bits of the UUIDv7.
        let bits = (id.0.as_u128() & 0xffff) as i64;
        let jitter = raw * (bits % 41 - 20) / 100;
        (raw + jitter).max(1)
    }
}

/// Settings of a worker.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Name written into leases (unique per process).
    pub id: String,
    /// How long a lease lasts; a handler that takes longer may see its job run twice.
    pub lease_secs: i64,
    /// Most jobs leased at once.
    pub batch: i64,
    /// How often to look for due jobs when nothing wakes the worker.
    pub poll: Duration,
    /// After a wake-up, wait this long for more jobs before leasing, so a burst of work is
    /// leased in a few transactions rather than one per job.
    pub gather: Duration,
    /// How long a finished job's success may wait to be written with others finishing
    /// meanwhile (never past the end of its pass).
    pub settle_wait: Duration,
    /// Retry delays.
    pub backoff: Backoff,
    /// Jobs of a batch run at once: one slow outside service (a calendar API timing out)
    /// holds up one slot, not the queue.
    pub concurrency: usize,
    /// Longest attempt of a kind registered untyped ([`Worker::register`]); typed kinds bring
    /// their own ([`Job::TIMEOUT`]). Either is cut to 80 % of the lease.
    pub timeout: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            id: format!("worker-{}", std::process::id()),
            lease_secs: 300,
            batch: 64,
            poll: Duration::from_secs(1),
            gather: Duration::from_millis(20),
            settle_wait: Duration::from_millis(10),
            backoff: Backoff::default(),
            concurrency: 16,
            timeout: Duration::from_secs(120),
        }
    }
}

/// Leases and runs jobs.
pub struct Worker {
    store: DynStore,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
    handlers: HashMap<String, Registered>,
    wake: Arc<Notify>,
}

/// A kind's handler and how long one attempt may take.
struct Registered {
    handler: Arc<dyn Handler>,
    timeout: Duration,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("config", &self.config).field("kinds", &self.handlers.keys()).finish()
    }
}

/// How one job was settled.
#[derive(Clone, Copy)]
enum Settled {
    Done,
    Retried,
    Dead,
}

/// Successes of one pass waiting to be written, and whether the pass's jobs have all ended.
struct Completions {
    pending: std::sync::Mutex<Vec<(JobId, String)>>,
    /// A success was added.
    added: Notify,
    /// Every job of the pass has ended.
    ended: watch::Sender<bool>,
}

impl Completions {
    fn new() -> Self {
        Self { pending: Default::default(), added: Notify::new(), ended: watch::Sender::new(false) }
    }

    fn push(&self, id: JobId, kind: &str) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).push((id, kind.to_owned()));
        self.added.notify_one();
    }

    fn take(&self) -> Vec<(JobId, String)> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn has_ended(&self) -> bool {
        *self.ended.borrow()
    }

    /// Resolves once every job of the pass has ended.
    async fn end(&self) {
        let mut rx = self.ended.subscribe();
        let _ = rx.wait_for(|ended| *ended).await;
    }
}

/// What one pass of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Jobs run.
    pub ran: usize,
    /// Of which succeeded.
    pub done: usize,
    /// Of which were queued again.
    pub retried: usize,
    /// Of which died.
    pub dead: usize,
}

impl Worker {
    /// A worker with no handlers yet.
    pub fn new(store: DynStore, clock: Arc<dyn Clock>, config: WorkerConfig) -> Self {
        Self { store, clock, config, handlers: HashMap::new(), wake: Arc::new(Notify::new()) }
    }

    /// Registers the handler of a kind, taking raw stored jobs.
    pub fn register(&mut self, kind: &str, handler: Arc<dyn Handler>) {
        let timeout = self.limit(self.config.timeout);
        self.handlers.insert(kind.to_owned(), Registered { handler, timeout });
    }

    /// Registers the handler of job type `J`, which receives each job decoded.
    pub fn handle<J: Job>(&mut self, handler: impl JobHandler<J>) {
        let typed = typed::Typed::<J, _> { handler, kind: std::marker::PhantomData };
        let timeout = self.limit(J::TIMEOUT);
        self.handlers.insert(J::KIND.to_owned(), Registered { handler: Arc::new(typed), timeout });
    }

    /// An attempt's timeout, kept within 80 % of the lease: the job is cancelled and retried by
    /// this worker before any other could take it over.
    fn limit(&self, timeout: Duration) -> Duration {
        let lease = Duration::from_secs(u64::try_from(self.config.lease_secs).unwrap_or(0));
        timeout.min(lease * 4 / 5).max(Duration::from_millis(1))
    }

    /// A handle that wakes the worker at once (call it after enqueueing).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Leases due jobs once and runs them.
    pub async fn run_once(&self) -> StoreResult<Pass> {
        let now = self.clock.now_second();
        let jobs =
            self.store.lease_jobs(&self.config.id, now, self.config.lease_secs, self.config.batch).await?;
        // Every change that queued these jobs is visible to reads started from here on.
        let leased = std::time::Instant::now();
        // A success is written within `settle_wait` of finishing (a slow job holds up no other's
        // outcome), together with the others that finish meanwhile, and the rest of the pass's
        // when it ends first: a burst of jobs costs a write or two per pass, not one per job.
        let done = Completions::new();
        let run = async {
            let settled: Vec<Settled> = futures::stream::iter(jobs)
                .map(|job| {
                    let done = &done;
                    async move {
                        match shared::as_leased(leased, self.attempt(&job)).await {
                            Ok(()) => {
                                done.push(job.id, &job.kind);
                                Settled::Done
                            }
                            Err(e) => self.fail(&job, e).await,
                        }
                    }
                })
                .buffer_unordered(self.config.concurrency.max(1))
                .collect()
                .await;
            done.ended.send_replace(true);
            settled
        };
        let (settled, ()) = tokio::join!(run, self.settle(&done));
        let mut pass = Pass { ran: settled.len(), ..Pass::default() };
        for s in settled {
            match s {
                Settled::Done => pass.done += 1,
                Settled::Retried => pass.retried += 1,
                Settled::Dead => pass.dead += 1,
            }
        }
        Ok(pass)
    }

    /// Runs one leased job within its kind's timeout.
    async fn attempt(&self, job: &JobRow) -> Result<(), JobError> {
        match self.handlers.get(&job.kind) {
            _ if job.attempts > job.max_attempts => {
                Err(JobError::Permanent(format!("lease expired after attempt {}", job.attempts - 1)))
            }
            Some(r) => match tokio::time::timeout(r.timeout, r.handler.run(job)).await {
                Ok(outcome) => outcome,
                // Dropping the attempt cancels it; the next one starts over.
                Err(_) => Err(JobError::Retry(format!("timed out after {} ms", r.timeout.as_millis()))),
            },
            None => Err(JobError::Retry(format!("no handler for job kind `{}`", job.kind))),
        }
    }

    /// Writes the pass's successes as they come: after the first of a group, waits
    /// `settle_wait` for others (or for the pass to end), then writes them all in one statement;
    /// until the pass has ended and nothing is left.
    async fn settle(&self, done: &Completions) {
        loop {
            if !done.has_ended() {
                tokio::select! {
                    () = done.added.notified() => {}
                    () = done.end() => {}
                }
            }
            if !done.has_ended() {
                tokio::select! {
                    () = tokio::time::sleep(self.config.settle_wait) => {}
                    () = done.end() => {}
                }
            }
            // Read before taking: every success is pushed before the pass ends, so once it has,
            // this take is the last; a success pushed meanwhile otherwise waits for the next.
            let ended = done.has_ended();
            self.complete(done.take()).await;
            if ended {
                return;
            }
        }
    }

    /// Writes successes in one statement.
    async fn complete(&self, batch: Vec<(JobId, String)>) {
        if batch.is_empty() {
            return;
        }
        let ids: Vec<JobId> = batch.iter().map(|(id, _)| *id).collect();
        let now = self.clock.now_second();
        let written = self.store.complete_jobs(&ids, &self.config.id, now).await;
        for (_, kind) in &batch {
            metrics::counter!("sked_jobs_settled_total", "kind" => kind.clone(), "outcome" => "done")
                .increment(1);
        }
        match written {
            Ok(n) if n as usize == ids.len() => {}
            // Another worker took some over after our lease ran out (their attempt counts), or
            // the store failed: those leases run out and the jobs run again.
            Ok(n) => tracing::warn!(settled = n, of = ids.len(), "some jobs were no longer ours to settle"),
            Err(e) => tracing::warn!(jobs = ids.len(), error = %e, "could not settle jobs"),
        }
    }

    /// Records a failed attempt: queued again after a backoff, or dead. (Successes are written
    /// together by [`settle`](Self::settle).)
    async fn fail(&self, job: &JobRow, e: JobError) -> Settled {
        let now = self.clock.now_second();
        let backoff = || now + self.config.backoff.delay(job.attempts, job.id);
        let (retry_at, hold_until) = match &e {
            JobError::Permanent(_) => (None, None),
            _ if job.attempts >= job.max_attempts => (None, None),
            JobError::RetryAt(at, _) => (Some((*at).max(now + 1)), None),
            JobError::RetryAfter(secs, _) => {
                let at = now + (*secs).max(1);
                (Some(at), Some(at))
            }
            JobError::Held { at, hold_until, .. } => {
                let at = at.map_or_else(backoff, |at| at.max(now + 1));
                (Some(at), Some(hold_until.unwrap_or(at)))
            }
            JobError::Retry(_) => (Some(backoff()), None),
        };
        let (job_id, kind, attempt) = (job.id, &job.kind, job.attempts);
        let settled = if retry_at.is_some() {
            tracing::warn!(job = %job_id, %kind, attempt, error = %e, "job failed; will retry");
            Settled::Retried
        } else {
            tracing::error!(job = %job_id, %kind, attempt, error = %e, "job dead-lettered");
            Settled::Dead
        };
        let result =
            self.store.fail_job(job.id, &self.config.id, now, &e.to_string(), retry_at, hold_until).await;
        let outcome = if result.is_ok() { "failed" } else { "lost_lease" };
        metrics::counter!("sked_jobs_settled_total", "kind" => job.kind.clone(), "outcome" => outcome)
            .increment(1);
        if let Err(e) = result {
            // Another worker took the job over after our lease ran out (its attempt counts), or
            // the store failed: the lease runs out and the job runs again.
            tracing::warn!(job = %job.id, error = %e, "could not settle job");
        }
        settled
    }

    /// Runs passes until one finds nothing due (for tests and for draining).
    pub async fn run_until_idle(&self) -> StoreResult<Pass> {
        let mut total = Pass::default();
        loop {
            let p = self.run_once().await?;
            if p.ran == 0 {
                return Ok(total);
            }
            total.ran += p.ran;
            total.done += p.done;
            total.retried += p.retried;
            total.dead += p.dead;
        }
    }

    /// Runs until `stop` turns true: a pass, then a wait for the poll interval or a wake-up.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            match self.run_once().await {
                // A full batch: more may be due.
                Ok(p) if p.ran as i64 >= self.config.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "job worker pass failed"),
            }
            tokio::select! {
                _ = stop.changed() => {}
                _ = self.wake.notified() => tokio::time::sleep(self.config.gather).await,
                _ = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }
}

/// A job to enqueue now: `kind` with a JSON payload, five attempts. A payload that cannot be
/// written as JSON is an error, never a job whose handler would find `null`.
pub fn new_job(
    tenant: Option<TenantId>,
    kind: &str,
    payload: &impl serde::Serialize,
    now: i64,
) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        id: JobId::new(),
        tenant_id: tenant,
        kind: kind.to_owned(),
        payload: serde_json::to_string(payload)?,
        dedupe_key: None,
        run_at: now,
        max_attempts: 5,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_that_cannot_be_written_is_an_error_not_null() {
        // JSON object keys must be strings.
        let bad: std::collections::BTreeMap<(i32, i32), i32> = [((1, 2), 3)].into();
        assert!(new_job(None, "demo", &bad, 0).is_err());
        assert_eq!(new_job(None, "demo", &serde_json::json!({"a": 1}), 0).unwrap().payload, r#"{"a":1}"#);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let b = Backoff { base_secs: 30, max_secs: 600 };
        for _ in 0..50 {
            let id = JobId::new();
            for (attempt, nominal) in [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (40, 600)] {
                let d = b.delay(attempt, id);
                assert!(d >= nominal * 8 / 10 && d <= nominal * 12 / 10, "attempt {attempt}: {d}");
                assert_eq!(d, b.delay(attempt, id), "same job, same delay");
            }
        }
    }
}
