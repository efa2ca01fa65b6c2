//! Booking events: every create, reschedule and cancel writes one job per consumer in the
//! booking's own transaction (the outbox), each of the consumer's own kind, so a consumer that
//! fails retries only its own work. Webhooks, email, SMS and calendar write-back will each be
//! one. `booking.event` jobs (written before there was a job per consumer) go to every consumer.

use std::sync::Arc;

use async_trait::async_trait;
use sked_app::BookingEvent;
use sked_jobs::{Handler, JobError, JobHandler, Worker};
use sked_store::Job;

/// Something that acts on booking events.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Name, for logs.
    fn name(&self) -> &'static str;
    /// The kind of this consumer's jobs (never change it: queued jobs carry it).
    fn kind(&self) -> &'static str;
    /// Acts on one event. Must tolerate seeing an event twice.
    async fn consume(
        &self,
        tenant: Option<sked_core::ids::TenantId>,
        event: &BookingEvent,
    ) -> Result<(), JobError>;
}

/// Delivers booking events to every consumer.
#[derive(Default, Clone)]
pub struct BookingEvents {
    consumers: Vec<Arc<dyn EventConsumer>>,
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
        for c in &self.consumers {
            c.consume(job.tenant_id, &event).await?;
        }
        Ok(())
    }
}

/// Registers each consumer for its own kind, and `booking.event` for all of them.
pub fn register(worker: &mut Worker, consumers: Vec<Arc<dyn EventConsumer>>) {
    for c in &consumers {
        worker.register(c.kind(), Arc::new(OneConsumer(c.clone())));
    }
    worker.handle::<BookingEvent>(BookingEvents { consumers });
}

/// Delivers booking events to one consumer.
struct OneConsumer(Arc<dyn EventConsumer>);

#[async_trait]
impl Handler for OneConsumer {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let event: BookingEvent = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Permanent(format!("payload of `{}`: {e}", job.kind)))?;
        tracing::info!(job = %job.id, consumer = self.0.name(), event = %event.event, booking = %event.booking_id, "booking event");
        self.0.consume(job.tenant_id, &event).await
    }
}
