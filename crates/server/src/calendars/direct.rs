//! Connections made without OAuth: a CalDAV account (a server URL or an address, a user name
//! and an app password) and a subscribed ICS feed (its URL).
//!
//! Both addresses follow the webhooks' rule: `https` on the public internet, unless
//! `SKED_WEBHOOK_ALLOW_PRIVATE` allows `http` and private hosts (tests, closed networks). The
//! server is asked before anything is recorded: a wrong password answers `caldav_auth_failed`,
//! a server that cannot be reached or read `caldav_unreachable` (`ics_unreachable` for feeds).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sha2::Digest;
use sked_calendar::ProviderError;
use sked_core::ids::HostId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::ConnectionView;
use super::connect::{self, NewConnection};
use super::provider::AccountCalendar;
use super::tokens::sealer;
use super::{caldav, feed};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// A CalDAV account to connect.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalDavConnect {
    /// The server (`https://caldav.fastmail.com/`), any URL on it, or the account's email
    /// address (its domain's `/.well-known/caldav` is asked).
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    #[schema(min_length = 1, max_length = 254)]
    pub username: String,
    /// An app-specific password; kept sealed, never shown again.
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub password: String,
}

impl std::fmt::Debug for CalDavConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalDavConnect")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A calendar feed to subscribe to.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IcsConnect {
    /// The feed's address (`https://` or `webcal://`); kept sealed, shown only by its host.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
}

impl std::fmt::Debug for IcsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IcsConnect").finish_non_exhaustive()
    }
}

/// Routes of these connections.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect_caldav)).routes(routes!(connect_ics))
}

fn text(field: &str, v: &str, max: usize) -> ApiResult<()> {
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(ApiError::field(
            field,
            format!("must be 1 to {max} characters, without control characters"),
        ));
    }
    Ok(())
}

/// An address the server may reach under the webhooks' rule.
fn reachable(state: &AppState, field: &str, url: &str) -> ApiResult<sked_caldav::Url> {
    text(field, url, 2_000)?;
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    };
    let start = sked_caldav::start_url(&url).map_err(|e| ApiError::field(field, e.to_string()))?;
    sked_webhooks::check_url(start.as_str(), state.settings.webhook_allow_private)
        .map_err(|e| ApiError::field(field, e.to_string()))
}

fn problem(status: StatusCode, code: &'static str, detail: String) -> ApiError {
    ApiError::Client { status, code, detail }
}

/// Connect a host's CalDAV account (iCloud, Fastmail, Nextcloud, ...): its calendars are
/// discovered, the first counts as busy and receives bookings until the admin chooses
/// otherwise, and the first sync starts.
#[utoipa::path(post, path = "/v1/hosts/{id}/connections/caldav", tag = "connections", params(("id" = uuid::Uuid, Path)),
    request_body = CalDavConnect,
    responses((status = 201, body = ConnectionView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn connect_caldav(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    ApiJson(b): ApiJson<CalDavConnect>,
) -> ApiResult<(StatusCode, Json<ConnectionView>)> {
    let start = reachable(&state, "url", &b.url)?;
    text("username", &b.username, 254)?;
    text("password", &b.password, 1_024)?;
    state.store.host(auth.tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let sealer = sealer(&state).map_err(super::oauth::unavailable)?;
    let account = sked_caldav::Account::new(start.as_str(), b.username.clone(), b.password.clone())
        .map_err(|e| ApiError::field("url", e.to_string()))?;
    let found = match state.caldav.discover(&account).await {
        Ok(d) => d,
        Err(ProviderError::Unauthorized | ProviderError::InvalidGrant(_)) => {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "caldav_auth_failed",
                "the CalDAV server refused the user name or password (many need an app-specific password)"
                    .into(),
            ));
        }
        Err(e) => {
            return Err(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "caldav_unreachable",
                format!("could not use the CalDAV server: {e}"),
            ));
        }
    };
    if found.calendars.is_empty() {
        return Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "caldav_unreachable",
            "the account has no calendar for events".into(),
        ));
    }
    let server = sked_caldav::Url::parse(&found.home).ok();
    let host_name = server.as_ref().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let n = NewConnection {
        tenant: auth.tenant,
        host,
        provider: "caldav",
        account: if b.username.contains('@') {
            b.username.clone()
        } else {
            format!("{}@{host_name}", b.username)
        },
        access_token: None,
        refresh_token: None,
        token_expires_at: None,
        refresh_expires_at: None,
        scopes: String::new(),
        server_url: Some(found.home.clone()),
        username: Some(b.username),
        password: Some(sealer.seal(&b.password).map_err(|e| ApiError::Internal(e.into()))?),
    };
    let calendars: Vec<AccountCalendar> =
        found.calendars.into_iter().enumerate().map(|(i, k)| caldav::calendar(i, k)).collect();
    let now = state.clock.now_second();
    let view = connect::record(&state, n, &calendars, now).await.map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Subscribe a host to a calendar feed: its events block the host's time (read-only; nothing
/// is written into it).
#[utoipa::path(post, path = "/v1/hosts/{id}/connections/ics", tag = "connections", params(("id" = uuid::Uuid, Path)),
    request_body = IcsConnect,
    responses((status = 201, body = ConnectionView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn connect_ics(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    ApiJson(b): ApiJson<IcsConnect>,
) -> ApiResult<(StatusCode, Json<ConnectionView>)> {
    let url = reachable(&state, "url", &b.url)?;
    let h = state.store.host(auth.tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let sealer = sealer(&state).map_err(super::oauth::unavailable)?;
    let unreachable = |why: String| problem(StatusCode::UNPROCESSABLE_ENTITY, "ics_unreachable", why);
    let body = match feed::fetch(&state.feeds, url.as_str(), None).await {
        Ok(feed::Fetched::Text { body, .. }) => body,
        Ok(feed::Fetched::Unchanged) => String::new(),
        Err(e) => return Err(unreachable(format!("could not read the feed: {e}"))),
    };
    let zone = h.time_zone.tz().clone();
    feed::read(&body, &zone).map_err(|e| unreachable(format!("the address is not a calendar feed: {e}")))?;
    // Two feeds on one host stay two connections: a short digest of the address tells them
    // apart without showing it.
    let digest = hex::encode(&sha2::Sha256::digest(url.as_str().as_bytes())[..3]);
    let shown = format!("{} ({digest})", url.host_str().unwrap_or("feed"));
    let n = NewConnection {
        tenant: auth.tenant,
        host,
        provider: "ics",
        account: shown.clone(),
        access_token: None,
        refresh_token: None,
        token_expires_at: None,
        refresh_expires_at: None,
        scopes: String::new(),
        server_url: None,
        username: None,
        password: Some(sealer.seal(url.as_str()).map_err(|e| ApiError::Internal(e.into()))?),
    };
    let calendars = [AccountCalendar {
        id: feed::CALENDAR.into(),
        summary: shown,
        time_zone: None,
        primary: true,
        writable: false,
    }];
    let now = state.clock.now_second();
    let view = connect::record(&state, n, &calendars, now).await.map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(view)))
}
