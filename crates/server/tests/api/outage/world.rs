//! The world the outage suite runs in: one server on a test clock with every outside service
//! wired to a real peer, Ann's three calendars connected, and the booking changes it makes.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_caldav::{Account, CalDav, CalDavConfig};
use sked_core::{Clock, ManualClock};
use sked_server::config::Secret;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::google::GoogleStandIn;
use sked_test_utils::microsoft::MicrosoftStandIn;
use sked_test_utils::radicale::Radicale;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::TwilioStandIn;

use super::endpoint::Endpoint;
use crate::crash_storm::{Known, checks};
use crate::google::{browser, open};
use crate::helpers::{NOW, TestApp};

/// The host, her email, and her account at each calendar provider.
pub const ANN: &str = "ann@acme.test";
/// Where notices to the business go (an endpoint disabled).
pub const OWNER: &str = "owner@acme.test";
/// A worker's lease: each attempt is cut at 80 % of it (6.4 s), before a hanging peer answers
/// ([`super::HANG`]) and far beyond what a local peer takes on a loaded machine.
const LEASE_SECS: i64 = 8;
const SID: &str = "AC0000000000000000000000000000outage";
const TOKEN: &str = "outage-token";
/// The first booking's start: Wednesday 4 March 2026, 08:00 UTC (two days after the clock).
const FIRST_START: i64 = 1_772_611_200;

/// The server, its peers, and what its clients were told.
pub struct World {
    pub app: TestApp,
    pub sink: SmtpSink,
    pub twilio: TwilioStandIn,
    pub google: GoogleStandIn,
    pub microsoft: MicrosoftStandIn,
    pub radicale: Radicale,
    pub dav: CalDav,
    pub dav_account: Account,
    /// Ann's CalDAV calendar, where bookings are written.
    pub dav_calendar: String,
    pub hook: Endpoint,
    pub event_type: String,
    pub host: String,
    /// Every booking made, as its last acknowledged answer left it.
    pub known: Vec<Known>,
    made: i64,
}

/// A tenant's schedule (every day, all day, UTC), Ann, a 30-minute event type with 10 minutes
/// after and no reminders, a webhook endpoint at `hook` for booking and connection events, and
/// the owner's address for notices: (host, event type).
pub async fn tenant(app: &TestApp, hook: &str) -> (String, String) {
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    let week = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day});
    let s = app.post("/v1/schedules", json!({"name": "All", "time_zone": "UTC", "weekly": week})).await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    let h = app
        .post("/v1/hosts", json!({"name": "Ann", "email": ANN, "time_zone": "UTC", "schedule_id": s.id()}))
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.body);
    let et = json!({"slug": "c", "title": "Consultation", "duration_minutes": 30, "buffer_after_minutes": 10,
        "host_ids": [h.id()], "reminders": []});
    let e = app.post("/v1/event-types", et).await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    let events =
        json!(["booking.created", "booking.rescheduled", "booking.cancelled", "connection.unhealthy"]);
    let w = app.post("/v1/webhooks", json!({"url": hook, "events": events})).await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.body);
    let owner = json!({"notify_email": OWNER});
    let n = app.call_with("PUT", "/v1/notification-settings", Some(owner), &app.key, &[]).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.body);
    (h.id(), e.id())
}

