//! Outbound webhooks to a local receiver: signed per Standard Webhooks, retried with the same id
//! on failure, logged, redelivered, pinged, and disabled after 5 days of failure.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_webhooks::Secret;

use crate::helpers::{TestApp, world};

/// What the receiver got, and what it answers.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    status: Arc<Mutex<u16>>,
}

impl Receiver {
    async fn start(&self) -> String {
        *self.status.lock().unwrap() = 200;
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    me.got.lock().unwrap().push((headers, body));
                    StatusCode::from_u16(*me.status.lock().unwrap()).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn answer(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }

    fn got(&self) -> Vec<(HeaderMap, String)> {
        self.got.lock().unwrap().clone()
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn booking_events_are_delivered_signed_and_retried_with_the_same_id_until_they_land() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let app = TestApp::start(db, |s| s.webhook_allow_private = true).await;
        let rx = Receiver::default();
        let url = rx.start().await;
        let w = world(&app).await;
        let hook = app
            .post("/v1/webhooks", json!({"url": url, "events": ["booking.created", "booking.cancelled"]}))
            .await;
        assert_eq!(hook.status, 201, "{}", hook.body);
        let secret = Secret::parse(hook.body["secret"].as_str().unwrap()).unwrap();
        assert!(
            app.get(&format!("/v1/webhooks/{}", hook.id())).await.body.get("secret").is_none(),
            "shown once"
        );

        let b = app
            .post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-04T15:00:00Z", "Pat"))
            .await;
        app.run_pending_jobs().await;
        let got = rx.got();
        assert_eq!(got.len(), 1);
        let (h, body) = &got[0];
        let (id, ts) = (header(h, "webhook-id"), header(h, "webhook-timestamp").parse::<i64>().unwrap());
        assert!(id.starts_with("msg_"));
        let now = sked_core::Clock::now_second(app.clock.as_ref());
        assert!(sked_webhooks::verify(
            &secret,
            id,
            ts,
            body.as_bytes(),
            header(h, "webhook-signature"),
            now,
            300
        ));
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["type"], "booking.created");
        assert_eq!(v["data"]["id"], b.body["id"]);
        assert_eq!(v["data"]["confirmation_code"], b.body["confirmation_code"]);

        // A reschedule is not subscribed to; a cancel is, and the endpoint fails for a while.
        app.post(&format!("/v1/bookings/{}/reschedule", b.id()), json!({"start": "2026-03-04T16:00:00Z"}))
            .await;
        rx.answer(500);
        app.post(&format!("/v1/bookings/{}/cancel", b.id()), json!({})).await;
        app.run_pending_jobs().await;
        for _ in 0..3 {
            app.clock.advance(jiff::SignedDuration::from_mins(35));
            app.run_pending_jobs().await;
        }
        let deliveries = app.get(&format!("/v1/webhooks/{}/deliveries", hook.id())).await;
        let latest = &deliveries.body["data"][0];
        assert_eq!(
            (latest["kind"].as_str(), latest["status"].as_str()),
            (Some("booking.cancelled"), Some("queued"))
        );
        assert_eq!(latest["response_code"], 500);
        assert_eq!(latest["attempts"], 4, "immediately, then about 5 s, 5 min and 30 min later: {latest}");
        assert!(latest["next_attempt_at"].is_string());
        let failing = app.get(&format!("/v1/webhooks/{}", hook.id())).await;
        assert!(failing.body["failing_since"].is_string());
        rx.answer(204);
        app.clock.advance(jiff::SignedDuration::from_hours(3));
        app.run_pending_jobs().await;
        let got = rx.got();
        let cancels: Vec<_> = got.iter().filter(|(_, b)| b.contains("booking.cancelled")).collect();
        assert_eq!(cancels.len(), 5);
        let ids: std::collections::HashSet<_> =
            cancels.iter().map(|(h, _)| header(h, "webhook-id").to_owned()).collect();
        assert_eq!(ids.len(), 1, "the same webhook-id on every attempt");
        assert!(cancels.windows(2).all(|p| p[0].1 == p[1].1), "the same body on every attempt");
        let delivered = app.get(&format!("/v1/webhooks/{}/deliveries", hook.id())).await;
        assert_eq!(delivered.body["data"][0]["status"], "sent");
        assert!(app.get(&format!("/v1/webhooks/{}", hook.id())).await.body["failing_since"].is_null());

        // Redeliver and ping.
        let first = delivered.body["data"][1]["id"].as_str().unwrap().to_owned();
        let r =
            app.post(&format!("/v1/webhooks/{}/deliveries/{first}/redeliver", hook.id()), json!({})).await;
        assert_eq!(r.status, 202, "{}", r.body);
        app.run_pending_jobs().await;
        let t = app.post(&format!("/v1/webhooks/{}/test", hook.id()), json!({})).await;
        assert_eq!(t.status, 202, "{}", t.body);
        app.run_pending_jobs().await;
        let got = rx.got();
        assert_eq!(got.len(), 8);
        assert_eq!(
            header(&got[6].0, "webhook-id"),
            header(&got[0].0, "webhook-id"),
            "a redelivery keeps its id"
        );
        assert!(got[7].1.contains("webhook.test"));
        app.stop().await;
    }
}

