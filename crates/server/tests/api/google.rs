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
async fn on_each_store_google_with<F, Fut>(tweak: fn(&mut sked_server::Settings), test: F)
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
        let app = TestApp::start_with_clock(db, clock, move |s| {
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

fn browser() -> reqwest::Client {
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

async fn open(url: &str) -> Res {
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

#[tokio::test]
async fn google_events_block_slots_bookings_reach_google_and_moves_come_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        // Ann's calendar before she connects.
        g.put_event(ANN, timed("busy1", "2026-03-03T10:00:00-05:00", "2026-03-03T11:00:00-05:00"));
        let mut free = timed("free1", "2026-03-03T13:00:00-05:00", "2026-03-03T14:00:00-05:00");
        free["transparency"] = json!("transparent");
        g.put_event(ANN, free);
        let mut declined = timed("declined1", "2026-03-03T14:00:00-05:00", "2026-03-03T15:00:00-05:00");
        declined["attendees"] = json!([{"email": ANN, "self": true, "responseStatus": "declined"}, {"email": "boss@other.test", "organizer": true, "responseStatus": "accepted"}]);
        g.put_event(ANN, declined);
        g.put_event(ANN, json!({"id": "allday1", "summary": "Conference", "start": {"date": "2026-03-04"}, "end": {"date": "2026-03-05"}}));
        let mut weekly = timed("weekly1", "2026-03-05T09:00:00-05:00", "2026-03-05T10:00:00-05:00");
        weekly["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=4"]);
        g.put_event(ANN, weekly);
        let mut moved = timed("weekly1_20260312T130000Z", "2026-03-12T15:00:00-04:00", "2026-03-12T16:00:00-04:00");
        moved["recurringEventId"] = json!("weekly1");
        moved["originalStartTime"] = json!({"dateTime": "2026-03-12T09:00:00-04:00", "timeZone": ZONE});
        g.put_event(ANN, moved);
        let mut skipped = timed("weekly1_20260319T130000Z", "2026-03-19T09:00:00-04:00", "2026-03-19T10:00:00-04:00");
        skipped["recurringEventId"] = json!("weekly1");
        skipped["originalStartTime"] = json!({"dateTime": "2026-03-19T09:00:00-04:00", "timeZone": ZONE});
        skipped["status"] = json!("cancelled");
        g.put_event(ANN, skipped);

        let c = connect(&app, &w.hosts[0]).await;
        assert_eq!((c["provider"].as_str(), c["account"].as_str(), c["status"].as_str()), (Some("google"), Some(ANN), Some("healthy")));
        assert_eq!(c["booking_calendar_id"], ANN);
        let primary = c["calendars"].as_array().unwrap().iter().find(|k| k["id"] == ANN).unwrap();
        assert_eq!((primary["busy"].as_bool(), primary["primary"].as_bool()), (Some(true), Some(true)));

        // Tuesday: 10:00–11:00 is busy (and with the 10-minute buffer, 09:30 too); the free
        // and the declined events do not block.
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(tue.contains(&"2026-03-03T14:00:00Z".to_owned()), "09:00 is free: {tue:?}");
        for taken in ["2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z"] {
            assert!(!tue.contains(&taken.to_owned()), "{taken} is busy: {tue:?}");
        }
        for open in ["2026-03-03T16:00:00Z", "2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z"] {
            assert!(tue.contains(&open.to_owned()), "{open} is free: {tue:?}");
        }
        assert!(ann_starts(&app, &w, "2026-03-04").await.is_empty(), "the all-day event takes Wednesday");
        // The weekly series: the 5th and 26th at 09:00, the 12th moved to 15:00, the 19th cancelled.
        assert!(!ann_starts(&app, &w, "2026-03-05").await.contains(&"2026-03-05T14:00:00Z".to_owned()));
        let th12 = ann_starts(&app, &w, "2026-03-12").await;
        assert!(th12.contains(&"2026-03-12T13:00:00Z".to_owned()) && !th12.contains(&"2026-03-12T19:00:00Z".to_owned()), "{th12:?}");
        assert!(ann_starts(&app, &w, "2026-03-19").await.contains(&"2026-03-19T13:00:00Z".to_owned()));
        assert!(!ann_starts(&app, &w, "2026-03-26").await.contains(&"2026-03-26T13:00:00Z".to_owned()));
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z", w.hosts[0])).await;
        assert_eq!(busy.body["data"], json!([{"start": "2026-03-03T15:00:00Z", "end": "2026-03-03T16:00:00Z", "source": c["id"]}]));

        // Push channels, then a booking: it appears in Google with the client invited.
        tick(&app).await;
        assert_eq!(g.channels().len(), 1);
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        let ev = &ours[0];
        assert_eq!(ev["extendedProperties"]["private"]["sked_booking_id"], b["id"]);
        assert_eq!(ev["attendees"][0]["email"], "guest@example.test");
        assert_eq!(ev["summary"], "Consultation with Pat Lee");
        assert!(ev["description"].as_str().unwrap().contains("Bring the lease"));
        assert_eq!(ev["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T16:30:00Z".parse::<Timestamp>().unwrap());
        assert!(g.requests().iter().any(|(m, p)| m == "POST" && p.contains("/events?") && p.contains("sendUpdates=all")));
        // Our own event is not busy time on top of the booking.
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T16:00:00Z&to=2026-03-03T18:00:00Z", w.hosts[0])).await;
        assert_eq!(busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect::<Vec<_>>(), ["booking"]);

        // Ann moves it in Google to 15:00 New York: the booking follows.
        let event_id = ev["id"].as_str().unwrap().to_owned();
        g.patch_event(ANN, &event_id, json!({"start": {"dateTime": "2026-03-03T15:00:00-05:00"}, "end": {"dateTime": "2026-03-03T15:30:00-05:00"}}));
        let patches_before = g.requests().iter().filter(|(m, _)| m == "PATCH").count();
        notify(&app, &g).await;
        let moved = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!((moved.body["start"].as_str(), moved.body["status"].as_str()), (Some("2026-03-03T20:00:00Z"), Some("confirmed")));
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        let last = history.body["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["action"].as_str()), (Some("google"), Some("rescheduled")));
        assert_eq!(g.requests().iter().filter(|(m, _)| m == "PATCH").count(), patches_before, "no echo back to Google");
        assert_eq!(our_events(&g).len(), 1);

        // A new event in Google blocks within one notification.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T21:30:00Z".to_owned()));
        g.put_event(ANN, timed("late1", "2026-03-03T16:30:00-05:00", "2026-03-03T17:00:00-05:00"));
        g.put_event(ANN, timed("later2", "2026-03-20T09:00:00-04:00", "2026-03-20T10:00:00-04:00"));
        g.put_event(ANN, timed("later3", "2026-03-20T11:00:00-04:00", "2026-03-20T12:00:00-04:00"));
        // Three notifications before the worker runs make one sync.
        let lists = |g: &GoogleStandIn| g.requests().iter().filter(|(m, p)| m == "GET" && p.contains("/events?")).count();
        let before = lists(&g);
        assert_eq!(g.deliver_push().await, [200, 200, 200]);
        app.run_pending_jobs().await;
        assert_eq!(lists(&g), before + 1, "one listing for the burst");
        assert!(!ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T21:30:00Z".to_owned()));

        // Ann deletes the booking's event in Google: the booking is cancelled.
        g.delete_event(ANN, &event_id);
        notify(&app, &g).await;
        let gone = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(gone.body["status"], "cancelled");
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        assert_eq!(history.body["data"].as_array().unwrap().last().unwrap()["actor"], "google");
        app
    })
    .await;
}

#[tokio::test]
async fn a_google_outage_never_fails_or_loses_a_booking() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let a = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let b = book(&app, &w, "2026-03-03T15:00:00Z").await;
        assert_eq!(ann_starts(&app, &w, "2026-03-03").await.len(), 10, "slots answer without Google");
        app.run_pending_jobs().await;
        for _ in 0..3 {
            advance(&app, 600);
            app.run_pending_jobs().await;
        }
        assert!(our_events(&g).is_empty());
        let jobs = app.get("/v1/jobs?status=queued").await;
        let pushes: Vec<&Value> =
            jobs.body["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "calendar.push").collect();
        assert_eq!(pushes.len(), 2, "{}", jobs.body);
        assert!(pushes.iter().all(
            |j| j["attempts"].as_i64().unwrap() >= 2 && j["last_error"].as_str().unwrap().contains("503")
        ));
        // Back up: each booking appears once, even after more retries and a forced resync.
        g.set_down(false);
        advance(&app, 3 * 3_600);
        app.run_pending_jobs().await;
        tick(&app).await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 2, "{ours:?}");
        for bk in [&a, &b] {
            assert_eq!(
                ours.iter()
                    .filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == bk["id"])
                    .count(),
                1
            );
        }
        app
    })
    .await;
}

