//! Subscribed ICS feeds end to end, against a feed served by the test: connecting (the address
//! kept secret), its events as busy time, conditional polls, a changed feed replacing what was
//! stored, addresses that are no feed, and no bookings written into it.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode as Code, Uri};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;
use sked_server::calendars;

use crate::helpers::*;

/// The secret parts of the feed's address.
const SECRET_PATH: &str = "/u/7f3e9a1c/basic.ics";
const SECRET_KEY: &str = "Zs3cr3tFeedKey";

/// One request the feed server saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    /// Its `If-None-Match` or `If-Modified-Since`.
    validator: Option<String>,
}

/// What the feed serves, and what it saw.
#[derive(Debug, Default)]
struct Feed {
    body: String,
    /// Sent as `ETag`; without one, `last_modified` is sent as `Last-Modified`.
    etag: Option<String>,
    last_modified: Option<String>,
    /// Answers 503.
    failing: bool,
    seen: Vec<Seen>,
    /// Requests answered 304.
    not_modified: usize,
}

type Shared = Arc<Mutex<Feed>>;

async fn serve(State(feed): State<Shared>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let mut f = feed.lock().unwrap();
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
    let (inm, ims) = (header(IF_NONE_MATCH), header(IF_MODIFIED_SINCE));
    let path = uri.path().to_owned();
    f.seen.push(Seen {
        method: method.to_string(),
        path: path.clone(),
        validator: inm.clone().or(ims.clone()),
    });
    if method != Method::GET {
        return Code::METHOD_NOT_ALLOWED.into_response();
    }
    match path.as_str() {
        "/page.html" => ([(CONTENT_TYPE, "text/html")], "<!doctype html><html><body>Sign in</body></html>")
            .into_response(),
        SECRET_PATH if f.failing => Code::SERVICE_UNAVAILABLE.into_response(),
        SECRET_PATH => {
            let (validator, sent) = match &f.etag {
                Some(etag) => ((ETAG, etag.clone()), inm),
                None => ((LAST_MODIFIED, f.last_modified.clone().unwrap()), ims),
            };
            if sent.as_ref() == Some(&validator.1) {
                f.not_modified += 1;
                return (Code::NOT_MODIFIED, [validator]).into_response();
            }
            ([(CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()), validator], f.body.clone())
                .into_response()
        }
        _ => Code::NOT_FOUND.into_response(),
    }
}

/// Starts the feed server; answers its state and base URL.
async fn feed_server() -> (Shared, String, tokio::task::JoinHandle<()>) {
    let feed = Shared::default();
    let app = axum::Router::new().fallback(serve).with_state(feed.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (feed, base, task)
}

/// Serves `events` with the ETag `etag`.
fn publish(feed: &Shared, etag: &str, events: &[String]) {
    feed.lock().unwrap().etag = Some(format!("\"{etag}\""));
    set_body(feed, events);
}

/// Serves `events` with no ETag, modified at `last_modified`.
fn publish_dated(feed: &Shared, last_modified: &str, events: &[String]) {
    let mut f = feed.lock().unwrap();
    (f.etag, f.last_modified) = (None, Some(last_modified.to_owned()));
    drop(f);
    set_body(feed, events);
}

fn set_body(feed: &Shared, events: &[String]) {
    let mut f = feed.lock().unwrap();
    f.body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test feed//EN\r\nX-WR-CALNAME:Ann's classes\r\n{}END:VCALENDAR\r\n",
        events.concat()
    );
}

fn event(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\nSUMMARY:{uid}\r\n{extra}END:VEVENT\r\n"
    )
}

fn ny(uid: &str, start: &str, end: &str, extra: &str) -> String {
    event(uid, &format!(";TZID=America/New_York:{start}"), &format!(";TZID=America/New_York:{end}"), extra)
}