#[tokio::test]
async fn endpoint_urls_are_checked_and_an_endpoint_failing_five_days_is_disabled() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let app = TestApp::start(db, |_| {}).await;
        for (url, why) in [
            ("http://example.com/hook", "http"),
            ("https://127.0.0.1/hook", "loopback"),
            ("https://10.0.0.8/hook", "private"),
            ("https://169.254.169.254/latest", "metadata"),
            ("https://user:pw@example.com/hook", "credentials"),
        ] {
            let r = app.post("/v1/webhooks", json!({"url": url, "events": ["*"]})).await;
            assert_eq!((r.status.as_u16(), r.fields()), (422, vec!["url".to_owned()]), "{why}: {}", r.body);
        }
        let r = app
            .post("/v1/webhooks", json!({"url": "https://example.com/h", "events": ["booking.exploded"]}))
            .await;
        assert_eq!(r.fields(), ["events"]);
        app.stop().await;

        let Some(db) = TestDb::new(backend).await else { continue };
        let sink = SmtpSink::start();
        let app = TestApp::start(db, |s| {
            s.webhook_allow_private = true;
            if let Some(sink) = &sink {
                super::with_email(s, sink);
            }
        })
        .await;
        let owner = json!({"notify_email": "owner@acme.test"});
        assert_eq!(
            app.call_with("PUT", "/v1/notification-settings", Some(owner), &app.key, &[]).await.status,
            200
        );
        let rx = Receiver::default();
        let url = rx.start().await;
        rx.answer(503);
        let w = world(&app).await;
        let hook = app.post("/v1/webhooks", json!({"url": url, "events": ["*"]})).await;
        // A booking each weekday for six weekdays, every delivery failing.
        for day in [3, 4, 5, 6, 9, 10] {
            app.set_now(&format!("2026-03-{:02}T12:00:00Z", day - 1));
            let start = format!("2026-03-{day:02}T15:00:00Z");
            let b = app.post("/v1/bookings", crate::helpers::booking(&w.event_type, &start, "Pat")).await;
            assert_eq!(b.status, 201, "{}", b.body);
            for _ in 0..7 {
                app.clock.advance(jiff::SignedDuration::from_hours(3));
                app.run_pending_jobs().await;
            }
        }
        let h = app.get(&format!("/v1/webhooks/{}", hook.id())).await;
        assert_eq!(h.body["active"], false, "{}", h.body);
        assert!(h.body["disabled_at"].is_string());
        if let Some(sink) = &sink {
            let told: Vec<_> = sink
                .messages()
                .iter()
                .map(|m| super::parse(m))
                .filter(|m| m.to == "owner@acme.test")
                .collect();
            assert_eq!(told.len(), 1, "the business is told once");
            assert!(told[0].text.contains(&url), "{}", told[0].text);
        }
        let sent = rx.got().len();
        app.post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-16T15:00:00Z", "Pat")).await;
        app.run_pending_jobs().await;
        assert_eq!(rx.got().len(), sent, "a disabled endpoint gets nothing");
        // Enabled again by the tenant: it gets events again.
        rx.answer(200);
        let r = app.patch(&format!("/v1/webhooks/{}", hook.id()), json!({"active": true})).await;
        assert_eq!(r.body["failing_since"], Value::Null);
        app.post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-17T15:00:00Z", "Pat")).await;
        app.run_pending_jobs().await;
        assert_eq!(rx.got().len(), sent + 1);
        app.stop().await;
    }
}

/// Found by the crash suite: deliveries were keyed by the booking, the event and its instant in
/// whole seconds, so the second of two reschedules within one second was never delivered.
#[tokio::test]
async fn two_changes_of_one_booking_within_a_second_are_two_deliveries() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let app = TestApp::start(db, |s| s.webhook_allow_private = true).await;
        let rx = Receiver::default();
        let url = rx.start().await;
        let w = world(&app).await;
        let hook = app.post("/v1/webhooks", json!({"url": url, "events": ["*"]})).await;
        assert_eq!(hook.status, 201, "{}", hook.body);
        let b = app
            .post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-04T15:00:00Z", "Pat"))
            .await;
        // The test clock stands still: both moves happen in the same second.
        for start in ["2026-03-04T16:00:00Z", "2026-03-04T14:30:00Z"] {
            let r = app.post(&format!("/v1/bookings/{}/reschedule", b.id()), json!({"start": start})).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        app.run_pending_jobs().await;
        let moves: Vec<Value> = rx
            .got()
            .iter()
            .map(|(_, body)| serde_json::from_str::<Value>(body).unwrap())
            .filter(|v| v["type"] == "booking.rescheduled")
            .collect();
        let starts: Vec<&str> = moves.iter().map(|v| v["data"]["start"].as_str().unwrap()).collect();
        assert_eq!(starts.len(), 2, "{moves:?}");
        assert!(starts.contains(&"2026-03-04T16:00:00Z") && starts.contains(&"2026-03-04T14:30:00Z"));
        app.stop().await;
    }
}
