//! The outage suite: each outside service Sked talks to (the calendar providers: Google, Outlook
//! and a CalDAV server; the mail server; Twilio; a webhook endpoint) down, hanging past the
//! server's timeouts, or throttling with `Retry-After`, while bookings keep coming through
//! HTTP. Every booking is answered 201 at once whatever is down; once the peers are back, every
//! side effect queued meanwhile lands once (one `Message-ID` per email at a real SMTP server,
//! one text per message at Twilio, one `webhook-id` per delivery, one calendar event per
//! booking at each provider, at its time), the queues drain, and each alert is raised once.
//!
//! The server runs in process on a test clock shared with the stand-ins, its job worker driven
//! by the test: half an hour of outage is the clock moved on in five-minute steps, with every
//! retry that falls due run at each, so the retries are spaced as far apart as they would be.
//! Only the hangs take real time: a worker's lease of 8 s cuts each attempt at 6.4 s, and a
//! hanging peer answers after [`HANG`].
//!
//! The checks of each side effect are the crash suite's (`crash_storm::checks`), with the
//! alerts taken as recorded messages, and the calendars' in `outage/checks.rs`.

mod checks;
mod endpoint;
mod world;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::Failure;

use self::checks::{of_kind, queued, run_at};
use self::endpoint::{Answer, Endpoint};
use self::world::{OWNER, World};
use crate::helpers::TestApp;

/// How long a hanging peer takes to answer: longer than any attempt (6.4 s).
pub const HANG: Duration = Duration::from_secs(10);

/// The jobs that carry side effects: they must all be done soon after the peers are back.
const EFFECTS: [&str; 7] = [
    "message.send",
    "calendar.push",
    "booking.event",
    "booking.event.calendar",
    "booking.event.notify",
    "booking.event.webhooks",
    "connection.event",
];

/// How long after the peers are back the side effects may take, on the clock: Twilio is asked
/// whether it took a text 2 minutes after an attempt that went unanswered, before sending it.
const PROMPTLY: i64 = 180;

/// After the side effects, the rest of the queue (calendar syncs and health checks that failed
/// meanwhile, retried on their own backoff while fresh polls run every 5 minutes).
const EVENTUALLY: i64 = 6 * 3_600;

/// The `connection.unhealthy` deliveries the endpoint got, by connection: their distinct
/// `webhook-id`s.
fn unhealthy_by_connection(hook: &Endpoint) -> HashMap<String, HashSet<String>> {
    let mut by: HashMap<String, HashSet<String>> = HashMap::new();
    for (id, body) in hook.got() {
        let v: Value = serde_json::from_str(&body).unwrap();
        if v["type"] == "connection.unhealthy" {
            by.entry(v["data"]["id"].as_str().unwrap().to_owned()).or_default().insert(id);
        }
    }
    by
}

