//! `events.list`: full sync with filters, incremental sync from a sync token, `singleEvents`
//! expansion, and paging that snapshots the listing at its first page (its `nextSyncToken`
//! points at that moment, so changes made while paging come back in the next sync).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use super::Inner;
use super::api::{Answer, Call, Params, Reply, calendar_in};
use super::errors::ApiError;
use super::events::response_zone;
use super::expand::{occurrences, recurrence, stamp_of};
use super::oauth::READ_EVENTS;
use super::shape::{etag, opaque, render, render_value};
use super::state::{Calendar, Cursor, State, Stored};
use super::times::{event_span, parse_rfc3339, plus, render_when, rfc3339_ms, zone_or_utc};

/// Parameters that cannot go with `syncToken`.
const NOT_WITH_SYNC: &[&str] = &[
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];
/// How far past now an open-ended series is expanded.
const HORIZON_SECS: i64 = 2 * 366 * 86_400;

/// The filters of a full listing.
#[derive(Debug)]
struct Filter<'a> {
    single: bool,
    show_deleted: bool,
    time_min: Option<Timestamp>,
    time_max: Option<Timestamp>,
    updated_min: Option<Timestamp>,
    private: Vec<(&'a str, &'a str)>,
    shared: Vec<(&'a str, &'a str)>,
    ical_uid: Option<&'a str>,
    q: Vec<String>,
    event_types: Vec<&'a str>,
}

/// `GET calendars/{calendarId}/events`.
pub(crate) fn list(inner: &Inner, call: &Call<'_>, cal: &str) -> Reply {
    call.caller.require(READ_EVENTS)?;
    let p = &call.params;
    let single = p.bool("singleEvents")?.unwrap_or(false);
    let show_deleted = p.bool("showDeleted")?;
    let max = p.int("maxResults", 1)?.unwrap_or(250).min(2500) as usize;
    let (time_min, time_max) = (p.time("timeMin")?, p.time("timeMax")?);
    if let (Some(a), Some(b)) = (time_min, time_max)
        && a >= b
    {
        return Err(ApiError::param("timeRangeEmpty", "timeMax", "The specified time range is empty."));
    }
    let order = p.get("orderBy");
    match order {
        None | Some("updated") => {}
        Some("startTime") if single => {}
        Some("startTime") => {
            return Err(ApiError::bad_request(
                "badRequest",
                "The requested ordering is not available for the particular query.",
            ));
        }
        Some(other) => {
            return Err(ApiError::param("invalidParameter", "orderBy", format!("Invalid value '{other}'.")));
        }
    }
    let filter = Filter {
        single,
        show_deleted: show_deleted.unwrap_or(false),
        time_min,
        time_max,
        updated_min: p.time("updatedMin")?,
        private: constraints(p, "privateExtendedProperty")?,
        shared: constraints(p, "sharedExtendedProperty")?,
        ical_uid: p.get("iCalUID"),
        q: p.get("q").map(|q| q.split_whitespace().map(str::to_lowercase).collect()).unwrap_or_default(),
        event_types: p.all("eventTypes"),
    };
    let tz_param = response_zone(call)?;
    let mut st = inner.lock();
    let cal_id = calendar_in(&st, &call.caller, cal)?;
    let page_size = st.page_size.map_or(max, |cap| max.min(cap));
    if let Some(token) = p.get("pageToken") {
        let cursor = st.cursors.get(token).filter(|c| c.scope == cal_id).cloned();
        let cursor =
            cursor.ok_or_else(|| ApiError::param("invalid", "pageToken", "Invalid page token value."))?;
        return Ok(Answer::Json(page(&mut st, &cal_id, cursor, page_size, tz_param.as_ref(), call.now)));
    }
    let cal = st.calendar(&cal_id).ok_or_else(ApiError::not_found)?;
    let tz = tz_param.clone().unwrap_or_else(|| zone_or_utc(&cal.time_zone));
    let mut items = match p.get("syncToken") {
        Some(token) => {
            if let Some(name) = NOT_WITH_SYNC.iter().find(|n| p.has(n)) {
                return Err(ApiError::param(
                    "invalid",
                    name,
                    format!("Sync token cannot be used with {name}."),
                ));
            }
            if show_deleted == Some(false) {
                return Err(ApiError::param(
                    "invalid",
                    "showDeleted",
                    "showDeleted cannot be false with a sync token.",
                ));
            }
            let point = st.sync_tokens.get(token).filter(|pt| pt.calendar_id == cal_id);
            let since = point.ok_or_else(ApiError::full_sync_required)?.seq;
            changed_since(cal, since, single, &tz, call.now)
        }
        None => full(cal, &filter, &tz, call.now),
    };
    match order {
        Some("startTime") => items.sort_by_key(|v| start_of(v, &tz)),
        Some("updated") => {
            items.sort_by_key(|v| v.get("updated").and_then(Value::as_str).and_then(parse_rfc3339))
        }
        _ => {}
    }
    let snapshot = st.seq;
    let sync_token = st.issue_sync_token(&cal_id, snapshot);
    let cursor = Cursor { scope: cal_id.clone(), items, sync_token: Some(sync_token) };
    Ok(Answer::Json(page(&mut st, &cal_id, cursor, page_size, tz_param.as_ref(), call.now)))
}

