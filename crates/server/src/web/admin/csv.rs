//! `/admin/bookings.csv`: the bookings list's filtered rows as RFC 4180 CSV, one column per
//! field of the API's booking, streamed a page of rows at a time.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sked_app::BookingView;
use sked_store::BookingFilter;

use super::bookings::{ListQuery, filter};
use super::fail;
use super::session::Signed;
use crate::state::AppState;

/// Rows read from the store at a time.
const CHUNK: i64 = 500;

/// The columns, named as the API's booking fields (`attendee.name` flattened).
pub const COLUMNS: [&str; 24] = [
    "id",
    "uid",
    "confirmation_code",
    "status",
    "event_type_id",
    "host_id",
    "host_ids",
    "start",
    "end",
    "attendee_name",
    "attendee_email",
    "attendee_phone",
    "attendee_time_zone",
    "notes",
    "metadata",
    "source",
    "external_ref",
    "sequence",
    "cancel_reason",
    "no_show",
    "created_at",
    "updated_at",
    "answers",
    "manage_url",
];

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/bookings.csv", get(export))
}

fn record(v: BookingView) -> Vec<String> {
    let o = |s: Option<String>| s.unwrap_or_default();
    let hosts = v.host_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    vec![
        v.id.to_string(),
        v.uid,
        v.confirmation_code,
        v.status,
        v.event_type_id.to_string(),
        v.host_id.to_string(),
        hosts,
        v.start,
        v.end,
        v.attendee.name,
        o(v.attendee.email),
        o(v.attendee.phone),
        o(v.attendee.time_zone),
        o(v.notes),
        v.metadata.to_string(),
        v.source,
        o(v.external_ref),
        v.sequence.to_string(),
        o(v.cancel_reason),
        v.no_show.to_string(),
        v.created_at,
        v.updated_at,
        v.answers.to_string(),
        o(v.manage_url),
    ]
}

fn encode(rows: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<Bytes> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for r in rows {
        w.write_record(&r)?;
    }
    w.into_inner().map(Bytes::from).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Where the stream is: the filter of the next page, or done.
type Next = Option<BookingFilter>;

async fn export(State(state): State<AppState>, who: Signed, Query(q): Query<ListQuery>) -> Response {
    let f = match filter(&who, &q, CHUNK) {
        Ok(f) => f,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let tenant = who.user.tenant_id;
    let head = futures::stream::once(async { encode([COLUMNS.iter().map(|c| (*c).to_owned()).collect()]) });
    let pages = futures::stream::unfold(Some(f) as Next, move |next| {
        let state = state.clone();
        async move {
            let f = next?;
            let rows = match state.store.list_bookings(tenant, &f).await {
                Ok(rows) => rows,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            };
            let more = (rows.len() as i64 >= f.limit)
                .then(|| rows.last().map(|b| BookingFilter { after: Some((b.start_at, b.id)), ..f.clone() }))
                .flatten();
            let views: Result<Vec<_>, _> = rows.into_iter().map(|b| state.app.view(b)).collect();
            let chunk = views
                .map_err(|e| std::io::Error::other(format!("{e:?}")))
                .and_then(|v| encode(v.into_iter().map(record)));
            Some((chunk, more))
        }
    });
    let body = Body::from_stream(futures::StreamExt::chain(head, pages));
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8; header=present"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"bookings.csv\""));
    res
}
