//! Google's OAuth 2.0 web-server flow, front half: the consent page (simulated: the configured
//! account agrees at once), userinfo, scopes, and the bearer check every API call goes through.
//! The token and revocation endpoints are in `token`.

use std::sync::Arc;

use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use super::errors::{ApiError, json_response, oauth_error};
use super::shape::opaque;
use super::state::{AuthCode, State};
use super::{CLIENT_ID, Inner};

/// Lifetime of an access token, and the `expires_in` Google reports.
pub(crate) const ACCESS_TTL: i64 = 3599;
const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";

/// Scopes (after the common prefix) each group of methods accepts, from the discovery
/// document (scopes limited to app-created or public calendars grant nothing here).
pub(crate) const READ_EVENTS: &[&str] = &[
    "calendar",
    "calendar.events",
    "calendar.events.owned",
    "calendar.events.owned.readonly",
    "calendar.events.readonly",
    "calendar.readonly",
];
pub(crate) const WRITE_EVENTS: &[&str] = &["calendar", "calendar.events", "calendar.events.owned"];
pub(crate) const CALENDAR_LIST: &[&str] =
    &["calendar", "calendar.calendarlist", "calendar.calendarlist.readonly", "calendar.readonly"];
pub(crate) const CALENDARS: &[&str] =
    &["calendar", "calendar.calendars", "calendar.calendars.readonly", "calendar.readonly"];
pub(crate) const FREEBUSY: &[&str] =
    &["calendar", "calendar.events.freebusy", "calendar.freebusy", "calendar.readonly"];

/// Who an API call acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub account: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// 403 unless one of the token's scopes is in `accepted`.
    pub(crate) fn require(&self, accepted: &[&str]) -> Result<(), ApiError> {
        let ok =
            self.scopes.iter().any(|s| s.strip_prefix(SCOPE_PREFIX).is_some_and(|s| accepted.contains(&s)));
        if ok { Ok(()) } else { Err(ApiError::insufficient_scope(&format!("{SCOPE_PREFIX}{}", accepted[0]))) }
    }
}

/// The bearer token of a request: `Authorization: Bearer ...`, else `access_token` or
/// `oauth_token` in the query.
pub(crate) fn bearer(headers: &HeaderMap, query: &[(String, String)]) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = v.trim().split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned());
    }
    query.iter().find(|(k, _)| k == "access_token" || k == "oauth_token").map(|(_, v)| v.clone())
}

/// The caller behind a bearer token, or 401 `authError` (missing, unknown, revoked, expired).
pub(crate) fn authenticate(st: &State, token: Option<&str>, now: Timestamp) -> Result<Caller, ApiError> {
    let access = token.and_then(|t| st.access.get(t)).ok_or_else(ApiError::auth)?;
    if now >= access.expires {
        return Err(ApiError::auth());
    }
    Ok(Caller { account: access.account.clone(), scopes: access.scopes.clone() })
}

pub(crate) fn pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes()).into_owned().collect()
}

pub(crate) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Google's consent-screen error page.
fn error_page(code: &str, detail: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html><head><title>Error {code}</title></head><body><h1>Access blocked: \
         Authorization Error</h1><p>Error {code}</p><p>{detail}</p></body></html>"
    );
    let mut resp = (StatusCode::BAD_REQUEST, html).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

/// `email`, `profile` and `openid`, or a full Google scope URL; short forms are expanded the
/// way Google reports them.
fn normalize_scope(scope: &str) -> Option<String> {
    match scope {
        "openid" => Some("openid".into()),
        "email" => Some(format!("{SCOPE_PREFIX}userinfo.email")),
        "profile" => Some(format!("{SCOPE_PREFIX}userinfo.profile")),
        s if s.len() > SCOPE_PREFIX.len() && s.starts_with(SCOPE_PREFIX) => Some(s.to_owned()),
        _ => None,
    }
}