/// The feed's first version: Tuesday 10:00–11:00 and Wednesday 14:00–15:00 New York, a weekly
/// class on Thursdays at 09:00 (twice), Friday all day, and a cancelled event Tuesday 13:00.
fn first() -> Vec<String> {
    vec![
        ny("standup@feed", "20260303T100000", "20260303T110000", ""),
        ny("review@feed", "20260304T140000", "20260304T150000", ""),
        ny("class@feed", "20260305T090000", "20260305T100000", "RRULE:FREQ=WEEKLY;COUNT=2\r\n"),
        event("offsite@feed", ";VALUE=DATE:20260306", ";VALUE=DATE:20260307", ""),
        ny("cancelled@feed", "20260303T130000", "20260303T140000", "STATUS:CANCELLED\r\n"),
    ]
}

async fn poll(app: &TestApp) {
    app.clock.advance(SignedDuration::from_secs(300));
    calendars::tick(&app.state).await.unwrap();
    app.run_pending_jobs().await;
}

/// A host's busy time from calendars on Tuesday and Wednesday.
async fn tue_wed(app: &TestApp, host: &str) -> Vec<(String, String)> {
    calendar_busy(app, host, "2026-03-03T00:00:00Z", "2026-03-05T00:00:00Z").await
}

fn has(starts: &[String], at: &str) -> bool {
    starts.iter().any(|s| s == at)
}

/// The validator of each request for the feed (`None`: an unconditional one).
fn conditional(feed: &Shared) -> Vec<Option<String>> {
    feed.lock().unwrap().seen.iter().filter(|s| s.path == SECRET_PATH).map(|s| s.validator.clone()).collect()
}

/// The validators the polls sent, in order (health checks read the feed unconditionally).
fn validators(feed: &Shared) -> Vec<String> {
    conditional(feed).into_iter().flatten().collect()
}

