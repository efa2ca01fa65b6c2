//! What the crash storm holds once the job queue is empty.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::TwilioStandIn;

use super::Known;
use crate::storm::assert_no_overlap;

const HOST_EMAIL: &str = "ann@acme.test";

async fn get(base: &str, key: &str, path: &str, cursor: Option<&str>) -> Value {
    let mut req = sked_test_utils::http().get(format!("{base}{path}")).bearer_auth(key);
    if let Some(c) = cursor {
        req = req.query(&[("cursor", c)]);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "GET {path}: {status} {v}");
    v
}

/// Every item of a list, page after page.
pub async fn pages(base: &str, key: &str, path: &str) -> Vec<Value> {
    let (mut out, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let v = get(base, key, path, cursor.as_deref()).await;
        out.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Waits (up to 2 minutes) until the tenant has no job queued or running, and none dead.
pub async fn drained(base: &str, key: &str) {
    let until = Instant::now() + Duration::from_secs(120);
    // Queued and running are two reads: a job running at the first that queues another and
    // finishes before the second leaves both empty with work still queued. Idle twice in a row
    // (200 ms apart) is idle.
    let mut idle = 0;
    loop {
        let queued = get(base, key, "/v1/jobs?status=queued&limit=5", None).await;
        let running = get(base, key, "/v1/jobs?status=running&limit=5", None).await;
        let busy = |v: &Value| !v["data"].as_array().unwrap().is_empty();
        idle = if busy(&queued) || busy(&running) { 0 } else { idle + 1 };
        if idle == 2 {
            break;
        }
        assert!(Instant::now() < until, "jobs still waiting after 2 minutes: {queued} {running}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let dead = get(base, key, "/v1/jobs?status=dead", None).await;
    assert!(dead["data"].as_array().unwrap().is_empty(), "dead jobs: {dead}");
}

/// The message kind and the webhook event of a history action.
fn kinds(action: &str) -> (&'static str, &'static str) {
    match action {
        "created" => ("confirmation", "booking.created"),
        "rescheduled" => ("reschedule", "booking.rescheduled"),
        "cancelled" => ("cancellation", "booking.cancelled"),
        other => panic!("a change the storm did not make: {other}"),
    }
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_default()
}

/// Bookings and their messages against what the clients were told; answers every message.
async fn bookings_and_messages(base: &str, key: &str, known: &[Known]) -> Vec<Value> {
    // 1. Every acknowledged create is there, nothing else, each as its last answer said.
    let stored = pages(base, key, "/v1/bookings?limit=500").await;
    let by_id: HashMap<&str, &Value> = stored.iter().map(|b| (text(b, "id"), b)).collect();
    assert_eq!(stored.len(), known.len(), "bookings stored vs acknowledged creates");
    for k in known {
        let b = by_id.get(k.id.as_str()).unwrap_or_else(|| panic!("acknowledged booking {} is gone", k.id));
        assert_eq!((text(b, "status"), text(b, "start")), (k.status.as_str(), k.start.as_str()), "{}", k.id);
    }
    // 2. No host is double booked.
    assert_no_overlap(&stored);
    // 3. Each acknowledged change happened once, and was told once per channel and recipient.
    let mut all = Vec::new();
    for k in known {
        let history = get(base, key, &format!("/v1/bookings/{}/history", k.id), None).await;
        let mut changes: HashMap<&'static str, usize> = HashMap::new();
        for h in history["data"].as_array().unwrap() {
            let action = match text(h, "action") {
                "created" => "created",
                "rescheduled" => "rescheduled",
                "cancelled" => "cancelled",
                other => panic!("{}: a change the storm did not make: {other}", k.id),
            };
            *changes.entry(action).or_default() += 1;
        }
        assert_eq!(changes, k.changes, "{}: the changes made vs the changes acknowledged", k.id);
        let log = pages(base, key, &format!("/v1/bookings/{}/messages?limit=500", k.id)).await;
        for (action, n) in &changes {
            let (kind, event) = kinds(action);
            for (channel, kind, to) in [
                ("email", kind, Some(k.email.as_str())),
                ("email", kind, Some(HOST_EMAIL)),
                ("sms", kind, Some(k.phone.as_str())),
                ("webhook", event, None),
            ] {
                let rows = log.iter().filter(|m| {
                    text(m, "channel") == channel
                        && text(m, "kind") == kind
                        && to.is_none_or(|t| text(m, "to") == t)
                });
                assert_eq!(rows.count(), *n, "{}: {channel} {kind} to {to:?}: {log:#?}", k.id);
            }
        }
        assert_eq!(log.len(), 4 * changes.values().sum::<usize>(), "{}: messages nobody asked for", k.id);
        for m in &log {
            assert!(matches!(text(m, "status"), "sent" | "skipped"), "{}: not sent: {m}", k.id);
        }
        all.extend(log);
    }
    all
}

/// The provider ids of the messages of `channel` recorded as sent, each once.
fn sent_ids<'a>(log: &'a [Value], channel: &str) -> HashMap<String, &'a Value> {
    let sent: Vec<&Value> =
        log.iter().filter(|m| text(m, "channel") == channel && text(m, "status") == "sent").collect();
    let ids: HashMap<String, &Value> = sent
        .iter()
        .map(|m| {
            let id = match channel {
                "webhook" => format!("msg_{}", text(m, "id").replace('-', "")),
                _ => text(m, "provider_id").trim_matches(['<', '>']).to_owned(),
            };
            assert!(!id.is_empty(), "sent without a provider id: {m}");
            (id, *m)
        })
        .collect();
    assert_eq!(ids.len(), sent.len(), "two {channel} messages recorded with one provider id");
    ids
}

/// Checks everything; answers a summary of the side effects. `others` are the tenant's messages
/// about no booking that the run also sent (alerts), taken as recorded like the bookings'.
pub async fn all(
    base: &str,
    key: &str,
    known: &[Known],
    others: &[Value],
    twilio: &TwilioStandIn,
    sink: &SmtpSink,
    deliveries: &[(String, String)],
) -> String {
    let mut log = bookings_and_messages(base, key, known).await;
    log.extend(others.iter().cloned());
    // 4. Twilio took each text recorded as sent once, and nothing else.
    let sms = sent_ids(&log, "sms");
    let texts = twilio.sent();
    let sids: HashSet<&str> = texts.iter().map(|t| t.sid.as_str()).collect();
    assert_eq!(sids.len(), texts.len(), "Twilio gave one sid twice");
    assert_eq!(texts.len(), sms.len(), "texts Twilio took vs texts recorded as sent");
    for t in &texts {
        let m = sms.get(&t.sid).unwrap_or_else(|| panic!("Twilio took a text no message records: {t:?}"));
        assert_eq!(t.to, text(m, "to"));
    }
    // 5. Each Message-ID the mail server got is one recorded email; each sent email arrived.
    let emails = sent_ids(&log, "email");
    let mails: Vec<_> = sink.messages().iter().map(|raw| crate::notify::parse(raw)).collect();
    let mut arrived = HashSet::new();
    for mail in &mails {
        let m = emails
            .get(&mail.message_id)
            .unwrap_or_else(|| panic!("an email no message records: {} to {}", mail.message_id, mail.to));
        assert_eq!(mail.to, text(m, "to"), "{}", mail.message_id);
        arrived.insert(mail.message_id.clone());
    }
    assert_eq!(arrived.len(), emails.len(), "emails recorded as sent that never arrived");
    // 6. Each webhook-id received is one delivery row, with its body; each sent one arrived.
    let hooks = sent_ids(&log, "webhook");
    let rows: HashMap<String, &Value> = log
        .iter()
        .filter(|m| text(m, "channel") == "webhook")
        .map(|m| (format!("msg_{}", text(m, "id").replace('-', "")), m))
        .collect();
    let mut received = HashSet::new();
    for (id, body) in deliveries {
        let m = rows.get(id).unwrap_or_else(|| panic!("a delivery no message records: {id} {body}"));
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(text(&v, "type"), text(m, "kind"), "{id}");
        if !m["booking_id"].is_null() {
            assert_eq!(v["data"]["id"], m["booking_id"], "{id}");
        }
        received.insert(id.as_str());
    }
    for id in hooks.keys() {
        assert!(received.contains(id.as_str()), "delivery {id} recorded as sent never arrived");
    }
    format!(
        "{} messages: {} emails ({} copies at the mail server), {} texts, {} webhooks ({} deliveries)",
        log.len(),
        emails.len(),
        mails.len(),
        sms.len(),
        hooks.len(),
        deliveries.len()
    )
}
