//! Push channels: Google tells us when a watched calendar changes, so busy time follows within
//! seconds instead of at the next poll.
//!
//! A `calendar.watch` job opens a channel (a random id, and a random token that Google echoes in
//! `X-Goog-Channel-Token`; only its SHA-256 is stored) and stops the one it replaces; the tick
//! renews channels a day before they expire. `POST /webhooks/google` checks the channel id, the
//! token and the resource id before it enqueues an incremental sync; the first message of a
//! channel (`sync`) needs nothing.
//!
//! A `calendar.release` job stops channels and, when a host disconnects, revokes the grant; the
//! connection is already gone, so its sealed tokens wait in a pending revocation whose id the
//! job carries.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};
use sked_core::ids::ConnectionId;
use sked_jobs::{JobError, JobHandler};
use sked_store::{Connection, ConnectionCalendar, Job, StoreError};
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::jobs::{ChannelRef, Release, Watch};
use super::provider;
use super::tokens::{Session, sealer};
use super::{CalError, job, sync_job};
use crate::error::{ApiError, ApiResult, Problem};
use crate::guard::{ClientAddr, Door};
use crate::state::{AppState, Services};

pub use super::google::WEBHOOK;

/// Routes of provider webhooks.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(webhook))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn header<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A Google push notification: a watched calendar changed (`exists`), or a channel was just
/// made (`sync`). Verified by channel id, token and resource id; answers 200 once the sync is
/// queued. An unknown channel or a wrong token counts against the client's address.
///
/// There is no replay cache here: Google signs nothing, the token is the same on every message
/// and the message number is not covered by it. A notification sent again queues at most one
/// more sync, and a burst of them makes one.
#[utoipa::path(post, path = "/webhooks/google", tag = "connections", security(()),
    responses((status = 200), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn webhook(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let door = Door::new(&state, addr, "google_push");
    let channel =
        header(&headers, "x-goog-channel-id").ok_or_else(|| door.refuse(ApiError::not_found("channel")))?;
    // The first message of a channel says only that it exists, and may come before `watch`
    // answered and the channel was saved: nothing to check, nothing to do.
    if header(&headers, "x-goog-resource-state") == Some("sync") {
        return Ok(StatusCode::OK);
    }
    door.check()?;
    let cal = match state.store.calendar_by_channel(channel).await {
        Ok(cal) => cal,
        Err(StoreError::NotFound) => return Err(door.refuse(ApiError::not_found("channel"))),
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let token_ok = match (header(&headers, "x-goog-channel-token"), &cal.channel_token_hash) {
        // Constant time: the comparison must not say how much of the token matched.
        (Some(t), Some(h)) => token_hash(t).as_bytes().ct_eq(h.as_bytes()).into(),
        _ => false,
    };
    let resource_ok = header(&headers, "x-goog-resource-id") == cal.channel_resource_id.as_deref();
    if !token_ok || !resource_ok {
        tracing::warn!(channel, "push notification with a wrong token or resource; ignored");
        return Err(door.refuse(ApiError::unauthorized("the channel token or resource does not match")));
    }
    let c =
        state.store.find_connection(cal.connection_id).await.map_err(|e| ApiError::store("channel", e))?;
    let now = state.clock.now_second();
    // A burst of changes brings a burst of notifications: a sync already about to run covers
    // them all.
    let queued = state
        .store
        .enqueue_unless_queued(
            &sync_job(&c, &cal.calendar_id, false, now).map_err(|e| ApiError::Internal(e.into()))?,
            now + 5,
        )
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    if queued {
        state.wake_worker.notify_one();
    }
    Ok(StatusCode::OK)
}

/// Opens (or renews) a calendar's push channel.
#[derive(Debug)]
pub struct WatchJob(pub Arc<Services>);

#[async_trait]
impl JobHandler<Watch> for WatchJob {
    async fn run(&self, p: Watch, _: &Job) -> Result<(), JobError> {
        match watch(&self.0, p.connection_id, &p.calendar_id).await {
            Err(CalError::Store(StoreError::NotFound) | CalError::Revoked) => Ok(()),
            Err(CalError::Provider(e)) if !e.is_transient() => {
                // The provider will not make a channel (a non-HTTPS address, say): polling
                // carries on, and the tick tries again later.
                let msg = format!("push notifications unavailable: {e}");
                let _ = self.0.store.set_calendar_error(p.connection_id, &p.calendar_id, Some(&msg)).await;
                Err(JobError::Permanent(msg))
            }
            other => other.map_err(Into::into),
        }
    }
}

async fn watch(state: &Services, id: ConnectionId, calendar: &str) -> Result<(), CalError> {
    let c = state.store.find_connection(id).await?;
    let cal = state
        .store
        .connection_calendars(id)
        .await?
        .into_iter()
        .find(|k| k.calendar_id == calendar && k.synced(c.booking_calendar_id.as_deref()))
        .ok_or(CalError::Store(StoreError::NotFound))?;
    let p = provider::of(state, &c.provider)?;
    let connection = c.clone();
    let channel_id = uuid::Uuid::now_v7().to_string();
    let token = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>());
    let mut session = Session::new(state, &*p, c)?;
    let Some(made) = p.watch(&mut session, calendar, &channel_id, &token).await? else {
        // Polled only: nothing to renew.
        state.store.save_channel(id, calendar, None).await?;
        return Ok(());
    };
    let now = state.clock.now_second();
    let expires = if made.expires_at > now { made.expires_at } else { now + 86_400 };
    let hash = token_hash(&token);
    state.store.save_channel(id, calendar, Some((&made.id, &made.resource_id, &hash, expires))).await?;
    // Changes made between the last sync and the channel opening reach no notification: one
    // sync now catches them, rather than the next poll.
    if state.store.enqueue_unless_queued(&sync_job(&connection, calendar, false, now)?, now + 5).await? {
        state.wake_worker.notify_one();
    }
    if let (Some(old), Some(res)) = (&cal.channel_id, &cal.channel_resource_id) {
        // The old channel may still deliver until it is stopped; its messages are now refused.
        let stopped = match session.token(false).await {
            Ok(access) => p.unwatch(&access, old, res).await,
            Err(e) => Err(e),
        };
        if let Err(e) = stopped {
            tracing::warn!(channel = %old, error = %e, "could not stop a replaced channel; it will expire");
        }
    }
    Ok(())
}

/// The job that stops the channels of a connection being deleted and, with `revoke`, revokes
/// its grant; answers the id to keep its tokens under (see
/// [`sked_store::CalendarStore::delete_connection`]) with it.
pub fn release_job(
    c: &Connection,
    calendars: &[ConnectionCalendar],
    revoke: bool,
    now: i64,
) -> Result<(uuid::Uuid, sked_store::NewJob), CalError> {
    let revocation = uuid::Uuid::now_v7();
    let channels = calendars
        .iter()
        .filter_map(|k| {
            Some(ChannelRef { id: k.channel_id.clone()?, resource_id: k.channel_resource_id.clone()? })
        })
        .collect();
    let p = Release {
        connection_id: c.id,
        channels,
        revoke,
        revocation_id: Some(revocation),
        access_token: None,
        refresh_token: None,
    };
    Ok((revocation, job(c.tenant_id, &p, now)?))
}

/// Stops channels and revokes grants of connections that are gone or changed.
#[derive(Debug)]
pub struct ReleaseJob(pub Arc<Services>);

#[async_trait]
impl JobHandler<Release> for ReleaseJob {
    async fn run(&self, p: Release, _: &Job) -> Result<(), JobError> {
        release(&self.0, p).await.map_err(Into::into)
    }
}

async fn release(state: &Services, p: Release) -> Result<(), CalError> {
    let sealer = sealer(state)?;
    // A token that cannot be opened (sealed under a key since dropped) fails the job for good,
    // in sight, rather than skip the revocation.
    let open = |v: &Option<String>| -> Result<Option<String>, CalError> {
        v.as_deref().map(|s| sealer.open(s).map_err(|e| CalError::Secret(e.to_string()))).transpose()
    };
    // A connection that still exists has fresh tokens; one that is gone left them in a pending
    // revocation (or, queued by an older version, in the payload).
    let (access, refresh, kind) = match (state.store.find_connection(p.connection_id).await, p.revocation_id)
    {
        (Ok(c), _) => (open(&c.access_token)?, open(&c.refresh_token)?, c.provider),
        (Err(StoreError::NotFound), Some(id)) => match state.store.pending_revocation(id).await {
            Ok(r) => (open(&r.access_token)?, open(&r.refresh_token)?, r.provider),
            // Done by an earlier attempt that could not record it.
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        },
        // Queued by a version that knew only Google.
        (Err(StoreError::NotFound), None) => {
            (open(&p.access_token)?, open(&p.refresh_token)?, "google".into())
        }
        (Err(e), _) => return Err(e.into()),
    };
    let g = provider::of(state, &kind)?;
    if !p.channels.is_empty() {
        // Stopping needs a live access token; a dead grant has no channels left to stop.
        let token = match (&refresh, access) {
            (Some(r), _) => match g.refresh(r).await {
                Ok(t) => Some(t.access_token),
                Err(sked_calendar::ProviderError::InvalidGrant(_)) => None,
                Err(e) => return Err(e.into()),
            },
            (None, a) => a,
        };
        if let Some(token) = token {
            for ch in &p.channels {
                match g.unwatch(&token, &ch.id, &ch.resource_id).await {
                    Ok(()) => {}
                    Err(CalError::Provider(e)) if e.is_transient() => return Err(e.into()),
                    // Gone already, or refused for good: it expires by itself; the grant is
                    // still given back.
                    Err(e) => tracing::warn!(channel = %ch.id, error = %e, "could not stop a push channel"),
                }
            }
        }
    }
    if p.revoke
        && let Some(r) = &refresh
    {
        g.revoke(r).await?;
    }
    if let Some(id) = p.revocation_id {
        state.store.delete_pending_revocation(id).await?;
    }
    Ok(())
}