#[tokio::test]
async fn a_feed_blocks_time_is_polled_conditionally_and_replaced_when_it_changes() {
    on_each_store_with(
        |s| s.webhook_allow_private = true,
        |app| async move {
            let (feed, base, server) = feed_server().await;
            publish(&feed, "v1", &first());
            let w = world(&app).await;
            let ann = w.hosts[0].clone();
            let url = format!("{base}{SECRET_PATH}?key={SECRET_KEY}");
            let r = app.post(&format!("/v1/hosts/{ann}/connections/ics"), json!({"url": url})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let c = r.body;
            let id = c["id"].as_str().unwrap().to_owned();
            assert_eq!((c["provider"].as_str(), c["status"].as_str()), (Some("ics"), Some("healthy")), "{c}");
            let account = c["account"].as_str().unwrap();
            assert!(account.starts_with("127.0.0.1"), "{account}");
            for secret in ["7f3e9a1c", "basic.ics", SECRET_KEY, "key="] {
                assert!(!c.to_string().contains(secret), "the connection shows {secret}: {c}");
            }
            assert_eq!(c["booking_calendar_id"], json!(null), "a feed receives no bookings");
            let k = &c["calendars"][0];
            assert_eq!((k["busy"].as_bool(), k["writable"].as_bool()), (Some(true), Some(false)), "{k}");
            // The address is kept sealed.
            let stored = app.store.find_connection(id.parse().unwrap()).await.unwrap();
            assert_eq!(
                app.state.sealer.clone().unwrap().open(stored.password.as_deref().unwrap()).unwrap(),
                url
            );
            let dump = database_text(&app).await;
            assert!(
                !dump.contains(SECRET_KEY) && !dump.contains("7f3e9a1c"),
                "the feed's address is in the database"
            );

            app.run_pending_jobs().await;
            let tue = free_starts(&app, &w, &ann, "2026-03-03").await;
            assert!(!has(&tue, "2026-03-03T15:00:00Z") && has(&tue, "2026-03-03T16:00:00Z"), "{tue:?}");
            assert!(has(&tue, "2026-03-03T18:00:00Z"), "a cancelled event does not block: {tue:?}");
            assert!(!has(&free_starts(&app, &w, &ann, "2026-03-04").await, "2026-03-04T19:00:00Z"));
            assert!(!has(&free_starts(&app, &w, &ann, "2026-03-05").await, "2026-03-05T14:00:00Z"));
            assert!(!has(&free_starts(&app, &w, &ann, "2026-03-12").await, "2026-03-12T13:00:00Z"), "EDT");
            assert!(
                has(&free_starts(&app, &w, &ann, "2026-03-19").await, "2026-03-19T13:00:00Z"),
                "twice only"
            );
            assert!(free_starts(&app, &w, &ann, "2026-03-06").await.is_empty(), "all day Friday");
            assert!(has(&free_starts(&app, &w, &w.hosts[1], "2026-03-03").await, "2026-03-03T15:00:00Z"));
            let before = tue_wed(&app, &ann).await;
            let span = |s: &str, e: &str| (s.to_owned(), e.to_owned());
            assert_eq!(
                before,
                [
                    span("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z"),
                    span("2026-03-04T19:00:00Z", "2026-03-04T20:00:00Z")
                ]
            );
            assert_eq!(conditional(&feed), [None, None], "read once to connect, once to sync");

            // Unchanged: the poll asks with the ETag, gets 304, and nothing changes.
            poll(&app).await;
            assert_eq!(validators(&feed), ["\"v1\""]);
            assert_eq!(feed.lock().unwrap().not_modified, 1);
            assert_eq!(tue_wed(&app, &ann).await, before);
            let k = app.get(&format!("/v1/connections/{id}")).await.body["calendars"][0].clone();
            assert!(k["synced_at"].is_string() && k["last_error"].is_null(), "{k}");

            // Changed: Tuesday's event is gone and Wednesday's moved to 16:00.
            let mut next = first();
            next.remove(0);
            next[0] = ny("review@feed", "20260304T160000", "20260304T170000", "");
            publish(&feed, "v2", &next);
            poll(&app).await;
            assert_eq!(feed.lock().unwrap().not_modified, 1);
            assert_eq!(tue_wed(&app, &ann).await, [span("2026-03-04T21:00:00Z", "2026-03-04T22:00:00Z")]);
            assert!(has(&free_starts(&app, &w, &ann, "2026-03-03").await, "2026-03-03T15:00:00Z"), "removed");
            assert!(has(&free_starts(&app, &w, &ann, "2026-03-04").await, "2026-03-04T19:00:00Z"), "moved");
            assert!(!has(&free_starts(&app, &w, &ann, "2026-03-05").await, "2026-03-05T14:00:00Z"), "kept");
            poll(&app).await;
            assert_eq!(validators(&feed), ["\"v1\"", "\"v1\"", "\"v2\""]);
            assert_eq!(feed.lock().unwrap().not_modified, 2);
            assert_eq!(tue_wed(&app, &ann).await, [span("2026-03-04T21:00:00Z", "2026-03-04T22:00:00Z")]);

            // Bookings are never written into a feed.
            let mut body = booking(&w.event_type, "2026-03-03T16:30:00Z", "Pat Lee");
            body["host_id"] = json!(ann);
            let b = app.post("/v1/bookings", body).await;
            assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
            app.run_pending_jobs().await;
            poll(&app).await;
            let seen = feed.lock().unwrap().seen.clone();
            assert!(seen.iter().all(|s| s.method == "GET" && s.path == SECRET_PATH), "{seen:?}");
            let jobs = app.get("/v1/jobs?limit=500").await;
            let kinds: Vec<&str> =
                jobs.body["data"].as_array().unwrap().iter().map(|j| j["kind"].as_str().unwrap()).collect();
            assert!(!kinds.contains(&"calendar.push"), "{kinds:?}");
            assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
            assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "healthy");

            // Disconnected: its busy time goes.
            assert_eq!(app.delete(&format!("/v1/connections/{id}")).await.status, StatusCode::NO_CONTENT);
            assert!(tue_wed(&app, &ann).await.is_empty());
            app.run_pending_jobs().await;
            assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
            server.abort();
            app
        },
    )
    .await;
}

