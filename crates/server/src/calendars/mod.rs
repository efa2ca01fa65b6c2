//! Connected calendars: connecting an account, keeping a local copy of its busy time, writing
//! bookings into it, and following the host's changes back. The engine is the same for every
//! provider; each provider adds only its protocol behind [`provider::Provider`].
//!
//! Nothing here runs on the request path of slots or bookings: availability reads the busy time
//! the sync stored, and every call to the provider happens in a durable job.
//!
//! - [`provider`]: the seam, and which provider serves a connection; [`google`]: Google's
//!   protocol behind it.
//! - [`oauth`]: `POST /v1/hosts/{id}/connections/google` and `GET /oauth/google/callback`.
//! - [`api`]: `/v1/connections` (list, get, configure, disconnect, resync, token audit).
//! - [`tokens`]: access tokens opened, refreshed ahead of expiry and audited.
//! - [`sync`]: full and incremental syncs (`calendar.sync` jobs), and the two-way follow-up of
//!   our events moved or deleted in the provider.
//! - [`writeback`]: bookings written to the provider (`calendar.push` jobs).
//! - [`channels`]: push channels (`calendar.watch`), `POST /webhooks/google`, disconnect
//!   clean-up.
//! - [`health`]: the periodic health check (`calendar.health`) and alerts.
//!
//! [`tick`] runs every few seconds in each process and enqueues what is due (polls, channel
//! renewals, health checks); each is claimed in the store first, so one process enqueues it.

pub mod api;
pub mod caldav;
pub mod channels;
pub mod connect;
pub mod direct;
pub mod feed;
mod follow;
pub mod google;
pub mod health;
pub mod jobs;
pub mod microsoft;
pub mod microsoft_connect;
pub mod oauth;
mod oauth_state;
pub mod provider;
pub mod sync;
pub mod tokens;
pub mod writeback;

use std::sync::Arc;

use sked_calendar::ProviderError;
use sked_core::ids::{ConnectionId, TenantId};
use sked_jobs::{Job, JobError, Worker};
use sked_store::{Connection, NewJob, StoreError};
use utoipa_axum::router::OpenApiRouter;

use crate::state::{AppState, Services};

pub use jobs::ATTEMPTS;
/// How far ahead recurring events are expanded into busy time.
pub const EXPAND_DAYS: i64 = 730;
/// Health checks run this often per connection.
pub const HEALTH_EVERY: i64 = 15 * 60;

/// Routes of connections, the OAuth callback and provider webhooks.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(oauth::router())
        .merge(microsoft_connect::router())
        .merge(direct::router())
        .merge(api::router())
        .merge(channels::router())
}

/// Registers the calendar jobs' handlers.
pub fn register(worker: &mut Worker, services: &Arc<Services>) {
    worker.handle::<jobs::Sync>(sync::SyncJob(services.clone()));
    worker.handle::<jobs::Watch>(channels::WatchJob(services.clone()));
    worker.handle::<jobs::Release>(channels::ReleaseJob(services.clone()));
    worker.handle::<jobs::Push>(writeback::PushJob(services.clone()));
    worker.handle::<jobs::Backfill>(writeback::BackfillJob(services.clone()));
    worker.handle::<jobs::Health>(health::HealthJob(services.clone()));
    worker.handle::<jobs::ConnectionEvent>(health::ConnectionEvents(services.clone()));
}