/// One page of `cursor`; the rest is kept under a fresh `nextPageToken`.
fn page(
    st: &mut State,
    cal_id: &str,
    mut cursor: Cursor,
    size: usize,
    tz: Option<&TimeZone>,
    now: Timestamp,
) -> Value {
    let rest = if cursor.items.len() > size { cursor.items.split_off(size) } else { Vec::new() };
    let items = std::mem::take(&mut cursor.items);
    let Some(cal) = st.calendar(cal_id) else { return json!({}) };
    let mut out = Map::new();
    out.insert("kind".into(), json!("calendar#events"));
    out.insert("etag".into(), json!(etag(now, st.seq)));
    out.insert("summary".into(), json!(cal.summary));
    out.insert("updated".into(), json!(last_update(cal).unwrap_or_else(|| rfc3339_ms(now))));
    let zone_name = tz.and_then(TimeZone::iana_name).unwrap_or(&cal.time_zone).to_owned();
    out.insert("timeZone".into(), json!(zone_name));
    out.insert("accessRole".into(), json!(if cal.read_only { "reader" } else { "owner" }));
    let reminders = if cal.primary { json!([{"method": "popup", "minutes": 10}]) } else { json!([]) };
    out.insert("defaultReminders".into(), reminders);
    if rest.is_empty() {
        if let Some(t) = cursor.sync_token.take() {
            out.insert("nextSyncToken".into(), json!(t));
        }
    } else {
        let token = opaque("", 64);
        st.cursors.insert(token.clone(), Cursor { items: rest, ..cursor });
        out.insert("nextPageToken".into(), json!(token));
    }
    out.insert("items".into(), Value::Array(items));
    Value::Object(out)
}

/// Every event matching a full listing's filters, rendered in `tz`.
fn full(cal: &Calendar, f: &Filter<'_>, tz: &TimeZone, now: Timestamp) -> Vec<Value> {
    let cal_tz = zone_or_utc(&cal.time_zone);
    let from = f.time_min.unwrap_or(Timestamp::MIN);
    let to = f.time_max.unwrap_or(Timestamp::MAX);
    let mut out = Vec::new();
    for ev in &cal.events {
        let j = &ev.json;
        let cancelled = j.get("status").and_then(Value::as_str) == Some("cancelled");
        let is_exception = j.get("recurringEventId").is_some();
        let updated = j.get("updated").and_then(Value::as_str).and_then(parse_rfc3339);
        if let Some(min) = f.updated_min
            && updated.is_none_or(|u| u < min)
        {
            continue;
        }
        let visible = !cancelled || f.show_deleted || f.updated_min.is_some() || (!f.single && is_exception);
        if !visible || !matches(j, f) {
            continue;
        }
        match (f.single, recurrence(j).is_some() && !cancelled) {
            (true, true) => {
                let upto = f.time_max.unwrap_or_else(|| plus(now, HORIZON_SECS));
                let Some(occs) = occurrences(j, &cal_tz, from, upto) else {
                    if overlaps(j, &cal_tz, from, to) {
                        out.push(render(ev, tz, true));
                    }
                    continue;
                };
                let taken = exception_stamps(cal, &ev.id);
                for occ in occs.iter().filter(|o| !taken.contains(&o.stamp)) {
                    out.push(render_instance(super::expand::instance(j, occ), tz));
                }
            }
            (false, true) if f.time_min.is_none() && f.time_max.is_none() => out.push(render(ev, tz, true)),
            (false, true) => {
                // Any occurrence will do: with no lower bound the first one (the series' start)
                // decides; otherwise look a year ahead first, then as far as asked.
                let near = to.min(plus(from, 366 * 86_400));
                let far = to.min(plus(now, 100 * 366 * 86_400));
                let hit = match f.time_min.and_then(|_| occurrences(j, &cal_tz, from, near)) {
                    _ if f.time_min.is_none() => overlaps(j, &cal_tz, from, to),
                    Some(occs) if !occs.is_empty() => true,
                    Some(_) => {
                        near < far && occurrences(j, &cal_tz, from, far).is_some_and(|o| !o.is_empty())
                    }
                    None => overlaps(j, &cal_tz, from, to),
                };
                if hit {
                    out.push(render(ev, tz, true));
                }
            }
            _ if overlaps(j, &cal_tz, from, to) => out.push(render(ev, tz, true)),
            _ => {}
        }
    }
    out
}

