//! What Cal.com's webhook deliveries say, read leniently: only the fields the mirror needs are
//! required, and text is made safe to keep (control characters dropped, lengths bounded).
//!
//! A delivery is `{"triggerEvent", "createdAt", "payload": {...}}` (webhook version
//! 2021-10-20): the payload's `uid`, `startTime`, `endTime`, `eventTypeId`, `attendees`,
//! `organizer`, and for a reschedule `rescheduleUid` (the uid it replaces; older Cal.com
//! versions keep the uid), for a cancellation `cancellationReason`.

use serde_json::{Value, json};

/// Longest uid taken (Cal.com's are about 22 characters).
pub const UID_MAX: usize = 200;

/// A change to a Cal.com booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// `BOOKING_CREATED`.
    Created,
    /// `BOOKING_RESCHEDULED`.
    Rescheduled,
    /// `BOOKING_CANCELLED`.
    Cancelled,
}

impl Trigger {
    /// Cal.com's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "BOOKING_CREATED",
            Self::Rescheduled => "BOOKING_RESCHEDULED",
            Self::Cancelled => "BOOKING_CANCELLED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "BOOKING_CREATED" => Some(Self::Created),
            "BOOKING_RESCHEDULED" => Some(Self::Rescheduled),
            "BOOKING_CANCELLED" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Who a Cal.com booking is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub time_zone: Option<String>,
}

/// A delivery about a booking, or a booking read from Cal.com's API: what the mirror applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub trigger: Trigger,
    /// When Cal.com made the delivery (Unix ms): deliveries apply in this order.
    pub created_at: i64,
    /// The booking's uid.
    pub uid: String,
    /// The uid a reschedule replaces, when it differs.
    pub previous_uid: Option<String>,
    /// The Cal.com event type id, as the integration's map keys it.
    pub event_type_id: Option<String>,
    /// Unix seconds.
    pub start: i64,
    pub end: i64,
    pub attendee: Person,
    pub organizer_email: Option<String>,
    pub notes: Option<String>,
    pub reason: Option<String>,
    /// Kept with the booking as `metadata.calcom`.
    pub facts: Value,
}

impl Delivery {
    /// What makes two deliveries the same one: trigger, uid and times.
    pub fn key(&self) -> String {
        format!("{} {} {} {}", self.trigger.as_str(), self.uid, self.start, self.end)
    }

    /// Its uids: its own, then the one it replaces.
    pub fn uids(&self) -> Vec<&str> {
        std::iter::once(self.uid.as_str()).chain(self.previous_uid.as_deref()).collect()
    }
}

/// What a signed delivery is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A booking change to mirror.
    Booking(Box<Delivery>),
    /// Another trigger (`PING`, `MEETING_ENDED`, ...): acknowledged, nothing to do.
    Other(String),
}

/// Reads a delivery's body; the error says what is missing or malformed.
pub fn parse(body: &[u8]) -> Result<Parsed, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let trigger = v["triggerEvent"].as_str().ok_or("`triggerEvent` is missing")?;
    let Some(trigger) = Trigger::parse(trigger) else {
        return Ok(Parsed::Other(clean(trigger, 64)));
    };
    let created_at =
        instant(&v["createdAt"]).ok_or("`createdAt` is missing or not an instant")?.as_millisecond();
    let p = &v["payload"];
    let (start, end) = match (instant(&p["startTime"]), instant(&p["endTime"])) {
        (Some(s), Some(e)) => (s.as_second(), e.as_second()),
        _ => return Err("`payload.startTime` and `payload.endTime` must be instants".into()),
    };
    let uid = uid_of(&p["uid"]).ok_or("`payload.uid` is missing or malformed")?;
    let previous_uid = uid_of(&p["rescheduleUid"]).filter(|old| *old != uid);
    let event_type_id = number(&p["eventTypeId"]);
    Ok(Parsed::Booking(Box::new(Delivery {
        trigger,
        created_at,
        previous_uid,
        event_type_id: event_type_id.clone(),
        start,
        end,
        attendee: person(&p["attendees"][0]),
        organizer_email: text(&p["organizer"]["email"], 254),
        notes: text(&p["additionalNotes"], 5_000),
        reason: text(&p["cancellationReason"], 1_000),
        facts: json!({
            "uid": uid,
            "booking_id": p["bookingId"].as_i64(),
            "event_type_id": event_type_id,
            "title": text(&p["title"], 200),
        }),
        uid,
    })))
}

