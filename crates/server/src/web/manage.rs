//! `/m/{token}`: the attendee's page for one booking, reached by the signed link in every
//! message. It shows the booking, adds it to a calendar, moves it (through the same rules as the
//! API: the old time stays booked until the new one is written) and cancels it with a reason.
//! A token that does not verify, or whose booking has ended, answers 404.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_core::booking::BookingStatus;
use sked_core::interval::timestamp;
use sked_store::{Booking, EventType, Tenant};
use sked_web::public::{Alternative, CalendarLinks, GonePage, ManagePage};

use super::book::{alternatives_of, gone, intro};
use super::page::{Reader, calendar_links, hour12, html, see_other};
use super::picker::{self, View};
use crate::error::ApiError;
use crate::notify::links;
use crate::state::AppState;

const GONE: &str = "This link does not work: it may have expired when the booking ended.";

/// What a manage token leads to.
struct Managed {
    tenant: Tenant,
    booking: Booking,
    event_type: EventType,
    path: String,
}

fn not_found() -> Response {
    html(StatusCode::NOT_FOUND, &GonePage { message: GONE.into() })
}

async fn open(state: &AppState, token: &str) -> Result<Managed, Response> {
    let Some(sealer) = &state.sealer else { return Err(not_found()) };
    let Some(id) = links::manage_booking(sealer, token) else { return Err(not_found()) };
    let tenant_id =
        state.store.booking_tenant(id).await.map_err(|e| gone(ApiError::store("booking", e), GONE))?;
    let booking =
        state.store.booking(tenant_id, id).await.map_err(|e| gone(ApiError::store("booking", e), GONE))?;
    if booking.end_at <= state.clock.now_second() {
        return Err(not_found());
    }
    let tenant =
        state.store.tenant(tenant_id).await.map_err(|e| gone(ApiError::store("booking", e), GONE))?;
    let event_type = state
        .store
        .event_type(tenant_id, booking.event_type_id)
        .await
        .map_err(|e| gone(ApiError::store("booking", e), GONE))?;
    Ok(Managed { tenant, booking, event_type, path: format!("/m/{token}") })
}

fn reader(m: &Managed, tz: Option<&str>, headers: &HeaderMap) -> Reader {
    let tz = tz
        .or(m.booking.attendee_time_zone.as_deref())
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC);
    Reader { tz, hour12: hour12(headers) }
}

async fn render(
    state: &AppState,
    m: &Managed,
    r: &Reader,
    view: &View,
    status: StatusCode,
    problem: Option<String>,
    alternatives: Vec<Alternative>,
) -> Response {
    let b = &m.booking;
    let (start, end) = (timestamp(b.start_at), timestamp(b.end_at));
    let confirmed = b.status == BookingStatus::Confirmed;
    let details = format!("Confirmation code {}", b.confirmation_code);
    let (google, outlook) = calendar_links(&m.event_type.title, start, end, &details);
    let picker = if confirmed && alternatives.is_empty() {
        match picker::build(
            state,
            m.tenant.id,
            m.event_type.id,
            m.event_type.max_days_ahead,
            r,
            view,
            &m.path,
        )
        .await
        {
            Ok(p) => Some(p),
            Err(e) => return gone(e, GONE),
        }
    } else {
        None
    };
    let confirm_move = view
        .start
        .as_deref()
        .filter(|_| confirmed)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map(|t| Alternative { start: t.to_string(), label: r.moment(t) });
    let banner = if view.booked.is_some() {
        Some(format!(
            "You are booked. We sent the details to {}.",
            b.attendee_email.as_deref().unwrap_or("you")
        ))
    } else if view.moved.is_some() {
        Some("Your booking was moved.".to_owned())
    } else {
        None
    };
    let page = ManagePage {
        intro: intro(&m.tenant, &m.event_type),
        when: r.span(start, end),
        code: b.confirmation_code.clone(),
        status: b.status.as_str().to_owned(),
        cancel_reason: b.cancel_reason.clone(),
        banner,
        calendar: CalendarLinks { ics: format!("{}/booking.ics", m.path), google, outlook },
        path: m.path.clone(),
        picker,
        confirm_move,
        alternatives,
        problem,
        tz: r.zone(),
    };
    html(status, &page)
}

