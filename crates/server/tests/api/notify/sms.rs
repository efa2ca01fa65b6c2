//! SMS through the Twilio stand-in: texts on each change, status callbacks and inbound words
//! (all signed), opt-out, outages, and a send whose answer was lost.

use std::sync::Arc;

use serde_json::json;
use sked_core::ManualClock;
use sked_server::config::Secret;
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::{Failure, TwilioStandIn};

use super::{messages, parse, with_email};
use crate::helpers::{NOW, TestApp, world};

const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "twilio_test_auth_token";
const OURS: &str = "+15550001111";
const PAT: &str = "+15551234567";

async fn start(db: TestDb, sink: Option<&SmtpSink>) -> (TestApp, TwilioStandIn) {
    let clock = Arc::new(ManualClock::new(NOW.parse().unwrap()));
    let twilio = TwilioStandIn::start_with_clock(SID, TOKEN, clock.clone()).await;
    let base = twilio.base_url();
    let app = TestApp::start_with_clock(db, clock, |s| {
        s.twilio_account_sid = Some(SID.into());
        s.twilio_auth_token = Some(Secret::from(TOKEN));
        s.twilio_from = Some(OURS.into());
        s.twilio_api_base = base;
        if let Some(sink) = sink {
            with_email(s, sink);
        }
    })
    .await;
    (app, twilio)
}

fn book(event_type: &str, host: &str, start: &str) -> serde_json::Value {
    json!({"event_type_id": event_type, "start": start, "host_id": host,
        "attendee": {"name": "Pat", "phone": PAT}})
}