#[tokio::test]
async fn addresses_that_are_no_feed_are_refused() {
    on_each_store_with(
        |s| s.webhook_allow_private = true,
        |app| async move {
            let (feed, base, server) = feed_server().await;
            publish(&feed, "v1", &first());
            let w = world(&app).await;
            let path = format!("/v1/hosts/{}/connections/ics", w.hosts[0]);
            let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let nowhere = format!("http://{}/cal.ics", dead.local_addr().unwrap());
            drop(dead);
            for url in [format!("{base}/page.html"), format!("{base}/missing.ics"), nowhere] {
                let r = app.post(&path, json!({"url": url})).await;
                assert_eq!(
                    (r.status, r.code()),
                    (StatusCode::UNPROCESSABLE_ENTITY, "ics_unreachable"),
                    "{url}: {}",
                    r.body
                );
            }
            let r = app.post(&path, json!({"url": "ftp://example.com/cal.ics"})).await;
            assert_eq!(
                (r.status, r.fields()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec!["url".to_owned()]),
                "{}",
                r.body
            );
            assert_eq!(app.get("/v1/connections").await.body["data"], json!([]));
            server.abort();
            app
        },
    )
    .await;
}

#[tokio::test]
async fn a_dated_feed_is_polled_conditionally_and_an_outage_keeps_its_busy_time() {
    on_each_store_with(
        |s| s.webhook_allow_private = true,
        |app| async move {
            let (feed, base, server) = feed_server().await;
            publish_dated(&feed, "Tue, 03 Feb 2026 10:00:00 GMT", &first());
            let w = world(&app).await;
            let ann = w.hosts[0].clone();
            let path = format!("/v1/hosts/{ann}/connections/ics");
            let url = format!("{base}{SECRET_PATH}?key={SECRET_KEY}");
            let r = app.post(&path, json!({"url": url})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let id = r.id();
            app.run_pending_jobs().await;
            let before = tue_wed(&app, &ann).await;
            assert_eq!(before.len(), 2, "{before:?}");
            poll(&app).await;
            assert_eq!(validators(&feed), ["Tue, 03 Feb 2026 10:00:00 GMT"]);
            assert_eq!(feed.lock().unwrap().not_modified, 1);
            assert_eq!(tue_wed(&app, &ann).await, before);

            // The feed fails: the error shows, and the busy time it gave stays.
            feed.lock().unwrap().failing = true;
            poll(&app).await;
            let k = app.get(&format!("/v1/connections/{id}")).await.body["calendars"][0].clone();
            assert!(k["last_error"].as_str().is_some_and(|e| e.contains("503")), "{k}");
            assert!(!k["last_error"].as_str().unwrap().contains(SECRET_KEY), "{k}");
            assert_eq!(tue_wed(&app, &ann).await, before);
            assert!(!has(&free_starts(&app, &w, &ann, "2026-03-03").await, "2026-03-03T15:00:00Z"));

            // Back, and changed: the next sync reads it again and replaces what was stored.
            let mut next = first();
            next.remove(0);
            publish_dated(&feed, "Wed, 04 Feb 2026 10:00:00 GMT", &next);
            feed.lock().unwrap().failing = false;
            poll(&app).await;
            let k = app.get(&format!("/v1/connections/{id}")).await.body["calendars"][0].clone();
            assert!(k["last_error"].is_null(), "{k}");
            assert_eq!(tue_wed(&app, &ann).await, before[1..]);
            assert!(has(&free_starts(&app, &w, &ann, "2026-03-03").await, "2026-03-03T15:00:00Z"));

            // The same address again replaces the connection; another one is a second feed,
            // told apart without showing either address.
            let again = app.post(&path, json!({"url": url})).await;
            assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
            let other = app.post(&path, json!({"url": format!("{base}{SECRET_PATH}?key=other")})).await;
            assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
            let listed = app.get("/v1/connections").await.body["data"].as_array().unwrap().clone();
            let mut ids: Vec<&str> = listed.iter().map(|c| c["id"].as_str().unwrap()).collect();
            ids.sort_unstable();
            let mut want = vec![again.id(), other.id()];
            want.sort_unstable();
            assert_eq!(ids, want, "the first connection is replaced");
            assert_eq!(again.body["account"], r.body["account"]);
            assert_ne!(other.body["account"], r.body["account"]);
            assert!(!other.body.to_string().contains("other"), "{}", other.body);
            app.run_pending_jobs().await;
            let mut both = tue_wed(&app, &ann).await;
            both.dedup();
            assert_eq!(both, before[1..]);
            server.abort();
            app
        },
    )
    .await;
}