/// A booking read from Cal.com's API (version 2024-08-13), as the creation delivery it would
/// have been when last updated: `uid`, `start`, `end`, `eventType.id`, `attendees`, `hosts`,
/// `rescheduledFromUid`, `updatedAt`.
pub fn from_api(b: &Value) -> Result<Delivery, String> {
    let uid = uid_of(&b["uid"]).ok_or("`uid` is missing or malformed")?;
    let (start, end) = match (instant(&b["start"]), instant(&b["end"])) {
        (Some(s), Some(e)) => (s.as_second(), e.as_second()),
        _ => return Err(format!("booking {uid}: `start` and `end` must be instants")),
    };
    let created_at =
        instant(&b["updatedAt"]).or_else(|| instant(&b["createdAt"])).map_or(0, |t| t.as_millisecond());
    let event_type_id = number(&b["eventType"]["id"]).or_else(|| number(&b["eventTypeId"]));
    Ok(Delivery {
        trigger: Trigger::Created,
        created_at,
        previous_uid: uid_of(&b["rescheduledFromUid"]).filter(|old| *old != uid),
        event_type_id: event_type_id.clone(),
        start,
        end,
        attendee: person(&b["attendees"][0]),
        organizer_email: text(&b["hosts"][0]["email"], 254),
        notes: text(&b["description"], 5_000),
        reason: None,
        facts: json!({
            "uid": uid,
            "booking_id": b["id"].as_i64(),
            "event_type_id": event_type_id,
            "title": text(&b["title"], 200),
        }),
        uid,
    })
}

/// A uid: 1 to [`UID_MAX`] visible ASCII characters.
pub fn uid_of(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    ((1..=UID_MAX).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_owned())
}

/// An RFC 3339 instant.
pub fn instant(v: &Value) -> Option<jiff::Timestamp> {
    v.as_str()?.parse().ok()
}

/// A positive integer id, as decimal text (a number or a string of digits).
pub fn number(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().filter(|n| *n > 0).map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok().filter(|n| *n > 0).map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Text to keep: control characters become spaces, at most `max` characters, trimmed; `None`
/// when nothing is left.
pub fn text(v: &Value, max: usize) -> Option<String> {
    Some(clean(v.as_str()?, max)).filter(|s| !s.is_empty())
}

fn clean(s: &str, max: usize) -> String {
    let kept: String =
        s.chars().map(|c| if sked_core::text::allowed_in_text(c) { c } else { ' ' }).take(max).collect();
    kept.trim().to_owned()
}

/// An attendee: `{name, email, timeZone}`.
pub fn person(v: &Value) -> Person {
    let email = text(&v["email"], 254);
    // A name is one line; without one, the address stands in.
    let name = text(&v["name"], 200)
        .map(|n| n.split(['\n', '\r']).next().unwrap_or_default().trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| email.clone())
        .unwrap_or_else(|| "Cal.com attendee".to_owned());
    Person { name, email, time_zone: text(&v["timeZone"], 64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reschedule_names_both_uids_and_its_times() {
        let body = json!({
            "triggerEvent": "BOOKING_RESCHEDULED",
            "createdAt": "2026-03-02T12:00:00.250Z",
            "payload": {
                "uid": "new", "rescheduleUid": "old", "eventTypeId": 101, "bookingId": 7,
                "startTime": "2026-03-03T15:00:00.000Z", "endTime": "2026-03-03T15:30:00Z",
                "attendees": [{"name": " Pat\u{0}Lee ", "email": "pat@example.com", "timeZone": "Europe/Paris"}],
                "organizer": {"email": "ann@acme.test"}
            }
        });
        let Ok(Parsed::Booking(d)) = parse(body.to_string().as_bytes()) else { panic!("a booking") };
        assert_eq!(d.uids(), ["new", "old"]);
        assert_eq!(d.event_type_id.as_deref(), Some("101"));
        assert_eq!(d.created_at % 1_000, 250);
        assert_eq!(d.end - d.start, 1_800);
        assert_eq!(d.attendee.name, "Pat Lee");
        assert_eq!(d.key(), format!("BOOKING_RESCHEDULED new {} {}", d.start, d.end));
    }

    #[test]
    fn other_triggers_are_acknowledged_and_broken_bookings_refused() {
        let ping = json!({"triggerEvent": "PING", "createdAt": "2026-03-02T12:00:00Z", "payload": {}});
        assert_eq!(parse(ping.to_string().as_bytes()), Ok(Parsed::Other("PING".into())));
        let no_uid = json!({"triggerEvent": "BOOKING_CREATED", "createdAt": "2026-03-02T12:00:00Z",
            "payload": {"startTime": "2026-03-03T15:00:00Z", "endTime": "2026-03-03T15:30:00Z"}});
        assert!(parse(no_uid.to_string().as_bytes()).is_err());
        assert!(parse(b"not json").is_err());
        assert_eq!(number(&json!("0042")), Some("42".into()));
        assert_eq!(number(&json!(-3)), None);
    }
}
