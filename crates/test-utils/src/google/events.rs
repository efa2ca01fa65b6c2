//! `events.get`, `insert`, `patch`, `update` and `delete`, with the checks Google makes on an
//! event body (ids, times and zones, recurrence, attendees) and Meet links on request.

use serde_json::{Map, Value, json};
use sked_core::RecurrenceRule;

use super::Inner;
use super::api::{Answer, Call, Reply, calendar_in};
use super::errors::ApiError;
use super::expand::{instance_by_id, recurrence};
use super::oauth::{READ_EVENTS, WRITE_EVENTS};
use super::shape::{base32hex_ok, new_event_id, random_token, render};
use super::state::State;
use super::times::{When, WhenError, read_when, zone, zone_or_utc};

/// Fields a client cannot set on insert, patch or update (the server owns them).
const READ_ONLY: &[&str] = &[
    "kind",
    "etag",
    "id",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "organizer",
    "recurringEventId",
    "originalStartTime",
    "hangoutLink",
    "sequence",
];

/// `GET calendars/{calendarId}/events/{eventId}` (a deleted event reads as `cancelled`).
pub(crate) fn get(inner: &Inner, call: &Call<'_>, cal: &str, ev: &str) -> Reply {
    call.caller.require(READ_EVENTS)?;
    let tz_param = response_zone(call)?;
    let st = inner.lock();
    let cal_id = calendar_in(&st, &call.caller, cal)?;
    let cal = st.calendar(&cal_id).ok_or_else(ApiError::not_found)?;
    let tz = tz_param.unwrap_or_else(|| zone_or_utc(&cal.time_zone));
    if let Some(stored) = cal.events.iter().find(|e| e.id == ev) {
        return Ok(Answer::Json(render(stored, &tz, false)));
    }
    let inst = instance_by_id(cal, ev).ok_or_else(ApiError::not_found)?;
    let stored = super::state::Stored { id: ev.to_owned(), json: inst, changed: 0, deleted: false };
    Ok(Answer::Json(render(&stored, &tz, false)))
}

/// A calendar the caller may write events to.
fn writable_in(
    st: &super::state::State,
    caller: &super::oauth::Caller,
    cal: &str,
) -> Result<String, ApiError> {
    let id = calendar_in(st, caller, cal)?;
    match st.calendar(&id) {
        Some(c) if c.read_only => Err(ApiError::writer_access()),
        _ => Ok(id),
    }
}

/// `POST calendars/{calendarId}/events`.
pub(crate) fn insert(inner: &Inner, call: &Call<'_>, cal: &str) -> Reply {
    call.caller.require(WRITE_EVENTS)?;
    let conference = write_params(call)?;
    let mut ev = call.json_body()?;
    let given_id = ev.remove("id");
    ev.retain(|k, _| !READ_ONLY.contains(&k.as_str()));
    let mut st = inner.lock();
    let cal_id = writable_in(&st, &call.caller, cal)?;
    let id = match given_id {
        None | Some(Value::Null) => new_event_id(),
        Some(Value::String(id)) if base32hex_ok(&id) => id,
        Some(_) => return Err(ApiError::invalid("Invalid resource id value.")),
    };
    if st.stored(&cal_id, &id).is_some() {
        return Err(ApiError::duplicate());
    }
    validate(&ev)?;
    ev.insert("id".into(), json!(id));
    apply_conference(&mut ev, None, conference);
    st.store_event(&cal_id, ev, call.now);
    Ok(Answer::Json(st.rendered(&cal_id, &id).unwrap_or_default()))
}

/// `PATCH calendars/{calendarId}/events/{eventId}`: given fields replace stored ones.
pub(crate) fn patch(inner: &Inner, call: &Call<'_>, cal: &str, ev_id: &str) -> Reply {
    call.caller.require(WRITE_EVENTS)?;
    let conference = write_params(call)?;
    let mut patch = call.json_body()?;
    patch.retain(|k, _| !READ_ONLY.contains(&k.as_str()));
    let mut st = inner.lock();
    let cal_id = writable_in(&st, &call.caller, cal)?;
    let old = current(&st, &cal_id, ev_id, call)?;
    let mut ev = old.as_object().cloned().unwrap_or_default();
    let conference_given = patch.remove("conferenceData");
    super::shape::merge_patch(&mut ev, &patch);
    if let Some(c) = conference_given {
        ev.insert("conferenceData".into(), c);
    }
    ev.remove("sequence");
    validate(&ev)?;
    apply_conference(&mut ev, Some(&old), conference);
    st.store_event(&cal_id, ev, call.now);
    Ok(Answer::Json(st.rendered(&cal_id, ev_id).unwrap_or_default()))
}

