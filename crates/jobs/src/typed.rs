//! Typed jobs: each kind is a struct that is its own payload, registered with the handler that
//! receives it decoded (`worker.handle::<MyJob>(handler)`).

use std::marker::PhantomData;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sked_core::ids::{JobId, TenantId};
use sked_store::NewJob;

use crate::{Handler, JobError};

/// A kind of job. The struct is the payload, written as JSON; its `KIND` and JSON shape must
/// not change while jobs of it may be queued.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind stored with each job.
    const KIND: &'static str;
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: i64 = 5;
    /// The longest one attempt may run: it is cancelled then and retried. Kept shorter than the
    /// worker's lease, so no other worker takes the job over while it still runs.
    const TIMEOUT: Duration = Duration::from_secs(120);

    /// Jobs with the same key are one piece of work: one queued to run soon stands for another
    /// (see [`sked_store::JobStore::enqueue_unless_queued`]).
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// This job to run at `now`. A payload that cannot be written as JSON is an error.
    fn to_new(&self, tenant: Option<TenantId>, now: i64) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            id: JobId::new(),
            tenant_id: tenant,
            kind: Self::KIND.to_owned(),
            payload: serde_json::to_string(self)?,
            dedupe_key: self.dedupe_key(),
            run_at: now,
            max_attempts: Self::MAX_ATTEMPTS,
            created_at: now,
        })
    }
}

/// Runs jobs of kind `J`, decoded.
#[async_trait]
pub trait JobHandler<J: Job>: Send + Sync + 'static {
    /// Does the job's work; `row` is the stored job (id, tenant, attempts). Must be safe to run
    /// more than once for one job.
    async fn run(&self, job: J, row: &sked_store::Job) -> Result<(), JobError>;
}

/// A typed handler behind the worker's untyped [`Handler`].
pub(crate) struct Typed<J, H> {
    pub(crate) handler: H,
    pub(crate) kind: PhantomData<fn() -> J>,
}

#[async_trait]
impl<J: Job, H: JobHandler<J>> Handler for Typed<J, H> {
    async fn run(&self, row: &sked_store::Job) -> Result<(), JobError> {
        let job: J = serde_json::from_str(&row.payload)
            .map_err(|e| JobError::Permanent(format!("payload of `{}`: {e}", J::KIND)))?;
        self.handler.run(job, row).await
    }
}

#[async_trait]
impl<J: Job, H: JobHandler<J> + ?Sized> JobHandler<J> for std::sync::Arc<H> {
    async fn run(&self, job: J, row: &sked_store::Job) -> Result<(), JobError> {
        (**self).run(job, row).await
    }
}