fn sms_log(log: &[serde_json::Value]) -> Vec<(String, String)> {
    log.iter()
        .filter(|m| m["channel"] == "sms" && m["status"] != "queued")
        .map(|m| (m["kind"].as_str().unwrap().to_owned(), m["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn texts_go_out_once_and_follow_twilios_callbacks_and_the_attendees_words() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let sink = SmtpSink::start();
        let (app, twilio) = start(db, sink.as_ref()).await;
        let w = world(&app).await;
        let b = app.post("/v1/bookings", book(&w.event_type, &w.hosts[0], "2026-03-04T15:00:00Z")).await;
        assert_eq!(b.status, 201, "{}", b.body);
        let id = b.id();
        let code = b.body["confirmation_code"].as_str().unwrap().to_owned();
        app.run_pending_jobs().await;
        app.run_pending_jobs().await;
        let sent = twilio.sent();
        assert_eq!(sent.len(), 1, "{sent:#?}");
        assert_eq!((sent[0].to.as_str(), sent[0].from.as_deref()), (PAT, Some(OURS)));
        assert!(sent[0].body.contains("Consultation") && sent[0].body.contains(&code), "{}", sent[0].body);
        assert!(
            sent[0].body.contains("Wed 4 Mar 10:00 EST"),
            "the host's zone when the attendee gave none: {}",
            sent[0].body
        );
        assert!(sent[0].body.ends_with("Reply STOP to opt out."));
        assert_eq!(
            sent[0].status_callback.as_deref(),
            Some(format!("{}/webhooks/twilio/status", app.base).as_str())
        );
        let segments = sked_twilio::segments::segments(&sent[0].body);
        assert_eq!(segments.encoding, sked_twilio::Encoding::Gsm7);

        // Twilio's callbacks, signed, move the status on; forged and unsigned ones are refused.
        assert_eq!(twilio.send_status_callback(&sent[0].sid, "delivered", None).await, 204);
        let log = messages(&app, &id).await;
        assert_eq!(sms_log(&log), [("confirmation".into(), "delivered".into())]);
        let url = format!("{}/webhooks/twilio/status", app.base);
        let form = vec![
            ("MessageSid".to_owned(), sent[0].sid.clone()),
            ("MessageStatus".to_owned(), "failed".to_owned()),
        ];
        assert_eq!(twilio.post_form(&url, &form, Some("bm90IGl0")).await.0, 403);
        assert_eq!(twilio.post_form(&url, &form, None).await.0, 403);
        // A late `sent` never moves a delivered message back.
        assert_eq!(twilio.send_status_callback(&sent[0].sid, "sent", None).await, 204);
        assert_eq!(sms_log(&messages(&app, &id).await), [("confirmation".into(), "delivered".into())]);

        // Inbound words.
        let inbound = format!("{}/webhooks/twilio/sms", app.base);
        let (status, reply) = twilio.send_inbound(&inbound, PAT, OURS, " c ").await;
        assert_eq!(status, 200);
        assert!(
            reply.contains("<Message>") && reply.contains(&code) && reply.contains("confirmed"),
            "{reply}"
        );
        let history = app.get(&format!("/v1/bookings/{id}/history")).await;
        let confirmed = history.body["data"]
            .as_array()
            .map(|a| a.to_vec())
            .unwrap_or_else(|| history.body.as_array().unwrap().to_vec());
        assert!(
            confirmed.iter().any(|h| h["action"] == "attendance_confirmed" && h["actor"] == "attendee"),
            "{}",
            history.body
        );
        let (_, reply) = twilio.send_inbound(&inbound, PAT, OURS, "R").await;
        assert!(reply.contains(&format!("{}/m/", app.base)), "{reply}");
        let (status, _) = twilio
            .post_form(&inbound, &[("From".into(), PAT.into()), ("Body".into(), "STOP".into())], Some("x"))
            .await;
        assert_eq!(status, 403, "inbound texts are verified too");
        if let Some(sink) = &sink {
            let before = sink.messages().len();
            let (_, reply) = twilio.send_inbound(&inbound, PAT, OURS, "Running 10 min late, sorry").await;
            assert!(!reply.contains("<Message>"), "{reply}");
            app.run_pending_jobs().await;
            let forwarded: Vec<_> = sink.messages()[before..].iter().map(|m| parse(m)).collect();
            assert_eq!(forwarded.len(), 1);
            assert_eq!(forwarded[0].to, "ann@acme.test");
            assert!(
                forwarded[0].text.contains("Running 10 min late, sorry") && forwarded[0].text.contains(PAT)
            );
        }

        // STOP: no more texts to that number (the log says opted_out); START: they resume.
        let (_, reply) = twilio.send_inbound(&inbound, PAT, OURS, "Stop").await;
        assert!(!reply.contains("<Message>"));
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-04T16:00:00Z"}))
            .await;
        assert_eq!(r.status, 200);
        app.run_pending_jobs().await;
        assert_eq!(twilio.sent().len(), 1);
        assert!(sms_log(&messages(&app, &id).await).contains(&("reschedule".into(), "opted_out".into())));
        twilio.send_inbound(&inbound, PAT, OURS, "START").await;
        app.post(&format!("/v1/bookings/{id}/cancel"), json!({})).await;
        app.run_pending_jobs().await;
        let sent = twilio.sent();
        assert_eq!(sent.len(), 2);
        assert!(sent[1].body.contains("cancelled"), "{}", sent[1].body);
        app.stop().await;
    }
}

#[tokio::test]
async fn twilio_down_or_throttling_delays_texts_and_a_lost_answer_is_reconciled_not_resent() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let (app, twilio) = start(db, None).await;
        let w = world(&app).await;
        // Down (5xx) then throttling (429, Retry-After) for half an hour.
        twilio.fail_with(Failure::ServerError);
        let b = app.post("/v1/bookings", book(&w.event_type, &w.hosts[0], "2026-03-04T15:00:00Z")).await;
        assert_eq!(b.status, 201, "bookings succeed while Twilio is down");
        app.run_pending_jobs().await;
        for failure in [Failure::ServerError, Failure::Throttle { retry_after_secs: Some(120) }] {
            twilio.fail_with(failure);
            for _ in 0..3 {
                app.clock.advance(jiff::SignedDuration::from_mins(5));
                app.run_pending_jobs().await;
            }
        }
        let log = messages(&app, &b.id()).await;
        let confirmation = log.iter().find(|m| m["kind"] == "confirmation").unwrap();
        assert_eq!(confirmation["status"], "queued");
        assert!(confirmation["error"].as_str().unwrap().contains("wait"), "{confirmation}");
        twilio.fail_with(Failure::None);
        app.clock.advance(jiff::SignedDuration::from_hours(2));
        app.run_pending_jobs().await;
        assert_eq!(twilio.sent().len(), 1, "once, after the outage");

        // Twilio takes the next text but its answer is lost: the retry finds it at Twilio.
        twilio.fail_with(Failure::LostAnswer);
        let r = app.post(&format!("/v1/bookings/{}/cancel", b.id()), json!({})).await;
        assert_eq!(r.status, 200);
        app.run_pending_jobs().await;
        assert_eq!(twilio.sent().len(), 2);
        twilio.fail_with(Failure::None);
        app.clock.advance(jiff::SignedDuration::from_hours(1));
        app.run_pending_jobs().await;
        assert_eq!(twilio.sent().len(), 2, "not sent twice");
        let log = messages(&app, &b.id()).await;
        let cancellation = log.iter().find(|m| m["kind"] == "cancellation" && m["channel"] == "sms").unwrap();
        assert_eq!(cancellation["status"], "sent", "{cancellation}");
        assert_eq!(cancellation["provider_id"].as_str(), Some(twilio.sent()[1].sid.as_str()));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_text_whose_attempt_went_unanswered_is_sent_again_only_after_twilio_would_list_it() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let (app, twilio) = start(db, None).await;
        let w = world(&app).await;
        twilio.fail_with(Failure::ServerError);
        let b = app.post("/v1/bookings", book(&w.event_type, &w.hosts[0], "2026-03-04T15:00:00Z")).await;
        app.run_pending_jobs().await;
        twilio.fail_with(Failure::None);
        // The retry comes 30 s later: Twilio does not list the text, but it is too soon to be
        // sure it never took it.
        app.clock.advance(jiff::SignedDuration::from_secs(40));
        app.run_pending_jobs().await;
        assert!(twilio.sent().is_empty());
        let log = messages(&app, &b.id()).await;
        let c = log.iter().find(|m| m["kind"] == "confirmation").unwrap();
        assert!(c["error"].as_str().unwrap().contains("earlier attempt"), "{c}");
        // Two minutes after the attempt, it is sent.
        app.clock.advance(jiff::SignedDuration::from_secs(90));
        app.run_pending_jobs().await;
        assert_eq!(twilio.sent().len(), 1);
        app.stop().await;
    }
}
