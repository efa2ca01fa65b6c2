//! `/v1/bookings`: create, read, list and search, move, cancel, history and ICS.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sked_app::bookings::{self, check_metadata};
use sked_app::{NewBooking, Written};
use sked_core::FieldError;
use sked_core::booking::{BookingSource, BookingStatus, BookingText, normalize_code};
use sked_core::contact::{Email, Phone};
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_core::local::parse_zone;
use sked_store::BookingFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, JsonBytes, RawJson};
use crate::idempotency::{self, IdempotencyHeader};
use crate::pagination::{Paged, bad_cursor, decode, encode, limit};
use crate::state::AppState;
use crate::time::{parse_instant, rfc3339};

mod shapes;

pub use shapes::*;

/// An optional `host_id`; a malformed one is reported in `errors`.
fn host_id(text: Option<&str>, errors: &mut Vec<FieldError>) -> Option<HostId> {
    let parsed = text.map(str::parse::<HostId>)?;
    parsed.map_err(|_| errors.push(FieldError::new("host_id", "is not an id"))).ok()
}

/// Validates a booking request; every invalid field is reported.
pub(crate) fn validate(b: CreateBooking) -> ApiResult<NewBooking> {
    let mut errors = Vec::new();
    let event_type_id = b
        .event_type_id
        .parse::<EventTypeId>()
        .map_err(|_| errors.push(FieldError::new("event_type_id", "is not an id")))
        .ok();
    let start = parse_instant("start", &b.start).map_err(|e| errors.push(e)).ok();
    let attendee = b.attendee;
    let text = BookingText::parse(&attendee.name, b.notes.as_deref(), b.external_ref.as_deref())
        .map_err(|e| errors.extend(e))
        .ok();
    let email = attendee
        .email
        .as_deref()
        .and_then(|e| Email::parse(e).map_err(|m| errors.push(FieldError::new("attendee.email", m))).ok());
    let phone = attendee
        .phone
        .as_deref()
        .and_then(|p| Phone::parse(p).map_err(|m| errors.push(FieldError::new("attendee.phone", m))).ok());
    if let Some(tz) = &attendee.time_zone
        && let Err(e) = parse_zone("attendee.time_zone", tz)
    {
        errors.push(e);
    }
    let host_id = host_id(b.host_id.as_deref(), &mut errors);
    let metadata = b.metadata.unwrap_or_else(|| Value::Object(Default::default()));
    if let Err(e) = check_metadata(&metadata) {
        errors.push(e);
    }
    // `calcom` is written only by the Cal.com mirror.
    let source = BookingSource::parse(b.source.as_deref().unwrap_or("api"))
        .filter(|s| *s != BookingSource::Calcom)
        .ok_or_else(|| errors.push(FieldError::new("source", "must be api, widget or voice")))
        .ok();
    match (event_type_id, start, text, source) {
        (Some(event_type_id), Some(start), Some(text), Some(source)) if errors.is_empty() => Ok(NewBooking {
            event_type_id,
            start: start.as_second(),
            attendee: sked_app::Attendee { name: text.name, email, phone, time_zone: attendee.time_zone },
            host_id,
            notes: text.notes,
            metadata,
            source,
            external_ref: text.external_ref,
            answers: b.answers.unwrap_or(Value::Null),
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

fn respond(status: StatusCode, w: Written) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], w.body).into_response()
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get))
        .routes(routes!(by_code))
        .routes(routes!(reschedule))
        .routes(routes!(cancel))
        .routes(routes!(history))
        .routes(routes!(crate::ics::booking_ics))
}

