//! The shape of Graph's resources: ids, change keys, and an event rendered for a response
//! (field order and defaults as Outlook answers, times in the zone the request prefers).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::state::{Account, Span, Stored};
use super::times::{render_span, utc_z, windows_name};

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `len` random characters from `alphabet`.
pub(crate) fn random_chars(len: usize, alphabet: &[u8]) -> String {
    (0..len).map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())])).collect()
}

/// A random GUID (version 4), as Microsoft names users, subscriptions and requests.
pub(crate) fn guid() -> String {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string()
}

/// An item id shaped like Outlook's immutable ids.
pub(crate) fn random_id() -> String {
    format!("AAMkAG{}AAA=", random_chars(64, ID_ALPHABET))
}

/// A change key (`changeKey`, and the etag's body).
pub(crate) fn change_key() -> String {
    format!("{}==", random_chars(26, B64_ALPHABET))
}

/// An opaque token (codes, refresh tokens, skip and delta tokens).
pub(crate) fn opaque(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", random_chars(len, ID_ALPHABET))
}

/// An iCalendar UID as Exchange makes them.
pub(crate) fn ical_uid() -> String {
    format!("040000008200E00074C5B7101A82E00800000000{}", random_chars(72, b"0123456789ABCDEF"))
}

/// The id of the occurrence of series `master` that originally starts at `t`.
pub(crate) fn occurrence_id(master: &str, t: Timestamp) -> String {
    format!("{master}_{}", t.strftime("%Y%m%dT%H%M%SZ"))
}

/// The series and original start an occurrence id names.
pub(crate) fn parse_occurrence(id: &str) -> Option<(&str, Timestamp)> {
    let (master, stamp) = id.rsplit_once('_')?;
    let wall = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
    Some((master, TimeZone::UTC.to_ambiguous_timestamp(wall).compatible().ok()?))
}

/// How a response renders events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Render<'a> {
    pub tz: &'a TimeZone,
    pub tz_name: &'a str,
    /// `$expand=singleValueExtendedProperties($filter=id eq '...')`: the ids to include.
    pub expand: Option<&'a [String]>,
    /// Delta items carry `@odata.type`.
    pub odata_type: bool,
}

/// One instance in a calendar view: a stored event, or an occurrence of a series.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub id: String,
    pub span: Span,
    /// For an occurrence: the series' id and its original start.
    pub occurrence_of: Option<(String, Timestamp)>,
}

