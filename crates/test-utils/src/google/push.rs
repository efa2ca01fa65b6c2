//! Push notifications: `events.watch` opens a channel (and queues its `sync` message),
//! `channels.stop` closes one, and [`deliver`] POSTs the queued messages to their addresses
//! with Google's `X-Goog-*` headers.

use serde_json::{Map, Value, json};

use super::Inner;
use super::api::{Answer, Call, Reply, calendar_in};
use super::errors::ApiError;
use super::oauth::{CALENDAR_LIST, CALENDARS, FREEBUSY, READ_EVENTS};
use super::state::{Channel, Notice};
use super::times::{millis, rfc1123_ms};

/// Longest a channel lives (Google caps events channels at a week).
const MAX_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// A made-up project number, for Google's "not found for project" message.
const PROJECT: &str = "123456789012";

/// `POST calendars/{calendarId}/events/watch`.
pub(crate) fn watch(inner: &Inner, call: &Call<'_>, cal: &str) -> Reply {
    call.caller.require(READ_EVENTS)?;
    let body = call.json_body()?;
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::required("Required"))?;
    let id_ok = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_+/=".contains(&b));
    if !id_ok {
        return Err(ApiError::invalid(format!("Invalid channel id: {id}")));
    }
    match text("type").as_deref() {
        Some("web_hook" | "webhook") => {}
        None => return Err(ApiError::required("Required")),
        Some(other) => return Err(ApiError::invalid(format!("Unknown channel type: {other}"))),
    }
    let address = text("address").ok_or_else(|| ApiError::required("Required"))?;
    if !(address.starts_with("https://") || address.starts_with("http://")) {
        return Err(ApiError::bad_request(
            "push.webhookUrlNotHttps",
            format!("WebHook callback must be HTTPS: {address}"),
        ));
    }
    let asked = match body.get("expiration") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(_) => None,
    };
    let now_ms = millis(call.now);
    let expiration = asked.map_or(now_ms + MAX_TTL_MS, |a| a.min(now_ms + MAX_TTL_MS));
    let mut st = inner.lock();
    let cal_id = calendar_in(&st, &call.caller, cal)?;
    if st.channels.iter().any(|c| c.id == id && c.live(call.now)) {
        return Err(ApiError::bad_request("channelIdNotUnique", format!("Channel id {id} not unique")));
    }
    let resource_id = st.calendar(&cal_id).map(|c| c.resource_id.clone()).unwrap_or_default();
    let encoded: String =
        percent_encoding::utf8_percent_encode(cal, percent_encoding::NON_ALPHANUMERIC).collect();
    let resource_uri = format!("{}/calendar/v3/calendars/{encoded}/events?alt=json", inner.base_url());
    let token = text("token");
    st.channels.push(Channel {
        id: id.clone(),
        resource_id: resource_id.clone(),
        resource_uri: resource_uri.clone(),
        token: token.clone(),
        address,
        expiration_ms: expiration,
        calendar_id: cal_id,
        account: call.caller.account.clone(),
        numbered: 1,
        stopped: false,
    });
    st.outbox.push(Notice { channel_id: id.clone(), number: 1, state: "sync" });
    let mut out = Map::new();
    out.insert("kind".into(), json!("api#channel"));
    out.insert("id".into(), json!(id));
    out.insert("resourceId".into(), json!(resource_id));
    out.insert("resourceUri".into(), json!(resource_uri));
    if let Some(t) = token {
        out.insert("token".into(), json!(t));
    }
    out.insert("expiration".into(), json!(expiration.to_string()));
    Ok(Answer::Json(Value::Object(out)))
}

/// `POST channels/stop` with `{id, resourceId}`: 204, or 404 for no such live channel.
pub(crate) fn stop(inner: &Inner, call: &Call<'_>) -> Reply {
    let any: Vec<&str> =
        READ_EVENTS.iter().chain(CALENDAR_LIST).chain(CALENDARS).chain(FREEBUSY).copied().collect();
    call.caller.require(&any)?;
    let body = call.json_body()?;
    let id = body.get("id").and_then(Value::as_str).ok_or_else(|| ApiError::required("Required"))?;
    let resource_id = body.get("resourceId").and_then(Value::as_str);
    let mut st = inner.lock();
    let found = st.channels.iter_mut().find(|c| {
        c.id == id
            && !c.stopped
            && resource_id.is_none_or(|r| r == c.resource_id)
            && c.account == call.caller.account
    });
    match found {
        Some(ch) => {
            ch.stopped = true;
            Ok(Answer::NoContent)
        }
        None => Err(ApiError::not_found_msg(format!("Channel '{id}' not found for project '{PROJECT}'"))),
    }
}

/// Sends every queued notification of a still-live channel, in order; returns the statuses.
pub(crate) async fn deliver(inner: &Inner) -> Vec<u16> {
    let now = inner.now();
    let batch: Vec<(Channel, Notice)> = {
        let mut st = inner.lock();
        let queued = std::mem::take(&mut st.outbox);
        queued
            .into_iter()
            .filter_map(|n| {
                let ch = st.channels.iter().find(|c| c.id == n.channel_id && c.live(now))?;
                Some((ch.clone(), n))
            })
            .collect()
    };
    let mut statuses = Vec::new();
    for (ch, n) in batch {
        let mut req = inner
            .http
            .post(&ch.address)
            .header("X-Goog-Channel-ID", &ch.id)
            .header("X-Goog-Channel-Expiration", rfc1123_ms(ch.expiration_ms))
            .header("X-Goog-Message-Number", n.number.to_string())
            .header("X-Goog-Resource-ID", &ch.resource_id)
            .header("X-Goog-Resource-State", n.state)
            .header("X-Goog-Resource-URI", &ch.resource_uri)
            .header("Content-Length", "0");
        if let Some(t) = &ch.token {
            req = req.header("X-Goog-Channel-Token", t);
        }
        statuses.push(req.send().await.map_or(0, |r| r.status().as_u16()));
    }
    statuses
}