/// `PUT calendars/{calendarId}/events/{eventId}`: the body replaces the event.
pub(crate) fn update(inner: &Inner, call: &Call<'_>, cal: &str, ev_id: &str) -> Reply {
    call.caller.require(WRITE_EVENTS)?;
    let conference = write_params(call)?;
    let mut ev = call.json_body()?;
    ev.retain(|k, _| !READ_ONLY.contains(&k.as_str()) || k == "sequence");
    let mut st = inner.lock();
    let cal_id = writable_in(&st, &call.caller, cal)?;
    let old = current(&st, &cal_id, ev_id, call)?;
    for key in [
        "id",
        "created",
        "iCalUID",
        "creator",
        "organizer",
        "recurringEventId",
        "originalStartTime",
        "htmlLink",
    ] {
        if let Some(v) = old.get(key) {
            ev.insert(key.into(), v.clone());
        }
    }
    if ev.get("sequence").and_then(Value::as_u64) < old.get("sequence").and_then(Value::as_u64) {
        ev.remove("sequence");
    }
    validate(&ev)?;
    apply_conference(&mut ev, Some(&old), conference);
    st.store_event(&cal_id, ev, call.now);
    Ok(Answer::Json(st.rendered(&cal_id, ev_id).unwrap_or_default()))
}

/// `DELETE calendars/{calendarId}/events/{eventId}`: 204, or 410 when already deleted.
pub(crate) fn delete(inner: &Inner, call: &Call<'_>, cal: &str, ev_id: &str) -> Reply {
    call.caller.require(WRITE_EVENTS)?;
    write_params(call)?;
    let mut st = inner.lock();
    let cal_id = writable_in(&st, &call.caller, cal)?;
    let old = current(&st, &cal_id, ev_id, call)?;
    if old.get("status").and_then(Value::as_str) == Some("cancelled") {
        return Err(ApiError::deleted());
    }
    if st.stored(&cal_id, ev_id).is_none() {
        // An unmodified instance of a series becomes a cancelled exception.
        let mut ev = old.as_object().cloned().unwrap_or_default();
        ev.insert("status".into(), json!("cancelled"));
        st.store_event(&cal_id, ev, call.now);
    }
    st.delete_stored(&cal_id, ev_id, call.now);
    Ok(Answer::NoContent)
}

/// The stored event (or unmodified instance) a write names, after the `If-Match` check.
fn current(st: &State, cal_id: &str, ev_id: &str, call: &Call<'_>) -> Result<Value, ApiError> {
    let cal = st.calendar(cal_id).ok_or_else(ApiError::not_found)?;
    let ev = match cal.events.iter().find(|e| e.id == ev_id) {
        Some(s) => s.json.clone(),
        None => instance_by_id(cal, ev_id).ok_or_else(ApiError::not_found)?,
    };
    if let Some(want) = call.headers.get("if-match").and_then(|v| v.to_str().ok())
        && want.trim() != "*"
        && Some(want.trim()) != ev.get("etag").and_then(Value::as_str)
    {
        return Err(ApiError::precondition());
    }
    Ok(ev)
}

/// The `timeZone` parameter of a read, if any.
pub(crate) fn response_zone(call: &Call<'_>) -> Result<Option<jiff::tz::TimeZone>, ApiError> {
    match call.params.get("timeZone") {
        None => Ok(None),
        Some(name) => {
            zone(name).map(Some).ok_or_else(|| ApiError::param("invalid", "timeZone", "Invalid time zone"))
        }
    }
}

/// Checks `sendUpdates` and `conferenceDataVersion`; returns whether conference data is on.
fn write_params(call: &Call<'_>) -> Result<bool, ApiError> {
    if let Some(v) = call.params.get("sendUpdates")
        && !matches!(v, "all" | "externalOnly" | "none")
    {
        return Err(ApiError::param("invalidParameter", "sendUpdates", format!("Invalid value '{v}'.")));
    }
    call.params.bool("sendNotifications")?;
    match call.params.int("conferenceDataVersion", 0)? {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(v) => Err(ApiError::param(
            "invalid",
            "conferenceDataVersion",
            format!("Invalid value '{v}'. Values must be within the range: [0, 1]"),
        )),
    }
}