/// Events changed after change `since`, deleted ones included (as stubs); with `single`, a
/// changed series comes back as its instances.
fn changed_since(cal: &Calendar, since: u64, single: bool, tz: &TimeZone, now: Timestamp) -> Vec<Value> {
    let cal_tz = zone_or_utc(&cal.time_zone);
    let mut changed: Vec<&Stored> = cal.events.iter().filter(|e| e.changed > since).collect();
    changed.sort_by_key(|e| e.changed);
    let mut out = Vec::new();
    for ev in changed {
        let series = single && !ev.deleted && recurrence(&ev.json).is_some();
        let occs = if series {
            occurrences(&ev.json, &cal_tz, Timestamp::MIN, plus(now, HORIZON_SECS))
        } else {
            None
        };
        match occs {
            Some(occs) => {
                let taken = exception_stamps(cal, &ev.id);
                for occ in occs.iter().filter(|o| !taken.contains(&o.stamp)) {
                    out.push(render_instance(super::expand::instance(&ev.json, occ), tz));
                }
            }
            None => out.push(render(ev, tz, true)),
        }
    }
    out
}

/// The original-start stamps of a master's modified and cancelled instances.
fn exception_stamps(cal: &Calendar, master_id: &str) -> Vec<String> {
    cal.events
        .iter()
        .filter(|e| e.json.get("recurringEventId").and_then(Value::as_str) == Some(master_id))
        .filter_map(|e| e.json.get("originalStartTime").and_then(stamp_of))
        .collect()
}

fn render_instance(mut inst: Value, tz: &TimeZone) -> Value {
    if let Some(obj) = inst.as_object_mut() {
        for key in ["start", "end", "originalStartTime"] {
            if let Some(v) = obj.get_mut(key) {
                *v = render_when(v, tz);
            }
        }
    }
    render_value(inst)
}

/// The event's span overlaps `(from, to)`: it ends after `from` and starts before `to`.
fn overlaps(ev: &Value, tz: &TimeZone, from: Timestamp, to: Timestamp) -> bool {
    match event_span(ev, tz) {
        Some((s, e)) => s < to && (e > from || (e == s && s >= from)),
        None => true,
    }
}

fn start_of(v: &Value, tz: &TimeZone) -> Option<Timestamp> {
    event_span(v, tz).map(|(s, _)| s)
}

/// The non-span filters: extended properties, iCalUID, text and event types.
fn matches(ev: &Value, f: &Filter<'_>) -> bool {
    let prop = |side: &str, k: &str, v: &str| {
        ev.get("extendedProperties").and_then(|p| p.get(side)).and_then(|m| m.get(k)).and_then(Value::as_str)
            == Some(v)
    };
    if !f.private.iter().all(|(k, v)| prop("private", k, v))
        || !f.shared.iter().all(|(k, v)| prop("shared", k, v))
    {
        return false;
    }
    if f.ical_uid.is_some_and(|u| ev.get("iCalUID").and_then(Value::as_str) != Some(u)) {
        return false;
    }
    let kind = ev.get("eventType").and_then(Value::as_str).unwrap_or("default");
    if !f.event_types.is_empty() && !f.event_types.contains(&kind) {
        return false;
    }
    if f.q.is_empty() {
        return true;
    }
    let mut text = String::new();
    for key in ["summary", "description", "location"] {
        text.push_str(ev.get(key).and_then(Value::as_str).unwrap_or_default());
        text.push('\n');
    }
    let people =
        ev.get("attendees").and_then(Value::as_array).into_iter().flatten().chain(ev.get("organizer"));
    for person in people {
        for key in ["email", "displayName"] {
            text.push_str(person.get(key).and_then(Value::as_str).unwrap_or_default());
            text.push('\n');
        }
    }
    let text = text.to_lowercase();
    f.q.iter().all(|term| text.contains(term.as_str()))
}

/// `key=value` constraints of a repeated extended-property parameter.
fn constraints<'a>(p: &'a Params, name: &str) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    p.all(name)
        .into_iter()
        .map(|c| {
            c.split_once('=').ok_or_else(|| ApiError::param("invalid", name, format!("Invalid value '{c}'.")))
        })
        .collect()
}

/// The latest `updated` among the calendar's events.
fn last_update(cal: &Calendar) -> Option<String> {
    cal.events.iter().filter_map(|e| e.json.get("updated").and_then(Value::as_str)).max().map(str::to_owned)
}
