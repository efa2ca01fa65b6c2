//! The bookings pages: the filtered list (`/admin`), one booking with its history and messages,
//! and its changes (cancel, no-show, reschedule) through the same booking flows as the API. A
//! host user's reads and changes are limited to their host's bookings in the store query itself.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sked_core::booking::{BookingSource, BookingStatus};
use sked_core::ids::BookingId;
use sked_store::{Booking, BookingFilter, MessageFilter, Page};
use sked_web::admin::{Bookings, Change, Choice, Filters};

use super::csrf::Post;
use super::session::Signed;
use super::view::{Names, detail, local, row};
use super::{fail, page};
use crate::error::ApiError;
use crate::state::AppState;

/// Bookings per page of the list.
const PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(list))
        .route("/admin/bookings/{id}", get(show))
        .route("/admin/bookings/{id}/cancel", post(cancel))
        .route("/admin/bookings/{id}/no-show", post(no_show))
        .route("/admin/bookings/{id}/reschedule", post(reschedule))
}

/// The list's filters as the query string has them (all optional, empty means any).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub event_type: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub q: String,
    /// The last row of the page before: `start:id`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

fn day(field: &str, text: &str) -> Result<Option<i64>, ApiError> {
    if text.is_empty() {
        return Ok(None);
    }
    let d: jiff::civil::Date =
        text.parse().map_err(|_| ApiError::field(field, "must be a date, YYYY-MM-DD"))?;
    let t = d.to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| ApiError::field(field, "is out of range"))?;
    Ok(Some(t.timestamp().as_second()))
}

fn some<T>(text: &str, parse: impl FnOnce(&str) -> Option<T>, field: &str) -> Result<Option<T>, ApiError> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some).ok_or_else(|| ApiError::field(field, "is not one of the choices"))
    }
}

/// The store filter for a query, limited to the user's host when they are a host user. Dates
/// are whole UTC days: `to` includes its day.
pub fn filter(who: &Signed, q: &ListQuery, limit: i64) -> Result<BookingFilter, ApiError> {
    let host_id = match who.host_scope() {
        Some(own) => Some(own),
        None => some(&q.host, |h| h.parse().ok(), "host")?,
    };
    let after = some(
        &q.after,
        |a| {
            let (start, id) = a.split_once(':')?;
            Some((start.parse().ok()?, id.parse::<BookingId>().ok()?))
        },
        "after",
    )?;
    Ok(BookingFilter {
        from: day("from", &q.from)?,
        to: day("to", &q.to)?.map(|t| t + 86_400),
        host_id,
        status: some(&q.status, BookingStatus::parse, "status")?.map(|s| s.as_str().into()),
        event_type_id: some(&q.event_type, |e| e.parse().ok(), "event_type")?,
        q: Some(q.q.trim()).filter(|s| !s.is_empty() && s.chars().count() <= 200).map(str::to_owned),
        external_ref: None,
        source: some(&q.source, BookingSource::parse, "source")?.map(|s| s.as_str().into()),
        after,
        limit,
    })
}

fn choices(all: &[&str], chosen: &str) -> Vec<Choice> {
    std::iter::once(("", "Any"))
        .chain(all.iter().map(|s| (*s, *s)))
        .map(|(v, l)| Choice { value: v.into(), label: l.into(), selected: v == chosen })
        .collect()
}

async fn list(State(state): State<AppState>, who: Signed, Query(q): Query<ListQuery>) -> Response {
    let nav = Some(who.nav());
    let result = async {
        let f = filter(&who, &q, PAGE)?;
        let rows = state
            .store
            .list_bookings(who.user.tenant_id, &f)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let names = Names::of(&state.store, who.user.tenant_id).await?;
        Ok::<_, ApiError>((f, rows, names))
    }
    .await;
    let (f, rows, names) = match result {
        Ok(r) => r,
        Err(e) => return fail(nav, e),
    };
    let query = ListQuery { after: String::new(), ..q.clone() };
    let next = (rows.len() as i64 >= PAGE).then(|| rows.last()).flatten().map(|b| {
        serde_urlencoded::to_string(ListQuery { after: format!("{}:{}", b.start_at, b.id), ..query.clone() })
            .unwrap_or_default()
    });
    page(&Bookings {
        nav,
        f: Filters { from: q.from.clone(), to: q.to.clone(), q: q.q.clone() },
        host_locked: who.host_scope().is_some(),
        hosts: names.host_choices(f.host_id),
        statuses: choices(&["confirmed", "cancelled"], &q.status),
        event_types: names.event_type_choices(f.event_type_id),
        sources: choices(&["api", "widget", "voice", "calcom"], &q.source),
        query: serde_urlencoded::to_string(&query).unwrap_or_default(),
        rows: rows.iter().map(|b| row(&names, b)).collect(),
        next,
        ..Bookings::default()
    })
}