/// Two bookings whose write-backs failed through an outage and now wait out their backoff
/// (four attempts, the next one minutes away).
async fn outage_with_two_bookings(app: &TestApp, g: &GoogleStandIn, w: &World) {
    connect(app, &w.hosts[0]).await;
    g.set_down(true);
    book(app, w, "2026-03-03T14:00:00Z").await;
    book(app, w, "2026-03-03T15:00:00Z").await;
    app.run_pending_jobs().await;
    for _ in 0..3 {
        advance(app, 600);
        app.run_pending_jobs().await;
    }
    assert!(our_events(g).is_empty());
}

#[tokio::test]
async fn write_backs_waiting_out_an_outage_go_once_a_write_back_succeeds() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        outage_with_two_bookings(&app, &g, &w).await;
        g.set_down(false);
        // One booking's write-back succeeds: the others do not wait out their backoff.
        book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 3, "{:?}", our_events(&g));
        let queued = app.get("/v1/jobs?status=queued").await;
        let pushes = queued.body["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "calendar.push");
        assert_eq!(pushes.count(), 0, "{}", queued.body);
        app
    })
    .await;
}

#[tokio::test]
async fn write_backs_waiting_out_an_outage_go_once_a_failed_sync_succeeds() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        outage_with_two_bookings(&app, &g, &w).await;
        // A poll fails too, and its calendar records the error.
        tick(&app).await;
        g.set_down(false);
        // The sync's first retry (about 30 s) comes well before the write-backs' next attempt.
        advance(&app, 40);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 2, "{:?}", our_events(&g));
        app
    })
    .await;
}

