//! Calendar-view delta: a round starts with `startDateTime`/`endDateTime`, pages through
//! `@odata.nextLink` (`$skiptoken`) and ends with `@odata.deltaLink` (`$deltatoken`). A delta
//! token remembers the view as the client was sent it, so the next round answers only what
//! differs: new or changed instances in full, vanished ones (deleted, or moved out of the
//! window) as `{"id", "@removed": {"reason": "deleted"}}`, and events changed outside the
//! window as `@removed` too, as Graph does. Rounds are snapshotted at their first page.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::http::StatusCode;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::Inner;
use super::api::{Answer, Call, Reply};
use super::errors::GraphError;
use super::oauth::READ_CALENDARS;
use super::shape::{Render, opaque, render};
use super::state::{DeltaExpiry, DeltaPoint, Skip, State};
use super::times::parse_instant;
use super::view::instances;

/// Items on a page when the client states no preference.
const DEFAULT_PAGE: usize = 100;

/// `GET .../calendarView/delta`.
pub(crate) fn delta(inner: &Inner, call: &Call<'_>, cal: Option<&str>) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let mut st = inner.lock();
    let size = call.prefer.max_page.unwrap_or(DEFAULT_PAGE).min(st.page_size.unwrap_or(usize::MAX)).max(1);
    let account = call.caller.account.clone();
    if let Some(token) = call.param("$skiptoken") {
        stale(&st, token)?;
        // A page asked again (its answer was lost) answers the same again.
        let skip = st.skip_tokens.get(token).filter(|s| s.point.account == account).cloned();
        let skip = skip.ok_or_else(GraphError::sync_state_not_found)?;
        return Ok(Answer::Json(StatusCode::OK, page(inner, &mut st, skip, size)));
    }
    let (point, items) = if let Some(token) = call.param("$deltatoken") {
        stale(&st, token)?;
        let point = st.delta_tokens.get(token).filter(|p| p.account == account).cloned();
        let point = point.ok_or_else(GraphError::sync_state_not_found)?;
        changes(&st, &point, call)
    } else {
        let cal = match cal {
            Some(id) => st.calendar_of(&account, id),
            None => st.default_calendar(&account),
        };
        let cal_id = cal.ok_or_else(GraphError::item_not_found)?.id.clone();
        let window = |k: &str| call.param(k).and_then(parse_instant);
        let (Some(from), Some(to)) = (window("startDateTime"), window("endDateTime")) else {
            return Err(GraphError::bad(
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
            ));
        };
        if to <= from {
            return Err(GraphError::bad(
                "ErrorInvalidParameter",
                "The value of EndDateTime must be later than StartDateTime.",
            ));
        }
        let point = Arc::new(DeltaPoint {
            account: account.clone(),
            calendar_id: cal_id,
            path: call.path.to_owned(),
            from,
            to,
            known: HashMap::new(),
            seq: 0,
        });
        changes(&st, &point, call)
    };
    let skip = Skip { items: Arc::new(items), at: 0, point: Arc::new(point) };
    Ok(Answer::Json(StatusCode::OK, page(inner, &mut st, skip, size)))
}

/// 410 or 400 for a token made stale on purpose.
fn stale(st: &State, token: &str) -> Result<(), GraphError> {
    match st.expired_tokens.get(token) {
        Some(DeltaExpiry::Gone) => Err(GraphError::resync_required()),
        Some(DeltaExpiry::SyncStateNotFound) => Err(GraphError::sync_state_not_found()),
        None => Ok(()),
    }
}

/// What changed in the view since `since` (everything, for a new round), and the view now.
fn changes(st: &State, since: &DeltaPoint, call: &Call<'_>) -> (DeltaPoint, Vec<Value>) {
    let mut now = DeltaPoint {
        account: since.account.clone(),
        calendar_id: since.calendar_id.clone(),
        path: since.path.clone(),
        from: since.from,
        to: since.to,
        known: HashMap::new(),
        seq: st.seq,
    };
    let mut items = Vec::new();
    let Some(cal) = st.calendar(&since.calendar_id) else { return (now, items) };
    let Some(owner) = st.account(&cal.owner) else { return (now, items) };
    let shown = Render { tz: &call.prefer.tz, tz_name: &call.prefer.tz_name, expand: None, odata_type: true };
    let utc = Render { tz: &TimeZone::UTC, tz_name: "UTC", expand: None, odata_type: true };
    let mut series_seen = HashSet::new();
    for (index, inst) in instances(cal, since.from, since.to) {
        let Some(ev) = cal.events.get(index) else { continue };
        series_seen.insert(ev.id.as_str());
        let print = fingerprint(&render(ev, Some(&inst), owner, utc));
        if since.known.get(&inst.id) != Some(&print) {
            items.push(render(ev, Some(&inst), owner, shown));
        }
        now.known.insert(inst.id, print);
    }
    let mut removed: Vec<&String> = since.known.keys().filter(|id| !now.known.contains_key(*id)).collect();
    // Events changed since the last round that lie wholly outside the window.
    let outside: Vec<&String> = cal
        .events
        .iter()
        .filter(|e| {
            since.seq > 0
                && e.changed > since.seq
                && !series_seen.contains(e.id.as_str())
                && !since.known.contains_key(&e.id)
        })
        .map(|e| &e.id)
        .collect();
    removed.extend(outside);
    removed.sort();
    removed.dedup();
    items.extend(removed.into_iter().map(
        |id| json!({"@odata.type": "#microsoft.graph.event", "id": id, "@removed": {"reason": "deleted"}}),
    ));
    (now, items)
}

fn fingerprint(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.to_string().hash(&mut h);
    h.finish()
}

/// The next page of `skip`: a `nextLink` while more remain, else the `deltaLink`.
fn page(inner: &Inner, st: &mut State, skip: Skip, size: usize) -> Value {
    let end = skip.at.saturating_add(size).min(skip.items.len());
    let items = skip.items.get(skip.at..end).unwrap_or_default().to_vec();
    let link = |kind: &str, token: &str| format!("{}{}?${kind}={token}", inner.base_url(), skip.point.path);
    let mut out = json!({"@odata.context": format!("{}/v1.0/$metadata#Collection(event)", inner.base_url())});
    let token = opaque("", 48);
    if end >= skip.items.len() {
        out["@odata.deltaLink"] = json!(link("deltatoken", &token));
        st.delta_tokens.insert(token, skip.point);
    } else {
        out["@odata.nextLink"] = json!(link("skiptoken", &token));
        st.skip_tokens.insert(token, Skip { at: end, ..skip });
    }
    out["value"] = Value::Array(items);
    out
}

/// Makes every delta and skip token issued so far stale, answered as `how` says.
pub(crate) fn expire_all(st: &mut State, how: DeltaExpiry) {
    let tokens: Vec<String> = st.delta_tokens.keys().chain(st.skip_tokens.keys()).cloned().collect();
    for t in tokens {
        st.expired_tokens.insert(t, how);
    }
    st.delta_tokens.clear();
    st.skip_tokens.clear();
}
