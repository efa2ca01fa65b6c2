//! Graph's front door (`/v1.0/...`): reads the path, query and `Prefer` headers, checks the
//! bearer token and the fault switches, routes to the method, and renders its answer or error.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::errors::{GraphError, json_response};
use super::oauth::{Caller, authenticate};
use super::times::Prefer;
use super::{Inner, delta, events, me, subscriptions};

/// What a method answers.
pub(crate) type Reply = Result<Answer, GraphError>;

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Answer {
    Json(StatusCode, Value),
    NoContent,
}

/// One Graph request, parsed.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub caller: Caller,
    /// Query parameters, decoded, in order.
    pub params: Vec<(String, String)>,
    pub prefer: Prefer,
    /// The request path as sent (links repeat it).
    pub path: &'a str,
    pub body: &'a [u8],
    pub now: Timestamp,
}

impl Call<'_> {
    /// The first value of query parameter `key` (OData names compare without case).
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object, or 400.
    pub(crate) fn json_body(&self) -> Result<Map<String, Value>, GraphError> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(GraphError::unreadable_body()),
        }
    }
}

/// `ANY /v1.0/...`.
pub(crate) async fn dispatch(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = inner.now();
    let params: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let caller = {
        let mut st = inner.lock();
        match authenticate(&st, &headers, now) {
            Err(e) => return e.into_response(),
            Ok(_) if st.unavailable > 0 => {
                st.unavailable -= 1;
                return GraphError::unavailable(st.unavailable_retry_after).into_response();
            }
            Ok(_) if st.rate_limited > 0 => {
                st.rate_limited -= 1;
                return GraphError::throttled(st.retry_after).into_response();
            }
            Ok(c) => c,
        }
    };
    let path = uri.path();
    let Some(segments) = segments(path) else { return GraphError::segment(path).into_response() };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let call = Call { caller, params, prefer: Prefer::read(&headers), path, body: &body, now };
    let reply = if method == Method::POST && segs == ["subscriptions"] {
        subscriptions::create(&inner, &call).await
    } else {
        route(&inner, &method, &segs, &call)
    };
    {
        let mut st = inner.lock();
        if st.lost_answers > 0 {
            st.lost_answers -= 1;
            return GraphError::gateway_timeout().into_response();
        }
    }
    match reply {
        Ok(Answer::Json(status, v)) => {
            let mut resp = json_response(status, &v);
            if !call.prefer.applied.is_empty()
                && let Ok(h) = HeaderValue::from_str(&call.prefer.applied.join(", "))
            {
                resp.headers_mut().insert("preference-applied", h);
            }
            resp
        }
        Ok(Answer::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

fn route(inner: &Inner, method: &Method, segs: &[&str], call: &Call<'_>) -> Reply {
    match (method.as_str(), segs) {
        ("GET", ["me"]) => me::me(inner, call),
        ("GET", ["me", "calendars"]) => me::calendars(inner, call),
        ("GET", ["me", "calendar"]) => me::calendar(inner, call, None),
        ("GET", ["me", "calendars", cal]) => me::calendar(inner, call, Some(cal)),
        ("GET", ["me", "calendarView", "delta"] | ["me", "calendar", "calendarView", "delta"]) => {
            delta::delta(inner, call, None)
        }
        ("GET", ["me", "calendars", cal, "calendarView", "delta"]) => delta::delta(inner, call, Some(cal)),
        ("POST", ["me", "events"] | ["me", "calendar", "events"]) => events::create(inner, call, None),
        ("POST", ["me", "calendars", cal, "events"]) => events::create(inner, call, Some(cal)),
        ("GET", ["me", "events", id] | ["me", "calendars", _, "events", id]) => events::get(inner, call, id),
        ("PATCH", ["me", "events", id] | ["me", "calendars", _, "events", id]) => {
            events::patch(inner, call, id)
        }
        ("DELETE", ["me", "events", id] | ["me", "calendars", _, "events", id]) => {
            events::delete(inner, call, id)
        }
        ("GET", ["subscriptions"]) => subscriptions::list(inner, call),
        ("GET", ["subscriptions", id]) => subscriptions::get(inner, call, id),
        ("PATCH", ["subscriptions", id]) => subscriptions::renew(inner, call, id),
        ("DELETE", ["subscriptions", id]) => subscriptions::delete(inner, call, id),
        (_, [.., last]) => Err(GraphError::segment(last)),
        _ => Err(GraphError::segment("v1.0")),
    }
}

/// The percent-decoded segments after `/v1.0/`; `None` for bad UTF-8.
fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/v1.0/")?;
    rest.split('/').map(|s| percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())).collect()
}

/// `$select=a,b` applied to `v` (OData annotations are kept).
pub(crate) fn select(call: &Call<'_>, v: Value) -> Value {
    let Some(wanted) = call.param("$select") else { return v };
    let keys: Vec<&str> = wanted.split(',').map(str::trim).collect();
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k.starts_with('@') || keys.iter().any(|w| w.eq_ignore_ascii_case(k)))
                .collect(),
        ),
        other => other,
    }
}
