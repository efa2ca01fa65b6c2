//! Connection health: `healthy`, `expiring` (the grant runs out within three days: connect
//! again), `revoked` (the provider refused the grant) or `error` (the last check failed), with
//! the last check and its error. A periodic job checks each connection with a cheap call; any
//! change into a bad state enqueues a `connection.event` for the host's notifications. A check
//! the provider throttles (429) changes no status.

use std::sync::Arc;

use async_trait::async_trait;
use sked_calendar::ProviderError;
use sked_jobs::{JobError, JobHandler};
use sked_store::{Connection, ERROR, EXPIRING, HEALTHY, Job, REVOKED, StoreError, TokenAudit};

use super::jobs::{ConnectionEvent, Health};
use super::provider;
use super::tokens::Session;
use super::{CalError, job};
use crate::state::Services;
use crate::time::rfc3339;

/// A grant that ends within this many seconds makes a connection `expiring`.
pub const EXPIRING_WITHIN: i64 = 3 * 86_400;

fn is_bad(status: &str) -> bool {
    matches!(status, EXPIRING | REVOKED | ERROR)
}

/// Records a connection's health, and announces a change for the worse (or a recovery).
pub async fn record(
    state: &Services,
    c: &Connection,
    status: &str,
    error: Option<&str>,
    audit: Option<&TokenAudit>,
) -> Result<(), CalError> {
    let now = state.clock.now_second();
    let before = state.store.set_connection_health(c.id, status, error, now, audit).await?;
    if before == status {
        return Ok(());
    }
    let event = if is_bad(status) {
        "connection.unhealthy"
    } else if is_bad(&before) {
        "connection.recovered"
    } else {
        return Ok(());
    };
    tracing::warn!(connection = %c.id, host = %c.host_id, %before, %status, error = ?error, "calendar connection health changed");
    let p = ConnectionEvent {
        event: event.to_owned(),
        connection_id: c.id,
        host_id: c.host_id,
        provider: c.provider.clone(),
        account: c.account.clone(),
        status: status.to_owned(),
        previous_status: before,
        error: error.map(str::to_owned),
        occurred_at: rfc3339(now),
    };
    state.store.enqueue(&job(c.tenant_id, &p, now)?).await?;
    state.wake_worker.notify_one();
    Ok(())
}

/// Checks one connection.
#[derive(Debug)]
pub struct HealthJob(pub Arc<Services>);

#[async_trait]
impl JobHandler<Health> for HealthJob {
    async fn run(&self, p: Health, _: &Job) -> Result<(), JobError> {
        let state = &self.0;
        let c = match state.store.find_connection(p.connection_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(CalError::from(e).into()),
        };
        check(state, c).await.map_err(Into::into)
    }
}

/// One health check: refresh the token if due and list the calendars.
pub async fn check(state: &Services, c: Connection) -> Result<(), CalError> {
    if c.status == REVOKED {
        return Ok(());
    }
    let p = provider::of(state, &c.provider)?;
    let mut session = Session::new(state, &*p, c.clone())?;
    let outcome = p.calendars(&mut session).await;
    let c = session.conn;
    let now = state.clock.now_second();
    match outcome {
        Ok(calendars) => {
            let expiring = c.refresh_expires_at.is_some_and(|at| at - now < EXPIRING_WITHIN);
            // Bookings need somewhere to go: the booking calendar must still be there, and
            // writable (a calendar shared to the host can be made read-only later).
            let booking = c.booking_calendar_id.as_deref().map(|id| calendars.iter().find(|k| k.id == id));
            let (status, error) = match booking {
                Some(None) => (
                    ERROR,
                    Some("the booking calendar is gone from the account; choose another one".to_owned()),
                ),
                Some(Some(k)) if !k.writable => (
                    ERROR,
                    Some(format!(
                        "the account can no longer edit the booking calendar \"{}\"; choose another one",
                        k.summary
                    )),
                ),
                _ if expiring => {
                    (EXPIRING, Some("the grant runs out soon; connect the calendar again".to_owned()))
                }
                _ => (HEALTHY, None),
            };
            record(state, &c, status, error.as_deref(), None).await?;
            Ok(())
        }
        // Already recorded as revoked.
        Err(CalError::Revoked) => Ok(()),
        // Asked to slow down: nothing is wrong with the connection. The answer is kept as the
        // last error, the status stays (no alert), and the next periodic check tries again.
        Err(CalError::Provider(e @ ProviderError::RateLimited { .. })) => {
            record(state, &c, &c.status, Some(&e.to_string()), None).await?;
            Ok(())
        }
        Err(CalError::Provider(e)) => {
            record(state, &c, ERROR, Some(&e.to_string()), None).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Delivers connection events to notifications: webhooks, and an email to the host.
#[derive(Debug)]
pub struct ConnectionEvents(pub Arc<Services>);

#[async_trait]
impl JobHandler<ConnectionEvent> for ConnectionEvents {
    async fn run(&self, p: ConnectionEvent, job: &Job) -> Result<(), JobError> {
        tracing::warn!(event = %p.event, connection = %p.connection_id, host = %p.host_id, status = %p.status, "connection event");
        let Some(tenant) = job.tenant_id else { return Ok(()) };
        crate::notify::alerts::connection_event(&self.0, tenant, &p).await
    }
}
