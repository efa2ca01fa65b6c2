//! A stand-in for Cal.com: the parts of its API v2 the importer reads (`/v2/me`,
//! `/v2/event-types`, `/v2/schedules`, `/v2/bookings`), answering Cal.com's shapes
//! (`{"status": "success", "data": ...}`, bookings paginated with `take`/`skip` and a
//! `pagination` object), refusing a wrong key (401) or a missing `cal-api-version` (400); and
//! webhook deliveries signed as Cal.com signs them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The API key the stand-in accepts.
pub const API_KEY: &str = "cal_live_0123456789abcdef0123456789abcdef";

/// What the stand-in holds and answers.
#[derive(Debug, Default)]
pub struct Account {
    /// `GET /v2/me`'s `data`.
    pub me: Value,
    /// `GET /v2/event-types`'s `data` (404 when empty, as Cal.com answers).
    pub event_types: Vec<Value>,
    /// `GET /v2/schedules`'s `data`.
    pub schedules: Vec<Value>,
    /// Every booking; `status=upcoming` answers the accepted and pending ones ending after
    /// `now` (RFC 3339, set by the test).
    pub bookings: Vec<Value>,
    /// The instant upcoming is counted from.
    pub now: String,
    /// Most bookings on one page, whatever `take` asks (Cal.com's own cap is 250).
    pub page_cap: usize,
    /// Requests answered, as `GET /v2/bookings?skip=0`.
    pub requests: Vec<String>,
}

/// A running stand-in.
#[derive(Debug, Clone)]
pub struct CalcomStandIn {
    addr: SocketAddr,
    account: Arc<Mutex<Account>>,
}

type Shared = Arc<Mutex<Account>>;

impl CalcomStandIn {
    /// Starts on `127.0.0.1:0` with an empty account.
    pub async fn start() -> CalcomStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let account: Shared = Arc::new(Mutex::new(Account { page_cap: 250, ..Account::default() }));
        let app = Router::new()
            .route("/v2/me", get(me))
            .route("/v2/event-types", get(event_types))
            .route("/v2/schedules", get(schedules))
            .route("/v2/bookings", get(bookings))
            .with_state(account.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CalcomStandIn { addr, account }
    }

    /// The API v2 base URL (`https://api.cal.com/v2` in production).
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    /// Changes the account.
    pub fn with<T>(&self, f: impl FnOnce(&mut Account) -> T) -> T {
        f(&mut self.account.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"status": "error", "error": {"code": status.as_str(), "message": message}})))
        .into_response()
}

/// Notes the request, and answers it when the key or the version the endpoint needs is wrong.
fn refused(account: &Shared, headers: &HeaderMap, path: &str, version: Option<&str>) -> Option<Response> {
    let mut a = account.lock().unwrap_or_else(|e| e.into_inner());
    a.requests.push(path.to_owned());
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {API_KEY}")) {
        return Some(error(StatusCode::UNAUTHORIZED, "Invalid API Key"));
    }
    let sent = headers.get("cal-api-version").and_then(|v| v.to_str().ok());
    if version.is_some() && sent != version {
        return Some(error(StatusCode::BAD_REQUEST, "this stand-in needs the endpoint's cal-api-version"));
    }
    None
}

fn success(data: Value) -> Response {
    Json(json!({"status": "success", "data": data})).into_response()
}

async fn me(State(a): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&a, &headers, "GET /v2/me", None) {
        return r;
    }
    let me = a.lock().unwrap_or_else(|e| e.into_inner()).me.clone();
    success(me)
}

async fn event_types(State(a): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&a, &headers, "GET /v2/event-types", Some("2024-06-14")) {
        return r;
    }
    let list = a.lock().unwrap_or_else(|e| e.into_inner()).event_types.clone();
    if list.is_empty() {
        return error(StatusCode::NOT_FOUND, "Event types not found");
    }
    success(Value::Array(list))
}

async fn schedules(State(a): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&a, &headers, "GET /v2/schedules", Some("2024-06-11")) {
        return r;
    }
    let list = a.lock().unwrap_or_else(|e| e.into_inner()).schedules.clone();
    success(Value::Array(list))
}

