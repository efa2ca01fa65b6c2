//! Outlook (Microsoft Graph) end to end, against the Graph stand-in: connecting with PKCE,
//! busy time from Outlook in slots, bookings written to Outlook, the host's moves and
//! deletions followed back, outages, throttling, stale delta tokens, token refresh and
//! revocation, subscriptions with their handshake and lifecycle notifications, disconnecting,
//! and no plaintext token in the database.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_core::{Clock, ManualClock};
use sked_server::calendars;
use sked_server::config::Secret;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::microsoft::MicrosoftStandIn;

use crate::google::{browser, open};
use crate::helpers::*;

mod booking_calendars;
mod connection;
mod dashboard;
mod subscriptions;
mod sync;
mod writeback;

const ANN: &str = "ann@acme.test";
const ZONE: &str = "America/New_York";
/// How Outlook names New York's zone.
const EASTERN: &str = "Eastern Standard Time";

/// Runs `test` on each store with a Graph stand-in sharing the server's clock, the server
/// configured for it, and Ann's account consenting.
async fn on_each_store_ms<F, Fut>(test: F)
where
    F: Fn(TestApp, MicrosoftStandIn) -> Fut,
    Fut: Future<Output = TestApp>,
{
    on_each_store_ms_with(|_| {}, test).await;
}

/// As [`on_each_store_ms`], with settings changed first.
async fn on_each_store_ms_with<F, Fut>(tweak: impl Fn(&mut sked_server::Settings), test: F)
where
    F: Fn(TestApp, MicrosoftStandIn) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let dropper = db.dropper();
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        let g = MicrosoftStandIn::start(clock.clone()).await;
        g.set_account(ANN);
        let gg = g.clone();
        let app = TestApp::start_with_clock(db, clock, |s| {
            s.microsoft_client_id = Some(gg.client_id().into());
            s.microsoft_client_secret = Some(Secret::from(gg.client_secret()));
            s.microsoft_auth_url = Some(gg.auth_url());
            s.microsoft_token_url = Some(gg.token_url());
            s.microsoft_graph_base = gg.graph_base();
            tweak(s);
        })
        .await;
        match AssertUnwindSafe(test(app, g)).catch_unwind().await {
            Ok(app) => app.stop().await,
            Err(panic) => {
                dropper.drop_db().await;
                eprintln!("failed on {backend:?}");
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Starts connecting `host` and follows the browser through Microsoft's consent: answers where
/// Microsoft sent the browser back to.
async fn consent(app: &TestApp, g: &MicrosoftStandIn, host: &str) -> String {
    let r = app.post(&format!("/v1/hosts/{host}/connections/microsoft"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.body["authorization_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}?", g.auth_url())), "{url}");
    let consent = browser().get(url).send().await.unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND);
    consent.headers()["location"].to_str().unwrap().to_owned()
}

/// Connects `host`'s Outlook account and runs the first sync; answers the connection.
async fn connect(app: &TestApp, g: &MicrosoftStandIn, host: &str) -> Value {
    let back = consent(app, g, host).await;
    let r = open(&back).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.run_pending_jobs().await;
    r.body
}

/// Enqueues what is due (polls, subscriptions, health checks) and runs it.
async fn tick(app: &TestApp) {
    calendars::tick(&app.state).await.unwrap();
    app.run_pending_jobs().await;
}

/// Graph delivers its change notifications; then the jobs run.
async fn notify(app: &TestApp, g: &MicrosoftStandIn) {
    let statuses = g.deliver_notifications().await;
    assert!(!statuses.is_empty(), "nothing to deliver");
    assert!(statuses.iter().all(|s| *s == 202), "notifications answered {statuses:?}");
    app.run_pending_jobs().await;
}

fn advance(app: &TestApp, secs: i64) {
    app.clock.advance(SignedDuration::from_secs(secs));
}

/// Ann's free starts (UTC) on a New York date.
async fn ann_starts(app: &TestApp, w: &World, date: &str) -> Vec<String> {
    let next = date.parse::<jiff::civil::Date>().unwrap().tomorrow().unwrap();
    let r = app
        .get(&format!(
            "/v1/event-types/{}/slots?from={date}&to={next}&time_zone={ZONE}&host_id={}",
            w.event_type, w.hosts[0]
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["slots_by_date"][date]
        .as_array()
        .map(|a| a.iter().map(|s| s["start"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Whether Ann can be booked at `start` (UTC) on the New York date it falls on.
async fn free_at(app: &TestApp, w: &World, date: &str, start: &str) -> bool {
    ann_starts(app, w, date).await.contains(&start.to_owned())
}

/// An Outlook event body, New York wall times (`2026-03-03T10:00:00`).
fn timed(subject: &str, start: &str, end: &str) -> Value {
    json!({"subject": subject, "start": {"dateTime": start, "timeZone": EASTERN}, "end": {"dateTime": end, "timeZone": EASTERN}})
}

async fn book(app: &TestApp, w: &World, start: &str) -> Value {
    let mut body = booking(&w.event_type, start, "Pat Lee");
    body["host_id"] = json!(w.hosts[0]);
    body["notes"] = json!("Bring the lease");
    let r = app.post("/v1/bookings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

/// The Sked booking id an Outlook event carries in Sked's extended property.
fn booking_of(e: &Value) -> Option<String> {
    e["singleValueExtendedProperties"]
        .as_array()?
        .iter()
        .find(|p| p["id"].as_str().is_some_and(|id| id.contains("sked_booking_id")))
        .and_then(|p| p["value"].as_str().map(str::to_owned))
}

/// The events Sked wrote in Ann's default calendar.
fn our_events(g: &MicrosoftStandIn) -> Vec<Value> {
    g.events(&g.default_calendar()).into_iter().filter(|e| booking_of(e).is_some()).collect()
}

/// The event written for booking `b`.
fn event_of(g: &MicrosoftStandIn, b: &Value) -> Value {
    let mine: Vec<Value> =
        our_events(g).into_iter().filter(|e| booking_of(e).as_deref() == b["id"].as_str()).collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    mine[0].clone()
}

/// An instant Graph wrote (`2026-03-03T16:30:00.0000000` in UTC).
fn at(v: &Value) -> Timestamp {
    assert_eq!(v["timeZone"], "UTC", "{v}");
    format!("{}Z", v["dateTime"].as_str().unwrap()).parse().unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The last entry of a booking's history: (actor, action).
async fn last_history(app: &TestApp, b: &Value) -> (String, String) {
    let h = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
    let last = h.body["data"].as_array().unwrap().last().unwrap().clone();
    (last["actor"].as_str().unwrap().to_owned(), last["action"].as_str().unwrap().to_owned())
}

/// Requests to Graph with this method whose path contains `part`.
fn calls(g: &MicrosoftStandIn, method: &str, part: &str) -> usize {
    g.requests().iter().filter(|(m, p)| m == method && p.contains(part)).count()
}