#[tokio::test]
async fn tokens_refresh_ahead_and_a_revoked_grant_is_reported() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        // The database holds only sealed tokens.
        let stored = app.store.find_connection(id.parse().unwrap()).await.unwrap();
        let sealer = app.state.sealer.clone().unwrap();
        let access = sealer.open(stored.access_token.as_deref().unwrap()).unwrap();
        let refresh = sealer.open(stored.refresh_token.as_deref().unwrap()).unwrap();
        assert!(access.len() > 10 && refresh.len() > 10);
        let dump = database_text(&app).await;
        assert!(!dump.contains(&access) && !dump.contains(&refresh), "a plaintext token is in the database");

        // An hour later the token is refreshed before it is used.
        advance(&app, 3_400);
        tick(&app).await;
        let audit = app.get(&format!("/v1/connections/{id}/token-audit")).await;
        let actions: Vec<&str> =
            audit.body.as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert_eq!(actions.first(), Some(&"refreshed"), "{actions:?}");
        assert_eq!(actions.last(), Some(&"granted"));

        // The user revokes access in Google: the next refresh says invalid_grant.
        g.revoke_refresh_tokens();
        advance(&app, 3_600);
        tick(&app).await;
        let now = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(now.body["status"], "revoked", "{}", now.body);
        assert!(now.body["last_error"].as_str().unwrap().contains("invalid_grant"));
        let alerts = app.get("/v1/jobs").await;
        let alert = alerts.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "connection.event")
            .cloned()
            .unwrap();
        assert_eq!(
            (alert["payload"]["event"].as_str(), alert["payload"]["status"].as_str()),
            (Some("connection.unhealthy"), Some("revoked"))
        );
        assert_eq!(alert["payload"]["host_id"], json!(w.hosts[0]));
        // Revoked connections are left alone; bookings still succeed.
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        advance(&app, 3_600);
        tick(&app).await;
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"].as_array().unwrap().len(), 0);
        app
    })
    .await;
}

/// Every text value of the tables that could hold a token.
async fn database_text(app: &TestApp) -> String {
    let url = app.state.settings.database_url.clone();
    let mut out = String::new();
    for table in [
        "connections",
        "connection_calendars",
        "oauth_states",
        "token_audit",
        "jobs",
        "pending_revocations",
        "external_events",
        "settings",
    ] {
        let sql = match app.backend {
            Backend::Sqlite => format!("SELECT * FROM {table}"),
            Backend::Postgres => format!("SELECT t::text FROM {table} t"),
        };
        match app.backend {
            Backend::Sqlite => {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&mut conn).await.unwrap() {
                    for i in 0..row.len() {
                        if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                            out.push_str(&v);
                            out.push('\n');
                        }
                    }
                }
            }
            Backend::Postgres => {
                use sqlx::{Connection, Row};
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&mut conn).await.unwrap() {
                    out.push_str(&row.get::<String, _>(0));
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn rate_limits_are_honoured_and_stale_sync_tokens_resync_cleanly() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.set_page_size(2);
        for i in 0..5 {
            let h = 9 + i;
            g.put_event(
                ANN,
                timed(
                    &format!("e{i}"),
                    &format!("2026-03-05T{h:02}:00:00-05:00"),
                    &format!("2026-03-05T{h:02}:30:00-05:00"),
                ),
            );
        }
        let c = connect(&app, &w.hosts[0]).await;
        // 09:00–13:30 hold an event each half past: 7 of the 14 starts are taken.
        assert_eq!(ann_starts(&app, &w, "2026-03-05").await.len(), 7, "every page was read");
        let r = g.requests();
        assert!(r.iter().filter(|(_, p)| p.contains("/events?")).count() >= 3, "paged");

        g.rate_limit_next(1, 7);
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        let jobs = app.get("/v1/jobs?status=queued").await;
        let push = jobs.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "calendar.push")
            .cloned()
            .unwrap();
        let due = push["run_at"].as_str().unwrap().parse::<Timestamp>().unwrap();
        assert_eq!(due.as_second() - app.clock.now().as_second(), 7, "Retry-After is honoured");
        advance(&app, 7);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);

        // Google forgets the sync token: the next sync starts over cleanly.
        g.invalidate_sync_tokens();
        g.delete_event(ANN, "e0");
        g.put_event(ANN, timed("e9", "2026-03-06T09:00:00-05:00", "2026-03-06T09:30:00-05:00"));
        advance(&app, 301);
        tick(&app).await;
        let th = ann_starts(&app, &w, "2026-03-05").await;
        assert!(th.contains(&"2026-03-05T14:00:00Z".to_owned()), "e0 is gone: {th:?}");
        assert_eq!(th.len(), 8);
        assert!(!ann_starts(&app, &w, "2026-03-06").await.contains(&"2026-03-06T14:00:00Z".to_owned()));
        let conn = app.get(&format!("/v1/connections/{}", c["id"].as_str().unwrap())).await;
        assert!(conn.body["calendars"][0]["last_error"].is_null(), "{}", conn.body);
        app
    })
    .await;
}

