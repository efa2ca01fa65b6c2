//! Connected outside calendars: records and the store calls that keep them.
//!
//! A [`Connection`] is a host's link to one account (Google first), with its tokens sealed. Its
//! [`ConnectionCalendar`]s say which calendars count as busy, where each one's sync stands, and
//! its push channel. The sync keeps every event of a busy calendar as an [`ExternalEventRow`]
//! and the busy time read from them in `external_busy`, per series, so availability reads busy
//! time with one range query and never waits on the provider. Events Sked wrote for bookings
//! are [`BookingCalendarEvent`]s.
//!
//! [`CalendarStore`] keeps connections; [`CalendarSyncStore`] is what the background sync reads
//! and writes.

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BookingId, ConnectionId, HostId, TenantId};
use sqlx::FromRow;

use crate::{NewJob, Page, StoreResult};

/// Connection health: the connection works.
pub const HEALTHY: &str = "healthy";
/// Connection health: it works, but its grant runs out soon (the user must connect again).
pub const EXPIRING: &str = "expiring";
/// Connection health: the provider refused the grant (`invalid_grant`); connect again.
pub const REVOKED: &str = "revoked";
/// Connection health: the last check failed for another reason.
pub const ERROR: &str = "error";

/// A host's link to an outside calendar account.
#[derive(Clone, PartialEq, Eq, FromRow)]
pub struct Connection {
    pub id: ConnectionId,
    pub tenant_id: TenantId,
    pub host_id: HostId,
    /// `google`, `microsoft`, `caldav` or `ics`.
    pub provider: String,
    /// The account (its email).
    pub account: String,
    /// `healthy`, `expiring`, `revoked` or `error`.
    pub status: String,
    /// Sealed access token.
    pub access_token: Option<String>,
    /// Sealed refresh token.
    pub refresh_token: Option<String>,
    pub token_expires_at: Option<i64>,
    /// When the grant itself runs out, if the provider said.
    pub refresh_expires_at: Option<i64>,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// Where bookings are written (`None`: nowhere).
    pub booking_calendar_id: Option<String>,
    pub last_checked_at: Option<i64>,
    pub last_error: Option<String>,
    /// When the health job next looks at it.
    pub next_check_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// CalDAV: the server (or principal) URL; ICS: the feed's URL.
    pub server_url: Option<String>,
    /// CalDAV: the user name.
    pub username: Option<String>,
    /// CalDAV: the sealed app password.
    pub password: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("host_id", &self.host_id)
            .field("provider", &self.provider)
            .field("account", &self.account)
            .field("status", &self.status)
            .field("booking_calendar_id", &self.booking_calendar_id)
            .finish_non_exhaustive()
    }
}

/// One calendar of a connected account.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ConnectionCalendar {
    pub connection_id: ConnectionId,
    pub calendar_id: String,
    pub tenant_id: TenantId,
    pub host_id: HostId,
    pub summary: String,
    pub time_zone: Option<String>,
    pub is_primary: bool,
    pub writable: bool,
    /// Its events block the host's time.
    pub busy: bool,
    /// Where the incremental sync continues (`None`: a full sync is next).
    pub sync_token: Option<String>,
    pub synced_at: Option<i64>,
    /// When the polling fallback next syncs it.
    pub next_poll_at: i64,
    /// Recurring events are expanded up to this instant.
    pub expanded_until: Option<i64>,
    pub channel_id: Option<String>,
    pub channel_resource_id: Option<String>,
    /// SHA-256 (hex) of the token the provider echoes with each notification.
    pub channel_token_hash: Option<String>,
    pub channel_expires_at: Option<i64>,
    /// When the channel is next (re)made.
    pub next_watch_at: Option<i64>,
    pub last_error: Option<String>,
}

impl ConnectionCalendar {
    /// Whether it is kept in sync: when its events block time, and when it receives bookings
    /// (so the host's moves and deletions of them are followed, busy or not).
    pub fn synced(&self, booking_calendar_id: Option<&str>) -> bool {
        self.busy || booking_calendar_id == Some(self.calendar_id.as_str())
    }
}

/// A provider event as kept locally (`data` is the provider module's JSON).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ExternalEventRow {
    pub connection_id: ConnectionId,
    pub calendar_id: String,
    pub event_id: String,
    /// The recurring series it belongs to (its own id when single).
    pub series_id: String,
    /// The Sked booking it stands for, when Sked wrote it.
    pub booking_id: Option<String>,
    pub data: String,
}

/// An interval of busy time from a connected calendar.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct ExternalBusy {
    pub host_id: HostId,
    pub connection_id: ConnectionId,
    pub start_at: i64,
    pub end_at: i64,
}