/// After the peers came back and one more booking went through: every side effect done (how
/// soon, in clock seconds), the queue empty, each done once, each connection's unhealthy alert
/// delivered once; prints the summary and answers the alerts by connection.
async fn recovered(
    w: &World,
    backend: Backend,
    failure: &str,
    began: Instant,
) -> HashMap<String, HashSet<String>> {
    let promptly = w.drain(&EFFECTS, PROMPTLY).await;
    let eventually = w.drain(&[], EVENTUALLY).await;
    let summary = checks::everything(w).await;
    let unhealthy = unhealthy_by_connection(&w.hook);
    assert!(unhealthy.values().all(|ids| ids.len() == 1), "{unhealthy:?}");
    eprintln!(
        "outage, {failure}, on {backend:?}: {summary}; side effects done {promptly} s after the \
         peers came back, queue empty after {eventually} s more (clock); {:.1} s",
        began.elapsed().as_secs_f64()
    );
    unhealthy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_down_for_half_an_hour_then_back_delivers_each_effect_once_and_alerts_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(mut w) = World::start(backend).await else { continue };
        let began = Instant::now();
        // Refused connections (the mail server, the CalDAV server), 5xx (the rest).
        w.sink.stop();
        w.radicale.stop();
        w.twilio.fail_with(Failure::ServerError);
        w.google.set_down(true);
        w.microsoft.set_down(true);
        w.hook.answer(Answer::Fail);
        let start = sked_server::time::rfc3339(w.now());
        w.changes().await;
        w.wait_minutes(30).await;
        assert!(w.sink.messages().is_empty() && w.twilio.sent().is_empty());
        // The booking changes' retries have backed off past five minutes.
        let waiting: Vec<_> =
            queued(&w).await.into_iter().filter(|(_, j)| j["created_at"] == start.as_str()).collect();
        let kinds: HashSet<&str> = waiting.iter().map(|(what, _)| what.as_str()).collect();
        assert_eq!(kinds, HashSet::from(["email", "sms", "webhook", "calendar"]), "{waiting:#?}");
        for (what, job) in &waiting {
            assert!(run_at(job) > w.now() + 300, "{what}: {job}");
        }

        w.sink.resume();
        w.radicale.resume();
        w.twilio.fail_with(Failure::None);
        w.google.set_down(false);
        w.microsoft.set_down(false);
        w.hook.answer(Answer::Ok);
        // The first booking after the outage goes out at once, and what waited goes with it.
        w.book().await;
        // Alerts: each connection turned unhealthy once (one delivery each, whatever its
        // retries), and Ann was emailed once for all three.
        let unhealthy = recovered(&w, backend, "down", began).await;
        assert_eq!(unhealthy.len(), 3, "{unhealthy:?}");
        let alerts = checks::alerts(&w).await;
        assert_eq!(of_kind(&alerts, "connection_alert").len(), 1, "{alerts:#?}");
        w.app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_hanging_past_the_timeout_is_retried_and_what_landed_late_is_not_repeated() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(mut w) = World::start(backend).await else { continue };
        let began = Instant::now();
        // Each peer does what it is asked at once but answers only after the attempt gave up
        // (the frozen CalDAV server carries requests out when it thaws).
        w.sink.stall(true);
        w.radicale.freeze();
        w.twilio.fail_with(Failure::SlowAnswer { secs: HANG.as_secs() });
        w.google.set_slow(Some(HANG));
        w.microsoft.set_slow(Some(HANG));
        w.hook.answer(Answer::Hang);
        w.changes().await;
        w.run().await;
        let cut = queued(&w).await;
        assert!(
            cut.iter()
                .filter(|(what, _)| what != "calendar")
                .all(|(_, j)| { j["last_error"].as_str().is_some_and(|e| e.contains("timed out")) }),
            "every attempt was cut: {cut:#?}"
        );
        // What the peers did before answering.
        assert!(!w.twilio.sent().is_empty() && !w.sink.messages().is_empty() && !w.hook.got().is_empty());
        assert!(!w.google.events(world::ANN).is_empty());

        w.sink.stall(false);
        w.radicale.thaw();
        w.twilio.fail_with(Failure::None);
        w.google.set_slow(None);
        w.microsoft.set_slow(None);
        w.hook.answer(Answer::Ok);
        w.book().await;
        recovered(&w, backend, "hanging", began).await;
        w.app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_throttling_is_waited_for_and_never_brought_forward_past_its_retry_after() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(mut w) = World::start(backend).await else { continue };
        let began = Instant::now();
        // 429 with `Retry-After: 120` (Twilio, Google, Graph, the endpoint); 451 from the mail
        // server for every recipient. (Radicale cannot throttle: the CalDAV client's reading of
        // 429 and 503 is a unit test of `sked-caldav`.)
        w.twilio.fail_with(Failure::Throttle { retry_after_secs: Some(120) });
        w.google.rate_limit_next(usize::MAX, 120);
        w.microsoft.rate_limit_next(usize::MAX, 120);
        w.hook.answer(Answer::Throttle(120));
        w.sink.defer(&["*"]);
        w.changes().await;
        w.run().await;
        let told = w.now();
        let before: HashMap<String, (String, i64)> = queued(&w)
            .await
            .into_iter()
            .map(|(what, j)| (j["id"].as_str().unwrap().to_owned(), (what, run_at(&j))))
            .collect();
        let kinds: HashSet<&str> = before.values().map(|(what, _)| what.as_str()).collect();
        assert_eq!(kinds, HashSet::from(["email", "sms", "webhook", "calendar"]), "{before:#?}");
        for (what, at) in before.values() {
            // The mail server gave no time: the usual backoff, held.
            let wait = if what == "email" { 24 } else { 120 };
            assert!(*at >= told + wait, "{what} retried at {at}, {} s after it was told to wait", at - told);
        }

        // Ten seconds later every peer takes work again: the next booking goes through each,
        // which brings what waits forward, but nothing before the wait it was given.
        w.advance(10);
        w.twilio.fail_with(Failure::None);
        w.google.rate_limit_next(0, 0);
        w.microsoft.rate_limit_next(0, 0);
        w.hook.answer(Answer::Ok);
        w.sink.defer(&[]);
        w.book().await;
        w.run().await;
        for (id, what, at) in
            queued(&w).await.iter().map(|(what, j)| (j["id"].as_str().unwrap(), what, run_at(j)))
        {
            if let Some((_, was)) = before.get(id) {
                assert_eq!(at, *was, "{what}: not brought forward past its wait");
            }
        }
        recovered(&w, backend, "throttling", began).await;
        w.app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_down_for_six_days_is_disabled_once_and_the_business_told_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(db) = TestDb::new(backend).await else { continue };
        let app = TestApp::start(db, |s| {
            crate::notify::with_email(s, &sink);
            s.webhook_allow_private = true;
        })
        .await;
        let hook = Endpoint::start().await;
        let (_, event_type) = world::tenant(&app, &hook.url).await;
        hook.answer(Answer::Fail);
        // A booking a day for six days, every delivery failing; the clock moves three hours at
        // a time, every retry due running.
        for day in 0..6 {
            let start = sked_server::time::rfc3339(1_772_611_200 + day * 86_400);
            let who = serde_json::json!({"name": "Pat", "email": format!("p{day}@example.test")});
            let b = app
                .post(
                    "/v1/bookings",
                    serde_json::json!({"event_type_id": event_type, "start": start, "attendee": who}),
                )
                .await;
            assert_eq!(b.status, 201, "{}", b.body);
            for _ in 0..8 {
                app.clock.advance(jiff::SignedDuration::from_hours(3));
                world::run(&app).await;
            }
        }
        let hooks = app.get("/v1/webhooks").await.body;
        let h = &hooks["data"][0];
        assert_eq!(h["active"], false, "{h}");
        // The queue drains: what was still being retried fails once the endpoint is off.
        world::drain(&app, &[], 2 * 86_400).await;
        let told: Vec<_> =
            sink.messages().iter().map(|m| crate::notify::parse(m)).filter(|m| m.to == OWNER).collect();
        assert_eq!(told.len(), 1, "the business is told once");
        let page = |q: &'static str| crate::crash_storm::checks::pages(&app.base, &app.key, q);
        assert_eq!(page("/v1/messages?kind=webhook_disabled&limit=500").await.len(), 1);
        // A delivery made before the endpoint was turned off failed for good; none was made after.
        let deliveries = page("/v1/messages?channel=webhook&limit=500").await;
        assert!((5..=6).contains(&deliveries.len()), "{deliveries:#?}");
        assert!(deliveries.iter().all(|d| d["status"] == "failed"), "{deliveries:#?}");
        let ids: HashSet<String> = deliveries
            .iter()
            .map(|d| format!("msg_{}", d["id"].as_str().unwrap().replace('-', "")))
            .collect();
        assert!(hook.got().iter().all(|(id, _)| ids.contains(id)), "only those deliveries, each with its id");
        app.stop().await;
    }
}