/// What can stop calendar work.
#[derive(Debug, thiserror::Error)]
pub enum CalError {
    /// The provider answered with an error.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The grant is revoked; nothing works until the host connects again.
    #[error("the connection is revoked; connect the calendar again")]
    Revoked,
    /// The provider is not configured on this server (what to set).
    #[error("{0} is not configured")]
    NotConfigured(String),
    /// A sealed value could not be used.
    #[error("secrets: {0}")]
    Secret(String),
    /// A booking could not follow a change: its rules refused it.
    #[error("booking: {0}")]
    Booking(String),
    /// A booking could not follow a change for now (the database failed); it is retried.
    #[error("booking, for now: {0}")]
    BookingUnavailable(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A job's payload could not be written.
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

impl From<CalError> for JobError {
    fn from(e: CalError) -> Self {
        match &e {
            CalError::Provider(g) if g.is_transient() => match g.retry_after() {
                // The worker's clock is the one that matters; it adds this to its own now.
                Some(secs) => JobError::RetryAfter(secs as i64, e.to_string()),
                None => JobError::Retry(e.to_string()),
            },
            // A refused token after a refresh, or a conflict: the next attempt starts over.
            CalError::Provider(
                ProviderError::Unauthorized | ProviderError::Duplicate | ProviderError::Changed,
            ) => JobError::Retry(e.to_string()),
            CalError::Store(StoreError::NotFound) => JobError::Permanent(e.to_string()),
            CalError::Store(_) | CalError::BookingUnavailable(_) => JobError::Retry(e.to_string()),
            _ => JobError::Permanent(e.to_string()),
        }
    }
}

impl CalError {
    /// A booking flow's refusal: for good when its rules said no, for now when the server
    /// failed.
    pub fn from_booking(e: sked_app::AppError) -> Self {
        match e {
            sked_app::AppError::Internal(err) => CalError::BookingUnavailable(format!("{err:#}")),
            other => CalError::Booking(other.to_string()),
        }
    }
}

/// The Google client, or why there is none.
pub fn google(state: &Services) -> Result<&sked_google::Google, CalError> {
    state.google.as_ref().ok_or_else(|| {
        CalError::NotConfigured("Google (set SKED_GOOGLE_CLIENT_ID and SKED_GOOGLE_CLIENT_SECRET)".into())
    })
}

/// The Microsoft Graph client, or why there is none.
pub fn microsoft(state: &Services) -> Result<&sked_microsoft::Microsoft, CalError> {
    state.microsoft.as_ref().ok_or_else(|| {
        CalError::NotConfigured(
            "Microsoft (set SKED_MICROSOFT_CLIENT_ID and SKED_MICROSOFT_CLIENT_SECRET)".into(),
        )
    })
}

/// A tenant's calendar job to enqueue now.
pub fn job<J: Job>(tenant: TenantId, j: &J, now: i64) -> Result<NewJob, CalError> {
    Ok(j.to_new(Some(tenant), now)?)
}

/// The sync job of one calendar.
pub fn sync_job(c: &Connection, calendar: &str, full: bool, now: i64) -> Result<NewJob, CalError> {
    job(c.tenant_id, &jobs::Sync { connection_id: c.id, calendar_id: calendar.to_owned(), full }, now)
}

/// Shortest time between two polls of a calendar, whatever the settings say.
pub const MIN_POLL_SECS: i64 = 10;

/// Seconds between polls of a calendar: `SKED_CALENDAR_POLL_SECONDS`, at least
/// [`MIN_POLL_SECS`].
pub fn poll_secs(settings: &crate::config::Settings) -> i64 {
    i64::try_from(settings.calendar_poll_seconds).unwrap_or(300).max(MIN_POLL_SECS)
}

/// Enqueues what is due: polls of busy calendars, push channels to make or renew, and health
/// checks. Runs in every process; the store hands each due item to one of them.
pub async fn tick(state: &Services) -> Result<usize, CalError> {
    let now = state.clock.now_second();
    let poll = poll_secs(&state.settings);
    // Syncs and channel renewals the provider failed still wait in the queue: each is renewed
    // (due now, its attempts counted afresh) rather than joined by another, so an outage keeps
    // one per calendar queued, and after it they run at the next poll or renewal rather than
    // after a backoff grown all day.
    let mut renew = Vec::new();
    for (id, calendar) in state.store.claim_polls(now, now + poll, 200).await? {
        if let Ok(c) = state.store.find_connection(id).await {
            renew.push(sync_job(&c, &calendar, false, now)?);
        }
    }
    if state.settings.calendar_push {
        // Renew a day before expiry; a failed attempt is retried an hour later.
        for (id, calendar) in state.store.claim_watches(now, now + 86_400, now + 3_600, 200).await? {
            // CalDAV servers and feeds have no push: they are polled.
            if let Ok(c) = state.store.find_connection(id).await
                && matches!(c.provider.as_str(), "google" | "microsoft")
            {
                renew.push(job(c.tenant_id, &jobs::Watch { connection_id: id, calendar_id: calendar }, now)?);
            }
        }
    }
    let mut due = Vec::new();
    for id in state.store.claim_health_checks(now, now + HEALTH_EVERY, 200).await? {
        if let Ok(c) = state.store.find_connection(id).await {
            due.push(job(c.tenant_id, &jobs::Health { connection_id: id }, now)?);
        }
    }
    for j in &renew {
        state.store.enqueue_or_renew(j).await?;
    }
    for j in &due {
        state.store.enqueue(j).await?;
    }
    if !renew.is_empty() || !due.is_empty() {
        state.wake_worker.notify_one();
    }
    Ok(renew.len() + due.len())
}

/// A connection by id for background work.
pub async fn connection(state: &Services, id: ConnectionId) -> Result<Connection, CalError> {
    Ok(state.store.find_connection(id).await?)
}

/// The provider answered a call for `tenant` again: the tenant's write-backs waiting out a
/// backoff after failing are run now rather than hours later. A failure here only delays them.
pub async fn provider_answers(state: &Services, tenant: TenantId) {
    match state.store.expedite_retries(tenant, jobs::Push::KIND, state.clock.now_second()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(tenant = %tenant, jobs = n, "provider answers again; retrying write-backs now");
            state.wake_worker.notify_one();
        }
        Err(e) => tracing::warn!(tenant = %tenant, error = %e, "could not bring write-backs forward"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_never_come_closer_than_ten_seconds() {
        let mut settings = crate::config::Settings::default();
        assert_eq!(poll_secs(&settings), 300);
        settings.calendar_poll_seconds = 1;
        assert_eq!(poll_secs(&settings), MIN_POLL_SECS);
        settings.calendar_poll_seconds = u64::MAX;
        assert_eq!(poll_secs(&settings), 300);
    }
}
