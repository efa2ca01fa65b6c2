//! Recording a new connection, whatever the provider: the account's calendars (the main one
//! counts as busy and receives bookings until the admin chooses otherwise), the audit entry of
//! the grant, and the first jobs (a full sync of the main calendar, and the host's upcoming
//! bookings written into it). Connecting the same account again replaces the old connection.

use sked_core::ids::{ConnectionId, HostId, TenantId};
use sked_store::{Connection, ConnectionCalendar, HEALTHY, Page};

use super::api::{ConnectionView, view};
use super::provider::AccountCalendar;
use super::tokens::audit;
use super::{CalError, HEALTH_EVERY, channels, job, sync_job};
use crate::state::Services;

/// Who the connection is for and how it reaches the account.
#[derive(Clone, Debug)]
pub struct NewConnection {
    pub tenant: TenantId,
    pub host: HostId,
    /// `google`, `microsoft`, `caldav` or `ics`.
    pub provider: &'static str,
    /// The account (an email, a user at a server, a feed's address).
    pub account: String,
    /// Sealed credentials and how long they last (empty for a public feed).
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub token_expires_at: Option<i64>,
    pub refresh_expires_at: Option<i64>,
    pub scopes: String,
    pub server_url: Option<String>,
    pub username: Option<String>,
    /// Sealed app password.
    pub password: Option<String>,
}

/// Records the connection with its calendars and starts its first syncs.
pub async fn record(
    state: &Services,
    n: NewConnection,
    calendars: &[AccountCalendar],
    now: i64,
) -> Result<ConnectionView, CalError> {
    let main = calendars.iter().find(|k| k.primary).or(calendars.first()).map(|k| k.id.clone());
    replace_same_account(state, &n, now).await?;
    let poll = super::poll_secs(&state.settings);
    let c = Connection {
        id: ConnectionId::new(),
        tenant_id: n.tenant,
        host_id: n.host,
        provider: n.provider.into(),
        account: n.account,
        status: HEALTHY.into(),
        access_token: n.access_token,
        refresh_token: n.refresh_token,
        token_expires_at: n.token_expires_at,
        refresh_expires_at: n.refresh_expires_at,
        scopes: n.scopes,
        booking_calendar_id: calendars
            .iter()
            .find(|k| Some(&k.id) == main.as_ref() && k.writable)
            .map(|k| k.id.clone()),
        last_checked_at: Some(now),
        last_error: None,
        next_check_at: now + HEALTH_EVERY,
        created_at: now,
        updated_at: now,
        server_url: n.server_url,
        username: n.username,
        password: n.password,
    };
    let rows: Vec<ConnectionCalendar> = calendars
        .iter()
        .map(|k| ConnectionCalendar {
            connection_id: c.id,
            calendar_id: k.id.clone(),
            tenant_id: c.tenant_id,
            host_id: c.host_id,
            summary: k.summary.clone(),
            time_zone: k.time_zone.clone(),
            is_primary: Some(&k.id) == main.as_ref(),
            writable: k.writable,
            busy: Some(&k.id) == main.as_ref(),
            sync_token: None,
            synced_at: None,
            next_poll_at: now + poll,
            expanded_until: None,
            channel_id: None,
            channel_resource_id: None,
            channel_token_hash: None,
            channel_expires_at: None,
            next_watch_at: None,
            last_error: None,
        })
        .collect();
    let detail = if c.scopes.is_empty() { None } else { Some(format!("scopes: {}", c.scopes)) };
    let granted = audit(&c, "granted", detail, now);
    let mut jobs = Vec::new();
    if let Some(main) = &main {
        jobs.push(sync_job(&c, main, true, now)?);
    }
    jobs.push(job(c.tenant_id, &super::jobs::Backfill { connection_id: c.id }, now)?);
    state.store.insert_connection(&c, &rows, &granted, &jobs).await?;
    state.wake_worker.notify_one();
    tracing::info!(connection = %c.id, host = %c.host_id, provider = %c.provider, calendars = rows.len(), "calendar connected");
    Ok(view(c, rows))
}

/// Connecting the same account again replaces the old connection (its channels are stopped;
/// its grant is the same one, so it is not revoked).
async fn replace_same_account(state: &Services, n: &NewConnection, now: i64) -> Result<(), CalError> {
    let page = Page { limit: 500, after: None };
    let existing = state.store.list_connections(n.tenant, Some(n.host), page).await?;
    for old in existing.into_iter().filter(|c| c.provider == n.provider && c.account == n.account) {
        let cals = state.store.connection_calendars(old.id).await?;
        let (revocation, release) = channels::release_job(&old, &cals, false, now)?;
        state.store.delete_connection(n.tenant, old.id, Some(revocation), &[release]).await?;
    }
    Ok(())
}
