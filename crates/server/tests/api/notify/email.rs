//! Confirmation, reschedule and cancellation emails with their invitations, to the attendee and
//! the host, through a real SMTP server.

use std::collections::HashSet;

use serde_json::json;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;

use super::{FROM, ics, messages, parse, prop, with_email};
use crate::helpers::{TestApp, world};

#[tokio::test]
async fn each_change_emails_attendee_and_host_once_with_an_invitation_that_updates_in_place() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        let b = app
            .post(
                "/v1/bookings",
                json!({"event_type_id": w.event_type, "start": "2026-03-04T15:00:00Z", "host_id": w.hosts[0],
                    "attendee": {"name": "Pat Doe", "email": "pat@example.test", "time_zone": "Europe/Madrid"}}),
            )
            .await;
        assert_eq!(b.status, 201, "{}", b.body);
        let (id, uid, code) = (
            b.id(),
            b.body["uid"].as_str().unwrap().to_owned(),
            b.body["confirmation_code"].as_str().unwrap().to_owned(),
        );
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 2, "attendee and host: {mails:#?}");
        let pat = mails.iter().find(|m| m.to == "pat@example.test").expect("to the attendee");
        let ann = mails.iter().find(|m| m.to == "ann@acme.test").expect("to the host");

        // The attendee's: their zone, named; the code; the manage and unsubscribe links.
        assert!(pat.subject.contains("Consultation"), "{}", pat.subject);
        assert!(pat.text.contains("Wednesday 4 March 2026, 16:00 CET (Europe/Madrid)"), "{}", pat.text);
        assert!(pat.text.contains(&code) && pat.html.contains(&code));
        assert!(pat.text.contains(&format!("{}/m/", app.base)), "{}", pat.text);
        let unsubscribe = pat.list_unsubscribe.clone().expect("List-Unsubscribe");
        assert!(unsubscribe.starts_with(&format!("{}/u/", app.base)));
        assert!(pat.headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        // The host's: the host's zone, and who booked.
        assert!(ann.text.contains("Wednesday 4 March 2026, 10:00 EST (America/New_York)"), "{}", ann.text);
        assert!(ann.text.contains("Pat Doe") && !ann.text.contains("/m/"));

        for m in [pat, ann] {
            let (method, cal) = m.calendar.clone().expect("a text/calendar part");
            assert_eq!(method, "REQUEST");
            let (obj_method, props) = ics(&cal);
            assert_eq!(obj_method, "REQUEST");
            assert_eq!(prop(&props, "UID"), [uid.as_str()]);
            assert_eq!(prop(&props, "SEQUENCE"), ["0"]);
            assert_eq!(prop(&props, "DTSTART"), ["20260304T150000Z"]);
            assert_eq!(prop(&props, "ORGANIZER"), [format!("mailto:{FROM}").as_str()]);
            let mut attendees = prop(&props, "ATTENDEE");
            attendees.sort_unstable();
            assert_eq!(attendees, ["mailto:ann@acme.test", "mailto:pat@example.test"]);
        }

        // Moved: the same UID, SEQUENCE 1, still a REQUEST.
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-04T16:00:00Z"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 4);
        for m in &mails[2..] {
            assert!(m.subject.starts_with("Moved"), "{}", m.subject);
            let (method, cal) = m.calendar.clone().unwrap();
            let (_, props) = ics(&cal);
            assert_eq!((method.as_str(), prop(&props, "SEQUENCE")), ("REQUEST", vec!["1"]));
            assert_eq!(prop(&props, "UID"), [uid.as_str()]);
            assert_eq!(prop(&props, "DTSTART"), ["20260304T160000Z"]);
        }
        let pat_moved = mails[2..].iter().find(|m| m.to == "pat@example.test").unwrap();
        assert!(pat_moved.text.contains("It was Wednesday 4 March 2026, 16:00 CET"), "{}", pat_moved.text);

        // Cancelled: CANCEL with the next SEQUENCE.
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "ill"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 6);
        for m in &mails[4..] {
            let (method, cal) = m.calendar.clone().unwrap();
            let (obj_method, props) = ics(&cal);
            assert_eq!((method.as_str(), obj_method.as_str()), ("CANCEL", "CANCEL"));
            assert_eq!(prop(&props, "SEQUENCE"), ["2"]);
            assert_eq!(prop(&props, "STATUS"), ["CANCELLED"]);
            assert!(m.text.contains("Reason: ill"), "{}", m.text);
        }
        let ids: HashSet<_> = mails.iter().map(|m| m.message_id.clone()).collect();
        assert_eq!(ids.len(), 6, "every email has its own Message-ID");

        // The log: six sent, the reminders of both times dropped with the booking.
        let log = messages(&app, &id).await;
        let sent: Vec<_> = log.iter().filter(|m| m["status"] == "sent").collect();
        assert_eq!(sent.len(), 6, "{log:#?}");
        assert!(log.iter().all(|m| m["channel"] == "email" && m["status"] != "queued"), "{log:#?}");
        assert!(sent.iter().all(|m| m["provider_id"].as_str().is_some_and(|p| p.contains("@sked.test"))));

        let m = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        let needle = "sked_messages_total{channel=\"email\",kind=\"confirmation\",status=\"sent\"}";
        assert!(m.contains(needle), "metrics count messages by channel, kind and status");

        // Running the booking events' jobs again sends nothing new.
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), 6);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_smtp_outage_delays_email_and_every_message_goes_out_once_after_it() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(mut sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        sink.stop();
        let b = app
            .post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-04T15:00:00Z", "Pat"))
            .await;
        assert_eq!(b.status, 201, "the booking succeeds while email is down: {}", b.body);
        app.run_pending_jobs().await;
        let log = messages(&app, &b.id()).await;
        let now: Vec<_> = log.iter().filter(|m| m["kind"] == "confirmation").collect();
        assert_eq!(now.len(), 2);
        assert!(now.iter().all(|m| m["status"] == "queued" && m["error"].is_string()), "{log:#?}");
        // Down for twenty minutes: every retry fails.
        for _ in 0..4 {
            app.clock.advance(jiff::SignedDuration::from_mins(5));
            app.run_pending_jobs().await;
        }
        sink.resume();
        app.clock.advance(jiff::SignedDuration::from_hours(1));
        app.run_pending_jobs().await;
        assert_eq!(sink.messages().len(), 2, "each message once");
        let log = messages(&app, &b.id()).await;
        assert!(
            log.iter().filter(|m| m["kind"] == "confirmation").all(|m| m["status"] == "sent"),
            "{log:#?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_tenants_templates_and_brand_shape_its_emails() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let app = TestApp::start(db, |s| with_email(s, &sink)).await;
        let w = world(&app).await;
        let bad = app
            .call_with(
                "PUT",
                "/v1/notification-settings",
                Some(json!({"reply_to": "nope", "logo_url": "http://x.test/l.png", "brand_color": "red"})),
                &app.key,
                &[],
            )
            .await;
        assert_eq!(bad.fields(), ["reply_to", "logo_url", "brand_color"]);
        let look = json!({"reply_to": "desk@acme.test", "logo_url": "https://acme.test/logo.png",
            "brand_color": "#AA3300", "notify_email": "owner@acme.test"});
        let r = app.call_with("PUT", "/v1/notification-settings", Some(look), &app.key, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (r.body["brand_color"].as_str(), r.body["email_enabled"].as_bool()),
            (Some("#aa3300"), Some(true))
        );

        let put = |part: &str, source: &str| {
            let body = json!({ "source": source });
            let path = format!("/v1/templates/confirmation/{part}");
            let app = &app;
            async move { app.call_with("PUT", &path, Some(body), &app.key, &[]).await }
        };
        assert_eq!(put("subject", "Booked: {{ title }} at {{ business }}").await.status, 200);
        let broken = put("text", "{% if title %}never closed").await;
        assert_eq!(
            (broken.status.as_u16(), broken.fields()),
            (422, vec!["source".to_owned()]),
            "{}",
            broken.body
        );
        assert_eq!(put("footer", "x").await.status, 404);
        let own = app.get("/v1/templates/confirmation/subject").await;
        assert_eq!(own.body["custom"], true);
        assert_eq!(app.get("/v1/templates/reminder/subject").await.body["custom"], false);
        assert_eq!(app.get("/v1/templates").await.body.as_array().unwrap().len(), 1);

        app.post("/v1/bookings", crate::helpers::booking(&w.event_type, "2026-03-04T15:00:00Z", "Pat")).await;
        app.run_pending_jobs().await;
        let mails: Vec<_> = sink.messages().iter().map(|m| parse(m)).collect();
        assert_eq!(mails.len(), 2);
        for m in &mails {
            assert_eq!(m.subject, "Booked: Consultation at Acme");
            // (MiniJinja's HTML escaping writes `/` as `&#x2f;`, which browsers read back.)
            let html = m.html.replace("&#x2f;", "/");
            assert!(
                html.contains("src=\"https://acme.test/logo.png\"") && html.contains("#aa3300"),
                "{html}"
            );
            assert!(m.headers.contains("Reply-To: desk@acme.test"), "{}", m.headers);
        }
        let gone = app.delete("/v1/templates/confirmation/subject").await;
        assert_eq!(gone.status, 204);
        assert_eq!(app.delete("/v1/templates/confirmation/subject").await.status, 404);
        app.stop().await;
    }
}