/// `ev` (or one occurrence of it) as Graph returns an event.
pub(crate) fn render(ev: &Stored, inst: Option<&Instance>, owner: &Account, r: Render<'_>) -> Value {
    let f = &ev.fields;
    let field = |k: &str| f.get(k).cloned().filter(|v| !v.is_null());
    let (id, span) = inst.map_or((ev.id.clone(), ev.span), |i| (i.id.clone(), i.span));
    let series_master = inst
        .and_then(|i| i.occurrence_of.as_ref().map(|(m, _)| m.clone()))
        .or_else(|| ev.master.as_ref().map(|(m, _)| m.clone()));
    let kind = match (inst.and_then(|i| i.occurrence_of.as_ref()), &ev.master, field("recurrence")) {
        (Some(_), _, _) => "occurrence",
        (None, Some(_), _) => "exception",
        (None, None, Some(_)) => "seriesMaster",
        _ => "singleInstance",
    };
    let (start, end) = render_span(span, r.tz, r.tz_name);
    let body = field("body").unwrap_or_else(|| json!({"contentType": "html", "content": ""}));
    let preview: String =
        body.get("content").and_then(Value::as_str).unwrap_or_default().chars().take(255).collect();
    let response = field("responseStatus")
        .unwrap_or_else(|| json!({"response": "organizer", "time": "0001-01-01T00:00:00Z"}));
    let organizer = response.get("response").and_then(Value::as_str) == Some("organizer");
    let mut m = Map::new();
    if r.odata_type {
        m.insert("@odata.type".into(), json!("#microsoft.graph.event"));
    }
    m.insert("@odata.etag".into(), json!(format!("W/\"{}\"", ev.change_key)));
    m.insert("id".into(), json!(id));
    m.insert("createdDateTime".into(), json!(utc_z(ev.created)));
    m.insert("lastModifiedDateTime".into(), json!(utc_z(ev.modified)));
    m.insert("changeKey".into(), json!(ev.change_key));
    m.insert("categories".into(), field("categories").unwrap_or_else(|| json!([])));
    m.insert("transactionId".into(), field("transactionId").unwrap_or(Value::Null));
    m.insert("originalStartTimeZone".into(), json!(windows_name(&ev.start_zone)));
    m.insert("originalEndTimeZone".into(), json!(windows_name(&ev.end_zone)));
    m.insert("iCalUId".into(), json!(ev.ical_uid));
    m.insert("uid".into(), json!(ev.ical_uid));
    m.insert("reminderMinutesBeforeStart".into(), json!(15));
    m.insert("isReminderOn".into(), json!(true));
    m.insert("hasAttachments".into(), json!(false));
    m.insert("subject".into(), field("subject").unwrap_or_else(|| json!("")));
    m.insert("bodyPreview".into(), json!(preview));
    m.insert("importance".into(), field("importance").unwrap_or_else(|| json!("normal")));
    m.insert("sensitivity".into(), field("sensitivity").unwrap_or_else(|| json!("normal")));
    m.insert("isAllDay".into(), json!(matches!(span, Span::AllDay(..))));
    m.insert("isCancelled".into(), field("isCancelled").unwrap_or_else(|| json!(false)));
    m.insert("isOrganizer".into(), json!(organizer));
    m.insert("responseRequested".into(), json!(true));
    m.insert("seriesMasterId".into(), series_master.map_or(Value::Null, Value::from));
    m.insert("showAs".into(), field("showAs").unwrap_or_else(|| json!("busy")));
    m.insert("type".into(), json!(kind));
    let link = format!("https://outlook.office365.com/owa/?itemid={id}&exvsurl=1&path=/calendar/item");
    m.insert("webLink".into(), json!(link));
    m.insert("onlineMeetingUrl".into(), Value::Null);
    m.insert("isOnlineMeeting".into(), json!(false));
    m.insert("onlineMeetingProvider".into(), json!("unknown"));
    m.insert("allowNewTimeProposals".into(), json!(true));
    m.insert("isDraft".into(), json!(false));
    m.insert("hideAttendees".into(), json!(false));
    m.insert("responseStatus".into(), response);
    m.insert("body".into(), body);
    m.insert("start".into(), start);
    m.insert("end".into(), end);
    let location = field("location").unwrap_or_else(|| json!({"displayName": ""}));
    m.insert("location".into(), location);
    m.insert("locations".into(), json!([]));
    let recurrence =
        if kind == "seriesMaster" { field("recurrence").unwrap_or(Value::Null) } else { Value::Null };
    m.insert("recurrence".into(), recurrence);
    m.insert("attendees".into(), attendees(field("attendees")));
    let address = owner.mail.clone().unwrap_or_else(|| owner.upn.clone());
    m.insert("organizer".into(), json!({"emailAddress": {"name": owner.display_name, "address": address}}));
    m.insert("onlineMeeting".into(), Value::Null);
    if let Some(wanted) = r.expand {
        m.insert("singleValueExtendedProperties".into(), Value::Array(properties(f, wanted)));
    }
    Value::Object(m)
}

/// Attendees as Graph returns them: each with a `status`.
fn attendees(given: Option<Value>) -> Value {
    let list = given.and_then(|v| v.as_array().cloned()).unwrap_or_default();
    Value::Array(
        list.into_iter()
            .map(|mut a| {
                if let Some(obj) = a.as_object_mut() {
                    obj.entry("type").or_insert_with(|| json!("required"));
                    obj.entry("status")
                        .or_insert_with(|| json!({"response": "none", "time": "0001-01-01T00:00:00Z"}));
                }
                a
            })
            .collect(),
    )
}

/// The stored single-value extended properties whose id is among `wanted` (ignoring case).
fn properties(fields: &Map<String, Value>, wanted: &[String]) -> Vec<Value> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    let wanted: Vec<String> = wanted.iter().map(|w| norm(w)).collect();
    fields
        .get("singleValueExtendedProperties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("id").and_then(Value::as_str).is_some_and(|id| wanted.contains(&norm(id))))
        .cloned()
        .collect()
}
