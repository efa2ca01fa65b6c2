//! `/v1/connections`: a tenant's connected calendars, their health, which calendars count as
//! busy and where bookings go; disconnecting; a forced resync; the token audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::ids::{ConnectionId, HostId};
use sked_store::{Connection, ConnectionCalendar, Page};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::jobs::{Backfill, ChannelRef, Release};
use super::{job, sync_job};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pagination::{Paged, bad_cursor, decode, limit};
use crate::state::AppState;
use crate::time::rfc3339;

/// A host's connected calendar account.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConnectionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ConnectionId,
    #[schema(value_type = String, format = Uuid)]
    pub host_id: HostId,
    /// `google`, `microsoft`, `caldav` or `ics`.
    pub provider: String,
    /// The account: its email, a CalDAV user at its server, or a feed's host.
    pub account: String,
    /// `healthy`, `expiring`, `revoked` or `error`.
    pub status: String,
    /// When health was last checked.
    #[schema(format = DateTime)]
    pub last_checked_at: Option<String>,
    /// What the last check or call found wrong.
    pub last_error: Option<String>,
    /// The calendar bookings are written to (`null`: none).
    pub booking_calendar_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The account's calendars.
    pub calendars: Vec<CalendarView>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One calendar of a connected account.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalendarView {
    pub id: String,
    pub summary: String,
    pub time_zone: Option<String>,
    pub primary: bool,
    /// Bookings can be written to it.
    pub writable: bool,
    /// Its events block the host's time.
    pub busy: bool,
    /// Kept in sync with the provider: it is busy, or it receives bookings (so the host's moves
    /// and deletions of them are followed).
    pub synced: bool,
    /// When it was last synced.
    #[schema(format = DateTime)]
    pub synced_at: Option<String>,
    /// Push notifications are on until this instant.
    #[schema(format = DateTime)]
    pub push_until: Option<String>,
    pub last_error: Option<String>,
}

/// The view of a connection with its calendars.
pub fn view(c: Connection, calendars: Vec<ConnectionCalendar>) -> ConnectionView {
    ConnectionView {
        id: c.id,
        host_id: c.host_id,
        provider: c.provider,
        account: c.account,
        status: c.status,
        last_checked_at: c.last_checked_at.map(rfc3339),
        last_error: c.last_error,
        booking_calendar_id: c.booking_calendar_id.clone(),
        scopes: c.scopes.split_whitespace().map(str::to_owned).collect(),
        calendars: calendars
            .into_iter()
            .map(|k| CalendarView {
                synced: k.synced(c.booking_calendar_id.as_deref()),
                id: k.calendar_id,
                summary: k.summary,
                time_zone: k.time_zone,
                primary: k.is_primary,
                writable: k.writable,
                busy: k.busy,
                synced_at: k.synced_at.map(rfc3339),
                push_until: k.channel_id.and(k.channel_expires_at).map(rfc3339),
                last_error: k.last_error,
            })
            .collect(),
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
    }
}

/// A connection with its calendars, as the API shows it.
pub async fn load(state: &AppState, c: Connection) -> ApiResult<ConnectionView> {
    let calendars =
        state.store.connection_calendars(c.id).await.map_err(|e| ApiError::store("connection", e))?;
    Ok(view(c, calendars))
}

/// Filters of the connection list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConnectionQuery {
    /// Only this host's connections.
    #[param(format = Uuid)]
    pub host_id: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Changes a connection.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnection {
    /// Where bookings are written: a writable calendar of this account; `null` stops writing
    /// them.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>)]
    pub booking_calendar_id: Option<Option<String>>,
    /// Which calendars of this account count as busy (calendars not listed keep their
    /// setting).
    pub calendars: Option<Vec<CalendarChoice>>,
}

/// Whether one calendar counts as busy.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarChoice {
    pub id: String,
    pub busy: bool,
}

/// A token audit entry.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenAuditView {
    #[schema(format = DateTime)]
    pub at: String,
    /// `granted`, `refreshed`, `revoked_by_provider`, `revoked`, ...
    pub action: String,
    pub detail: Option<String>,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get, update, disconnect))
        .routes(routes!(resync))
        .routes(routes!(token_audit))
}