impl World {
    /// The world on `backend`, or `None` when that store or a peer (aiosmtpd, Radicale) is
    /// missing (the reason is printed).
    pub async fn start(backend: Backend) -> Option<World> {
        let sink = SmtpSink::start()?;
        let radicale = Radicale::start()?;
        let db = TestDb::new(backend).await?;
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        let twilio = TwilioStandIn::start_with_clock(SID, TOKEN, clock.clone()).await;
        let google = GoogleStandIn::start(clock.clone()).await;
        google.set_account(ANN);
        let microsoft = MicrosoftStandIn::start(clock.clone()).await;
        microsoft.set_account(ANN);
        let (g, m, t) = (google.clone(), microsoft.clone(), twilio.clone());
        let app = TestApp::start_with_clock(db, clock, |s| {
            crate::notify::with_email(s, &sink);
            s.twilio_account_sid = Some(SID.into());
            s.twilio_auth_token = Some(Secret::from(TOKEN));
            s.twilio_from = Some("+15550001111".into());
            s.twilio_api_base = t.base_url();
            s.google_client_id = Some(g.client_id().into());
            s.google_client_secret = Some(Secret::from(g.client_secret()));
            s.google_auth_url = g.auth_url();
            s.google_token_url = g.token_url();
            s.google_revoke_url = g.revoke_url();
            s.google_api_base = g.api_base();
            s.microsoft_client_id = Some(m.client_id().into());
            s.microsoft_client_secret = Some(Secret::from(m.client_secret()));
            s.microsoft_auth_url = Some(m.auth_url());
            s.microsoft_token_url = Some(m.token_url());
            s.microsoft_graph_base = m.graph_base();
            // Loopback peers: Radicale and the webhook endpoint.
            s.webhook_allow_private = true;
            s.job_lease_seconds = LEASE_SECS;
            // Polled, not pushed: the stand-ins' pushes are the calendar suites' business.
            s.calendar_push = false;
        })
        .await;
        let hook = Endpoint::start().await;
        let (host, event_type) = tenant(&app, &hook.url).await;
        let dav = CalDav::new(CalDavConfig::default()).unwrap();
        let dav_account = Account::new(&radicale.url(), "ann", "app-pass-outage").unwrap();
        let dav_calendar = format!("{}ann/work/", radicale.url());
        dav.mkcalendar(&dav_account, &dav_calendar, "Work").await.unwrap();
        let mut w = World {
            app,
            sink,
            twilio,
            google,
            microsoft,
            radicale,
            dav,
            dav_account,
            dav_calendar,
            hook,
            event_type,
            host,
            known: Vec::new(),
            made: 0,
        };
        w.connect().await;
        Some(w)
    }