#[tokio::test]
async fn several_calendars_block_and_disconnecting_keeps_bookings() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "personal-ann", "Personal", ZONE);
        g.put_event("personal-ann", timed("p1", "2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"));
        g.put_event(ANN, timed("w1", "2026-03-03T13:00:00-05:00", "2026-03-03T14:00:00-05:00"));
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        assert_eq!(c["calendars"].as_array().unwrap().len(), 2);
        assert!(
            ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()),
            "personal is not busy yet"
        );
        let bad = app
            .patch(
                &format!("/v1/connections/{id}"),
                json!({"booking_calendar_id": "nope", "calendars": [{"id": "other", "busy": true}]}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.fields(), ["booking_calendar_id", "calendars[0].id"]);
        let ok = app
            .patch(
                &format!("/v1/connections/{id}"),
                json!({"calendars": [{"id": "personal-ann", "busy": true}]}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        app.run_pending_jobs().await;
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(
            !tue.contains(&"2026-03-03T14:00:00Z".to_owned())
                && !tue.contains(&"2026-03-03T18:00:00Z".to_owned()),
            "both calendars block: {tue:?}"
        );
        tick(&app).await;
        assert_eq!(g.channels().len(), 2, "a channel per busy calendar");

        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        let other = app
            .call_with("DELETE", &format!("/v1/connections/{id}"), None, &app.new_tenant("Other").await, &[])
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let gone = app.delete(&format!("/v1/connections/{id}")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        // Busy time from Google is gone at once; the booking stays.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"],
            "confirmed"
        );
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, StatusCode::NOT_FOUND);
        // The job that gives the grant back carries only the id of the sealed tokens kept for it.
        let jobs = app.get("/v1/jobs?status=queued").await;
        let release = jobs.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "calendar.release")
            .unwrap()
            .clone();
        let payload = release["payload"].as_object().unwrap();
        assert!(payload.keys().all(|k| !k.ends_with("_token")), "{release}");
        let kept: uuid::Uuid = payload["revocation_id"].as_str().unwrap().parse().unwrap();
        assert!(app.store.pending_revocation(kept).await.unwrap().refresh_token.is_some());
        app.run_pending_jobs().await;
        assert!(g.channels().is_empty(), "channels stopped");
        assert!(g.requests().iter().any(|(m, p)| m == "POST" && p.starts_with("/revoke")), "grant revoked");
        assert!(
            matches!(app.store.pending_revocation(kept).await, Err(sked_store::StoreError::NotFound)),
            "forgotten once done"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn push_channels_are_verified_renewed_and_polling_catches_up() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        tick(&app).await;
        let ch = g.channels();
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0]["address"], format!("{}/webhooks/google", app.base));
        // A notification with a wrong token, or for an unknown channel, does nothing.
        let forged = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", ch[0]["id"].as_str().unwrap())
            .header("x-goog-channel-token", "guess")
            .header("x-goog-resource-id", ch[0]["resourceId"].as_str().unwrap())
            .header("x-goog-resource-state", "exists")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let unknown = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", "nope")
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // A channel's first message may arrive before `watch` answered: taken, and nothing runs.
        let first = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", "not-saved-yet")
            .header("x-goog-resource-state", "sync")
            .header("x-goog-message-number", "1")
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(app.run_pending_jobs().await.ran, 0);

        // Channels are renewed a day before they expire; the old one is stopped.
        advance(&app, 6 * 86_400 + 3_600);
        tick(&app).await;
        let renewed = g.channels();
        assert_eq!(renewed.len(), 1);
        assert_ne!(renewed[0]["id"], ch[0]["id"]);

        // Without notifications, the poll finds changes within its interval.
        g.put_event(ANN, timed("quiet", "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"));
        assert!(ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        advance(&app, 300);
        tick(&app).await;
        assert!(!ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        app
    })
    .await;
}

