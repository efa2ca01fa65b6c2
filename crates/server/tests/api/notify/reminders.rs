//! Reminders: sent once when due, moved by a reschedule, dropped by a cancel, skipped when more
//! than 15 minutes late, and stopped by the unsubscribe link.

use serde_json::json;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;

use super::{messages, parse, with_email};
use crate::helpers::{TestApp, world};

fn reminders(log: &[serde_json::Value]) -> Vec<(String, String)> {
    log.iter()
        .filter(|m| m["kind"] == "reminder")
        .map(|m| {
            (m["status"].as_str().unwrap().to_owned(), m["next_attempt_at"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

#[tokio::test]
async fn reminders_follow_the_booking_and_each_is_sent_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        let body = |start: &str| {
            json!({"event_type_id": w.event_type, "start": start, "host_id": w.hosts[0],
                "attendee": {"name": "Pat", "email": "pat@example.test"}})
        };
        let b = app.post("/v1/bookings", body("2026-03-04T15:00:00Z")).await;
        assert_eq!(b.status, 201, "{}", b.body);
        let id = b.id();
        app.run_pending_jobs().await;
        let queued = reminders(&messages(&app, &id).await);
        assert_eq!(
            queued,
            [
                ("queued".into(), "2026-03-03T15:00:00Z".into()),
                ("queued".into(), "2026-03-04T14:00:00Z".into())
            ]
        );
        // Moved an hour later: the reminders move with it.
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-04T16:00:00Z"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.run_pending_jobs().await;
        let queued = reminders(&messages(&app, &id).await);
        assert_eq!(
            queued,
            [
                ("queued".into(), "2026-03-03T16:00:00Z".into()),
                ("queued".into(), "2026-03-04T15:00:00Z".into())
            ]
        );
        let before = sink.messages().len();
        // Nothing before it is due.
        app.set_now("2026-03-03T15:59:00Z");
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), before);
        // The day-before reminder, once, however often the worker runs.
        app.set_now("2026-03-03T16:00:30Z");
        app.run_pending_jobs().await;
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages()[before..].iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 1, "{mails:#?}");
        assert!(mails[0].subject.starts_with("Reminder: Consultation"), "{}", mails[0].subject);
        assert_eq!(mails[0].to, "pat@example.test");
        // The hour-before one falls due while the worker is away, and is 20 minutes late.
        app.set_now("2026-03-04T15:20:00Z");
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), before + 1);
        let log = messages(&app, &id).await;
        let statuses: Vec<_> = reminders(&log).into_iter().map(|(s, _)| s).collect();
        assert_eq!(statuses, ["sent", "skipped"], "{log:#?}");

        // A second booking, cancelled: its reminders are dropped and never sent.
        app.set_now("2026-03-02T12:00:00Z");
        let c = app.post("/v1/bookings", body("2026-03-05T15:00:00Z")).await;
        assert_eq!(c.status, 201, "{}", c.body);
        app.run_pending_jobs().await;
        assert_eq!(reminders(&messages(&app, &c.id()).await).len(), 2);
        app.post(&format!("/v1/bookings/{}/cancel", c.id()), json!({})).await;
        app.run_pending_jobs().await;
        assert!(reminders(&messages(&app, &c.id()).await).is_empty());
        let sent = sink.messages().len();
        app.set_now("2026-03-05T14:00:00Z");
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), sent);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_unsubscribe_link_stops_reminder_email_and_forged_links_are_not_found() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        let b = app
            .post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-04T15:00:00Z", "Pat"))
            .await;
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        let link =
            mails.iter().find(|m| m.to == "guest@example.test").unwrap().list_unsubscribe.clone().unwrap();
        let client = sked_test_utils::http();
        // A GET only asks (mail scanners open links).
        let page = client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("guest@example.test"));
        let prefs = app.get("/v1/preferences?address=guest@example.test").await;
        assert_eq!(prefs.body, json!([]));
        // The one-click POST a mail client sends.
        let done = client.post(&link).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(done.status(), 200);
        let prefs = app.get("/v1/preferences?address=guest@example.test").await;
        assert_eq!(prefs.body[0]["kind"], "reminder");
        assert_eq!(prefs.body[0]["enabled"], false);
        assert_eq!(prefs.body[0]["source"], "unsubscribe");
        let forged = format!("{}x", link);
        assert_eq!(client.post(&forged).send().await.unwrap().status(), 404);
        assert_eq!(client.get(format!("{}/u/AAAA.BBBB", app.base)).send().await.unwrap().status(), 404);
        // The reminder is not sent; the log says why.
        let before = sink.messages().len();
        app.set_now("2026-03-03T15:00:10Z");
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), before);
        let log = messages(&app, &b.id()).await;
        assert!(log.iter().any(|m| m["kind"] == "reminder" && m["status"] == "opted_out"), "{log:#?}");
        // Confirmations still go: the link stops reminders only.
        let r = app
            .post(&format!("/v1/bookings/{}/reschedule", b.id()), json!({"start": "2026-03-04T16:00:00Z"}))
            .await;
        assert_eq!(r.status, 200);
        app.run_pending_jobs().await;
        assert!(sink.messages()[before..].iter().map(|m| parse(m)).any(|m| m.to == "guest@example.test"));
        app.stop().await;
    }
}