/// The event Sked wrote for a booking in one connection's calendar.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct BookingCalendarEvent {
    pub booking_id: BookingId,
    pub connection_id: ConnectionId,
    pub tenant_id: TenantId,
    pub calendar_id: String,
    pub event_id: String,
    /// The times last written (a change seen in the provider is one that differs from these).
    pub start_at: i64,
    pub end_at: i64,
    /// `active` or `deleted`.
    pub status: String,
    pub updated_at: i64,
    /// The provider's version of the event as written (CalDAV updates it only `If-Match`).
    pub etag: Option<String>,
}

/// An authorization in progress: the `state` sent to the provider, bound to a tenant and host,
/// used once.
#[derive(Clone, PartialEq, Eq, FromRow)]
pub struct OAuthState {
    pub id: String,
    pub tenant_id: TenantId,
    pub host_id: HostId,
    pub provider: String,
    /// Sealed PKCE verifier.
    pub verifier: String,
    /// Where to send the browser afterwards.
    pub redirect_to: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthState")
            .field("tenant_id", &self.tenant_id)
            .field("host_id", &self.host_id)
            .field("provider", &self.provider)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One change to a connection's tokens.
/// A removed connection's sealed tokens, kept until its grant is released.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingRevocation {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    /// Sealed.
    pub access_token: Option<String>,
    /// Sealed.
    pub refresh_token: Option<String>,
    /// Whose grant it is.
    pub provider: String,
}

impl std::fmt::Debug for PendingRevocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRevocation").field("id", &self.id).field("tenant_id", &self.tenant_id).finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct TokenAudit {
    pub id: uuid::Uuid,
    pub connection_id: ConnectionId,
    pub tenant_id: TenantId,
    pub at: i64,
    /// `granted`, `refreshed`, `refresh_failed`, `revoked_by_provider`, `revoked`, `resealed`.
    pub action: String,
    pub detail: Option<String>,
}

/// New tokens for a connection, sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenUpdate {
    pub access_token: String,
    /// A new refresh token, when the provider sent one (otherwise the old one stays).
    pub refresh_token: Option<String>,
    pub token_expires_at: i64,
    pub refresh_expires_at: Option<i64>,
}

impl std::fmt::Debug for TokenUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenUpdate")
            .field("token_expires_at", &self.token_expires_at)
            .finish_non_exhaustive()
    }
}

/// The outcome of one sync of one calendar, written at once.
#[derive(Clone, Debug, Default)]
pub struct SyncWrite {
    pub connection_id: ConnectionId,
    pub calendar_id: String,
    /// The sync token the sync started from: the write fails with
    /// [`StoreError::Stale`](crate::StoreError::Stale) if another sync moved it meanwhile.
    pub expected_token: Option<String>,
    /// Where the next incremental sync continues.
    pub new_token: Option<String>,
    /// Forget every stored event and busy interval of the calendar first (a full sync).
    pub full: bool,
    /// Events to store (replacing any with the same id).
    pub upsert: Vec<ExternalEventRow>,
    /// Events to forget.
    pub delete: Vec<String>,
    /// The busy time of each series touched, replacing what it had.
    pub busy: Vec<(String, Vec<Interval>)>,
    pub synced_at: i64,
    /// Recurring events are expanded up to here.
    pub expanded_until: Option<i64>,
}

/// Connections: their authorization, tokens, calendars' settings and health.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Remembers an authorization in progress.
    async fn insert_oauth_state(&self, s: &OAuthState) -> StoreResult<()>;
    /// Takes (and forgets) an authorization in progress; expired ones are forgotten and
    /// [`NotFound`](crate::StoreError::NotFound).
    async fn take_oauth_state(&self, id: &str, now: i64) -> StoreResult<OAuthState>;

    /// Creates a connection with its calendars, the audit entry of its grant and jobs to start
    /// with (its first syncs).
    async fn insert_connection(
        &self,
        c: &Connection,
        calendars: &[ConnectionCalendar],
        audit: &TokenAudit,
        jobs: &[NewJob],
    ) -> StoreResult<()>;
    /// A connection of a tenant.
    async fn connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<Connection>;
    /// A connection by id alone (background work).
    async fn find_connection(&self, id: ConnectionId) -> StoreResult<Connection>;
    /// A page of a tenant's connections, optionally of one host.
    async fn list_connections(
        &self,
        tenant: TenantId,
        host: Option<HostId>,
        page: Page,
    ) -> StoreResult<Vec<Connection>>;
    /// A connection's calendars.
    async fn connection_calendars(&self, id: ConnectionId) -> StoreResult<Vec<ConnectionCalendar>>;
    /// Sets where bookings go and which calendars are busy. A calendar that stops being synced
    /// ([`ConnectionCalendar::synced`]) forgets its events and busy time; one that stops being
    /// busy loses its busy time at once (the host's availability changes); one that starts
    /// either is due for a full sync at `now`.
    async fn configure_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        booking_calendar_id: Option<&str>,
        busy: &[(String, bool)],
        now: i64,
    ) -> StoreResult<()>;
    /// Stores refreshed tokens and audits the refresh.
    async fn save_tokens(&self, id: ConnectionId, t: &TokenUpdate, audit: &TokenAudit) -> StoreResult<()>;
    /// Records a health check; answers the status it had before.
    async fn set_connection_health(
        &self,
        id: ConnectionId,
        status: &str,
        error: Option<&str>,
        checked_at: i64,
        audit: Option<&TokenAudit>,
    ) -> StoreResult<String>;
    /// Deletes a connection with its calendars, stored events and busy time (its bookings
    /// stay); answers what it was. The host's availability changes. Its sealed tokens are kept
    /// as the pending revocation `revocation`, for the job (in `jobs`) that releases the grant.
    async fn delete_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        revocation: Option<uuid::Uuid>,
        jobs: &[NewJob],
    ) -> StoreResult<(Connection, Vec<ConnectionCalendar>)>;
    /// What releasing a removed connection's grant needs.
    async fn pending_revocation(&self, id: uuid::Uuid) -> StoreResult<PendingRevocation>;
    /// Forgets a pending revocation once it is done.
    async fn delete_pending_revocation(&self, id: uuid::Uuid) -> StoreResult<()>;
    /// A tenant's token audit log for a connection, newest first.
    async fn token_audit(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        limit: i64,
    ) -> StoreResult<Vec<TokenAudit>>;
}