async fn bookings(
    State(a): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let skip: usize = q.get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let take: usize = q.get("take").and_then(|s| s.parse().ok()).unwrap_or(100);
    if let Some(r) = refused(&a, &headers, &format!("GET /v2/bookings?skip={skip}"), Some("2024-08-13")) {
        return r;
    }
    let a = a.lock().unwrap_or_else(|e| e.into_inner());
    let now: jiff::Timestamp = a.now.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let upcoming = q.get("status").is_some_and(|s| s.split(',').any(|s| s == "upcoming"));
    let mut list: Vec<&Value> = a
        .bookings
        .iter()
        .filter(|b| {
            let end = b["end"].as_str().and_then(|e| e.parse::<jiff::Timestamp>().ok());
            !upcoming
                || (matches!(b["status"].as_str(), Some("accepted" | "pending"))
                    && end.is_some_and(|e| e > now))
        })
        .collect();
    list.sort_by_key(|b| b["start"].as_str().unwrap_or_default().to_owned());
    let per_page = take.clamp(1, a.page_cap.max(1));
    let page: Vec<Value> = list.iter().skip(skip).take(per_page).map(|b| (*b).clone()).collect();
    let total = list.len();
    let returned = page.len();
    Json(json!({
        "status": "success",
        "data": page,
        "pagination": {
            "totalItems": total,
            "remainingItems": total.saturating_sub(skip + returned),
            "returnedItems": returned,
            "itemsPerPage": per_page,
            "currentPage": skip / per_page + 1,
            "totalPages": total.div_ceil(per_page),
            "hasNextPage": skip + returned < total,
            "hasPreviousPage": skip > 0,
        }
    }))
    .into_response()
}

/// `X-Cal-Signature-256` for `body` under `secret`: lower-case hex HMAC-SHA256.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A booking as `GET /v2/bookings` (version 2024-08-13) shows it.
pub fn booking(
    id: i64,
    uid: &str,
    event_type_id: i64,
    start: &str,
    end: &str,
    attendee: (&str, &str),
) -> Value {
    json!({
        "id": id,
        "uid": uid,
        "title": format!("Meeting with {}", attendee.0),
        "description": "",
        "hosts": [{"id": 478, "name": "Ann Lee", "email": "ann@acme.test", "username": "ann", "timeZone": "America/New_York"}],
        "status": "accepted",
        "start": start,
        "end": end,
        "duration": 30,
        "eventTypeId": event_type_id,
        "eventType": {"id": event_type_id, "slug": "intro"},
        "location": "https://cal.com/video/abc",
        "absentHost": false,
        "createdAt": "2026-02-20T10:00:00.000Z",
        "updatedAt": "2026-02-20T10:00:00.000Z",
        "attendees": [{"name": attendee.0, "email": attendee.1, "timeZone": "Europe/Paris", "language": "en", "absent": false}],
        "guests": [],
        "bookingFieldsResponses": {"name": attendee.0, "email": attendee.1}
    })
}

/// A webhook delivery (version 2021-10-20) about booking `uid` of event type `event_type_id`.
pub fn delivery(
    trigger: &str,
    created_at: &str,
    uid: &str,
    event_type_id: i64,
    start: &str,
    end: &str,
) -> Value {
    json!({
        "triggerEvent": trigger,
        "createdAt": created_at,
        "payload": {
            "type": "intro",
            "title": "Intro between Ann Lee and Pat Doe",
            "startTime": start,
            "endTime": end,
            "organizer": {"id": 478, "name": "Ann Lee", "email": "ann@acme.test", "username": "ann", "timeZone": "America/New_York", "language": {"locale": "en"}},
            "attendees": [{"name": "Pat Doe", "email": "pat@example.com", "timeZone": "Europe/Paris", "language": {"locale": "en"}, "firstName": "Pat", "lastName": "Doe"}],
            "location": "Cal Video",
            "uid": uid,
            "bookingId": 9001,
            "eventTypeId": event_type_id,
            "iCalUID": format!("{uid}@Cal.com"),
            "iCalSequence": 0,
            "responses": {},
            "status": if trigger == "BOOKING_CANCELLED" { "CANCELLED" } else { "ACCEPTED" },
            "metadata": {}
        }
    })
}
