//! `/v1/bookings`: create, read, list and search, move, cancel, history and ICS.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sked_core::FieldError;
use sked_core::booking::{BookingSource, BookingStatus, normalize_code};
use sked_core::contact::{Email, Phone};
use sked_core::ids::{BookingId, EventTypeId, HostId};
use sked_core::local::parse_zone;
use sked_store::{Booking, BookingFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::booking_flow::{self, NewBooking, Written};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, JsonBytes, RawJson};
use crate::idempotency::{IdempotencyHeader, IdempotencyKey};
use crate::openapi::{EmailAddress, Instant, PhoneNumber, TimeZoneName};
use crate::pagination::{Paged, bad_cursor, decode, encode, limit};
use crate::state::AppState;
use crate::time::{parse_instant, rfc3339};

/// Who a booking is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<String>,
    /// E.164 (`+15551234567`).
    #[schema(value_type = Option<PhoneNumber>)]
    pub phone: Option<String>,
    /// The attendee's IANA zone, for messages to them.
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
}

/// A booking as answers show it: the attendee's details as they were stored.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
struct AttendeeView {
    name: String,
    email: Option<String>,
    /// E.164 (`+15551234567`).
    phone: Option<String>,
    /// The attendee's IANA zone, for messages to them.
    time_zone: Option<String>,
}

/// A booking's status.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Status {
    Confirmed,
    Cancelled,
}

/// Where a booking came from.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Source {
    Api,
    Widget,
    Voice,
}

/// A booking.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BookingView {
    #[schema(value_type = String, format = Uuid)]
    pub id: BookingId,
    /// Stable calendar UID (ICS).
    pub uid: String,
    /// 6–8 characters without look-alikes.
    pub confirmation_code: String,
    /// `confirmed` or `cancelled`.
    #[schema(value_type = Status)]
    pub status: String,
    #[schema(value_type = String, format = Uuid)]
    pub event_type_id: EventTypeId,
    #[schema(value_type = String, format = Uuid)]
    pub host_id: HostId,
    /// Every host the booking occupies, `host_id` first.
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub host_ids: Vec<HostId>,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    #[schema(value_type = AttendeeView)]
    pub attendee: Attendee,
    pub notes: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// `api`, `widget` or `voice`.
    pub source: String,
    pub external_ref: Option<String>,
    /// Grows with each reschedule.
    pub sequence: i64,
    pub cancel_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Books a time.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBooking {
    #[schema(value_type = String, format = Uuid)]
    pub event_type_id: String,
    /// RFC 3339; must be a slot of the event type.
    #[schema(value_type = Instant)]
    pub start: String,
    pub attendee: Attendee,
    /// Book this host (otherwise the event type's assignment chooses).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<String>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// Any JSON object, kept with the booking (at most 16 KiB as JSON).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// `api` (default), `widget` or `voice`.
    #[schema(value_type = Option<Source>)]
    pub source: Option<String>,
    /// The caller's own reference.
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
}

/// Moves a booking.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBooking {
    /// New start, RFC 3339; must be a slot of the event type.
    #[schema(value_type = Instant)]
    pub start: String,
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// Move it to this host.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<String>,
}

/// Cancels a booking.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBooking {
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// One change in a booking's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryView {
    #[schema(format = DateTime)]
    pub at: String,
    /// `api_key:<id>`, `operator`, `system`, `google`, ...
    pub actor: String,
    /// `created`, `rescheduled` or `cancelled`.
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// A booking's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryList {
    pub data: Vec<HistoryView>,
}

/// Filters of the booking list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookingQuery {
    /// Bookings ending after this instant (RFC 3339).
    #[param(value_type = Option<Instant>, inline)]
    pub from: Option<String>,
    /// Bookings starting before this instant (RFC 3339).
    #[param(value_type = Option<Instant>, inline)]
    pub to: Option<String>,
    #[param(format = Uuid)]
    pub host_id: Option<String>,
    /// `confirmed` or `cancelled`.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Text in the attendee's name, email or phone, or the confirmation code.
    pub q: Option<String>,
    #[param(format = Uuid)]
    pub event_type_id: Option<String>,
    /// The caller's own reference (a voice booking's call id).
    pub external_ref: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The API's view of a stored booking.