    /// Connects Ann's Google, Outlook and CalDAV calendars, each receiving her bookings.
    async fn connect(&mut self) {
        for provider in ["google", "microsoft"] {
            let r =
                self.app.post(&format!("/v1/hosts/{}/connections/{provider}", self.host), json!({})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let consent = browser().get(r.body["authorization_url"].as_str().unwrap()).send().await.unwrap();
            assert_eq!(consent.status(), StatusCode::FOUND, "{provider}");
            let back = open(consent.headers()["location"].to_str().unwrap()).await;
            assert_eq!(back.status, StatusCode::OK, "{provider}: {}", back.body);
        }
        let account = json!({"url": self.radicale.url(), "username": "ann", "password": "app-pass-outage"});
        let r = self.app.post(&format!("/v1/hosts/{}/connections/caldav", self.host), account).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        self.app.run_pending_jobs().await;
        let list = self.app.get("/v1/connections").await;
        let receiving =
            list.body["data"].as_array().unwrap().iter().filter(|c| c["booking_calendar_id"].is_string());
        assert_eq!(receiving.count(), 3, "three calendars receive bookings: {}", list.body);
    }

    pub fn now(&self) -> i64 {
        self.app.clock.now_second()
    }

    /// Moves the clock on.
    pub fn advance(&self, secs: i64) {
        self.app.clock.advance(SignedDuration::from_secs(secs));
    }

    /// What is due runs: calendar polls and health checks are enqueued, then every due job.
    pub async fn run(&self) {
        run(&self.app).await;
    }

    /// `minutes` of clock in five-minute steps, what falls due running at each.
    pub async fn wait_minutes(&self, minutes: i64) {
        self.run().await;
        for _ in 0..minutes / 5 {
            self.advance(300);
            self.run().await;
        }
    }

    /// A new unused start, an hour after the last.
    fn next_start(&mut self) -> String {
        self.made += 1;
        sked_server::time::rfc3339(FIRST_START + self.made * 3_600)
    }

    async fn send(&self, path: &str, body: Value, expect: StatusCode) -> Value {
        let r = self.app.post(path, body).await;
        assert_eq!(r.status, expect, "{path}: {}", r.body);
        r.body
    }

    /// Books a new attendee, through HTTP: answered 201 whatever is down.
    pub async fn book(&mut self) -> usize {
        let start = self.next_start();
        let n = self.known.len() + 1;
        let (email, phone) = (format!("g{n}@example.test"), format!("+1415555{n:04}"));
        let attendee = json!({"name": format!("Guest {n}"), "email": email, "phone": phone});
        let body = json!({"event_type_id": self.event_type, "start": start, "attendee": attendee});
        let v = self.send("/v1/bookings", body, StatusCode::CREATED).await;
        self.known.push(Known {
            id: v["id"].as_str().unwrap().to_owned(),
            start: v["start"].as_str().unwrap().to_owned(),
            status: v["status"].as_str().unwrap().to_owned(),
            email,
            phone,
            changes: HashMap::from([("created", 1)]),
        });
        self.known.len() - 1
    }

    /// Moves booking `k` to a new start: answered 200 whatever is down.
    pub async fn reschedule(&mut self, k: usize) {
        let start = self.next_start();
        let path = format!("/v1/bookings/{}/reschedule", self.known[k].id);
        let v = self.send(&path, json!({"start": start}), StatusCode::OK).await;
        let b = &mut self.known[k];
        b.start = v["start"].as_str().unwrap().to_owned();
        *b.changes.entry("rescheduled").or_default() += 1;
    }

    /// Cancels booking `k`: answered 200 whatever is down.
    pub async fn cancel(&mut self, k: usize) {
        let path = format!("/v1/bookings/{}/cancel", self.known[k].id);
        let v = self.send(&path, json!({"reason": "outage"}), StatusCode::OK).await;
        let b = &mut self.known[k];
        b.status = v["status"].as_str().unwrap().to_owned();
        *b.changes.entry("cancelled").or_default() += 1;
    }

    /// The changes a client makes while something is down: three bookings, one of them moved
    /// and another cancelled.
    pub async fn changes(&mut self) {
        let first = self.book().await;
        let second = self.book().await;
        self.book().await;
        self.reschedule(first).await;
        self.cancel(second).await;
    }

    /// [`drain`] on this world's server.
    pub async fn drain(&self, kinds: &[&str], limit_secs: i64) -> i64 {
        drain(&self.app, kinds, limit_secs).await
    }
}

/// What is due runs: calendar polls and health checks are enqueued, then every due job.
pub async fn run(app: &TestApp) {
    sked_server::calendars::tick(&app.state).await.unwrap();
    app.run_pending_jobs().await;
}

/// Runs what falls due, the clock jumping to the next retry each time, until no job of `kinds`
/// (of any kind when empty) is queued or running, and none is dead; answers how much clock that
/// took, which must stay within `limit_secs`.
pub async fn drain(app: &TestApp, kinds: &[&str], limit_secs: i64) -> i64 {
    let began = app.clock.now_second();
    loop {
        run(app).await;
        let mut waiting = checks::pages(&app.base, &app.key, "/v1/jobs?status=queued&limit=500").await;
        waiting.extend(checks::pages(&app.base, &app.key, "/v1/jobs?status=running&limit=500").await);
        waiting.retain(|j| kinds.is_empty() || kinds.contains(&j["kind"].as_str().unwrap_or("")));
        let Some(next) = waiting.iter().map(super::checks::run_at).min() else { break };
        let next = next.max(app.clock.now_second() + 1);
        assert!(
            next - began <= limit_secs,
            "jobs still waiting {limit_secs} s after the peers came back: {waiting:#?}"
        );
        app.clock.set(Timestamp::from_second(next).unwrap());
    }
    let dead = app.get("/v1/jobs?status=dead").await.body;
    assert!(dead["data"].as_array().unwrap().is_empty(), "dead jobs: {dead:#}");
    app.clock.now_second() - began
}