/// With `conferenceDataVersion=1` a `createRequest` becomes a Google Meet; with 0 the body's
/// conference data is ignored and the stored one kept.
fn apply_conference(ev: &mut Map<String, Value>, old: Option<&Value>, enabled: bool) {
    let keep_old = |ev: &mut Map<String, Value>| {
        ev.remove("conferenceData");
        for key in ["conferenceData", "hangoutLink"] {
            if let Some(v) = old.and_then(|o| o.get(key)) {
                ev.insert(key.into(), v.clone());
            }
        }
    };
    if !enabled {
        keep_old(ev);
        return;
    }
    let Some(req) = ev.get("conferenceData").and_then(|c| c.get("createRequest")).cloned() else {
        if !ev.contains_key("conferenceData") {
            keep_old(ev);
        }
        return;
    };
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    let code =
        format!("{}-{}-{}", random_token(3, letters), random_token(4, letters), random_token(3, letters));
    let uri = format!("https://meet.google.com/{code}");
    let mut request = req.as_object().cloned().unwrap_or_default();
    request.insert("status".into(), json!({"statusCode": "success"}));
    ev.insert(
        "conferenceData".into(),
        json!({
            "createRequest": request,
            "entryPoints": [{"entryPointType": "video", "uri": uri, "label": format!("meet.google.com/{code}")}],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
            "conferenceId": code,
        }),
    );
    ev.insert("hangoutLink".into(), json!(uri));
}

/// The checks Google makes on an event body before storing it.
fn validate(ev: &Map<String, Value>) -> Result<(), ApiError> {
    let when = |key: &str| -> Result<When, ApiError> {
        let v = ev.get(key).ok_or_else(|| ApiError::required(format!("Missing {key} time.")))?;
        read_when(v).map_err(|e| match e {
            WhenError::Invalid => ApiError::invalid(format!("Invalid {key} time.")),
            WhenError::NoZone => ApiError::required(format!("Missing time zone definition for {key} time.")),
            WhenError::BadZone => ApiError::invalid(format!("Invalid time zone definition for {key} time.")),
        })
    };
    let (start, end) = (when("start")?, when("end")?);
    match (start, end) {
        (When::At(s), When::At(e)) if e < s => {
            return Err(ApiError::bad_request("timeRangeEmpty", "The specified time range is empty."));
        }
        (When::Day(s), When::Day(e)) if e < s => {
            return Err(ApiError::bad_request("timeRangeEmpty", "The specified time range is empty."));
        }
        (When::At(_), When::Day(_)) | (When::Day(_), When::At(_)) => {
            return Err(ApiError::invalid(
                "Start and end times must either both be date or both be dateTime.",
            ));
        }
        _ => {}
    }
    if let Some(r) = ev.get("recurrence") {
        let Some(lines) = r.as_array() else { return Err(ApiError::invalid("Invalid recurrence rule.")) };
        for line in lines {
            let text = line.as_str().unwrap_or_default();
            let upper = text.to_ascii_uppercase();
            let ok = if upper.starts_with("RRULE:") {
                RecurrenceRule::parse(text).is_ok()
            } else {
                ["EXRULE:", "RDATE", "EXDATE"].iter().any(|p| upper.starts_with(p)) && text.contains(':')
            };
            if !ok {
                return Err(ApiError::invalid("Invalid recurrence rule."));
            }
        }
        let timed = matches!(start, When::At(_));
        if timed && recurrence(&Value::Object(ev.clone())).is_some() && ev["start"].get("timeZone").is_none()
        {
            return Err(ApiError::required("Missing time zone definition for start time."));
        }
    }
    if let Some(s) = ev.get("status")
        && !matches!(s.as_str(), Some("confirmed" | "tentative" | "cancelled"))
    {
        return Err(ApiError::invalid("Invalid value for: status"));
    }
    if let Some(t) = ev.get("transparency")
        && !matches!(t.as_str(), Some("opaque" | "transparent"))
    {
        return Err(ApiError::invalid("Invalid value for: transparency"));
    }
    if let Some(list) = ev.get("attendees") {
        for a in list.as_array().ok_or_else(|| ApiError::invalid("Invalid attendee email."))? {
            match a.get("email").and_then(Value::as_str) {
                None => return Err(ApiError::required("Missing attendee email.")),
                Some(e) if !valid_email(e) => return Err(ApiError::invalid("Invalid attendee email.")),
                Some(_) => {}
            }
        }
    }
    if let Some(props) = ev.get("extendedProperties") {
        let ok = props.as_object().is_some_and(|p| {
            p.iter().all(|(side, m)| {
                matches!(side.as_str(), "private" | "shared")
                    && m.as_object().is_some_and(|m| m.values().all(Value::is_string))
            })
        });
        if !ok {
            return Err(ApiError::invalid("Invalid extended property value."));
        }
    }
    Ok(())
}

fn valid_email(e: &str) -> bool {
    e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !e.contains(char::is_whitespace))
}