/// Book a time.
///
/// The host is chosen by the event type's assignment unless `host_id` is given. Send an
/// `Idempotency-Key` header to make retries safe.
#[utoipa::path(post, path = "/v1/bookings", tag = "bookings", request_body = CreateBooking,
    params(IdempotencyHeader),
    responses((status = 201, body = BookingView),
        (status = 404, description = "not_found: no such event type", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "slot_unavailable, with alternatives", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, outside_availability or idempotency_mismatch", body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    headers: HeaderMap,
    body: RawJson,
) -> ApiResult<Response> {
    let idem = idempotency::from_request(&headers, "POST", "/v1/bookings", &body.0)?;
    if let Some(replay) = idempotency::replay(&state, auth.tenant, idem.as_ref()).await? {
        return Ok(replay);
    }
    let req = validate(body.parse()?)?;
    let w = bookings::create(&state.app, &auth.actor(), &req, idem.as_ref()).await?;
    Ok(respond(StatusCode::CREATED, w))
}

/// List and search bookings, by start.
#[utoipa::path(get, path = "/v1/bookings", tag = "bookings", params(BookingQuery),
    responses((status = 200, body = Paged<BookingView>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<BookingQuery>,
) -> ApiResult<Json<Paged<BookingView>>> {
    let mut errors = Vec::new();
    let mut instant = |field: &str, v: &Option<String>| {
        v.as_deref()
            .and_then(|t| parse_instant(field, t).map_err(|e| errors.push(e)).ok())
            .map(|t| t.as_second())
    };
    let from = instant("from", &q.from);
    let to = instant("to", &q.to);
    let host_id = q
        .host_id
        .as_deref()
        .and_then(|h| h.parse().map_err(|_| errors.push(FieldError::new("host_id", "is not an id"))).ok());
    let event_type_id = q.event_type_id.as_deref().and_then(|h| {
        h.parse().map_err(|_| errors.push(FieldError::new("event_type_id", "is not an id"))).ok()
    });
    if let Some(s) = &q.status
        && BookingStatus::parse(s).is_none()
    {
        errors.push(FieldError::new("status", "must be confirmed or cancelled"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let after = match &q.cursor {
        None => None,
        Some(c) => {
            let text = decode(c).ok_or_else(bad_cursor)?;
            let (start, id) = text.split_once(':').ok_or_else(bad_cursor)?;
            Some((start.parse().map_err(|_| bad_cursor())?, id.parse().map_err(|_| bad_cursor())?))
        }
    };
    let limit = limit(q.limit)?;
    for (field, v) in [("q", &q.q), ("external_ref", &q.external_ref), ("status", &q.status)] {
        if v.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(ApiError::field(field, "must be at most 200 characters"));
        }
    }
    let filter = BookingFilter {
        from,
        to,
        host_id,
        status: q.status.clone(),
        event_type_id,
        q: q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        external_ref: q.external_ref.clone(),
        source: None,
        after,
        limit,
    };
    let rows =
        state.store.list_bookings(auth.tenant, &filter).await.map_err(|e| ApiError::store("booking", e))?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|b| encode(&format!("{}:{}", b.start_at, b.id))))
        .flatten();
    Ok(Json(Paged {
        data: rows.into_iter().map(|b| view(&state.app, b)).collect::<ApiResult<_>>()?,
        next_cursor: next,
    }))
}

/// Get a booking.
#[utoipa::path(get, path = "/v1/bookings/{id}", tag = "bookings", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = BookingView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
) -> ApiResult<Json<BookingView>> {
    let b = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    Ok(Json(view(&state.app, b)?))
}

/// Find a booking by its confirmation code (case, spaces and dashes do not matter).
#[utoipa::path(get, path = "/v1/bookings/by-code/{code}", tag = "bookings", params(("code" = String, Path)),
    responses((status = 200, body = BookingView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn by_code(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<BookingView>> {
    let b = state
        .store
        .booking_by_code(auth.tenant, &normalize_code(&code))
        .await
        .map_err(|e| ApiError::store("booking", e))?;
    Ok(Json(view(&state.app, b)?))
}

/// Move a booking to another start (same rules as booking; its own old time counts as free).
#[utoipa::path(post, path = "/v1/bookings/{id}/reschedule", tag = "bookings", params(("id" = uuid::Uuid, Path), IdempotencyHeader),
    request_body = RescheduleBooking,
    responses((status = 200, body = BookingView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reschedule(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
    headers: HeaderMap,
    body: RawJson,
) -> ApiResult<Response> {
    let path = format!("/v1/bookings/{id}/reschedule");
    let idem = idempotency::from_request(&headers, "POST", &path, &body.0)?;
    if let Some(replay) = idempotency::replay(&state, auth.tenant, idem.as_ref()).await? {
        return Ok(replay);
    }
    let req: RescheduleBooking = body.parse()?;
    let mut errors = Vec::new();
    let start = parse_instant("start", &req.start).map_err(|e| errors.push(e)).ok();
    let host = host_id(req.host_id.as_deref(), &mut errors);
    let reason = sked_core::booking::reason(req.reason.as_deref()).map_err(|e| errors.push(e)).ok().flatten();
    let Some(start) = start.filter(|_| errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let actor = auth.actor();
    let w =
        bookings::reschedule(&state.app, &actor, id, start.as_second(), host, reason, idem.as_ref()).await?;
    Ok(respond(StatusCode::OK, w))
}

/// Cancel a booking; its time is free at once. Cancelling twice is not an error.
#[utoipa::path(post, path = "/v1/bookings/{id}/cancel", tag = "bookings", params(("id" = uuid::Uuid, Path), IdempotencyHeader),
    request_body(content = Option<CancelBooking>, description = "Optional: no body cancels without a reason"),
    responses((status = 200, body = BookingView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn cancel(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
    headers: HeaderMap,
    body: JsonBytes,
) -> ApiResult<Response> {
    let idem = idempotency::from_request(&headers, "POST", &format!("/v1/bookings/{id}/cancel"), &body.0)?;
    if let Some(replay) = idempotency::replay(&state, auth.tenant, idem.as_ref()).await? {
        return Ok(replay);
    }
    // The body is optional: no body cancels without a reason.
    let req: CancelBooking = body.parse_or_default()?;
    let reason = sked_core::booking::reason(req.reason.as_deref())?;
    let w = bookings::cancel(&state.app, &auth.actor(), id, reason, idem.as_ref()).await?;
    Ok(respond(StatusCode::OK, w))
}

/// Every change to a booking, oldest first.
#[utoipa::path(get, path = "/v1/bookings/{id}/history", tag = "bookings", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = HistoryList), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn history(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
) -> ApiResult<Json<HistoryList>> {
    state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    let rows =
        state.store.booking_history(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Json(HistoryList {
        data: rows
            .into_iter()
            .map(|h| HistoryView {
                at: rfc3339(h.at),
                actor: h.actor,
                action: h.action.as_str().to_owned(),
                before: json(h.before),
                after: json(h.after),
                reason: h.reason,
            })
            .collect(),
    }))
}
