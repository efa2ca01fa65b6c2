//! `calendarList.list`, `calendarList.get`, `calendars.get` and `freeBusy.query`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::Inner;
use super::api::{Answer, Call, Reply, calendar_in};
use super::errors::ApiError;
use super::expand::{occurrences, recurrence, stamp_of};
use super::oauth::{CALENDAR_LIST, CALENDARS, FREEBUSY};
use super::shape::{etag, opaque};
use super::state::{Calendar, Cursor};
use super::times::{event_span, format_in, parse_rfc3339, zone, zone_or_utc};

/// A stable etag per calendar (its settings never change here).
fn cal_etag(cal: &Calendar) -> String {
    let n = cal
        .id
        .bytes()
        .fold(1_469_598_103_934_665_603u64, |h, b| (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211));
    format!("\"{}\"", 1_600_000_000_000_000 + n % 100_000_000_000_000)
}

/// A calendar as a `calendar#calendarListEntry`.
fn entry_json(cal: &Calendar) -> Value {
    let mut e = Map::new();
    e.insert("kind".into(), json!("calendar#calendarListEntry"));
    e.insert("etag".into(), json!(cal_etag(cal)));
    e.insert("id".into(), json!(cal.id));
    e.insert("summary".into(), json!(cal.summary));
    e.insert("timeZone".into(), json!(cal.time_zone));
    e.insert("colorId".into(), json!(if cal.primary { "14" } else { "7" }));
    e.insert("backgroundColor".into(), json!(if cal.primary { "#9fe1e7" } else { "#42d692" }));
    e.insert("foregroundColor".into(), json!("#000000"));
    e.insert("selected".into(), json!(true));
    e.insert("accessRole".into(), json!(if cal.read_only { "reader" } else { "owner" }));
    let reminders = if cal.primary { json!([{"method": "popup", "minutes": 10}]) } else { json!([]) };
    e.insert("defaultReminders".into(), reminders);
    if cal.primary {
        e.insert(
            "notificationSettings".into(),
            json!({"notifications": [{"type": "eventCreation", "method": "email"},
                {"type": "eventChange", "method": "email"}, {"type": "eventCancellation", "method": "email"},
                {"type": "eventResponse", "method": "email"}]}),
        );
        e.insert("primary".into(), json!(true));
    }
    e.insert("conferenceProperties".into(), json!({"allowedConferenceSolutionTypes": ["hangoutsMeet"]}));
    Value::Object(e)
}

/// `GET users/me/calendarList` (100 a page by default, at most 250).
pub(crate) fn list(inner: &Inner, call: &Call<'_>) -> Reply {
    call.caller.require(CALENDAR_LIST)?;
    let p = &call.params;
    let max = p.int("maxResults", 1)?.unwrap_or(100).min(250) as usize;
    p.bool("showDeleted")?;
    p.bool("showHidden")?;
    let mut st = inner.lock();
    let size = st.page_size.map_or(max, |cap| max.min(cap));
    let scope = format!("calendarList:{}", call.caller.account);
    let cursor = match p.get("pageToken") {
        Some(token) => st
            .cursors
            .get(token)
            .filter(|c| c.scope == scope)
            .cloned()
            .ok_or_else(|| ApiError::param("invalid", "pageToken", "Invalid page token value."))?,
        None => {
            // Entries are listed primary first; a sync token lists them all again.
            let mut cals: Vec<&Calendar> =
                st.calendars.iter().filter(|c| c.owner == call.caller.account).collect();
            cals.sort_by_key(|c| !c.primary);
            let items = cals.into_iter().map(entry_json).collect();
            Cursor { scope: scope.clone(), items, sync_token: Some(opaque("CL", 40)) }
        }
    };
    let mut items = cursor.items;
    let rest = if items.len() > size { items.split_off(size) } else { Vec::new() };
    let mut out = Map::new();
    out.insert("kind".into(), json!("calendar#calendarList"));
    out.insert("etag".into(), json!(etag(call.now, st.seq)));
    if rest.is_empty() {
        out.insert("nextSyncToken".into(), json!(cursor.sync_token));
    } else {
        let token = opaque("", 48);
        st.cursors.insert(token.clone(), Cursor { scope, items: rest, sync_token: cursor.sync_token });
        out.insert("nextPageToken".into(), json!(token));
    }
    out.insert("items".into(), Value::Array(items));
    Ok(Answer::Json(Value::Object(out)))
}

