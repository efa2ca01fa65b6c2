//! A host's calendar feed: a secret URL (`/feeds/{token}.ics`) serving the host's bookings as
//! one iCalendar object, for calendar apps to subscribe to.
//!
//! - `GET /v1/hosts/{id}/feed` answers the URL; `POST /v1/hosts/{id}/feed/rotate` bumps the
//!   host's feed version, so every earlier URL answers 404, and answers the new one.
//! - `GET /feeds/{token}.ics` takes no key (the token is the credential, see [`token`]) and is
//!   counted against the client's address like the public booking API. It holds the bookings
//!   that ended at most [`LOOKBACK`] ago, up to [`MAX_EVENTS`]: confirmed ones, and those
//!   cancelled in the same window as `STATUS:CANCELLED` so subscribed calendars drop them. Each
//!   event is the booking's own calendar object (same `UID`, so nothing shows twice).

pub mod token;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sked_core::booking::BookingStatus;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_store::{Booking, BookingFilter, EventType, Host, StoreError};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::public::PublicClient;
use crate::secrets::Sealer;
use crate::state::AppState;
use token::FeedToken;

/// How far back a feed reaches (bookings that ended since), and how long ago a cancellation may
/// be to be shown.
pub const LOOKBACK: i64 = 30 * 86_400;
/// Most events in a feed (confirmed bookings first).
pub const MAX_EVENTS: i64 = 2_000;
/// How often subscribers are asked to read the feed again.
const REFRESH_MINUTES: u32 = 15;

/// A host's feed URL.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FeedView {
    /// Secret: whoever has it reads the host's bookings, with their attendees' names, emails,
    /// phones and notes. Rotate it to make it stop working.
    pub url: String,
}

/// Routes of the feed: the two keyed ones, and the public feed itself.
pub fn router() -> OpenApiRouter<AppState> {
    // The public path ends in `.ics` after its parameter, which the router cannot express: the
    // document names `/feeds/{token}.ics` and the router serves `/feeds/{file}`.
    let (schemas, paths, method) = routes!(host_feed);
    let mut doc = utoipa::openapi::OpenApi::default();
    doc.paths = paths;
    doc.components = Some(utoipa::openapi::ComponentsBuilder::new().schemas_from_iter(schemas).build());
    let public = OpenApiRouter::with_openapi(doc)
        .route("/feeds/{file}", method)
        // Thousands of events are a megabyte of text: compressed for clients that ask.
        .layer(tower_http::compression::CompressionLayer::new());
    OpenApiRouter::new().routes(routes!(feed_url)).routes(routes!(rotate_feed)).merge(public)
}

fn sealer(state: &AppState) -> ApiResult<&Sealer> {
    state.sealer.as_ref().ok_or_else(|| ApiError::Client {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "secret_key_missing",
        detail: "set SKED_SECRET_KEY so feed URLs can be signed".into(),
    })
}

/// The URL of a host's feed as it is now.
pub fn url_of(state: &AppState, host: &Host) -> ApiResult<String> {
    let t = FeedToken { tenant: host.tenant_id, host: host.id, version: host.feed_version };
    Ok(t.url(&state.base_url, sealer(state)?))
}

/// The secret URL of a host's bookings as an iCalendar feed.
#[utoipa::path(get, path = "/v1/hosts/{id}/feed", tag = "hosts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = FeedView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "secret_key_missing: no secret key signs feed URLs", body = Problem, content_type = "application/problem+json")))]
async fn feed_url(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<HostId>,
) -> ApiResult<Json<FeedView>> {
    let h = state.store.host(auth.tenant, id).await.map_err(|e| ApiError::store("host", e))?;
    Ok(Json(FeedView { url: url_of(&state, &h)? }))
}

/// A new feed URL for a host; every earlier one stops working.
#[utoipa::path(post, path = "/v1/hosts/{id}/feed/rotate", tag = "hosts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = FeedView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "secret_key_missing: no secret key signs feed URLs", body = Problem, content_type = "application/problem+json")))]
async fn rotate_feed(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<HostId>,
) -> ApiResult<Json<FeedView>> {
    Ok(Json(FeedView { url: rotate(&state, auth.tenant, id).await? }))
}

/// Rotates a host's feed URL and answers the new one: the one path of the API and the dashboard.
pub(crate) async fn rotate(state: &AppState, tenant: TenantId, id: HostId) -> ApiResult<String> {
    let sealer = sealer(state)?;
    let version = state.store.rotate_feed(tenant, id).await.map_err(|e| ApiError::store("host", e))?;
    Ok(FeedToken { tenant, host: id, version }.url(&state.base_url, sealer))
}

