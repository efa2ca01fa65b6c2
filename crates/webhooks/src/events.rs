//! Event names, endpoint subscriptions, and the body every delivery carries.

use std::collections::HashSet;

use serde_json::{Value, json};

/// The events an endpoint can subscribe to.
pub const EVENTS: &[&str] = &[
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.confirmed",
    "connection.unhealthy",
    "message.failed",
];

/// The ping sent to test an endpoint; delivered whatever the endpoint subscribed to.
pub const TEST_EVENT: &str = "webhook.test";

/// The subscription to every event.
const ALL: &str = "*";

/// Most names in one subscription.
const MAX_EVENTS: usize = 16;

/// True when an endpoint subscribed to `events` gets `event`.
pub fn subscribed(events: &[String], event: &str) -> bool {
    event == TEST_EVENT || events.iter().any(|e| e == ALL || e == event)
}

/// Checks a subscription as given by a user: at least one name, at most 16, each known (or
/// `*` alone, for all), none twice. The error says which rule failed, for the API's answer.
pub fn check_events(events: &[String]) -> Result<(), String> {
    if events.is_empty() {
        return Err("subscribe to at least one event, or \"*\" for all".to_owned());
    }
    if events.len() > MAX_EVENTS {
        return Err(format!("at most {MAX_EVENTS} events"));
    }
    let mut seen = HashSet::new();
    for e in events {
        if e != ALL && e != TEST_EVENT && !EVENTS.contains(&e.as_str()) {
            return Err(format!("unknown event {e:?}; known: {}", EVENTS.join(", ")));
        }
        if !seen.insert(e.as_str()) {
            return Err(format!("event {e:?} is listed twice"));
        }
    }
    if seen.contains(ALL) && events.len() > 1 {
        return Err("\"*\" already means every event; list it alone".to_owned());
    }
    Ok(())
}

/// The JSON body of a delivery, `{"type", "timestamp", "data"}`, with `at` (when the event
/// happened) in RFC 3339. The same bytes go out on every attempt.
pub fn payload(event: &str, at: jiff::Timestamp, data: &Value) -> Vec<u8> {
    json!({ "type": event, "timestamp": at.to_string(), "data": data }).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn subscriptions() {
        let some = names(&["booking.created", "booking.cancelled"]);
        assert!(subscribed(&some, "booking.created"));
        assert!(!subscribed(&some, "booking.rescheduled"));
        assert!(subscribed(&some, TEST_EVENT));
        assert!(subscribed(&names(&["*"]), "message.failed"));
        assert!(subscribed(&[], TEST_EVENT));
        assert!(!subscribed(&[], "booking.created"));
    }

    #[test]
    fn checking_a_subscription() {
        assert!(check_events(&names(&["*"])).is_ok());
        assert!(check_events(&names(EVENTS)).is_ok());
        assert!(check_events(&names(&["booking.created", TEST_EVENT])).is_ok());
        assert!(check_events(&[]).is_err());
        assert!(check_events(&names(&["booking.deleted"])).unwrap_err().contains("booking.deleted"));
        assert!(check_events(&names(&["booking.created", "booking.created"])).unwrap_err().contains("twice"));
        assert!(check_events(&names(&["*", "booking.created"])).is_err());
        assert!(check_events(&vec!["*".to_owned(); 17]).unwrap_err().contains("16"));
    }

    #[test]
    fn the_body_has_type_timestamp_and_data_in_that_order() {
        let at: jiff::Timestamp = "2026-03-01T09:30:00Z".parse().unwrap();
        let body = payload("booking.created", at, &json!({"booking_id": "b1"}));
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"type":"booking.created","timestamp":"2026-03-01T09:30:00Z","data":{"booking_id":"b1"}}"#
        );
    }
}