/// List connected calendars.
#[utoipa::path(get, path = "/v1/connections", tag = "connections", params(ConnectionQuery),
    responses((status = 200, body = Paged<ConnectionView>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ConnectionQuery>,
) -> ApiResult<Json<Paged<ConnectionView>>> {
    let host = match &q.host_id {
        None => None,
        Some(h) => Some(h.parse::<HostId>().map_err(|_| ApiError::field("host_id", "is not an id"))?),
    };
    let after = match &q.cursor {
        None => None,
        Some(c) => Some(decode(c).and_then(|s| s.parse().ok()).ok_or_else(bad_cursor)?),
    };
    let page = Page { limit: limit(q.limit)?, after };
    let rows = state
        .store
        .list_connections(auth.tenant, host, page)
        .await
        .map_err(|e| ApiError::store("connection", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |c| c.id.0);
    let mut data = Vec::with_capacity(rows.len());
    for c in rows {
        data.push(load(&state, c).await?);
    }
    Ok(Json(Paged { data, next_cursor: next }))
}

/// Get a connected calendar account, with its health and calendars.
#[utoipa::path(get, path = "/v1/connections/{id}", tag = "connections", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ConnectionView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ConnectionId>,
) -> ApiResult<Json<ConnectionView>> {
    let c = state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    Ok(Json(load(&state, c).await?))
}

/// Choose which calendars count as busy and which receives bookings.
#[utoipa::path(patch, path = "/v1/connections/{id}", tag = "connections", params(("id" = uuid::Uuid, Path)),
    request_body = UpdateConnection,
    responses((status = 200, body = ConnectionView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ConnectionId>,
    ApiJson(b): ApiJson<UpdateConnection>,
) -> ApiResult<Json<ConnectionView>> {
    let c = state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    let calendars =
        state.store.connection_calendars(id).await.map_err(|e| ApiError::store("connection", e))?;
    let mut errors = Vec::new();
    let booking = match b.booking_calendar_id {
        None => c.booking_calendar_id.clone(),
        Some(None) => None,
        Some(Some(cal)) => match calendars.iter().find(|k| k.calendar_id == cal) {
            Some(k) if k.writable => Some(cal),
            Some(_) => {
                errors.push(FieldError::new("booking_calendar_id", "that calendar is read-only"));
                None
            }
            None => {
                errors.push(FieldError::new("booking_calendar_id", "is not a calendar of this account"));
                None
            }
        },
    };
    let mut busy = Vec::new();
    for (i, choice) in b.calendars.unwrap_or_default().into_iter().enumerate() {
        if calendars.iter().any(|k| k.calendar_id == choice.id) {
            busy.push((choice.id, choice.busy));
        } else {
            errors.push(FieldError::new(format!("calendars[{i}].id"), "is not a calendar of this account"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now_second();
    state
        .store
        .configure_connection(auth.tenant, id, booking.as_deref(), &busy, now)
        .await
        .map_err(|e| ApiError::store("connection", e))?;
    // Calendars no longer synced lose their channel; those synced afresh, or whose busy time
    // changed, sync in full at once.
    let after = state.store.connection_calendars(id).await.map_err(|e| ApiError::store("connection", e))?;
    let mut jobs = Vec::new();
    let mut release = Vec::new();
    for k in &calendars {
        let Some(a) = after.iter().find(|a| a.calendar_id == k.calendar_id) else { continue };
        let (was, is) = (k.synced(c.booking_calendar_id.as_deref()), a.synced(booking.as_deref()));
        if is && (!was || a.busy != k.busy) {
            jobs.push(sync_job(&c, &k.calendar_id, true, now).map_err(internal)?);
        }
        if was
            && !is
            && let (Some(ch), Some(res)) = (&k.channel_id, &k.channel_resource_id)
        {
            release.push(ChannelRef { id: ch.clone(), resource_id: res.clone() });
        }
    }
    // Upcoming bookings follow the booking calendar: their events move to the new one.
    if booking != c.booking_calendar_id {
        jobs.push(job(c.tenant_id, &Backfill { connection_id: c.id }, now).map_err(internal)?);
    }
    if !release.is_empty() {
        let p = Release {
            connection_id: c.id,
            channels: release,
            revoke: false,
            revocation_id: None,
            access_token: None,
            refresh_token: None,
        };
        jobs.push(job(c.tenant_id, &p, now).map_err(internal)?);
    }
    for j in &jobs {
        state.store.enqueue(j).await.map_err(|e| ApiError::Internal(e.into()))?;
    }
    state.wake_worker.notify_one();
    let c = state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    Ok(Json(load(&state, c).await?))
}

/// Disconnect: the token is revoked and push channels stopped (in the background, retried
/// until the provider answers), the cached busy time is dropped at once, bookings stay.
#[utoipa::path(delete, path = "/v1/connections/{id}", tag = "connections", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn disconnect(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ConnectionId>,
) -> ApiResult<StatusCode> {
    let c = state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    let calendars =
        state.store.connection_calendars(id).await.map_err(|e| ApiError::store("connection", e))?;
    let now = state.clock.now_second();
    let (revocation, release) = super::channels::release_job(&c, &calendars, true, now).map_err(internal)?;
    state
        .store
        .delete_connection(auth.tenant, id, Some(revocation), &[release])
        .await
        .map_err(|e| ApiError::store("connection", e))?;
    state.wake_worker.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// Sync a connection's calendars (the busy ones, and the one receiving bookings) from scratch,
/// and write any upcoming booking the calendar lacks (after an outage longer than the retries).
#[utoipa::path(post, path = "/v1/connections/{id}/sync", tag = "connections", params(("id" = uuid::Uuid, Path)),
    responses((status = 202, body = ConnectionView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn resync(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ConnectionId>,
) -> ApiResult<(StatusCode, Json<ConnectionView>)> {
    let c = state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    let calendars =
        state.store.connection_calendars(id).await.map_err(|e| ApiError::store("connection", e))?;
    let now = state.clock.now_second();
    let mut jobs = calendars
        .iter()
        .filter(|k| k.synced(c.booking_calendar_id.as_deref()))
        .map(|k| sync_job(&c, &k.calendar_id, true, now))
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    jobs.push(job(c.tenant_id, &Backfill { connection_id: c.id }, now).map_err(internal)?);
    for j in &jobs {
        state.store.enqueue(j).await.map_err(|e| ApiError::Internal(e.into()))?;
    }
    state.wake_worker.notify_one();
    Ok((StatusCode::ACCEPTED, Json(view(c, calendars))))
}

/// The connection's token audit log, newest first: grants, refreshes, revocations.
#[utoipa::path(get, path = "/v1/connections/{id}/token-audit", tag = "connections", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<TokenAuditView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn token_audit(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<ConnectionId>,
) -> ApiResult<Json<Vec<TokenAuditView>>> {
    state.store.connection(auth.tenant, id).await.map_err(|e| ApiError::store("connection", e))?;
    let rows =
        state.store.token_audit(auth.tenant, id, 500).await.map_err(|e| ApiError::store("connection", e))?;
    Ok(Json(
        rows.into_iter()
            .map(|a| TokenAuditView { at: rfc3339(a.at), action: a.action, detail: a.detail })
            .collect(),
    ))
}

fn internal(e: super::CalError) -> ApiError {
    ApiError::Internal(e.into())
}
