//! A provider that answers again after an outage: the messages waiting out a backoff through it
//! go with the first one it takes, not minutes or hours later; those it asked to wait
//! (`Retry-After`, an SMTP server's 451) wait, whoever answers meanwhile.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use jiff::SignedDuration;
use serde_json::{Value, json};
use sked_core::{Clock, ManualClock};
use sked_server::config::Secret;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::{Failure, TwilioStandIn};

use super::{messages, with_email};
use crate::helpers::{NOW, TestApp, world};

const SID: &str = "AC00000000000000000000000000000002";
const TOKEN: &str = "twilio_recovery_token";

/// A booking at `start` for an attendee with this email and phone.
fn booking(event_type: &str, start: &str, email: &str, phone: Option<&str>) -> Value {
    let mut attendee = json!({"name": "Pat", "email": email});
    if let Some(p) = phone {
        attendee = json!({"name": "Pat", "phone": p});
    }
    json!({"event_type_id": event_type, "start": start, "attendee": attendee})
}

/// Books; answers the booking's id.
async fn book(app: &TestApp, body: Value) -> String {
    let b = app.post("/v1/bookings", body).await;
    assert_eq!(b.status, 201, "bookings succeed whatever is down: {}", b.body);
    b.id()
}

/// `minutes` of clock in five-minute steps, running what falls due: every retry fails meanwhile.
async fn outage(app: &TestApp, minutes: i64) {
    app.run_pending_jobs().await;
    for _ in 0..minutes / 5 {
        app.clock.advance(SignedDuration::from_mins(5));
        app.run_pending_jobs().await;
    }
}

fn now(app: &TestApp) -> i64 {
    app.clock.now_second()
}

/// When the queued job of message `id` runs next.
async fn run_at(app: &TestApp, id: &Value) -> i64 {
    let jobs = app.get("/v1/jobs?status=queued&limit=500").await;
    let job = jobs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| &j["payload"]["message_id"] == id)
        .unwrap_or_else(|| panic!("no queued job sends {id}: {}", jobs.body));
    job["run_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The booking's confirmations on `channel` (and to `to`, when given): not its reminders.
async fn on(app: &TestApp, booking: &str, channel: &str, to: Option<&str>) -> Vec<Value> {
    let log = messages(app, booking).await;
    log.into_iter()
        .filter(|m| m["kind"] == "confirmation" || m["kind"] == "booking.created")
        .filter(|m| m["channel"] == channel && to.is_none_or(|t| m["to"] == t))
        .collect()
}

#[tokio::test]
async fn emails_waiting_out_an_smtp_outage_go_with_the_first_that_gets_through() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(mut sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        sink.stop();
        let first =
            book(&app, booking(&w.event_type, "2026-03-04T15:00:00Z", "pat@example.test", None)).await;
        outage(&app, 30).await;
        let waiting = on(&app, &first, "email", None).await;
        assert_eq!(waiting.len(), 2);
        for m in &waiting {
            assert_eq!(m["status"], "queued", "{m}");
            assert!(run_at(&app, &m["id"]).await > now(&app) + 600, "the backoff has grown past ten minutes");
        }
        sink.resume();
        let second =
            book(&app, booking(&w.event_type, "2026-03-04T16:00:00Z", "sam@example.test", None)).await;
        app.run_pending_jobs().await;
        for id in [&first, &second] {
            let sent = on(&app, id, "email", None).await;
            assert!(sent.iter().all(|m| m["status"] == "sent"), "at once, on the same clock: {sent:#?}");
        }
        assert_eq!(sink.messages().len(), 4, "each email once");
        app.stop().await;
    }
}

async fn with_twilio(db: TestDb) -> (TestApp, TwilioStandIn) {
    let clock = Arc::new(ManualClock::new(NOW.parse().unwrap()));
    let twilio = TwilioStandIn::start_with_clock(SID, TOKEN, clock.clone()).await;
    let base = twilio.base_url();
    let app = TestApp::start_with_clock(db, clock, |s| {
        s.twilio_account_sid = Some(SID.into());
        s.twilio_auth_token = Some(Secret::from(TOKEN));
        s.twilio_from = Some("+15550001111".into());
        s.twilio_api_base = base;
    })
    .await;
    (app, twilio)
}