/// The manage page.
pub async fn page(
    State(state): State<AppState>,
    _client: crate::public::PublicClient,
    Path(token): Path<String>,
    Query(view): Query<View>,
    headers: HeaderMap,
) -> Response {
    let m = match open(&state, &token).await {
        Ok(m) => m,
        Err(res) => return res,
    };
    let r = reader(&m, view.tz.as_deref(), &headers);
    render(&state, &m, &r, &view, StatusCode::OK, None, vec![]).await
}

fn actor(m: &Managed) -> sked_app::Actor {
    sked_app::Actor { tenant: m.tenant.id, name: "attendee".into() }
}

fn field<'a>(fields: &'a [(String, String)], k: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.trim())
}

/// Moves the booking to the posted start.
pub async fn reschedule(
    State(state): State<AppState>,
    _client: crate::public::PublicClient,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let m = match open(&state, &token).await {
        Ok(m) => m,
        Err(res) => return res,
    };
    let tz = field(&fields, "tz");
    let r = reader(&m, (!tz.is_empty()).then_some(tz), &headers);
    let Ok(start) = field(&fields, "start").parse::<Timestamp>() else {
        return see_other(&m.path);
    };
    let moved = sked_app::bookings::reschedule(
        &state.app,
        &actor(&m),
        m.booking.id,
        start.as_second(),
        None,
        None,
        None,
    )
    .await;
    match moved.map_err(ApiError::from) {
        Ok(_) => see_other(&format!(
            "{}?moved=1&tz={}",
            m.path,
            url::form_urlencoded::byte_serialize(r.zone().as_bytes()).collect::<String>()
        )),
        Err(ApiError::Unbookable { status, alternatives, detail, .. }) => {
            let alternatives = alternatives_of(&r, &alternatives);
            let problem = if alternatives.is_empty() {
                format!("That time can no longer be booked ({detail}). Your booking was not changed.")
            } else {
                "That time was just taken; your booking was not changed. Choose one of the nearest free times.".into()
            };
            render(&state, &m, &r, &View::default(), status, Some(problem), alternatives).await
        }
        Err(ApiError::Client { status, detail, .. }) => {
            render(&state, &m, &r, &View::default(), status, Some(detail), vec![]).await
        }
        Err(e) => e.into_response(),
    }
}

/// Cancels the booking with the posted reason.
pub async fn cancel(
    State(state): State<AppState>,
    _client: crate::public::PublicClient,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let m = match open(&state, &token).await {
        Ok(m) => m,
        Err(res) => return res,
    };
    let reason = field(&fields, "reason");
    let reason = (!reason.is_empty()).then(|| reason.to_owned());
    match sked_app::bookings::cancel(&state.app, &actor(&m), m.booking.id, reason, None)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(&m.path),
        Err(ApiError::Validation(errors)) => {
            let r = reader(&m, None, &headers);
            let problem = errors.first().map(|e| format!("The reason {}.", e.message));
            render(&state, &m, &r, &View::default(), StatusCode::UNPROCESSABLE_ENTITY, problem, vec![]).await
        }
        Err(e) => e.into_response(),
    }
}

/// The booking as a calendar file.
pub async fn ics(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let m = match open(&state, &token).await {
        Ok(m) => m,
        Err(res) => return res,
    };
    let host = match state.store.host(m.tenant.id, m.booking.host_id).await {
        Ok(h) => h,
        Err(e) => return ApiError::store("host", e).into_response(),
    };
    let body = crate::ics::render(&m.booking, &m.event_type, &host);
    let mut res = (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.ics\"", m.booking.confirmation_code),
            ),
        ],
        body,
    )
        .into_response();
    super::page::secure(res.headers_mut());
    res
}