#[tokio::test]
async fn a_change_made_before_the_push_channel_opens_is_synced_when_it_opens() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        assert!(g.channels().is_empty(), "no channel until the tick opens one");
        // Right after connecting: no channel yet to tell us, and the next poll is minutes away.
        g.put_event(ANN, timed("early", "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"));
        assert!(ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        // Opening the channel syncs once, so the change shows without waiting for the poll.
        tick(&app).await;
        assert_eq!(g.channels().len(), 1);
        assert!(!ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        app
    })
    .await;
}

#[tokio::test]
async fn authorizations_are_signed_single_use_and_expire() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let back = consent(&app, &w.hosts[0]).await;
        let (base, query) = back.split_once('?').unwrap();
        assert_eq!(base, format!("{}/oauth/google/callback", app.base));
        assert!(query.contains("code=") && query.contains("state="));

        let first = open(&back).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let again = open(&back).await;
        assert_eq!((again.status, again.code()), (StatusCode::BAD_REQUEST, "invalid_state"));

        // A forged signature connects nothing, and does not spend the genuine authorization.
        let other = consent(&app, &w.hosts[1]).await;
        let state = other.split_once("state=").unwrap().1.split('&').next().unwrap().to_owned();
        let (signed, _) = state.rsplit_once('.').unwrap();
        let forged = other.replace(&state, &format!("{signed}.AAAA"));
        assert_eq!(open(&forged).await.code(), "invalid_state");
        let genuine = open(&other).await;
        assert_eq!(genuine.status, StatusCode::OK, "{}", genuine.body);
        assert_eq!(app.get("/v1/connections").await.body["data"].as_array().unwrap().len(), 2);

        // Ten minutes is all an authorization gets.
        let late = consent(&app, &w.hosts[1]).await;
        advance(&app, 601);
        assert_eq!(open(&late).await.code(), "invalid_state");

        // The user says no.
        g.deny_next_consent();
        let denied = consent(&app, &w.hosts[1]).await;
        assert!(denied.contains("error=access_denied"));
        let r = open(&denied).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "oauth_denied"));

        // With redirect_to, the browser goes back to the admin's page either way.
        let r = app
            .post(
                &format!("/v1/hosts/{}/connections/google", w.hosts[1]),
                json!({"redirect_to": "https://admin.example/calendars"}),
            )
            .await;
        let consent = browser().get(r.body["authorization_url"].as_str().unwrap()).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let done = browser().get(&back).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert!(
            done.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("https://admin.example/calendars?connection_id=")
        );
        let list = app.get(&format!("/v1/connections?host_id={}", w.hosts[1])).await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(app.get("/v1/connections").await.body["data"].as_array().unwrap().len(), 2);
        let missing =
            app.post("/v1/hosts/01890000-0000-7000-8000-000000000000/connections/google", json!({})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // Events unticked on Google's consent screen: refused, the grant given back, nothing
        // connected.
        g.set_account("bo@acme.test");
        g.withhold_next_consent(&["calendar.events"]);
        let partial = crate::google::consent(&app, &w.hosts[1]).await;
        let revokes = |g: &GoogleStandIn| {
            g.requests().iter().filter(|(m, p)| m == "POST" && p.starts_with("/revoke")).count()
        };
        let before = revokes(&g);
        let r = open(&partial).await;
        assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "oauth_scope_missing"), "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("edit calendar events"), "{}", r.body);
        assert_eq!(revokes(&g), before + 1, "the partial grant is given back");
        let listed = app.get(&format!("/v1/connections?host_id={}", w.hosts[1])).await;
        assert!(
            listed.body["data"].as_array().unwrap().iter().all(|c| c["account"] != "bo@acme.test"),
            "{}",
            listed.body
        );
        app
    })
    .await;
}

#[tokio::test]
async fn without_google_settings_connecting_says_so() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app.post(&format!("/v1/hosts/{}/connections/google", w.hosts[0]), json!({})).await;
        assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "not_configured"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_move_onto_taken_time_is_refused_and_put_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        tick(&app).await;
        let a = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let b = book(&app, &w, "2026-03-03T19:00:00Z").await;
        app.run_pending_jobs().await;
        let ev_a = our_events(&g).into_iter().find(|e| e["extendedProperties"]["private"]["sked_booking_id"] == a["id"]).unwrap();
        // Ann drags A onto B's time in Google.
        let id = ev_a["id"].as_str().unwrap();
        g.patch_event(ANN, id, json!({"start": {"dateTime": "2026-03-03T14:00:00-05:00"}, "end": {"dateTime": "2026-03-03T14:30:00-05:00"}}));
        notify(&app, &g).await;
        let still = app.get(&format!("/v1/bookings/{}", a["id"].as_str().unwrap())).await;
        assert_eq!(still.body["start"], "2026-03-03T16:30:00Z", "B keeps its time; A stays");
        assert_eq!(app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["start"], "2026-03-03T19:00:00Z");
        let history = app.get(&format!("/v1/bookings/{}/history", a["id"].as_str().unwrap())).await;
        let last = history.body["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["action"].as_str()), (Some("google"), Some("move_refused")));
        // Google shows the booking where it is again.
        let back = our_events(&g).into_iter().find(|e| e["id"] == id).unwrap();
        assert_eq!(back["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T16:30:00Z".parse::<Timestamp>().unwrap());
        app
    })
    .await;
}