#[tokio::test]
async fn texts_waiting_out_a_twilio_outage_go_with_the_first_that_gets_through() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let (app, twilio) = with_twilio(db).await;
        let w = world(&app).await;
        twilio.fail_with(Failure::ServerError);
        let first =
            book(&app, booking(&w.event_type, "2026-03-04T15:00:00Z", "", Some("+15551230001"))).await;
        outage(&app, 30).await;
        // Long enough after the last attempt for Twilio to list it, had it taken it.
        app.clock.advance(SignedDuration::from_mins(3));
        let waiting = on(&app, &first, "sms", None).await;
        assert_eq!(waiting.len(), 1);
        assert!(run_at(&app, &waiting[0]["id"]).await > now(&app) + 300, "the backoff has grown");
        twilio.fail_with(Failure::None);
        let second =
            book(&app, booking(&w.event_type, "2026-03-04T16:00:00Z", "", Some("+15551230002"))).await;
        app.run_pending_jobs().await;
        for id in [&first, &second] {
            let sent = on(&app, id, "sms", None).await;
            assert_eq!(sent[0]["status"], "sent", "at once, on the same clock: {sent:#?}");
        }
        assert_eq!(twilio.sent().len(), 2, "each text once");
        app.stop().await;
    }
}

/// A webhook endpoint answering what it is told to: a status and a `Retry-After`.
#[derive(Clone, Default)]
struct Endpoint {
    got: Arc<Mutex<Vec<String>>>,
    answer: Arc<Mutex<(u16, Option<u64>)>>,
}