/// `GET users/me/calendarList/{calendarId}`.
pub(crate) fn entry(inner: &Inner, call: &Call<'_>, cal: &str) -> Reply {
    call.caller.require(CALENDAR_LIST)?;
    let st = inner.lock();
    let id = calendar_in(&st, &call.caller, cal)?;
    Ok(Answer::Json(st.calendar(&id).map(entry_json).ok_or_else(ApiError::not_found)?))
}

/// `GET calendars/{calendarId}`.
pub(crate) fn get(inner: &Inner, call: &Call<'_>, cal: &str) -> Reply {
    call.caller.require(CALENDARS)?;
    let st = inner.lock();
    let id = calendar_in(&st, &call.caller, cal)?;
    let c = st.calendar(&id).ok_or_else(ApiError::not_found)?;
    Ok(Answer::Json(json!({
        "kind": "calendar#calendar",
        "etag": cal_etag(c),
        "id": c.id,
        "summary": c.summary,
        "timeZone": c.time_zone,
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    })))
}

/// `POST freeBusy`: busy periods of opaque, not cancelled, not declined events (series
/// expanded), merged and clipped to the range, in the request's `timeZone` (default UTC).
pub(crate) fn free_busy(inner: &Inner, call: &Call<'_>) -> Reply {
    call.caller.require(FREEBUSY)?;
    let body = call.json_body()?;
    let time = |key: &str| -> Result<Timestamp, ApiError> {
        let v = body.get(key).ok_or_else(|| ApiError::required(format!("Missing {key} parameter.")))?;
        v.as_str().and_then(parse_rfc3339).ok_or_else(|| ApiError::bad_request("badRequest", "Bad Request"))
    };
    let (from, to) = (time("timeMin")?, time("timeMax")?);
    if from >= to {
        return Err(ApiError::bad_request("timeRangeEmpty", "The specified time range is empty."));
    }
    let tz = match body.get("timeZone").and_then(Value::as_str) {
        None => TimeZone::UTC,
        Some(name) => zone(name).ok_or_else(|| ApiError::invalid("Invalid time zone"))?,
    };
    let st = inner.lock();
    let mut calendars = Map::new();
    let items = body.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    for item in items {
        let Some(asked) = item.get("id").and_then(Value::as_str) else { continue };
        let found = calendar_in(&st, &call.caller, asked).ok().and_then(|id| st.calendar(&id));
        let entry = match found {
            None => json!({"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}),
            Some(cal) => {
                let busy: Vec<Value> = busy_periods(cal, from, to)
                    .into_iter()
                    .map(|(s, e)| json!({"start": format_in(s, &tz), "end": format_in(e, &tz)}))
                    .collect();
                json!({"busy": busy})
            }
        };
        calendars.insert(asked.to_owned(), entry);
    }
    Ok(Answer::Json(json!({
        "kind": "calendar#freeBusy",
        "timeMin": format_in(from, &TimeZone::UTC),
        "timeMax": format_in(to, &TimeZone::UTC),
        "calendars": calendars,
    })))
}

/// Merged busy spans of `cal` inside `[from, to)`.
fn busy_periods(cal: &Calendar, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let tz = zone_or_utc(&cal.time_zone);
    let busy = |ev: &Value| {
        ev.get("status").and_then(Value::as_str) != Some("cancelled")
            && ev.get("transparency").and_then(Value::as_str) != Some("transparent")
            && !ev.get("attendees").and_then(Value::as_array).is_some_and(|a| {
                a.iter().any(|p| {
                    p.get("self") == Some(&json!(true))
                        && p.get("responseStatus").and_then(Value::as_str) == Some("declined")
                })
            })
    };
    let mut spans = Vec::new();
    for ev in &cal.events {
        let j = &ev.json;
        if recurrence(j).is_some() && j.get("status").and_then(Value::as_str) != Some("cancelled") {
            let taken: Vec<String> = cal
                .events
                .iter()
                .filter(|e| e.json.get("recurringEventId").and_then(Value::as_str) == Some(ev.id.as_str()))
                .filter_map(|e| e.json.get("originalStartTime").and_then(stamp_of))
                .collect();
            if let Some(occs) = occurrences(j, &tz, from, to) {
                if busy(j) {
                    spans.extend(occs.iter().filter(|o| !taken.contains(&o.stamp)).map(|o| (o.start, o.end)));
                }
                continue;
            }
        }
        if busy(j)
            && let Some((s, e)) = event_span(j, &tz)
            && s < to
            && e > from
        {
            spans.push((s, e));
        }
    }
    let mut clipped: Vec<(Timestamp, Timestamp)> =
        spans.into_iter().map(|(s, e)| (s.max(from), e.min(to))).filter(|(s, e)| s < e).collect();
    clipped.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (s, e) in clipped {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}