#[tokio::test]
async fn a_time_limited_grant_turns_expiring_then_revoked() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.set_grant_lifetime(Some(7 * 86_400));
        let c = connect(&app, &w.hosts[0]).await;
        let path = format!("/v1/connections/{}", c["id"].as_str().unwrap());
        advance(&app, 1_000);
        tick(&app).await;
        assert_eq!(app.get(&path).await.body["status"], "healthy");
        advance(&app, 4 * 86_400 + 12 * 3_600);
        tick(&app).await;
        let now = app.get(&path).await;
        assert_eq!(now.body["status"], "expiring", "{}", now.body);
        let alerts = app.get("/v1/jobs").await;
        assert!(
            alerts.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["kind"] == "connection.event" && j["payload"]["status"] == "expiring")
        );
        advance(&app, 3 * 86_400);
        tick(&app).await;
        assert_eq!(app.get(&path).await.body["status"], "revoked");
        app
    })
    .await;
}

#[tokio::test]
async fn a_bookings_calendar_that_does_not_block_is_still_followed() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "bookings-ann", "Client bookings", ZONE);
        g.put_event("bookings-ann", timed("note1", "2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"));
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let early = book(&app, &w, "2026-03-03T18:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1, "written to the primary calendar");
        let in_bookings = |g: &GoogleStandIn| -> Vec<Value> {
            g.events("bookings-ann").into_iter().filter(|e| e["id"].as_str().unwrap().starts_with("sked")).collect()
        };
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": "bookings-ann"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let cal = |body: &Value, id: &str| body["calendars"].as_array().unwrap().iter().find(|k| k["id"] == id).unwrap().clone();
        let k = cal(&r.body, "bookings-ann");
        assert_eq!((k["busy"].as_bool(), k["synced"].as_bool()), (Some(false), Some(true)), "{k}");
        app.run_pending_jobs().await;
        assert!(cal(&app.get(&format!("/v1/connections/{id}")).await.body, "bookings-ann")["synced_at"].is_string());
        // The upcoming booking's event moved to the new booking calendar.
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        let moved_over = in_bookings(&g);
        assert_eq!(moved_over.len(), 1);
        assert_eq!(moved_over[0]["extendedProperties"]["private"]["sked_booking_id"], early["id"]);
        // The primary calendar's next sync sees the event gone from it: not a cancellation.
        advance(&app, 301);
        tick(&app).await;
        let still = app.get(&format!("/v1/bookings/{}", early["id"].as_str().unwrap())).await;
        assert_eq!(still.body["status"], "confirmed", "{}", still.body);
        assert_eq!(in_bookings(&g).len(), 1);
        // Its own events do not block Ann's time.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        tick(&app).await;
        assert_eq!(g.channels().len(), 2, "the bookings calendar is watched too");

        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let ours: Vec<Value> =
            in_bookings(&g).into_iter().filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == b["id"]).collect();
        assert_eq!((ours.len(), in_bookings(&g).len()), (1, 2), "{ours:?}");
        assert!(our_events(&g).is_empty(), "nothing in the primary calendar");
        // Ann moves it there: the booking follows.
        let event_id = ours[0]["id"].as_str().unwrap().to_owned();
        g.patch_event("bookings-ann", &event_id, json!({"start": {"dateTime": "2026-03-03T15:00:00-05:00"}, "end": {"dateTime": "2026-03-03T15:30:00-05:00"}}));
        notify(&app, &g).await;
        let moved = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(moved.body["start"], "2026-03-03T20:00:00Z");
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        assert_eq!(history.body["data"].as_array().unwrap().last().unwrap()["actor"], "google");
        // Still no busy time from that calendar beyond the booking itself.
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z", w.hosts[0])).await;
        let sources: Vec<&str> = busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect();
        assert_eq!(sources, ["booking", "booking"], "{}", busy.body);

        // Marked busy, its other events block too.
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"calendars": [{"id": "bookings-ann", "busy": true}]})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(!ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        // Not busy again and bookings back to the primary calendar: no longer synced, its
        // channel stopped and its busy time gone at once.
        let r = app
            .patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": ANN, "calendars": [{"id": "bookings-ann", "busy": false}]}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(cal(&r.body, "bookings-ann")["synced"], false);
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        app.run_pending_jobs().await;
        assert_eq!(g.channels().len(), 1, "{:?}", g.channels());
        assert_eq!((our_events(&g).len(), in_bookings(&g).len()), (2, 0), "the events came back to the primary calendar");
        app
    })
    .await;
}

