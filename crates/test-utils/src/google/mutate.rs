//! Changing events, the same way for the API and for a test acting as the user: every change
//! fills the server's fields, advances the change log and queues push notifications.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::shape::{etag, fill_server_fields, render};
use super::state::{State, Stored};
use super::times::{rfc3339_ms, zone_or_utc};

impl State {
    /// The stored event `event_id` of calendar `calendar_id`, deleted or not.
    pub(crate) fn stored(&self, calendar_id: &str, event_id: &str) -> Option<&Stored> {
        self.calendar(calendar_id)?.events.iter().find(|e| e.id == event_id)
    }

    /// The event as a single-event response shows it (in the calendar's zone).
    pub(crate) fn rendered(&self, calendar_id: &str, event_id: &str) -> Option<Value> {
        let cal = self.calendar(calendar_id)?;
        let ev = cal.events.iter().find(|e| e.id == event_id)?;
        Some(render(ev, &zone_or_utc(&cal.time_zone), false))
    }

    /// Inserts or replaces `ev` (which has an `id`) in the calendar, filling server fields.
    /// A deleted event stays deleted while its status stays `cancelled`.
    pub(crate) fn store_event(&mut self, calendar_id: &str, mut ev: Map<String, Value>, now: Timestamp) {
        let id = ev.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let next = self.seq + 1;
        let Some(cal) = self.calendar(calendar_id) else { return };
        let prev = cal.events.iter().find(|e| e.id == id).cloned();
        fill_server_fields(&mut ev, cal, prev.as_ref().map(|p| &p.json), now, next);
        let cancelled = ev.get("status").and_then(Value::as_str) == Some("cancelled");
        let deleted = prev.as_ref().is_some_and(|p| p.deleted) && cancelled;
        let stored = Stored { id: id.clone(), json: Value::Object(ev), changed: next, deleted };
        let Some(cal) = self.calendar_mut(calendar_id) else { return };
        match cal.events.iter_mut().find(|e| e.id == id) {
            Some(slot) => *slot = stored,
            None => cal.events.push(stored),
        }
        self.touch(calendar_id, &id, now);
    }

    /// Deletes an event: it becomes `status: cancelled` (listed as a stub from then on). A
    /// recurring event takes its modified instances with it.
    pub(crate) fn delete_stored(&mut self, calendar_id: &str, event_id: &str, now: Timestamp) {
        let Some(cal) = self.calendar(calendar_id) else { return };
        let mut gone = vec![event_id.to_owned()];
        if cal.events.iter().any(|e| e.id == event_id && e.json.get("recurrence").is_some()) {
            gone.extend(
                cal.events
                    .iter()
                    .filter(|e| e.json.get("recurringEventId").and_then(Value::as_str) == Some(event_id))
                    .filter(|e| e.json.get("status").and_then(Value::as_str) != Some("cancelled"))
                    .map(|e| e.id.clone()),
            );
        }
        for id in gone {
            let tag = etag(now, self.seq + 1);
            let Some(ev) =
                self.calendar_mut(calendar_id).and_then(|c| c.events.iter_mut().find(|e| e.id == id))
            else {
                continue;
            };
            ev.deleted = true;
            if let Some(obj) = ev.json.as_object_mut() {
                obj.insert("status".into(), json!("cancelled"));
                obj.insert("updated".into(), json!(rfc3339_ms(now)));
                obj.insert("etag".into(), json!(tag));
            }
            self.touch(calendar_id, &id, now);
        }
    }
}
