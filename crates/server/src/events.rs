//! Booking events: every create, reschedule and cancel writes one `booking.event` job in the
//! booking's own transaction (the outbox). Its handler hands the event to each consumer in turn
//! (calendar write-back, notifications, webhooks); a consumer that fails gets a job of its own
//! kind with the same event, retried on its own, so no other consumer's work is repeated. One
//! job per change keeps the outbox's cost per booking to one row written, leased and settled.
//! (Jobs of a consumer's kind are also what earlier versions wrote for every change.)

use std::sync::Arc;

use async_trait::async_trait;
use sked_app::BookingEvent;
use sked_core::Clock;
use sked_core::ids::{JobId, TenantId};
use sked_jobs::{Handler, JobError, JobHandler, Worker};
use sked_store::{DynStore, Job, NewJob};

/// Something that acts on booking events.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Name, for logs.
    fn name(&self) -> &'static str;
    /// The kind of this consumer's own jobs (never change it: queued jobs carry it).
    fn kind(&self) -> &'static str;
    /// Acts on one event. Must tolerate seeing an event twice.
    async fn consume(&self, tenant: Option<TenantId>, event: &BookingEvent) -> Result<(), JobError>;
}

/// Delivers booking events to every consumer, handing a failed one its own job.
#[derive(Clone)]
pub struct BookingEvents {
    consumers: Vec<Arc<dyn EventConsumer>>,
    store: DynStore,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for BookingEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.consumers.iter().map(|c| c.name())).finish()
    }
}

#[async_trait]
impl JobHandler<BookingEvent> for BookingEvents {
    async fn run(&self, event: BookingEvent, job: &Job) -> Result<(), JobError> {
        tracing::info!(job = %job.id, event = %event.event, booking = %event.booking_id, "booking event");
        let mut failed = Vec::new();
        for c in &self.consumers {
            if let Err(e) = c.consume(job.tenant_id, &event).await {
                let consumer = c.name();
                tracing::warn!(job = %job.id, consumer, error = %e, "consumer failed; it retries alone");
                failed.push((c.kind(), e));
            }
        }
        for (kind, e) in failed {
            self.hand_off(job, kind, &e).await?;
        }
        Ok(())
    }
}

impl BookingEvents {
    /// Delivers to `consumers`, in order; hands a failed one its own job through `store`.
    pub fn new(consumers: Vec<Arc<dyn EventConsumer>>, store: DynStore, clock: Arc<dyn Clock>) -> Self {
        Self { consumers, store, clock }
    }

    /// Queues the event again for one consumer, at the time its failure asked for (now when it
    /// named none): a job of the consumer's own kind, keyed by this job and the consumer so that
    /// this job running again (its settlement lost) queues no second one while the first waits.
    /// If the store refuses, this job fails and every consumer sees the event again.
    async fn hand_off(&self, job: &Job, kind: &str, e: &JobError) -> Result<(), JobError> {
        let now = self.clock.now_second();
        let own = NewJob {
            id: JobId::new(),
            tenant_id: job.tenant_id,
            kind: kind.to_owned(),
            payload: job.payload.clone(),
            dedupe_key: Some(format!("{}:{kind}", job.id)),
            run_at: asked_for(e, now),
            max_attempts: job.max_attempts,
            created_at: job.created_at,
        };
        self.store
            .enqueue_unless_queued(&own, i64::MAX)
            .await
            .map(drop)
            .map_err(|e| JobError::Retry(format!("could not hand a failed consumer its own job: {e}")))
    }
}

/// When a failure asked to be tried again: now, unless it named a later time.
fn asked_for(e: &JobError, now: i64) -> i64 {
    let at = match e {
        JobError::RetryAt(at, _) => *at,
        JobError::RetryAfter(secs, _) => now.saturating_add(*secs),
        JobError::Held { at, hold_until, .. } => at.or(*hold_until).unwrap_or(now),
        JobError::Retry(_) | JobError::Permanent(_) => now,
    };
    at.max(now)
}

/// Registers `booking.event` for every consumer, and each consumer for its own kind.
pub fn register(
    worker: &mut Worker,
    consumers: Vec<Arc<dyn EventConsumer>>,
    store: DynStore,
    clock: Arc<dyn Clock>,
) {
    for c in &consumers {
        worker.register(c.kind(), Arc::new(OneConsumer(c.clone())));
    }
    worker.handle::<BookingEvent>(BookingEvents::new(consumers, store, clock));
}

/// Delivers booking events to one consumer.
struct OneConsumer(Arc<dyn EventConsumer>);

#[async_trait]
impl Handler for OneConsumer {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let event: BookingEvent = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("payload of `{}`: {e}", job.kind)))?;
        let (consumer, booking) = (self.0.name(), event.booking_id);
        tracing::info!(job = %job.id, consumer, event = %event.event, %booking, "booking event");
        self.0.consume(job.tenant_id, &event).await
    }
}
