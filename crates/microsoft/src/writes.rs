//! Sked's bookings in Outlook: create (idempotent through `transactionId`), patch, delete and
//! read back one event with Sked's extended property expanded.

use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::events::{BOOKING_PROPERTY_ID, Event};
use crate::times::utc_dtz;
use crate::{Microsoft, ProviderError, ProviderResult};

/// An invitee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// Their address.
    pub email: String,
    /// Their name, if known.
    pub name: Option<String>,
}

/// A booking to write as an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// The title.
    pub subject: String,
    /// The description, plain text.
    pub body: String,
    /// Start instant (written in UTC).
    pub start: Timestamp,
    /// End instant.
    pub end: Timestamp,
    /// Where (`location.displayName`).
    pub location: Option<String>,
    /// Invited as a required attendee (Outlook sends the invitation).
    pub attendee: Option<Attendee>,
    /// Written into Sked's extended property.
    pub booking_id: String,
    /// Graph's idempotency key: a create retried with the same one returns the event the first
    /// attempt made. Use [`crate::events::transaction_id`].
    pub transaction_id: String,
}

impl NewEvent {
    /// The JSON body Graph takes.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "subject": self.subject,
            "body": {"contentType": "text", "content": self.body},
            "start": utc_dtz(self.start),
            "end": utc_dtz(self.end),
            "showAs": "busy",
            "transactionId": self.transaction_id,
            "singleValueExtendedProperties": [{"id": BOOKING_PROPERTY_ID, "value": self.booking_id}],
        });
        if let Some(obj) = v.as_object_mut() {
            if let Some(loc) = &self.location {
                obj.insert("location".into(), json!({"displayName": loc}));
            }
            if let Some(a) = &self.attendee {
                let mut address = json!({"address": a.email});
                if let (Some(name), Some(m)) = (&a.name, address.as_object_mut()) {
                    m.insert("name".into(), json!(name));
                }
                obj.insert("attendees".into(), json!([{"emailAddress": address, "type": "required"}]));
            }
        }
        v
    }
}

/// Changes to a booking's event; fields left `None` stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPatch {
    /// A new title.
    pub subject: Option<String>,
    /// A new description, plain text.
    pub body: Option<String>,
    /// A new start.
    pub start: Option<Timestamp>,
    /// A new end.
    pub end: Option<Timestamp>,
    /// A new place.
    pub location: Option<String>,
}

impl EventPatch {
    /// The JSON body Graph takes (only the fields given).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(s) = &self.subject {
            m.insert("subject".into(), json!(s));
        }
        if let Some(b) = &self.body {
            m.insert("body".into(), json!({"contentType": "text", "content": b}));
        }
        if let Some(t) = self.start {
            m.insert("start".into(), utc_dtz(t));
        }
        if let Some(t) = self.end {
            m.insert("end".into(), utc_dtz(t));
        }
        if let Some(l) = &self.location {
            m.insert("location".into(), json!({"displayName": l}));
        }
        Value::Object(m)
    }
}

impl Microsoft {
    /// Creates a booking's event in `calendar_id` (`POST /me/calendars/{id}/events`).
    pub async fn create_event(
        &self,
        access: &str,
        calendar_id: &str,
        event: &NewEvent,
    ) -> ProviderResult<Event> {
        let url = self.graph_url(&["me", "calendars", calendar_id, "events"])?;
        let v: Value = self.call(Method::POST, url, access, Some(&event.to_json()), &[]).await?;
        read_event(&v)
    }

    /// Patches an event (`PATCH /me/events/{id}`); answers the event as it now is.
    pub async fn update_event(
        &self,
        access: &str,
        event_id: &str,
        patch: &EventPatch,
    ) -> ProviderResult<Event> {
        let url = self.graph_url(&["me", "events", event_id])?;
        let v: Value = self.call(Method::PATCH, url, access, Some(&patch.to_json()), &[]).await?;
        read_event(&v)
    }

    /// Deletes an event (`DELETE /me/events/{id}`). Answers false when it was already gone.
    pub async fn delete_event(&self, access: &str, event_id: &str) -> ProviderResult<bool> {
        let url = self.graph_url(&["me", "events", event_id])?;
        match self.send(Method::DELETE, url, access, None, &[]).await {
            Ok(_) => Ok(true),
            Err(ProviderError::NotFound | ProviderError::Gone { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// One event (`GET /me/events/{id}`) with Sked's extended property expanded, so
    /// [`Event::booking_id`] reads it.
    pub async fn get_event(&self, access: &str, event_id: &str) -> ProviderResult<Event> {
        let mut url = self.graph_url(&["me", "events", event_id])?;
        url.query_pairs_mut().append_pair(
            "$expand",
            &format!("singleValueExtendedProperties($filter=id eq '{BOOKING_PROPERTY_ID}')"),
        );
        let v: Value = self.call(Method::GET, url, access, None, &[]).await?;
        read_event(&v)
    }
}

fn read_event(v: &Value) -> ProviderResult<Event> {
    let e = Event::from_json(v);
    if e.id.is_empty() {
        return Err(ProviderError::Transport("Graph answered an event without an id".into()));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_what_graph_takes() {
        let e = NewEvent {
            subject: "Intro call".into(),
            body: "Booked with Sked".into(),
            start: "2026-03-10T14:00:00Z".parse().unwrap(),
            end: "2026-03-10T14:30:00Z".parse().unwrap(),
            location: Some("Zoom".into()),
            attendee: Some(Attendee { email: "ann@example.com".into(), name: Some("Ann".into()) }),
            booking_id: "bk_1".into(),
            transaction_id: crate::events::transaction_id("bk_1", 0),
        };
        let v = e.to_json();
        assert_eq!(v["start"], json!({"dateTime": "2026-03-10T14:00:00.0000000", "timeZone": "UTC"}));
        assert_eq!(v["body"]["contentType"], "text");
        assert_eq!(v["transactionId"], "sked.bk_1.0");
        assert_eq!(v["attendees"][0]["emailAddress"], json!({"address": "ann@example.com", "name": "Ann"}));
        assert_eq!(v["attendees"][0]["type"], "required");
        assert_eq!(v["singleValueExtendedProperties"][0]["value"], "bk_1");
        assert_eq!(v["location"]["displayName"], "Zoom");
        let patch =
            EventPatch { end: Some("2026-03-10T15:00:00Z".parse().unwrap()), ..EventPatch::default() };
        assert_eq!(
            patch.to_json(),
            json!({"end": {"dateTime": "2026-03-10T15:00:00.0000000", "timeZone": "UTC"}})
        );
    }
}
