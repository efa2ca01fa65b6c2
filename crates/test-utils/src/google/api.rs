//! The Calendar API's front door: reads the path and query, checks the bearer token and the
//! rate-limit switch, routes to the method, and renders its result or Google's error.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::errors::{ApiError, json_response};
use super::oauth::{self, Caller};
use super::state::State;
use super::times::parse_rfc3339;
use super::{Inner, calendars, events, list, push};

/// What a method answers: a JSON body (200) or an empty 204, or an error.
pub(crate) type Reply = Result<Answer, ApiError>;

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Answer {
    Json(Value),
    NoContent,
}

/// One API request, parsed.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub caller: Caller,
    pub params: Params,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub now: Timestamp,
}

impl Call<'_> {
    /// The body as a JSON object, or 400 `parseError`.
    pub(crate) fn json_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(ApiError::parse_error()),
        }
    }
}

/// `ANY /calendar/v3/...`.
pub(crate) async fn dispatch(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(uri.query());
    let now = inner.now();
    let caller = {
        let mut st = inner.lock();
        let token = oauth::bearer(&headers, &params.0);
        match oauth::authenticate(&st, token.as_deref(), now) {
            Err(e) => return e.into_response(),
            Ok(_) if st.rate_limited > 0 => {
                st.rate_limited -= 1;
                return ApiError::rate_limited(st.retry_after).into_response();
            }
            Ok(c) => c,
        }
    };
    let Some(segments) = segments(uri.path()) else { return ApiError::not_found().into_response() };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let call = Call { caller, params, headers: &headers, body: &body, now };
    let pretty = call.params.get("prettyPrint") != Some("false");
    let reply = route(&inner, &method, &segs, &call);
    if method == Method::GET && matches!(segs.as_slice(), ["calendars", _, "events"]) && reply.is_ok() {
        let hold = inner.list_hold.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((served, release)) = hold {
            let _ = served.send(());
            let _ = release.await;
        }
    }
    match reply {
        Ok(Answer::Json(v)) if pretty => json_response(StatusCode::OK, &v),
        Ok(Answer::Json(v)) => {
            let mut resp = json_response(StatusCode::OK, &Value::Null);
            *resp.body_mut() = axum::body::Body::from(v.to_string());
            resp
        }
        Ok(Answer::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

fn route(inner: &Inner, method: &Method, segs: &[&str], call: &Call<'_>) -> Reply {
    let m = method.as_str();
    match (m, segs) {
        ("GET", ["users", "me", "calendarList"]) => calendars::list(inner, call),
        ("GET", ["users", "me", "calendarList", cal]) => calendars::entry(inner, call, cal),
        ("GET", ["calendars", cal]) => calendars::get(inner, call, cal),
        ("GET", ["calendars", cal, "events"]) => list::list(inner, call, cal),
        ("POST", ["calendars", cal, "events"]) => events::insert(inner, call, cal),
        ("POST", ["calendars", cal, "events", "watch"]) => push::watch(inner, call, cal),
        ("GET", ["calendars", cal, "events", ev]) => events::get(inner, call, cal, ev),
        ("PATCH", ["calendars", cal, "events", ev]) => events::patch(inner, call, cal, ev),
        ("PUT", ["calendars", cal, "events", ev]) => events::update(inner, call, cal, ev),
        ("DELETE", ["calendars", cal, "events", ev]) => events::delete(inner, call, cal, ev),
        ("POST", ["channels", "stop"]) => push::stop(inner, call),
        ("POST", ["freeBusy"]) => calendars::free_busy(inner, call),
        _ => Err(ApiError::not_found()),
    }
}

/// The percent-decoded segments after `/calendar/v3/`; `None` for bad UTF-8.
fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/calendar/v3/")?;
    rest.split('/').map(|s| percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())).collect()
}

/// Query parameters in order, repeats kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated `key`.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// A boolean parameter (`true`/`false`).
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => {
                Err(ApiError::param("invalidParameter", key, format!("Invalid boolean value: '{v}'.")))
            }
        }
    }

    /// An integer parameter of at least `min`.
    pub(crate) fn int(&self, key: &str, min: u64) -> Result<Option<u64>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        match v.trim().parse::<i64>() {
            Ok(n) if n >= 0 && n as u64 >= min => Ok(Some(n as u64)),
            Ok(_) => Err(ApiError::param(
                "invalid",
                key,
                format!("Invalid value '{v}'. Values must be within the range: [{min}, 2147483647]"),
            )),
            Err(_) => Err(ApiError::param(
                "invalidParameter",
                key,
                format!("Invalid value '{v}'. Values must be integers."),
            )),
        }
    }

    /// An RFC 3339 timestamp parameter (offset mandatory), or 400 `badRequest`.
    pub(crate) fn time(&self, key: &str) -> Result<Option<Timestamp>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                parse_rfc3339(v).map(Some).ok_or_else(|| ApiError::bad_request("badRequest", "Bad Request"))
            }
        }
    }
}

/// The calendar a caller names (`primary` or an id it owns), or 404 `notFound`.
pub(crate) fn calendar_in(st: &State, caller: &Caller, id: &str) -> Result<String, ApiError> {
    st.resolve(&caller.account, id).ok_or_else(ApiError::not_found)
}
