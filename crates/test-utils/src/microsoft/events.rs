//! Event methods: create (a repeated `transactionId` answers the event already made), get
//! (with `$expand=singleValueExtendedProperties($filter=id eq '...')`), patch and delete.

use axum::http::StatusCode;
use serde_json::Value;

use super::Inner;
use super::api::{Answer, Call, Reply};
use super::errors::GraphError;
use super::mutate::Found;
use super::oauth::{READ_CALENDARS, WRITE_CALENDARS};
use super::shape::{Render, render};
use super::state::State;

/// `POST /me/events` (default calendar) or `POST /me/calendars/{id}/events`.
pub(crate) fn create(inner: &Inner, call: &Call<'_>, cal: Option<&str>) -> Reply {
    call.caller.require(WRITE_CALENDARS)?;
    let body = call.json_body()?;
    let account = call.caller.account.clone();
    let mut st = inner.lock();
    let cal = match cal {
        Some(id) => st.calendar_of(&account, id),
        None => st.default_calendar(&account),
    };
    let cal = cal.ok_or_else(GraphError::item_not_found)?;
    if !cal.can_edit {
        return Err(GraphError::denied());
    }
    let cal_id = cal.id.clone();
    let txn = body.get("transactionId").and_then(Value::as_str).map(|t| (account.clone(), t.to_owned()));
    if let Some(key) = &txn
        && let Some(existing) = st.transactions.get(key).cloned()
        && let Some(found) = st.find(Some(&account), &existing)
    {
        let v = rendered(&st, &found, call, None).ok_or_else(GraphError::item_not_found)?;
        return Ok(Answer::Json(StatusCode::CREATED, v));
    }
    let id = st.insert_event(&cal_id, body, call.now)?;
    if let Some(key) = txn {
        st.transactions.insert(key, id.clone());
    }
    let found = st.find(Some(&account), &id).ok_or_else(GraphError::item_not_found)?;
    let v = rendered(&st, &found, call, None).ok_or_else(GraphError::item_not_found)?;
    Ok(Answer::Json(StatusCode::CREATED, v))
}

/// `GET /me/events/{id}`.
pub(crate) fn get(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let expand = match call.param("$expand") {
        Some(e) => Some(expand_ids(e)?),
        None => None,
    };
    let st = inner.lock();
    let found = st.find(Some(&call.caller.account), id).ok_or_else(GraphError::item_not_found)?;
    let v = rendered(&st, &found, call, expand.as_deref()).ok_or_else(GraphError::item_not_found)?;
    Ok(Answer::Json(StatusCode::OK, super::api::select(call, v)))
}

/// `PATCH /me/events/{id}`: the event as it now is.
pub(crate) fn patch(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    call.caller.require(WRITE_CALENDARS)?;
    let body = call.json_body()?;
    let account = call.caller.account.clone();
    let mut st = inner.lock();
    writable(&st, &account, id)?;
    let stored = st.patch_event(Some(&account), id, body, call.now)?;
    let found = st.find(Some(&account), &stored).ok_or_else(GraphError::item_not_found)?;
    let v = rendered(&st, &found, call, None).ok_or_else(GraphError::item_not_found)?;
    Ok(Answer::Json(StatusCode::OK, v))
}

/// `DELETE /me/events/{id}`: 204.
pub(crate) fn delete(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    call.caller.require(WRITE_CALENDARS)?;
    let account = call.caller.account.clone();
    let mut st = inner.lock();
    writable(&st, &account, id)?;
    st.delete_event(Some(&account), id, call.now)?;
    Ok(Answer::NoContent)
}

/// 404 for an event the caller cannot see, 403 on a calendar it may only read.
fn writable(st: &State, account: &str, id: &str) -> Result<(), GraphError> {
    let found = st.find(Some(account), id).ok_or_else(GraphError::item_not_found)?;
    match st.calendar(&found.calendar_id) {
        Some(c) if c.can_edit => Ok(()),
        Some(_) => Err(GraphError::denied()),
        None => Err(GraphError::item_not_found()),
    }
}

/// The event `found` as a response shows it, in the zone the request prefers.
pub(crate) fn rendered(
    st: &State,
    found: &Found,
    call: &Call<'_>,
    expand: Option<&[String]>,
) -> Option<Value> {
    let cal = st.calendar(&found.calendar_id)?;
    let ev = cal.events.get(found.index)?;
    let owner = st.account(&cal.owner)?;
    let r = Render { tz: &call.prefer.tz, tz_name: &call.prefer.tz_name, expand, odata_type: false };
    Some(render(ev, found.instance.as_ref(), owner, r))
}

/// The property ids of `singleValueExtendedProperties($filter=id eq '...' [or id eq '...'])`.
fn expand_ids(expand: &str) -> Result<Vec<String>, GraphError> {
    let bad =
        || GraphError::bad("BadRequest", format!("Parsing OData Select and Expand failed: '{expand}'."));
    let inner = expand
        .trim()
        .strip_prefix("singleValueExtendedProperties(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.trim().strip_prefix("$filter="))
        .ok_or_else(bad)?;
    inner
        .split(" or ")
        .map(|clause| {
            let v = clause.trim().strip_prefix("id eq ").ok_or_else(bad)?.trim();
            v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).map(str::to_owned).ok_or_else(bad)
        })
        .collect()
}