/// `GET /o/oauth2/v2/auth`: the consenting account agrees at once; `302` back to the client.
pub(crate) async fn authorize(AxState(inner): AxState<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let q = pairs(q.as_deref().unwrap_or_default());
    let missing = |p: &str| error_page("400: invalid_request", &format!("Missing required parameter: {p}"));
    let Some(client_id) = get(&q, "client_id") else { return missing("client_id") };
    if client_id != CLIENT_ID {
        return error_page("401: invalid_client", "The OAuth client was not found.");
    }
    let Some(redirect_uri) = get(&q, "redirect_uri") else { return missing("redirect_uri") };
    let scheme_ok = redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://");
    if !scheme_ok || redirect_uri.contains('#') || redirect_uri.contains(char::is_whitespace) {
        return error_page("400: redirect_uri_mismatch", "The redirect URI in the request is not valid.");
    }
    let Some(response_type) = get(&q, "response_type") else { return missing("response_type") };
    if response_type != "code" {
        return error_page(
            "400: unsupported_response_type",
            &format!("Invalid response_type: {response_type}"),
        );
    }
    let Some(scope) = get(&q, "scope").filter(|s| !s.trim().is_empty()) else { return missing("scope") };
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        match normalize_scope(s) {
            Some(n) if !scopes.contains(&n) => scopes.push(n),
            Some(_) => {}
            None => {
                return error_page(
                    "400: invalid_scope",
                    &format!("Some requested scopes were invalid. {{invalid=[{s}]}}"),
                );
            }
        }
    }
    let challenge = match (get(&q, "code_challenge"), get(&q, "code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return missing("code_challenge"),
        (Some(c), method) => {
            let s256 = match method.unwrap_or("plain") {
                "S256" => true,
                "plain" => false,
                other => {
                    return error_page(
                        "400: invalid_request",
                        &format!("Invalid code_challenge_method: {other}"),
                    );
                }
            };
            let valid = (43..=128).contains(&c.len())
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if !valid {
                return error_page("400: invalid_request", "Invalid code_challenge.");
            }
            Some((c.to_owned(), s256))
        }
    };
    let offline = match get(&q, "access_type").unwrap_or("online") {
        "offline" => true,
        "online" => false,
        other => return error_page("400: invalid_request", &format!("Invalid access_type: {other}")),
    };
    let prompt = get(&q, "prompt").unwrap_or_default();
    if !prompt.split_whitespace().all(|p| matches!(p, "none" | "consent" | "select_account")) {
        return error_page("400: invalid_request", &format!("Invalid prompt: {prompt}"));
    }
    let include_granted = get(&q, "include_granted_scopes") == Some("true");
    let state_param = get(&q, "state");

    let now = inner.now();
    let mut st = inner.lock();
    let mut back: Vec<(&str, String)> = Vec::new();
    if std::mem::take(&mut st.deny_next) {
        back.push(("error", "access_denied".into()));
    } else {
        let withheld = std::mem::take(&mut st.withhold_next);
        scopes.retain(|s| !withheld.iter().any(|w| s.ends_with(w.as_str())));
        let email = st.consenting.clone();
        let Some(account) = st.accounts.iter_mut().find(|a| a.email == email) else {
            return error_page("400: invalid_request", "No account.");
        };
        let first_consent = !account.consented;
        if include_granted {
            for s in &account.granted {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
        }
        for s in &scopes {
            if !account.granted.contains(s) {
                account.granted.push(s.clone());
            }
        }
        account.consented = true;
        let refresh = offline && (first_consent || prompt.split_whitespace().any(|p| p == "consent"));
        let code = opaque("4/0A", 70);
        let entry = AuthCode {
            account: email,
            redirect_uri: redirect_uri.to_owned(),
            challenge,
            scopes: scopes.clone(),
            issued: now,
            used: false,
            refresh,
        };
        st.codes.insert(code.clone(), entry);
        back.push(("code", code));
        back.push(("scope", scopes.join(" ")));
    }
    if let Some(s) = state_param {
        back.push(("state", s.to_owned()));
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &back {
        ser.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{}", ser.finish());
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `GET /oauth2/v3/userinfo`: `sub`, and `email` with the email scope.
pub(crate) async fn userinfo(AxState(inner): AxState<Arc<Inner>>, headers: HeaderMap) -> Response {
    let now = inner.now();
    let st = inner.lock();
    let token = bearer(&headers, &[]);
    let Ok(caller) = authenticate(&st, token.as_deref(), now) else {
        let mut resp = oauth_error(StatusCode::UNAUTHORIZED, "invalid_request", "Invalid Credentials");
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            ),
        );
        return resp;
    };
    let sub = st.account(&caller.account).map(|a| a.sub.clone()).unwrap_or_default();
    let mut body = json!({"sub": sub});
    if caller.scopes.iter().any(|s| s.ends_with("userinfo.email"))
        && let Some(obj) = body.as_object_mut()
    {
        obj.insert("email".into(), json!(caller.account));
        obj.insert("email_verified".into(), json!(true));
    }
    json_response(StatusCode::OK, &body)
}