/// A host's bookings as an iCalendar feed, for calendar apps to subscribe to. The URL is the
/// credential: a forged or rotated one answers 404.
#[utoipa::path(get, path = "/feeds/{token}.ics", tag = "feeds", security(()),
    params(("token" = String, Path, description = "The secret of the URL `GET /v1/hosts/{id}/feed` answers")),
    responses(
        (status = 200, content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Send it back as `If-None-Match` to get 304 while nothing changed"))),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`"),
        (status = 404, description = "not_found: no such feed (a forged token, or a URL since rotated)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: the address's requests are over its limit (see Retry-After)", body = Problem, content_type = "application/problem+json")))]
async fn host_feed(
    State(state): State<AppState>,
    _client: PublicClient,
    ApiPath(file): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("feed");
    let sealer = state.sealer.as_ref().ok_or_else(not_found)?;
    let t = file.strip_suffix(".ics").and_then(|t| FeedToken::open(sealer, t)).ok_or_else(not_found)?;
    let host = match state.store.host(t.tenant, t.host).await {
        Ok(h) if h.feed_version == t.version => h,
        Ok(_) | Err(StoreError::NotFound) => return Err(not_found()),
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let body = render(&state, &host).await?;
    let etag = format!("W/\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..32]);
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| matches(tag.trim(), &etag));
    let mut res = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = res.headers_mut();
    if !fresh {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    }
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, tag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    // The URL is the credential: never sent on as a referrer, never indexed.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(res)
}

/// Whether an `If-None-Match` entry names `etag` (weak comparison, as RFC 9110 asks for it).
fn matches(tag: &str, etag: &str) -> bool {
    tag == "*" || tag.trim_start_matches("W/") == etag.trim_start_matches("W/")
}

/// The host's feed: bookings that ended at most [`LOOKBACK`] ago, confirmed ones first up to
/// [`MAX_EVENTS`], then those cancelled within [`LOOKBACK`], in order of start.
async fn render(state: &AppState, host: &Host) -> ApiResult<String> {
    let now = state.clock.now_second();
    let horizon = i64::from(sked_core::rules::MAX_DAYS_AHEAD) * 86_400;
    let list = |status: BookingStatus, limit: i64| BookingFilter {
        from: Some(now - LOOKBACK),
        to: Some(now + horizon),
        host_id: Some(host.id),
        status: Some(status.as_str().into()),
        limit,
        ..BookingFilter::default()
    };
    let read = |f: BookingFilter| async move {
        state.store.list_bookings(host.tenant_id, &f).await.map_err(|e| ApiError::Internal(e.into()))
    };
    let mut bookings = read(list(BookingStatus::Confirmed, MAX_EVENTS)).await?;
    let room = MAX_EVENTS - i64::try_from(bookings.len()).unwrap_or(MAX_EVENTS);
    if room > 0 {
        let cancelled = read(list(BookingStatus::Cancelled, MAX_EVENTS)).await?;
        let recent = cancelled.into_iter().filter(|b| b.updated_at >= now - LOOKBACK);
        bookings.extend(recent.take(usize::try_from(room).unwrap_or(0)));
    }
    bookings.sort_by_key(|b| (b.start_at, b.id));
    let (event_types, hosts) = related(state, host, &bookings).await?;
    let events = bookings
        .iter()
        .filter_map(|b| {
            let e = event_types.get(&b.event_type_id)?;
            let h = hosts.get(&b.host_id).unwrap_or(host);
            let invite = crate::ics::invite(b, e, h);
            Some(sked_ics::Invite { attendee_phone: b.attendee_phone.as_deref(), ..invite })
        })
        .collect();
    Ok(sked_ics::render_feed(&sked_ics::Feed { name: &host.name, refresh_minutes: REFRESH_MINUTES, events }))
}

/// The event types of `bookings`, and the hosts they name first (a team booking's event names
/// its first host, as its own calendar object does), each read once.
async fn related(
    state: &AppState,
    host: &Host,
    bookings: &[Booking],
) -> ApiResult<(HashMap<EventTypeId, EventType>, HashMap<HostId, Host>)> {
    let tenant = host.tenant_id;
    let mut event_types = HashMap::new();
    let mut hosts = HashMap::from([(host.id, host.clone())]);
    for b in bookings {
        if !event_types.contains_key(&b.event_type_id) {
            match state.store.event_type(tenant, b.event_type_id).await {
                Ok(e) => {
                    event_types.insert(e.id, e);
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(ApiError::Internal(e.into())),
            }
        }
        if !hosts.contains_key(&b.host_id) {
            match state.store.host(tenant, b.host_id).await {
                Ok(h) => {
                    hosts.insert(h.id, h);
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(ApiError::Internal(e.into())),
            }
        }
    }
    Ok((event_types, hosts))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_compares_weakly_and_takes_a_star() {
        let etag = "W/\"abc\"";
        assert!(matches("W/\"abc\"", etag) && matches("\"abc\"", etag) && matches("*", etag));
        assert!(!matches("\"abd\"", etag) && !matches("abc", etag));
    }
}