/// What the background sync works with: claims of due work, push channels, the stored events
/// and busy time of each calendar, and the events written for bookings.
#[async_trait]
pub trait CalendarSyncStore: Send + Sync {
    /// Connections due a health check at `now`, each claimed (its next check moved to `next`)
    /// so one process takes it.
    async fn claim_health_checks(&self, now: i64, next: i64, limit: i64) -> StoreResult<Vec<ConnectionId>>;
    /// Busy calendars due a poll at `now`, claimed likewise.
    async fn claim_polls(&self, now: i64, next: i64, limit: i64) -> StoreResult<Vec<(ConnectionId, String)>>;
    /// Busy calendars whose push channel is missing or expires before `renew_before`, and
    /// whose last attempt is older than `now`, claimed (next attempt at `retry_at`).
    async fn claim_watches(
        &self,
        now: i64,
        renew_before: i64,
        retry_at: i64,
        limit: i64,
    ) -> StoreResult<Vec<(ConnectionId, String)>>;
    /// Records a calendar's push channel (or its absence).
    async fn save_channel(
        &self,
        id: ConnectionId,
        calendar: &str,
        channel: Option<(&str, &str, &str, i64)>,
    ) -> StoreResult<()>;
    /// The calendar a push channel belongs to.
    async fn calendar_by_channel(&self, channel_id: &str) -> StoreResult<ConnectionCalendar>;
    /// Records a calendar's last sync error (or clears it).
    async fn set_calendar_error(
        &self,
        id: ConnectionId,
        calendar: &str,
        error: Option<&str>,
    ) -> StoreResult<()>;

    /// The stored events of some series of a calendar.
    async fn external_series(
        &self,
        id: ConnectionId,
        calendar: &str,
        series: &[String],
    ) -> StoreResult<Vec<ExternalEventRow>>;
    /// Every stored event of a calendar.
    async fn external_events(&self, id: ConnectionId, calendar: &str) -> StoreResult<Vec<ExternalEventRow>>;
    /// Writes a sync's outcome: events, busy time, the new sync token; bumps the host's
    /// external version when its busy time changed.
    async fn apply_sync(&self, w: &SyncWrite) -> StoreResult<()>;
    /// One host's busy time from connected calendars overlapping `range`.
    async fn host_external_busy(
        &self,
        tenant: TenantId,
        host: HostId,
        range: Interval,
    ) -> StoreResult<Vec<ExternalBusy>>;

    /// A host's busy intervals from connected calendars overlapping `range`, sorted by start
    /// (what availability needs; `host` gives the tenant and how far back intervals reach).
    async fn external_spans(&self, host: &crate::Host, range: Interval) -> StoreResult<Vec<Interval>>;

    /// The events written for bookings in one calendar of a connection.
    async fn written_events(
        &self,
        id: ConnectionId,
        calendar: &str,
    ) -> StoreResult<Vec<BookingCalendarEvent>>;
    /// The events written for a booking.
    async fn booking_calendar_events(&self, booking: BookingId) -> StoreResult<Vec<BookingCalendarEvent>>;
    /// Records the event written for a booking in a connection's calendar.
    async fn save_booking_calendar_event(&self, e: &BookingCalendarEvent) -> StoreResult<()>;
}
