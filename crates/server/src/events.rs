//! Booking events: every create, reschedule and cancel writes a `booking.event` job in the
//! booking's own transaction (the outbox). The job worker hands each event to the consumers
//! registered here; webhooks, email, SMS and calendar write-back will each be one.

use std::sync::Arc;

use async_trait::async_trait;
use sked_app::BookingEvent;
use sked_jobs::{JobError, JobHandler};
use sked_store::Job;

/// Something that acts on booking events.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Name, for logs.
    fn name(&self) -> &'static str;
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

impl BookingEvents {
    /// Adds a consumer.
    pub fn with(mut self, c: Arc<dyn EventConsumer>) -> Self {
        self.consumers.push(c);
        self
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