#[tokio::test]
async fn a_reschedule_moves_the_event_and_keeps_the_hosts_edits() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let event_id = our_events(&g)[0]["id"].as_str().unwrap().to_owned();
        // Ann invites a colleague and adds a line to the description in Google.
        let mut attendees = our_events(&g)[0]["attendees"].as_array().unwrap().clone();
        attendees.push(json!({"email": "colleague@acme.test"}));
        g.patch_event(
            ANN,
            &event_id,
            json!({"attendees": attendees, "description": "Ann: bring the floor plan"}),
        );
        notify(&app, &g).await;
        let r = app
            .post(
                &format!("/v1/bookings/{}/reschedule", b["id"].as_str().unwrap()),
                json!({"start": "2026-03-03T19:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        let ev = &ours[0];
        assert_eq!(
            ev["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(),
            "2026-03-03T19:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            ev["end"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(),
            "2026-03-03T19:30:00Z".parse::<Timestamp>().unwrap()
        );
        let emails: Vec<&str> =
            ev["attendees"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
        assert_eq!(emails, ["guest@example.test", "colleague@acme.test"]);
        assert_eq!(ev["description"], "Ann: bring the floor plan");
        // The booking was not touched by its own event coming back.
        let got = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(
            (got.body["start"].as_str(), got.body["status"].as_str()),
            (Some("2026-03-03T19:00:00Z"), Some("confirmed"))
        );
        app
    })
    .await;
}

#[tokio::test]
async fn an_event_whose_insert_answer_was_lost_goes_when_the_booking_is_cancelled() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let b = book(&app, &w, "2026-03-03T14:00:00Z").await;
        app.run_pending_jobs().await;
        // Google made the event but its answer never arrived (the outage above, as Sked saw it).
        let id = b["id"].as_str().unwrap();
        let event = format!("sked{}", id.parse::<uuid::Uuid>().unwrap().simple());
        let mut made = timed(&event, "2026-03-03T09:00:00-05:00", "2026-03-03T09:30:00-05:00");
        made["extendedProperties"] = json!({"private": {"sked_booking_id": id}});
        g.put_event(ANN, made);
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "changed plans"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        g.set_down(false);
        advance(&app, 3 * 3_600);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        app
    })
    .await;
}

#[tokio::test]
async fn a_full_resync_still_sees_our_deleted_events_and_past_bookings_stay() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        let soon = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let later = book(&app, &w, "2026-03-04T14:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 2);
        // The first booking is over; Ann tidies its event away. She also deletes the second
        // one's, while Google has dropped Sked's sync token: the next sync is a full one.
        advance(&app, 2 * 86_400 - 12 * 3_600 - 60);
        let find = |bk: &Value| {
            our_events(&g).into_iter().find(|e| e["extendedProperties"]["private"]["sked_booking_id"] == bk["id"]).unwrap()
        };
        let (soon_event, later_event) = (find(&soon), find(&later));
        g.delete_event(ANN, soon_event["id"].as_str().unwrap());
        g.delete_event(ANN, later_event["id"].as_str().unwrap());
        g.invalidate_sync_tokens();
        tick(&app).await;
        let status = |bk: &Value| {
            let id = bk["id"].as_str().unwrap().to_owned();
            let app = &app;
            async move { app.get(&format!("/v1/bookings/{id}")).await.body["status"].as_str().unwrap().to_owned() }
        };
        assert_eq!(status(&soon).await, "confirmed", "what happened stays");
        assert_eq!(status(&later).await, "cancelled", "deleted while the token was lost");
        app
    })
    .await;
}

