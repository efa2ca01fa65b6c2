//! What the outage suite holds once the queues have drained: each side effect once (the crash
//! suite's checks, alerts included), at each calendar provider one event per confirmed booking
//! at its time and none for a cancelled one, and each alert raised once.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use sked_calendar::busy::StoredEvent;
use sked_ics::{Naming, ReadOptions};

use super::world::{ANN, World};
use crate::crash_storm::checks;

/// The tenant's messages about no booking (alerts), oldest first.
pub async fn alerts(w: &World) -> Vec<Value> {
    let all = checks::pages(&w.app.base, &w.app.key, "/v1/messages?limit=500").await;
    let mut out: Vec<Value> = all.into_iter().filter(|m| m["booking_id"].is_null()).collect();
    out.reverse();
    out
}

/// Alerts of `kind`.
pub fn of_kind<'a>(alerts: &'a [Value], kind: &str) -> Vec<&'a Value> {
    alerts.iter().filter(|m| m["kind"] == kind).collect()
}

/// Everything, once the queues have drained; answers a summary.
pub async fn everything(w: &World) -> String {
    let alerts = alerts(w).await;
    for a in &alerts {
        assert!(
            matches!(a["kind"].as_str(), Some("connection.unhealthy" | "connection_alert")),
            "an alert nobody asked for: {a}"
        );
    }
    let deliveries = w.hook.got();
    let sent = checks::all(&w.app.base, &w.app.key, &w.known, &alerts, &w.twilio, &w.sink, &deliveries).await;
    let events = calendars(w).await;
    format!("{} bookings, {sent}, {events} calendar events, {} alerts", w.known.len(), alerts.len())
}

fn instant(rfc3339: &str) -> i64 {
    rfc3339.parse::<Timestamp>().unwrap().as_second()
}

/// Each provider holds one event per confirmed booking, at its start, and nothing else of
/// Sked's; answers how many events that is in all.
async fn calendars(w: &World) -> usize {
    let want: HashMap<String, i64> = w
        .known
        .iter()
        .filter(|k| k.status == "confirmed")
        .map(|k| (k.id.clone(), instant(&k.start)))
        .collect();
    let google: Vec<(String, i64)> = w
        .google
        .events(ANN)
        .iter()
        .filter_map(|e| {
            let id = e["extendedProperties"]["private"]["sked_booking_id"].as_str()?;
            Some((id.to_owned(), instant(e["start"]["dateTime"].as_str().unwrap())))
        })
        .collect();
    let outlook: Vec<(String, i64)> = w
        .microsoft
        .events(&w.microsoft.default_calendar())
        .iter()
        .filter_map(|e| {
            let prop = e["singleValueExtendedProperties"]
                .as_array()?
                .iter()
                .find(|p| p["id"].as_str().is_some_and(|id| id.contains("sked_booking_id")))?;
            let start = format!("{}Z", e["start"]["dateTime"].as_str().unwrap());
            Some((prop["value"].as_str().unwrap().to_owned(), instant(&start)))
        })
        .collect();
    let caldav: Vec<(String, i64)> = w
        .dav
        .calendar_query(&w.dav_account, &w.dav_calendar, None, false)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| {
            let name = r.href.rsplit('/').next()?.strip_prefix("sked-")?.strip_suffix(".ics")?.to_owned();
            let zone = TimeZone::UTC;
            let options = ReadOptions { calendar_zone: &zone, owner: &[] };
            let read = sked_ics::read_events(&r.data, Naming::Resource(&r.href), &options).unwrap();
            let e = read.events.into_iter().find(StoredEvent::is_master)?;
            Some((name, e.start?.instant(&zone).unwrap()))
        })
        .collect();
    for (provider, events) in [("Google", &google), ("Outlook", &outlook), ("CalDAV", &caldav)] {
        let mut got: HashMap<&str, Vec<i64>> = HashMap::new();
        for (id, start) in events {
            got.entry(id).or_default().push(*start);
        }
        for (id, start) in &want {
            assert_eq!(
                got.remove(id.as_str()),
                Some(vec![*start]),
                "{provider}: booking {id}, once, at its time"
            );
        }
        assert!(got.is_empty(), "{provider}: events of no confirmed booking: {got:?}");
    }
    google.len() + outlook.len() + caldav.len()
}

/// The queued jobs, with the channel of the message each `message.send` sends (`calendar` for
/// calendar jobs).
pub async fn queued(w: &World) -> Vec<(String, Value)> {
    let channels: HashMap<String, String> = checks::pages(&w.app.base, &w.app.key, "/v1/messages?limit=500")
        .await
        .into_iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), m["channel"].as_str().unwrap().to_owned()))
        .collect();
    let jobs = checks::pages(&w.app.base, &w.app.key, "/v1/jobs?status=queued&limit=500").await;
    jobs.into_iter()
        .filter_map(|j| {
            let what = match j["kind"].as_str()? {
                "message.send" => channels.get(j["payload"]["message_id"].as_str()?)?.clone(),
                "calendar.push" => "calendar".to_owned(),
                _ => return None,
            };
            Some((what, j))
        })
        .collect()
}

/// When a job runs next.
pub fn run_at(job: &Value) -> i64 {
    instant(job["run_at"].as_str().unwrap())
}