impl Endpoint {
    async fn start(&self) -> String {
        *self.answer.lock().unwrap() = (200, None);
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap| {
                let me = me.clone();
                async move {
                    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    me.got.lock().unwrap().push(id.to_owned());
                    let (status, after) = *me.answer.lock().unwrap();
                    let mut h = HeaderMap::new();
                    if let Some(secs) = after {
                        h.insert("retry-after", secs.into());
                    }
                    (StatusCode::from_u16(status).unwrap(), h)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn answer(&self, status: u16, retry_after: Option<u64>) {
        *self.answer.lock().unwrap() = (status, retry_after);
    }

    /// Deliveries received with this message's `webhook-id`.
    fn got(&self, message: &Value) -> usize {
        let id = format!("msg_{}", message["id"].as_str().unwrap().replace('-', ""));
        self.got.lock().unwrap().iter().filter(|g| **g == id).count()
    }
}

#[tokio::test]
async fn deliveries_waiting_out_an_endpoints_outage_go_with_the_first_it_takes_and_never_before_its_retry_after()
 {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let app = TestApp::start(db, |s| s.webhook_allow_private = true).await;
        let w = world(&app).await;
        let (rx, other) = (Endpoint::default(), Endpoint::default());
        let (url, other_url) = (rx.start().await, other.start().await);
        for u in [&url, &other_url] {
            let hook = app.post("/v1/webhooks", json!({"url": u, "events": ["booking.created"]})).await;
            assert_eq!(hook.status, 201, "{}", hook.body);
        }
        rx.answer(500, None);
        other.answer(500, None);
        let first =
            book(&app, booking(&w.event_type, "2026-03-04T15:00:00Z", "pat@example.test", None)).await;
        outage(&app, 30).await;
        let mine = on(&app, &first, "webhook", Some(&url)).await.remove(0);
        let theirs = on(&app, &first, "webhook", Some(&other_url)).await.remove(0);
        for m in [&mine, &theirs] {
            assert!(run_at(&app, &m["id"]).await > now(&app) + 300, "the schedule has grown: {m}");
        }
        let (tried, tried_there) = (rx.got(&mine), other.got(&theirs));
        // One endpoint takes deliveries again: its waiting delivery goes with the next one; the
        // other endpoint's keeps its time.
        rx.answer(204, None);
        let second =
            book(&app, booking(&w.event_type, "2026-03-04T16:00:00Z", "sam@example.test", None)).await;
        app.run_pending_jobs().await;
        assert_eq!(on(&app, &second, "webhook", Some(&url)).await[0]["status"], "sent");
        assert_eq!(on(&app, &first, "webhook", Some(&url)).await[0]["status"], "sent", "at once");
        assert_eq!(rx.got(&mine), tried + 1);
        assert_eq!(on(&app, &first, "webhook", Some(&other_url)).await[0]["status"], "queued");
        assert_eq!(other.got(&theirs), tried_there, "another endpoint's delivery keeps its time");

        // Throttling: a delivery told to wait two minutes on a retry planned five minutes out is
        // brought forward by the endpoint's next success only to the end of those two minutes.
        rx.answer(500, None);
        let third =
            book(&app, booking(&w.event_type, "2026-03-04T18:00:00Z", "kim@example.test", None)).await;
        app.run_pending_jobs().await;
        rx.answer(429, Some(120));
        app.clock.advance(SignedDuration::from_secs(10));
        app.run_pending_jobs().await;
        let throttled = on(&app, &third, "webhook", Some(&url)).await.remove(0);
        let told = now(&app);
        assert!(run_at(&app, &throttled["id"]).await >= told + 300, "the schedule's five minutes");
        rx.answer(204, None);
        app.clock.advance(SignedDuration::from_secs(10));
        let fourth =
            book(&app, booking(&w.event_type, "2026-03-05T15:00:00Z", "lee@example.test", None)).await;
        app.run_pending_jobs().await;
        assert_eq!(on(&app, &fourth, "webhook", Some(&url)).await[0]["status"], "sent");
        assert_eq!(run_at(&app, &throttled["id"]).await, told + 120, "brought forward, not past its wait");
        assert_eq!(rx.got(&throttled), 2, "not sent meanwhile");
        app.clock.advance(SignedDuration::from_secs(110));
        app.run_pending_jobs().await;
        assert_eq!(rx.got(&throttled), 3);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_text_twilio_throttled_and_an_email_a_mailbox_deferred_wait_whoever_answers_meanwhile() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let clock = Arc::new(ManualClock::new(NOW.parse().unwrap()));
        let twilio = TwilioStandIn::start_with_clock(SID, TOKEN, clock.clone()).await;
        let base = twilio.base_url();
        let app = TestApp::start_with_clock(db, clock, |s| {
            s.twilio_account_sid = Some(SID.into());
            s.twilio_auth_token = Some(Secret::from(TOKEN));
            s.twilio_from = Some("+15550001111".into());
            s.twilio_api_base = base;
            with_email(s, &sink);
        })
        .await;
        let w = world(&app).await;
        // Twilio: 429, `Retry-After: 600`. The mail server: 451 for one mailbox, which is full.
        twilio.fail_with(Failure::Throttle { retry_after_secs: Some(600) });
        sink.defer(&["full@example.test"]);
        let text = book(&app, booking(&w.event_type, "2026-03-04T15:00:00Z", "", Some("+15551230003"))).await;
        let mail =
            book(&app, booking(&w.event_type, "2026-03-04T16:00:00Z", "full@example.test", None)).await;
        app.run_pending_jobs().await;
        let t = on(&app, &text, "sms", None).await.remove(0);
        let e = on(&app, &mail, "email", Some("full@example.test")).await.remove(0);
        let (t_at, e_at) = (run_at(&app, &t["id"]).await, run_at(&app, &e["id"]).await);
        assert!(t_at >= now(&app) + 600, "Twilio's wait");
        assert!(e_at > now(&app), "the usual backoff");
        // Both answer other messages: neither waiting one is brought forward.
        twilio.fail_with(Failure::None);
        app.clock.advance(SignedDuration::from_secs(5));
        let other =
            book(&app, booking(&w.event_type, "2026-03-04T18:00:00Z", "", Some("+15551230004"))).await;
        let more = book(&app, booking(&w.event_type, "2026-03-05T15:00:00Z", "ok@example.test", None)).await;
        app.run_pending_jobs().await;
        assert_eq!(on(&app, &other, "sms", None).await[0]["status"], "sent");
        assert_eq!(on(&app, &more, "email", Some("ok@example.test")).await[0]["status"], "sent");
        assert_eq!((run_at(&app, &t["id"]).await, run_at(&app, &e["id"]).await), (t_at, e_at));
        assert_eq!(twilio.sent().len(), 1);
        sink.defer(&[]);
        app.clock.advance(SignedDuration::from_mins(10));
        app.run_pending_jobs().await;
        assert_eq!(on(&app, &text, "sms", None).await[0]["status"], "sent");
        assert_eq!(on(&app, &mail, "email", Some("full@example.test")).await[0]["status"], "sent");
        assert_eq!(twilio.sent().len(), 2, "each text once");
        app.stop().await;
    }
}
