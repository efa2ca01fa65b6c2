//! Google Calendar end to end, against the Google stand-in: connecting, busy time from Google in
//! slots, bookings written to Google, the host's moves and deletions followed back, outages,
//! rate limits, stale sync tokens, token refresh and revocation, push channels, several
//! calendars, disconnecting, and no plaintext token in the database.

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
use sked_test_utils::google::GoogleStandIn;

use crate::helpers::*;

mod connection;
mod dashboard;
mod sync;
mod writeback;

const ANN: &str = "ann@acme.test";
const ZONE: &str = "America/New_York";

/// Runs `test` on each store with a Google stand-in sharing the server's clock, the server
/// configured for it, and Ann's account consenting.
async fn on_each_store_google<F, Fut>(test: F)
where
    F: Fn(TestApp, GoogleStandIn) -> Fut,
    Fut: Future<Output = TestApp>,
{
    on_each_store_google_with(|_| {}, test).await;
}

/// As [`on_each_store_google`], with settings changed first.
async fn on_each_store_google_with<F, Fut>(tweak: impl Fn(&mut sked_server::Settings), test: F)
where
    F: Fn(TestApp, GoogleStandIn) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let dropper = db.dropper();
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        let g = GoogleStandIn::start(clock.clone()).await;
        g.set_account(ANN);
        g.set_time_zone(ANN, ZONE);
        let gg = g.clone();
        let app = TestApp::start_with_clock(db, clock, |s| {
            s.google_client_id = Some(gg.client_id().into());
            s.google_client_secret = Some(Secret::from(gg.client_secret()));
            s.google_auth_url = gg.auth_url();
            s.google_token_url = gg.token_url();
            s.google_revoke_url = gg.revoke_url();
            s.google_api_base = gg.api_base();
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

pub(crate) fn browser() -> reqwest::Client {
    sked_test_utils::install_tls();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Starts connecting `host` and follows the browser through Google's consent: answers where
/// Google sent the browser back to.
async fn consent(app: &TestApp, host: &str) -> String {
    let r = app.post(&format!("/v1/hosts/{host}/connections/google"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.body["authorization_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}?", app.state.settings.google_auth_url)), "{url}");
    let consent = browser().get(url).send().await.unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND);
    consent.headers()["location"].to_str().unwrap().to_owned()
}

pub(crate) async fn open(url: &str) -> Res {
    let res = browser().get(url).send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    Res { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), headers }
}

/// Connects `host`'s Google account and runs the first sync; answers the connection.
async fn connect(app: &TestApp, host: &str) -> Value {
    let back = consent(app, host).await;
    let r = open(&back).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.run_pending_jobs().await;
    r.body
}

/// Enqueues what is due (polls, channels, health checks) and runs it.
async fn tick(app: &TestApp) {
    calendars::tick(&app.state).await.unwrap();
    app.run_pending_jobs().await;
}

/// Google notifies every channel of its changes; then the jobs run.
async fn notify(app: &TestApp, g: &GoogleStandIn) {
    let statuses = g.deliver_push().await;
    assert!(statuses.iter().all(|s| *s == 200), "push answered {statuses:?}");
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

fn timed(id: &str, start: &str, end: &str) -> Value {
    json!({"id": id, "summary": id, "start": {"dateTime": start, "timeZone": ZONE}, "end": {"dateTime": end, "timeZone": ZONE}})
}

async fn book(app: &TestApp, w: &World, start: &str) -> Value {
    let mut body = booking(&w.event_type, start, "Pat Lee");
    body["host_id"] = json!(w.hosts[0]);
    body["notes"] = json!("Bring the lease");
    let r = app.post("/v1/bookings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn our_events(g: &GoogleStandIn) -> Vec<Value> {
    g.events(ANN).into_iter().filter(|e| e["id"].as_str().unwrap_or("").starts_with("sked")).collect()
}