/// A booking the user may see: another tenant's, or another host's for a host user, is not
/// found.
async fn visible(state: &AppState, who: &Signed, id: &str) -> Result<Booking, ApiError> {
    let id: BookingId = id.parse().map_err(|_| ApiError::not_found("booking"))?;
    let b = state.store.booking(who.user.tenant_id, id).await.map_err(|e| ApiError::store("booking", e))?;
    match who.host_scope() {
        Some(own) if !b.host_ids.0.contains(&own) => Err(ApiError::not_found("booking")),
        _ => Ok(b),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    done: String,
}

async fn show(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let nav = Some(who.nav());
    let result = async {
        let b = visible(&state, &who, &id).await?;
        let names = Names::of(&state.store, who.user.tenant_id).await?;
        let internal = |e: sked_store::StoreError| ApiError::Internal(e.into());
        let history = state.store.booking_history(who.user.tenant_id, b.id).await.map_err(internal)?;
        let f = MessageFilter { booking_id: Some(b.id), ..MessageFilter::default() };
        let messages = state
            .store
            .list_messages(who.user.tenant_id, &f, Page { limit: 200, after: None })
            .await
            .map_err(internal)?;
        Ok::<_, ApiError>((b, names, history, messages))
    }
    .await;
    let (b, names, history, messages) = match result {
        Ok(r) => r,
        Err(e) => return fail(nav, e),
    };
    let zone = names.zone(&b);
    let flash = match d.done.as_str() {
        "cancelled" => Some("The booking is cancelled.".to_owned()),
        "no_show" => Some("Marked as a no-show.".to_owned()),
        "no_show_cleared" => Some("The no-show mark is cleared.".to_owned()),
        "rescheduled" => Some("The booking is moved.".to_owned()),
        _ => None,
    };
    page(&sked_web::admin::Booking {
        nav,
        flash,
        b: detail(&names, &b),
        csrf: who.session.csrf.clone(),
        history: history
            .into_iter()
            .map(|h| Change {
                at: local(h.at, &zone),
                action: h.action.as_str().to_owned(),
                actor: h.actor,
                reason: h.reason.unwrap_or_default(),
            })
            .collect(),
        messages: messages.into_iter().map(crate::notify::api::message_view).map(super::view::sent).collect(),
        zone: zone.to_string(),
        ..sked_web::admin::Booking::default()
    })
}

fn back(id: BookingId, done: &str) -> Response {
    Redirect::to(&format!("/admin/bookings/{id}?done={done}")).into_response()
}

#[derive(Debug, Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
}

fn reason(text: &str) -> Option<String> {
    Some(text.trim()).filter(|r| !r.is_empty()).map(str::to_owned)
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>, p: Post<Reason>) -> Response {
    let nav = Some(p.who.nav());
    let result = async {
        let b = visible(&state, &p.who, &id).await?;
        sked_app::bookings::cancel(&state.app, &p.who.actor(), b.id, reason(&p.form.reason), None).await?;
        Ok::<_, ApiError>(b.id)
    }
    .await;
    result.map_or_else(|e| fail(nav, e), |id| back(id, "cancelled"))
}

#[derive(Debug, Deserialize)]
struct NoShow {
    #[serde(default)]
    no_show: String,
}

async fn no_show(State(state): State<AppState>, Path(id): Path<String>, p: Post<NoShow>) -> Response {
    let nav = Some(p.who.nav());
    let mark = p.form.no_show != "false";
    let result = async {
        let b = visible(&state, &p.who, &id).await?;
        sked_app::bookings::mark_no_show(&state.app, &p.who.actor(), b.id, mark).await?;
        Ok::<_, ApiError>(b.id)
    }
    .await;
    result.map_or_else(|e| fail(nav, e), |id| back(id, if mark { "no_show" } else { "no_show_cleared" }))
}

#[derive(Debug, Deserialize)]
struct Move {
    #[serde(default)]
    start: String,
    #[serde(default)]
    reason: String,
}

async fn reschedule(State(state): State<AppState>, Path(id): Path<String>, p: Post<Move>) -> Response {
    let nav = Some(p.who.nav());
    let result = async {
        let b = visible(&state, &p.who, &id).await?;
        let names = Names::of(&state.store, p.who.user.tenant_id).await?;
        let tz = names.zone(&b).tz().clone();
        let start = p
            .form
            .start
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(tz).ok())
            .ok_or_else(|| ApiError::field("start", "must be a local date and time"))?;
        let at = start.timestamp().as_second();
        sked_app::bookings::reschedule(
            &state.app,
            &p.who.actor(),
            b.id,
            at,
            None,
            reason(&p.form.reason),
            None,
        )
        .await?;
        Ok::<_, ApiError>(b.id)
    }
    .await;
    result.map_or_else(|e| fail(nav, e), |id| back(id, "rescheduled"))
}
