//! The public booking API behind the booking page and the widget: `/public/v1/{tenant_slug}/...`.
//!
//! No key: a tenant and an event type are named by their slugs, every request is counted against
//! its client address first (`SKED_PUBLIC_RATE_LIMIT_PER_SECOND`, burst
//! `SKED_PUBLIC_RATE_LIMIT_BURST`), and any origin may call it (CORS), since the widget runs on
//! the business's own site. Slots and bookings go through the same code as the private API, so a
//! booking made here follows every rule and answers every error a private one does; it is
//! recorded with source `widget` and history actor `attendee`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sked_app::{Checked, Snapshot, bookings};
use sked_core::ids::EventTypeId;
use sked_core::questions::Question;
use sked_store::{EventType, StoreError, Tenant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::bookings::{Attendee, BookingView, CreateBooking};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, RawJson};
use crate::guard::ClientAddr;
use crate::idempotency::{self, IdempotencyHeader};
use crate::openapi::Instant;
use crate::slots::{SlotsQuery, SlotsView};
use crate::state::AppState;

/// Routes of the public API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(event_type))
        .routes(routes!(slots))
        .routes(routes!(book))
        // A month of slots is tens of kilobytes of JSON: compressed for browsers that ask.
        .layer(tower_http::compression::CompressionLayer::new())
}

/// CORS for the whole server: open to any origin on the public API (answers and preflights),
/// nothing elsewhere. It wraps the whole router so preflights reach it whatever the routes.
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|_, parts| parts.uri.path().starts_with("/public/")))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(3_600))
}

/// A request to the public API, counted against its client address before anything else.
#[derive(Debug)]
pub struct PublicClient;

impl FromRequestParts<AppState> for PublicClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let addr = ClientAddr::of(parts, state.settings.trust_forwarded_for).bucket();
        let key = match addr {
            std::net::IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
            std::net::IpAddr::V6(v6) => u128::from(v6),
        };
        state.public_limiter.check(key)?;
        Ok(Self)
    }
}

/// An event type as the public sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicEventType {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub duration_minutes: i64,
    /// The zone the business keeps its hours in (its first host's schedule zone).
    pub time_zone: String,
    /// Questions asked when booking (`[]` when none).
    #[schema(value_type = Vec<crate::event_types::QuestionShape>)]
    pub questions: Vec<Question>,
    /// Where the meeting happens, when set.
    pub location: Option<String>,
    /// Days ahead a booking may be made.
    pub max_days_ahead: i64,
    /// The business's name.
    pub business_name: String,
}

/// Books a time from the booking page or the widget.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicBooking {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,63}$")]
    pub event_type_slug: String,
    /// RFC 3339; must be a slot of the event type.
    #[schema(value_type = Instant)]
    pub start: String,
    pub attendee: Attendee,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// Answers to the event type's questions, keyed by question id.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub answers: Option<serde_json::Value>,
}

