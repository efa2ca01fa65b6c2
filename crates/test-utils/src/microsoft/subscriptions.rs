//! Change-notification subscriptions: create (after the validation handshake: Graph POSTs
//! `notificationUrl?validationToken=...` and wants the token echoed as `text/plain` with 200
//! within the timeout, for the lifecycle URL too), list, get, renew, delete; and the delivery of
//! change and lifecycle notifications when a test asks.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::api::{Answer, Call, Reply};
use super::errors::GraphError;
use super::oauth::READ_CALENDARS;
use super::state::{State, Subscription};
use super::times::{parse_instant, plus, utc_z};
use super::{CLIENT_ID, Inner, TENANT_ID};

/// Longest subscription to Outlook events, in minutes.
pub const MAX_MINUTES: i64 = 10_080;

/// A lifecycle notification a test can have the stand-in send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// `reauthorizationRequired`: renew or reauthorize soon.
    ReauthorizationRequired,
    /// `subscriptionRemoved`: Graph dropped the subscription (it is gone from then on).
    SubscriptionRemoved,
    /// `missed`: some change notifications were not delivered.
    Missed,
}

impl Lifecycle {
    fn name(self) -> &'static str {
        match self {
            Self::ReauthorizationRequired => "reauthorizationRequired",
            Self::SubscriptionRemoved => "subscriptionRemoved",
            Self::Missed => "missed",
        }
    }
}

fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::bad("InvalidRequest", message)
}

/// HTTPS, or plain HTTP to this machine (the tests' own endpoints).
fn url_ok(url: &str) -> bool {
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
    url.starts_with("https://") || local.iter().any(|p| url.starts_with(p))
}

/// The expiration granted for `asked`, or 400.
fn expiration(st: &State, body: &Map<String, Value>, now: Timestamp) -> Result<Timestamp, GraphError> {
    let asked = body
        .get("expirationDateTime")
        .and_then(Value::as_str)
        .and_then(parse_instant)
        .ok_or_else(|| invalid("expirationDateTime is a required property for subscription creation."))?;
    if asked <= now {
        return Err(invalid("Subscription expiration must be in the future."));
    }
    if asked > plus(now, MAX_MINUTES * 60) {
        return Err(invalid(format!(
            "Subscription expiration can only be {MAX_MINUTES} minutes in the future."
        )));
    }
    Ok(match st.subscription_cap_minutes {
        Some(cap) => asked.min(plus(now, cap * 60)),
        None => asked,
    })
}

/// `POST /subscriptions`.
pub(crate) async fn create(inner: &Inner, call: &Call<'_>) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let body = call.json_body()?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let change_types: Vec<String> = text("changeType")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if change_types.is_empty()
        || change_types.iter().any(|c| !["created", "updated", "deleted"].contains(&c.as_str()))
    {
        return Err(invalid("changeType must be one or more of created, updated, deleted."));
    }
    let notification_url =
        text("notificationUrl").ok_or_else(|| invalid("notificationUrl is a required property."))?;
    let lifecycle_url = text("lifecycleNotificationUrl");
    if !url_ok(&notification_url) || lifecycle_url.as_deref().is_some_and(|u| !url_ok(u)) {
        return Err(invalid("Subscription Notification Url must be https."));
    }
    let client_state = text("clientState");
    if client_state.as_ref().is_some_and(|c| c.chars().count() > 128) {
        return Err(invalid("clientState must be at most 128 characters."));
    }
    let resource = text("resource").ok_or_else(|| invalid("resource is a required property."))?;
    let (calendar_id, expires, timeout) = {
        let st = inner.lock();
        let calendar_id = watched(&st, &call.caller.account, &resource)?;
        (calendar_id, expiration(&st, &body, call.now)?, st.validation_timeout)
    };
    for url in std::iter::once(&notification_url).chain(lifecycle_url.as_ref()) {
        validate(inner, url, timeout).await?;
    }
    let sub = Subscription {
        id: super::shape::guid(),
        account: call.caller.account.clone(),
        resource,
        calendar_id,
        change_types,
        notification_url,
        lifecycle_url,
        client_state,
        expiration: expires,
        removed: false,
    };
    let mut st = inner.lock();
    let v = render(inner, &st, &sub);
    st.subscriptions.push(sub);
    Ok(Answer::Json(StatusCode::CREATED, v))
}

/// The calendar a resource path watches (`None`: all of the user's events), or 400/404.
fn watched(st: &State, account: &str, resource: &str) -> Result<Option<String>, GraphError> {
    let path = resource.trim().trim_start_matches('/');
    let segs: Vec<&str> = path.split('/').collect();
    match segs.as_slice() {
        [me, events] if me.eq_ignore_ascii_case("me") && events.eq_ignore_ascii_case("events") => Ok(None),
        [me, cal, events]
            if me.eq_ignore_ascii_case("me")
                && cal.eq_ignore_ascii_case("calendar")
                && events.eq_ignore_ascii_case("events") =>
        {
            Ok(Some(st.default_calendar(account).ok_or_else(GraphError::resource_not_found)?.id.clone()))
        }
        [me, cals, id, events]
            if me.eq_ignore_ascii_case("me")
                && cals.eq_ignore_ascii_case("calendars")
                && events.eq_ignore_ascii_case("events") =>
        {
            Ok(Some(st.calendar_of(account, id).ok_or_else(GraphError::resource_not_found)?.id.clone()))
        }
        _ => Err(invalid(format!("Resource '{resource}' is not supported for subscriptions."))),
    }
}