pub fn view(b: Booking) -> ApiResult<BookingView> {
    Ok(BookingView {
        id: b.id,
        uid: b.uid,
        confirmation_code: b.confirmation_code,
        status: b.status,
        event_type_id: b.event_type_id,
        host_id: b.host_id,
        host_ids: b.host_ids.0,
        start: rfc3339(b.start_at),
        end: rfc3339(b.end_at),
        attendee: Attendee {
            name: b.attendee_name,
            email: b.attendee_email,
            phone: b.attendee_phone,
            time_zone: b.attendee_time_zone,
        },
        notes: b.notes,
        metadata: serde_json::from_str(&b.metadata).map_err(anyhow::Error::from)?,
        source: b.source,
        external_ref: b.external_ref,
        sequence: b.sequence,
        cancel_reason: b.cancel_reason,
        created_at: rfc3339(b.created_at),
        updated_at: rfc3339(b.updated_at),
    })
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>, max: usize) {
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

/// Validates a booking request; every invalid field is reported.
fn validate(b: CreateBooking) -> ApiResult<NewBooking> {
    let mut errors = Vec::new();
    let event_type_id = b
        .event_type_id
        .parse::<EventTypeId>()
        .map_err(|_| errors.push(FieldError::new("event_type_id", "is not an id")))
        .ok();
    let start = parse_instant("start", &b.start).map_err(|e| errors.push(e)).ok();
    let mut attendee = b.attendee;
    attendee.name = attendee.name.trim().to_owned();
    if attendee.name.is_empty() || attendee.name.chars().count() > 200 {
        errors.push(FieldError::new("attendee.name", "must be 1 to 200 characters"));
    }
    if let Some(e) = &attendee.email {
        match Email::parse(e) {
            Ok(e) => attendee.email = Some(e.to_string()),
            Err(m) => errors.push(FieldError::new("attendee.email", m)),
        }
    }
    if let Some(p) = &attendee.phone {
        match Phone::parse(p) {
            Ok(p) => attendee.phone = Some(p.to_string()),
            Err(m) => errors.push(FieldError::new("attendee.phone", m)),
        }
    }
    if let Some(tz) = &attendee.time_zone
        && let Err(e) = parse_zone("attendee.time_zone", tz)
    {
        errors.push(e);
    }
    let host_id = match b.host_id.as_deref().map(str::parse::<HostId>) {
        Some(Ok(h)) => Some(h),
        Some(Err(_)) => {
            errors.push(FieldError::new("host_id", "is not an id"));
            None
        }
        None => None,
    };
    check_len(&mut errors, "notes", &b.notes, 5_000);
    check_len(&mut errors, "external_ref", &b.external_ref, 200);
    let metadata = b.metadata.unwrap_or_else(|| Value::Object(Default::default()));
    if !metadata.is_object() {
        errors.push(FieldError::new("metadata", "must be a JSON object"));
    } else if metadata.to_string().len() > 16 * 1024 {
        errors.push(FieldError::new("metadata", "must be at most 16 KiB of JSON"));
    }
    let source = b.source.unwrap_or_else(|| "api".into());
    if BookingSource::parse(&source).is_none() {
        errors.push(FieldError::new("source", "must be api, widget or voice"));
    }
    match (event_type_id, start) {
        (Some(event_type_id), Some(start)) if errors.is_empty() => Ok(NewBooking {
            event_type_id,
            start: start.as_second(),
            attendee,
            host_id,
            notes: b.notes,
            metadata,
            source,
            external_ref: b.external_ref,
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
    let idem = IdempotencyKey::from_request(&headers, "POST", "/v1/bookings", &body.0)?;
    if let Some(k) = &idem
        && let Some(replay) = k.replay(&state, auth.tenant).await?
    {
        return Ok(replay);
    }
    let req = validate(body.parse()?)?;
    let w = booking_flow::create(&state, &auth, &req, idem.as_ref()).await?;
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
    let filter = BookingFilter {
        from,
        to,
        host_id,
        status: q.status.clone(),
        event_type_id,
        q: q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        external_ref: q.external_ref.clone(),
        after,
        limit,
    };
    let rows =
        state.store.list_bookings(auth.tenant, &filter).await.map_err(|e| ApiError::store("booking", e))?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|b| encode(&format!("{}:{}", b.start_at, b.id))))
        .flatten();
    Ok(Json(Paged { data: rows.into_iter().map(view).collect::<ApiResult<_>>()?, next_cursor: next }))
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
    Ok(Json(view(b)?))
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
    Ok(Json(view(b)?))
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
    let idem =
        IdempotencyKey::from_request(&headers, "POST", &format!("/v1/bookings/{id}/reschedule"), &body.0)?;
    if let Some(k) = &idem
        && let Some(replay) = k.replay(&state, auth.tenant).await?
    {
        return Ok(replay);
    }
    let req: RescheduleBooking = body.parse()?;
    let mut errors = Vec::new();
    let start = parse_instant("start", &req.start).map_err(|e| errors.push(e)).ok();
    let host = match req.host_id.as_deref().map(str::parse::<HostId>) {
        Some(Ok(h)) => Some(h),
        Some(Err(_)) => {
            errors.push(FieldError::new("host_id", "is not an id"));
            None
        }
        None => None,
    };
    check_len(&mut errors, "reason", &req.reason, 1_000);
    let Some(start) = start.filter(|_| errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let w = booking_flow::reschedule(&state, &auth, id, start.as_second(), host, req.reason, idem.as_ref())
        .await?;
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
    let idem = IdempotencyKey::from_request(&headers, "POST", &format!("/v1/bookings/{id}/cancel"), &body.0)?;
    if let Some(k) = &idem
        && let Some(replay) = k.replay(&state, auth.tenant).await?
    {
        return Ok(replay);
    }
    // The body is optional: no body cancels without a reason.
    let req: CancelBooking = body.parse_or_default()?;
    let mut errors = Vec::new();
    check_len(&mut errors, "reason", &req.reason, 1_000);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let w = booking_flow::cancel(&state, &auth, id, req.reason, idem.as_ref()).await?;
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
                action: h.action,
                before: json(h.before),
                after: json(h.after),
                reason: h.reason,
            })
            .collect(),
    }))
}