/// Could `s` be a slug at all (so nothing else reaches the store)?
fn plausible(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The tenant a public URL names.
pub async fn tenant(state: &AppState, slug: &str) -> ApiResult<Tenant> {
    if !plausible(slug) {
        return Err(ApiError::not_found("booking page"));
    }
    match state.store.tenant_by_slug(slug).await {
        Ok(t) => Ok(t),
        Err(StoreError::NotFound) => Err(ApiError::not_found("booking page")),
        Err(e) => Err(ApiError::Internal(e.into())),
    }
}

/// The event type a public URL names, of a tenant named by slug.
pub async fn event_type_of(state: &AppState, tenant: &Tenant, slug: &str) -> ApiResult<EventType> {
    if !plausible(slug) {
        return Err(ApiError::not_found("event type"));
    }
    state.store.event_type_by_slug(tenant.id, slug).await.map_err(|e| ApiError::store("event type", e))
}

/// The tenant and the event type a public URL names, for the pages and answers that only read:
/// resolved through [`Names`] (their details come from the event type's slot snapshot, as
/// fresh as the slots it shows).
pub async fn named(state: &AppState, tenant_slug: &str, slug: &str) -> ApiResult<(Arc<Tenant>, EventTypeId)> {
    // Read before the slugs: a write counted after this may not show in them.
    let writes = state.store.writes();
    let now = state.clock.now_second();
    let key = (tenant_slug.to_owned(), slug.to_owned());
    if let Some(n) = state.public_names.entries.get(&key)
        && n.checked.holds(writes, now)
    {
        return Ok((n.tenant.clone(), n.event_type));
    }
    let tenant = Arc::new(tenant(state, tenant_slug).await?);
    let event_type = event_type_of(state, &tenant, slug).await?.id;
    let checked = Checked::new(writes, now);
    state.public_names.entries.insert(key, Arc::new(Named { tenant: tenant.clone(), event_type, checked }));
    Ok((tenant, event_type))
}

/// Public URLs' slugs resolved to their tenant and event type, so that a booking page's slot
/// answers cost what the private API's do rather than three or four reads more. An entry is
/// used under the rule slot snapshots follow ([`Checked`]): while this process has written
/// nothing since it was read (a slug renamed or an event type removed here shows at once) and
/// for at most a second (one changed by another process shows within that). Only names found
/// are kept (a new slug answers at once), at most [`MAX_NAMES`], the least used leaving first.
#[derive(Debug)]
pub struct Names {
    entries: moka::sync::Cache<(String, String), Arc<Named>>,
}

/// Most public URLs' names kept (each slug is at most 64 bytes).
const MAX_NAMES: u64 = 10_000;

impl Default for Names {
    fn default() -> Self {
        Self { entries: moka::sync::Cache::new(MAX_NAMES) }
    }
}

/// What a public URL's two slugs named when last read.
#[derive(Debug)]
struct Named {
    tenant: Arc<Tenant>,
    event_type: EventTypeId,
    checked: Checked,
}

/// The public view of an event type, from its snapshot.
pub fn public_view(tenant: &Tenant, snap: &Snapshot) -> PublicEventType {
    let e = &snap.event_type;
    PublicEventType {
        time_zone: snap.default_zone().iana_name().unwrap_or("UTC").to_owned(),
        questions: bookings::questions(&e.questions),
        slug: e.slug.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        duration_minutes: e.duration_minutes,
        location: e.location.clone(),
        max_days_ahead: e.max_days_ahead,
        business_name: tenant.name.clone(),
    }
}

/// An event type's public description.
#[utoipa::path(get, path = "/public/v1/{tenant_slug}/event-types/{event_type_slug}", tag = "public",
    params(("tenant_slug" = String, Path), ("event_type_slug" = String, Path)),
    responses((status = 200, body = PublicEventType), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn event_type(
    State(state): State<AppState>,
    _client: PublicClient,
    ApiPath((tenant_slug, slug)): ApiPath<(String, String)>,
) -> ApiResult<Json<PublicEventType>> {
    let (t, e) = named(&state, &tenant_slug, &slug).await?;
    let snap = state.app.availability.get(t.id, e, state.clock.now_second()).await?;
    Ok(Json(public_view(&t, &snap)))
}

/// Bookable slots of an event type, as the private slots answer them.
#[utoipa::path(get, path = "/public/v1/{tenant_slug}/event-types/{event_type_slug}/slots", tag = "public",
    params(("tenant_slug" = String, Path), ("event_type_slug" = String, Path), SlotsQuery),
    responses((status = 200, body = SlotsView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn slots(
    State(state): State<AppState>,
    _client: PublicClient,
    ApiPath((tenant_slug, slug)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<SlotsQuery>,
) -> ApiResult<Response> {
    let (t, e) = named(&state, &tenant_slug, &slug).await?;
    crate::slots::answer_json(&state, t.id, e, q, Some(&headers)).await
}

/// Book a time (source `widget`). Send an `Idempotency-Key` header to make retries safe.
#[utoipa::path(post, path = "/public/v1/{tenant_slug}/bookings", tag = "public", request_body = PublicBooking,
    params(("tenant_slug" = String, Path), IdempotencyHeader),
    responses((status = 201, body = BookingView),
        (status = 404, description = "not_found: no such booking page or event type", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "slot_unavailable, with alternatives", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, outside_availability or idempotency_mismatch", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn book(
    State(state): State<AppState>,
    _client: PublicClient,
    ApiPath(tenant_slug): ApiPath<String>,
    headers: HeaderMap,
    body: RawJson,
) -> ApiResult<Response> {
    let t = tenant(&state, &tenant_slug).await?;
    let path = format!("/public/v1/{tenant_slug}/bookings");
    let idem = idempotency::from_request(&headers, "POST", &path, &body.0)?;
    if let Some(replay) = idempotency::replay(&state, t.id, idem.as_ref()).await? {
        return Ok(replay);
    }
    let b: PublicBooking = body.parse()?;
    let e = event_type_of(&state, &t, &b.event_type_slug).await.map_err(|err| match err {
        ApiError::Client { status: StatusCode::NOT_FOUND, .. } => {
            ApiError::Validation(vec![sked_core::FieldError::new("event_type_slug", "no such event type")])
        }
        other => other,
    })?;
    let w = create(&state, &t, e.id, b, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], w.body).into_response())
}

/// Books through the same checks as the private API, as the attendee, from the widget.
pub async fn create(
    state: &AppState,
    t: &Tenant,
    event_type: sked_core::ids::EventTypeId,
    b: PublicBooking,
    idem: Option<&sked_app::Idempotency>,
) -> ApiResult<sked_app::Written> {
    let req = crate::bookings::validate(CreateBooking {
        event_type_id: event_type.to_string(),
        start: b.start,
        attendee: b.attendee,
        host_id: None,
        notes: b.notes,
        metadata: None,
        answers: b.answers,
        source: Some("widget".into()),
        external_ref: None,
    })?;
    let actor = sked_app::Actor { tenant: t.id, name: "attendee".into() };
    Ok(bookings::create(&state.app, &actor, &req, idem).await?)
}
