//! Crashes between sending a message and recording it: a real `sked serve` process is killed
//! (SIGKILL) while the provider has taken the message but not yet answered, then started again.
//! An SMS is found at Twilio and not sent again; an email may be sent again (SMTP cannot say
//! whether the first copy was delivered), but both copies carry one `Message-ID`, so mail
//! systems keep one.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::{Failure, TwilioStandIn};

use crate::helpers::OPERATOR_KEY;
use crate::process::Server;

pub(crate) async fn call(base: &str, key: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let mut req =
        sked_test_utils::http().request(method.parse().unwrap(), format!("{base}{path}")).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

/// A tenant with one host (who has an email address) and a 30-minute event type with no
/// reminders; answers the tenant key and the event type id.
pub(crate) async fn setup(base: &str) -> (String, String) {
    let t = call(base, OPERATOR_KEY, "POST", "/v1/tenants", Some(json!({"name": "Acme"}))).await;
    let key = t["api_key"].as_str().unwrap().to_owned();
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    let week = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day});
    let s = call(
        base,
        &key,
        "POST",
        "/v1/schedules",
        Some(json!({"name": "All", "time_zone": "UTC", "weekly": week})),
    )
    .await;
    let h = call(
        base,
        &key,
        "POST",
        "/v1/hosts",
        Some(json!({"name": "Ann", "email": "ann@acme.test", "time_zone": "UTC", "schedule_id": s["id"]})),
    )
    .await;
    let e = call(
        base,
        &key,
        "POST",
        "/v1/event-types",
        Some(json!({"slug": "c", "title": "Consultation", "duration_minutes": 30, "host_ids": [h["id"]], "reminders": []})),
    )
    .await;
    (key, e["id"].as_str().unwrap().to_owned())
}

/// A start on the next day's 10:00 UTC (the process under test keeps real time).
#[allow(clippy::disallowed_methods)]
pub(crate) fn tomorrow() -> String {
    let t = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24)).unwrap();
    format!("{}T10:00:00Z", t.strftime("%Y-%m-%d"))
}

pub(crate) async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < until, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn settled(base: &str, key: &str, booking: &str) -> Vec<Value> {
    let v = call(base, key, "GET", &format!("/v1/bookings/{booking}/messages"), None).await;
    v["data"].as_array().unwrap().clone()
}

const LEASE: &str = "3";

#[tokio::test]
async fn a_worker_killed_after_twilio_took_a_text_does_not_send_it_again() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let twilio = TwilioStandIn::start("AC0000000000000000000000000000crash", "crash-token").await;
        let env = vec![
            ("SKED_TWILIO_ACCOUNT_SID", twilio.account_sid().to_owned()),
            ("SKED_TWILIO_AUTH_TOKEN", "crash-token".to_owned()),
            ("SKED_TWILIO_FROM", "+15550001111".to_owned()),
            ("SKED_TWILIO_API_BASE", twilio.base_url()),
            ("SKED_JOB_LEASE_SECONDS", LEASE.to_owned()),
        ];
        let mut server = Server::start_with(None, &db.url, &["serve"], &env).await;
        let (key, event_type) = setup(&server.base).await;
        // Twilio keeps the text at once but answers a minute later: the server is killed before.
        twilio.fail_with(Failure::SlowAnswer { secs: 60 });
        let body = json!({"event_type_id": event_type, "start": tomorrow(), "attendee": {"name": "Pat", "phone": "+15551234567"}});
        let b = call(&server.base, &key, "POST", "/v1/bookings", Some(body)).await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_until("Twilio has the text", async || twilio.sent().len() == 1).await;
        server.kill().await;
        twilio.fail_with(Failure::None);
        let server = Server::start_with(None, &db.url, &["serve"], &env).await;
        let base = server.base.clone();
        wait_until("the text is recorded as sent", async || {
            settled(&base, &key, &id).await.iter().any(|m| m["channel"] == "sms" && m["status"] == "sent")
        })
        .await;
        assert_eq!(twilio.sent().len(), 1, "sent once");
        let log = settled(&base, &key, &id).await;
        let sms = log.iter().find(|m| m["channel"] == "sms").unwrap();
        assert_eq!(sms["provider_id"].as_str(), Some(twilio.sent()[0].sid.as_str()));
        server.stop().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_worker_killed_while_the_mail_server_answers_sends_copies_with_one_message_id() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::new(backend).await else { continue };
        let Some(sink) = SmtpSink::start() else { return };
        let env = vec![
            ("SKED_SMTP_URL", sink.url()),
            ("SKED_EMAIL_FROM", "bookings@sked.test".to_owned()),
            ("SKED_JOB_LEASE_SECONDS", LEASE.to_owned()),
        ];
        let mut server = Server::start_with(None, &db.url, &["serve"], &env).await;
        let (key, event_type) = setup(&server.base).await;
        sink.stall(true);
        let body = json!({"event_type_id": event_type, "start": tomorrow(), "attendee": {"name": "Pat", "email": "pat@example.test"}});
        let b = call(&server.base, &key, "POST", "/v1/bookings", Some(body)).await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_until("the mail server has an email", async || !sink.messages().is_empty()).await;
        server.kill().await;
        sink.stall(false);
        let server = Server::start_with(None, &db.url, &["serve"], &env).await;
        let base = server.base.clone();
        wait_until("both emails are recorded as sent", async || {
            let log = settled(&base, &key, &id).await;
            log.len() == 2 && log.iter().all(|m| m["status"] == "sent")
        })
        .await;
        let ids: HashSet<String> =
            sink.messages().iter().map(|raw| crate::notify::parse(raw).message_id).collect();
        assert!(sink.messages().len() >= 3, "the email in flight at the kill was sent again");
        assert_eq!(ids.len(), 2, "one Message-ID per message (attendee, host), however many copies");
        let recorded: HashSet<String> = settled(&base, &key, &id)
            .await
            .iter()
            .map(|m| m["provider_id"].as_str().unwrap().trim_matches(['<', '>']).to_owned())
            .collect();
        assert_eq!(ids, recorded);
        server.stop().await;
        db.drop_db().await;
    }
}
