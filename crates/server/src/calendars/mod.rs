//! Connected calendars (Google Calendar first): connecting an account, keeping a local copy of
//! its busy time, writing bookings into it, and following the host's changes back.
//!
//! Nothing here runs on the request path of slots or bookings: availability reads the busy time
//! the sync stored, and every call to the provider happens in a durable job.
//!
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
pub mod channels;
pub mod health;
pub mod oauth;
mod oauth_state;
pub mod sync;
pub mod tokens;
pub mod writeback;

use std::sync::Arc;

use sked_core::ids::{ConnectionId, TenantId};
use sked_google::GoogleError;
use sked_jobs::{JobError, Worker};
use sked_store::{Connection, Job, StoreError};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Syncs one calendar: `{connection_id, calendar_id, full}`.
pub const SYNC: &str = "calendar.sync";
/// Makes or renews a calendar's push channel: `{connection_id, calendar_id}`.
pub const WATCH: &str = "calendar.watch";
/// Writes a booking to its hosts' calendars: `{booking_id}`.
pub const PUSH: &str = "calendar.push";
/// Enqueues pushes of a host's upcoming bookings to a new connection: `{connection_id}`.
pub const BACKFILL: &str = "calendar.backfill";
/// Checks a connection's health: `{connection_id}`.
pub const HEALTH: &str = "calendar.health";
/// Stops channels and revokes tokens of a connection that is gone.
pub const RELEASE: &str = "calendar.release";
/// An event about a connection (it turned unhealthy, or recovered), for notifications.
pub const CONNECTION_EVENT: &str = "connection.event";

/// Attempts for calendar jobs: with the worker's backoff (30 s doubling to 6 h) this keeps
/// trying for about a week, so an outage never loses a booking's event.
pub const ATTEMPTS: i64 = 40;
/// How far ahead recurring events are expanded into busy time.
pub const EXPAND_DAYS: i64 = 730;
/// Health checks run this often per connection.
pub const HEALTH_EVERY: i64 = 15 * 60;

/// Routes of connections, the OAuth callback and provider webhooks.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(oauth::router()).merge(api::router()).merge(channels::router())
}

/// Registers the calendar jobs' handlers.
pub fn register(worker: &mut Worker, state: &AppState) {
    worker.register(SYNC, Arc::new(sync::SyncJob(state.clone())));
    worker.register(WATCH, Arc::new(channels::WatchJob(state.clone())));
    worker.register(RELEASE, Arc::new(channels::ReleaseJob(state.clone())));
    worker.register(PUSH, Arc::new(writeback::PushJob(state.clone())));
    worker.register(BACKFILL, Arc::new(writeback::BackfillJob(state.clone())));
    worker.register(HEALTH, Arc::new(health::HealthJob(state.clone())));
    worker.register(CONNECTION_EVENT, Arc::new(health::ConnectionEvents));
}

/// What can stop calendar work.
#[derive(Debug, thiserror::Error)]
pub enum CalError {
    /// The provider answered with an error.
    #[error(transparent)]
    Google(#[from] GoogleError),
    /// The grant is revoked; nothing works until the host connects again.
    #[error("the connection is revoked; connect the calendar again")]
    Revoked,
    /// The provider is not configured on this server.
    #[error("Google is not configured (set SKED_GOOGLE_CLIENT_ID and SKED_GOOGLE_CLIENT_SECRET)")]
    NotConfigured,
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
}

impl From<CalError> for JobError {
    fn from(e: CalError) -> Self {
        match &e {
            CalError::Google(g) if g.is_transient() => match g.retry_after() {
                // The worker's clock is the one that matters; it adds this to its own now.
                Some(secs) => JobError::RetryAfter(secs as i64, e.to_string()),
                None => JobError::Retry(e.to_string()),
            },
            // A refused token after a refresh, or a conflict: the next attempt starts over.
            CalError::Google(GoogleError::Unauthorized | GoogleError::Duplicate) => {
                JobError::Retry(e.to_string())
            }
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
pub fn google(state: &AppState) -> Result<&sked_google::Google, CalError> {
    state.google.as_ref().ok_or(CalError::NotConfigured)
}

/// Reads a job's JSON payload.
pub fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("payload: {e}")))
}

/// A calendar job to enqueue now (a JSON value always writes as JSON).
pub fn job(tenant: TenantId, kind: &str, payload: &serde_json::Value, now: i64) -> sked_store::NewJob {
    sked_store::NewJob {
        id: sked_core::ids::JobId::new(),
        tenant_id: Some(tenant),
        kind: kind.to_owned(),
        payload: payload.to_string(),
        run_at: now,
        max_attempts: ATTEMPTS,
        created_at: now,
    }
}

/// The sync job of one calendar.
pub fn sync_job(c: &Connection, calendar: &str, full: bool, now: i64) -> sked_store::NewJob {
    job(
        c.tenant_id,
        SYNC,
        &serde_json::json!({ "connection_id": c.id, "calendar_id": calendar, "full": full }),
        now,
    )
}

/// Enqueues what is due: polls of busy calendars, push channels to make or renew, and health
/// checks. Runs in every process; the store hands each due item to one of them.
pub async fn tick(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now_second();
    let poll = i64::try_from(state.settings.calendar_poll_seconds).unwrap_or(300).max(10);
    let mut jobs = Vec::new();
    for (id, calendar) in state.store.claim_polls(now, now + poll, 200).await? {
        if let Ok(c) = state.store.find_connection(id).await {
            jobs.push(sync_job(&c, &calendar, false, now));
        }
    }
    if state.settings.calendar_push {
        // Renew a day before expiry; a failed attempt is retried an hour later.
        for (id, calendar) in state.store.claim_watches(now, now + 86_400, now + 3_600, 200).await? {
            if let Ok(c) = state.store.find_connection(id).await {
                let p = serde_json::json!({ "connection_id": id, "calendar_id": calendar });
                jobs.push(job(c.tenant_id, WATCH, &p, now));
            }
        }
    }
    for id in state.store.claim_health_checks(now, now + HEALTH_EVERY, 200).await? {
        if let Ok(c) = state.store.find_connection(id).await {
            jobs.push(job(c.tenant_id, HEALTH, &serde_json::json!({ "connection_id": id }), now));
        }
    }
    for j in &jobs {
        state.store.enqueue(j).await?;
    }
    if !jobs.is_empty() {
        state.wake_worker.notify_one();
    }
    Ok(jobs.len())
}

/// A connection by id for background work.
pub async fn connection(state: &AppState, id: ConnectionId) -> Result<Connection, CalError> {
    Ok(state.store.find_connection(id).await?)
}

/// The provider answered a call for `tenant` again: the tenant's write-backs waiting out a
/// backoff after failing are run now rather than hours later. A failure here only delays them.
pub async fn provider_answers(state: &AppState, tenant: TenantId) {
    match state.store.expedite_retries(tenant, PUSH, state.clock.now_second()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(tenant = %tenant, jobs = n, "provider answers again; retrying write-backs now");
            state.wake_worker.notify_one();
        }
        Err(e) => tracing::warn!(tenant = %tenant, error = %e, "could not bring write-backs forward"),
    }
}
