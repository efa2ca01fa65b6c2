//! The shape of Google's resources: ids and tokens, the server-filled fields of an event, patch
//! merging, and rendering an event for a response (field order, offsets, deleted stubs).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::state::{Calendar, Stored};
use super::times::{millis, render_when, rfc3339_ms};

/// The characters of Google's generated event ids (base32hex, lower case).
pub(crate) const BASE32HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
/// The characters of push `resourceId`s.
pub(crate) const RESOURCE_ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
const TOKEN_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

/// The order Google writes an event's fields in; others follow in their own order.
const EVENT_ORDER: &[&str] = &[
    "kind",
    "etag",
    "id",
    "status",
    "htmlLink",
    "created",
    "updated",
    "summary",
    "description",
    "location",
    "colorId",
    "creator",
    "organizer",
    "start",
    "end",
    "endTimeUnspecified",
    "recurrence",
    "recurringEventId",
    "originalStartTime",
    "transparency",
    "visibility",
    "iCalUID",
    "sequence",
    "attendees",
    "attendeesOmitted",
    "extendedProperties",
    "hangoutLink",
    "conferenceData",
    "guestsCanInviteOthers",
    "guestsCanModify",
    "guestsCanSeeOtherGuests",
    "privateCopy",
    "locked",
    "reminders",
    "source",
    "attachments",
    "eventType",
];

/// True when `id` is a valid client-chosen event id: base32hex characters (`a-v`, `0-9`),
/// 5 to 1024 of them.
pub fn base32hex_ok(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
}

/// `len` random characters from `alphabet`.
pub(crate) fn random_token(len: usize, alphabet: &[u8]) -> String {
    (0..len).map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())])).collect()
}

/// A new event id as Google makes them: 26 base32hex characters.
pub(crate) fn new_event_id() -> String {
    random_token(26, BASE32HEX)
}

/// An opaque token with `prefix`, URL-safe (access, refresh and page tokens, codes).
pub(crate) fn opaque(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", random_token(len, TOKEN_ALPHABET))
}

/// A sync token in Google's look: standard base64 (so it may hold `+`, `/` and `=`, which a
/// client must percent-encode).
pub(crate) fn sync_token() -> String {
    let bytes: [u8; 18] = rand::random();
    format!("C{}=", STANDARD.encode(bytes).trim_end_matches('='))
}

/// A fresh etag, quoted as Google quotes them.
pub(crate) fn etag(now: Timestamp, seq: u64) -> String {
    format!("\"{}\"", millis(now).saturating_mul(1000).saturating_add((seq % 1000) as i64))
}

/// The `htmlLink` of an event.
pub(crate) fn html_link(id: &str, calendar_id: &str) -> String {
    let eid = URL_SAFE_NO_PAD.encode(format!("{id} {calendar_id}"));
    format!("https://www.google.com/calendar/event?eid={eid}")
}

/// Google's default organizer for events on `cal`.
fn organizer(cal: &Calendar) -> Value {
    if cal.primary {
        json!({"email": cal.owner, "self": true})
    } else {
        json!({"email": cal.id, "displayName": cal.summary, "self": true})
    }
}

/// True when a change from `old` to `new` moves the event (start, end or recurrence), which
/// makes Google raise its `sequence`.
pub(crate) fn moved(old: &Value, new: &Value) -> bool {
    ["start", "end", "recurrence"].iter().any(|k| old.get(*k) != new.get(*k))
}

/// Fills the fields the server owns. `prev` is the event being replaced, if any; fields the
/// caller gave are kept unless the server always sets them (kind, etag, updated).
pub(crate) fn fill_server_fields(
    ev: &mut Map<String, Value>,
    cal: &Calendar,
    prev: Option<&Value>,
    now: Timestamp,
    seq: u64,
) {
    let id = ev.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let keep = |ev: &mut Map<String, Value>, key: &str, default: Value| {
        if !ev.contains_key(key) {
            let v = prev.and_then(|p| p.get(key)).cloned().unwrap_or(default);
            ev.insert(key.to_owned(), v);
        }
    };
    ev.insert("kind".into(), json!("calendar#event"));
    ev.insert("etag".into(), json!(etag(now, seq)));
    ev.entry("status").or_insert_with(|| json!("confirmed"));
    keep(ev, "htmlLink", json!(html_link(&id, &cal.id)));
    keep(ev, "created", json!(rfc3339_ms(now)));
    ev.insert("updated".into(), json!(rfc3339_ms(now)));
    keep(ev, "creator", json!({"email": cal.owner, "self": true}));
    keep(ev, "organizer", organizer(cal));
    keep(ev, "iCalUID", json!(format!("{id}@google.com")));
    if !ev.get("sequence").is_some_and(Value::is_u64) {
        let old = prev.and_then(|p| p.get("sequence")).and_then(Value::as_u64).unwrap_or(0);
        let bump = prev.is_some_and(|p| moved(p, &Value::Object(ev.clone())));
        ev.insert("sequence".into(), json!(old + u64::from(bump)));
    }
    keep(ev, "reminders", json!({"useDefault": true}));
    keep(ev, "eventType", json!("default"));
}

/// Applies `patch` to `target` with Google's patch semantics: each given top-level field
/// replaces the stored one (nested objects such as `start` replace whole), `null` clears it,
/// and `extendedProperties.private` / `.shared` merge key by key (`null` removes a key).
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (key.as_str(), value) {
            (_, Value::Null) => {
                target.remove(key);
            }
            ("extendedProperties", Value::Object(given)) => {
                let props = target.entry("extendedProperties").or_insert_with(|| json!({}));
                if !props.is_object() {
                    *props = json!({});
                }
                let Some(props) = props.as_object_mut() else { continue };
                for (side, entries) in given {
                    let Value::Object(entries) = entries else {
                        props.remove(side);
                        continue;
                    };
                    let stored = props.entry(side.clone()).or_insert_with(|| json!({}));
                    if !stored.is_object() {
                        *stored = json!({});
                    }
                    let Some(stored) = stored.as_object_mut() else { continue };
                    for (k, v) in entries {
                        if v.is_null() {
                            stored.remove(k);
                        } else {
                            stored.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `fields` in Google's order.
fn ordered(mut fields: Map<String, Value>) -> Value {
    let mut out = Map::new();
    for key in EVENT_ORDER {
        if let Some(v) = fields.remove(*key) {
            out.insert((*key).to_owned(), v);
        }
    }
    out.extend(fields);
    Value::Object(out)
}

/// An event as a response shows it, with `dateTime`s in `tz`. In a listing, a deleted event
/// is the short stub Google lists (`kind`, `etag`, `id`, `status: cancelled`, and for an
/// instance its `recurringEventId` and `originalStartTime`).
pub(crate) fn render(ev: &Stored, tz: &TimeZone, in_list: bool) -> Value {
    let mut fields = ev.json.as_object().cloned().unwrap_or_default();
    if in_list && ev.deleted {
        fields.retain(|k, _| {
            matches!(k.as_str(), "kind" | "etag" | "id" | "status" | "recurringEventId" | "originalStartTime")
        });
    }
    for key in ["start", "end", "originalStartTime"] {
        if let Some(v) = fields.get_mut(key) {
            *v = render_when(v, tz);
        }
    }
    ordered(fields)
}

/// Re-orders a freshly built event (an expanded instance) the way [`render`] does.
pub(crate) fn render_value(v: Value) -> Value {
    match v {
        Value::Object(m) => ordered(m),
        other => other,
    }
}