#[tokio::test]
async fn a_booking_whose_write_back_gave_up_is_written_by_a_resync() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let b = book(&app, &w, "2026-03-20T14:00:00Z").await;
        // Google stays down past every retry (about eight days): the write-back job gives up.
        let mut dead = false;
        for _ in 0..200 {
            app.run_pending_jobs().await;
            let jobs = app.get("/v1/jobs?status=dead").await;
            dead = jobs.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push");
            if dead {
                break;
            }
            advance(&app, 3 * 3_600);
        }
        assert!(dead, "the write-back gave up");
        g.set_down(false);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        // The admin asks for a resync: the booking is written, once.
        let r = app.post(&format!("/v1/connections/{}/sync", c["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(ours[0]["extendedProperties"]["private"]["sked_booking_id"], b["id"]);
        app.post(&format!("/v1/connections/{}/sync", c["id"].as_str().unwrap()), json!({})).await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn a_booking_calendar_that_turns_read_only_makes_the_connection_unhealthy() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "team-ann", "Team bookings", ZONE);
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": "team-ann"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        // The team calendar's owner makes it read-only for Ann: the next booking cannot be
        // written, and the connection says so at once.
        g.set_read_only("team-ann", true);
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        let got = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(got.body["status"], "error", "{}", got.body);
        assert!(
            got.body["last_error"]
                .as_str()
                .unwrap()
                .contains("can no longer edit the booking calendar \"Team bookings\""),
            "{}",
            got.body
        );
        let jobs = app.get("/v1/jobs?status=dead").await;
        assert!(
            jobs.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push"),
            "{}",
            jobs.body
        );
        assert!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"]
                == "confirmed"
        );
        // Access back: the periodic check finds it healthy, and a resync writes the booking.
        g.set_read_only("team-ann", false);
        advance(&app, 16 * 60);
        tick(&app).await;
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "healthy");
        app.post(&format!("/v1/connections/{id}/sync"), json!({})).await;
        app.run_pending_jobs().await;
        let written: Vec<Value> = g
            .events("team-ann")
            .into_iter()
            .filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == b["id"])
            .collect();
        assert_eq!(written.len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn a_listing_overtaken_by_our_own_write_does_not_move_the_booking_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let conn: sked_core::ids::ConnectionId = c["id"].as_str().unwrap().parse().unwrap();
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        let event = our_events(&g)[0]["id"].as_str().unwrap().to_owned();
        // Ann moves the event; a sync lists it, and its answer is held in flight...
        g.patch_event(ANN, &event, json!({"start": {"dateTime": "2026-03-03T13:00:00-05:00"}, "end": {"dateTime": "2026-03-03T13:30:00-05:00"}}));
        let mut hold = g.hold_next_list();
        let state = app.state.clone();
        let syncing = tokio::spawn(async move { calendars::sync::sync(&state, conn, ANN, false).await.unwrap() });
        hold.served().await;
        // ...while the booking is rescheduled in Sked and the new time written to Google.
        let id = b["id"].as_str().unwrap();
        let r = app.post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T19:00:00Z"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let now_in_google = &our_events(&g)[0];
        assert_eq!(now_in_google["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T19:00:00Z".parse::<Timestamp>().unwrap());
        // The held listing (Ann's 13:00) arrives late: Google already shows 19:00, so nothing moves.
        hold.release();
        let report = syncing.await.unwrap();
        assert_eq!(report.moved, 0, "{report:?}");
        let got = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(got.body["start"], "2026-03-03T19:00:00Z", "{}", got.body);
        app
    })
    .await;
}

#[tokio::test]
async fn forged_pushes_and_callbacks_are_limited_per_address() {
    on_each_store_google_with(
        |s| {
            s.failure_limit_burst = 3;
            s.trust_forwarded_for = true;
        },
        |app, g| async move {
            let w = world(&app).await;
            connect(&app, &w.hosts[0]).await;
            tick(&app).await;
            let ch = g.channels()[0].clone();
            let push = |from: &'static str, channel: String, token: &'static str| {
                let req = app
                    .client
                    .post(format!("{}/webhooks/google", app.base))
                    .header("x-forwarded-for", from)
                    .header("x-goog-channel-id", channel)
                    .header("x-goog-channel-token", token)
                    .header("x-goog-resource-id", ch["resourceId"].as_str().unwrap())
                    .header("x-goog-resource-state", "exists");
                async move { req.send().await.unwrap().status() }
            };
            let id = ch["id"].as_str().unwrap().to_owned();
            // Genuine notifications never count.
            for n in 0..5 {
                g.put_event(
                    ANN,
                    timed(&format!("e{n}"), "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"),
                );
                notify(&app, &g).await;
            }
            for _ in 0..3 {
                assert_eq!(push("192.0.2.10", id.clone(), "guess").await, StatusCode::UNAUTHORIZED);
            }
            assert_eq!(push("192.0.2.10", id.clone(), "guess").await, StatusCode::TOO_MANY_REQUESTS);
            for _ in 0..3 {
                assert_eq!(push("192.0.2.11", "nope".into(), "guess").await, StatusCode::NOT_FOUND);
            }
            assert_eq!(push("192.0.2.11", "nope".into(), "guess").await, StatusCode::TOO_MANY_REQUESTS);
            g.put_event(ANN, timed("after", "2026-03-11T09:00:00-04:00", "2026-03-11T10:00:00-04:00"));
            notify(&app, &g).await;

            // Forged callbacks: limited, and the genuine authorization survives them.
            let back = consent(&app, &w.hosts[1]).await;
            let state = back.split_once("state=").unwrap().1.split('&').next().unwrap().to_owned();
            let (signed, _) = state.rsplit_once('.').unwrap();
            let callback = |from: &'static str, url: String| {
                let req = browser().get(url).header("x-forwarded-for", from);
                async move { req.send().await.unwrap().status() }
            };
            for n in 0..3 {
                let forged = back.replace(&state, &format!("{signed}.forged{n}"));
                assert_eq!(callback("192.0.2.12", forged).await, StatusCode::BAD_REQUEST);
            }
            let forged = back.replace(&state, &format!("{signed}.forged"));
            assert_eq!(callback("192.0.2.12", forged).await, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(callback("192.0.2.12", back.clone()).await, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(callback("192.0.2.13", back).await, StatusCode::OK);
            app
        },
    )
    .await;
}