/// The validation handshake with `url`.
async fn validate(inner: &Inner, url: &str, timeout: std::time::Duration) -> Result<(), GraphError> {
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        super::shape::guid()
    );
    let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let sep = if url.contains('?') { '&' } else { '?' };
    let sent = inner
        .http
        .post(format!("{url}{sep}validationToken={encoded}"))
        .header("content-type", "text/plain; charset=utf-8")
        .timeout(timeout)
        .send()
        .await;
    let failed = || {
        invalid(
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
        )
    };
    let resp = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Err(invalid("Subscription validation request timed out.")),
        Err(_) => return Err(failed()),
    };
    let plain = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if resp.status() != reqwest::StatusCode::OK || !plain {
        return Err(failed());
    }
    match resp.text().await {
        Ok(body) if body == token => Ok(()),
        _ => Err(invalid(
            "Subscription validation request failed. Response must exactly match validationToken query parameter.",
        )),
    }
}

fn render(inner: &Inner, st: &State, s: &Subscription) -> Value {
    let creator = st.account(&s.account).map(|a| a.id.clone());
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#subscriptions/$entity", inner.base_url()),
        "id": s.id, "resource": s.resource, "applicationId": CLIENT_ID, "changeType": s.change_types.join(","),
        "clientState": s.client_state, "notificationUrl": s.notification_url, "notificationQueryOptions": null,
        "lifecycleNotificationUrl": s.lifecycle_url, "expirationDateTime": utc_z(s.expiration), "creatorId": creator,
        "includeResourceData": null, "latestSupportedTlsVersion": "v1_2", "encryptionCertificate": null,
        "encryptionCertificateId": null, "notificationUrlAppId": null,
    })
}

fn live_mut<'a>(
    st: &'a mut State,
    account: &str,
    id: &str,
    now: Timestamp,
) -> Result<&'a mut Subscription, GraphError> {
    st.subscriptions
        .iter_mut()
        .find(|s| s.id == id && s.account == account && s.live(now))
        .ok_or_else(GraphError::resource_not_found)
}

/// `GET /subscriptions`: the caller's live subscriptions.
pub(crate) fn list(inner: &Inner, call: &Call<'_>) -> Reply {
    let st = inner.lock();
    let value: Vec<Value> = st
        .subscriptions
        .iter()
        .filter(|s| s.account == call.caller.account && s.live(call.now))
        .map(|s| render(inner, &st, s))
        .collect();
    Ok(Answer::Json(StatusCode::OK, json!({"value": value})))
}

/// `GET /subscriptions/{id}`.
pub(crate) fn get(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    let mut st = inner.lock();
    let s = live_mut(&mut st, &call.caller.account, id, call.now)?.clone();
    Ok(Answer::Json(StatusCode::OK, render(inner, &st, &s)))
}

/// `PATCH /subscriptions/{id}` with a new `expirationDateTime`.
pub(crate) fn renew(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    call.caller.require(READ_CALENDARS)?;
    let body = call.json_body()?;
    let mut st = inner.lock();
    let expires = expiration(&st, &body, call.now)?;
    let s = live_mut(&mut st, &call.caller.account, id, call.now)?;
    s.expiration = expires;
    let s = s.clone();
    Ok(Answer::Json(StatusCode::OK, render(inner, &st, &s)))
}

/// `DELETE /subscriptions/{id}`: 204, or 404 when unknown.
pub(crate) fn delete(inner: &Inner, call: &Call<'_>, id: &str) -> Reply {
    let mut st = inner.lock();
    live_mut(&mut st, &call.caller.account, id, call.now)?.removed = true;
    Ok(Answer::NoContent)
}

/// POSTs the queued change notifications, batched per notification URL in the order queued
/// (those of subscriptions no longer live are dropped); the status each POST got (0: no
/// answer).
pub(crate) async fn deliver(inner: &Inner) -> Vec<u16> {
    let now = inner.now();
    let mut batches: Vec<(String, Vec<Value>)> = Vec::new();
    {
        let mut st = inner.lock();
        for (sub_id, item) in std::mem::take(&mut st.outbox) {
            let Some(s) = st.subscriptions.iter().find(|s| s.id == sub_id && s.live(now)) else { continue };
            match batches.last_mut() {
                Some((url, items)) if *url == s.notification_url => items.push(item),
                _ => batches.push((s.notification_url.clone(), vec![item])),
            }
        }
    }
    let mut statuses = Vec::new();
    for (url, items) in batches {
        statuses.push(post(inner, &url, &json!({"value": items})).await);
    }
    statuses
}

/// Sends a lifecycle notification for subscription `id` to its lifecycle URL; `None` when it
/// has none (Graph sends lifecycle notifications only there) or is unknown.
pub(crate) async fn lifecycle(inner: &Inner, id: &str, event: Lifecycle) -> Option<u16> {
    let (url, body) = {
        let mut st = inner.lock();
        let s = st.subscriptions.iter_mut().find(|s| s.id == id && !s.removed)?;
        if event == Lifecycle::SubscriptionRemoved {
            s.removed = true;
        }
        let item = json!({"subscriptionId": s.id, "subscriptionExpirationDateTime": utc_z(s.expiration),
                          "tenantId": TENANT_ID, "clientState": s.client_state, "lifecycleEvent": event.name()});
        (s.lifecycle_url.clone()?, json!({"value": [item]}))
    };
    Some(post(inner, &url, &body).await)
}

async fn post(inner: &Inner, url: &str, body: &Value) -> u16 {
    let sent = inner
        .http
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await;
    sent.map_or(0, |r| r.status().as_u16())
}
