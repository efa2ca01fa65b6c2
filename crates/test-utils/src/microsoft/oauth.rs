//! The Microsoft identity platform (v2.0 endpoints): the authorize page (simulated: the
//! consenting account agrees at once and is redirected back with a code), the token endpoint
//! (`authorization_code` with PKCE, `refresh_token`), and the bearer check Graph calls go through.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::{GraphError, oauth_error};
use super::shape::opaque;
use super::state::{Access, AuthCode, Grant, State};
use super::times::plus;
use super::{CLIENT_ID, CLIENT_SECRET, Inner};

/// Lifetime of an access token, and the `expires_in` reported.
pub(crate) const ACCESS_TTL: i64 = 3599;
/// Lifetime of an authorization code.
const CODE_TTL: i64 = 600;
const GRAPH: &str = "https://graph.microsoft.com/";
/// Scopes that are not Graph permissions.
const OIDC: &[&str] = &["offline_access", "openid", "profile", "email"];

/// Who a Graph call acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub account: String,
    pub scopes: Vec<String>,
}

impl Caller {
    /// 403 `ErrorAccessDenied` unless one of the token's scopes is in `accepted` (Graph
    /// permission names such as `Calendars.ReadWrite`).
    pub(crate) fn require(&self, accepted: &[&str]) -> Result<(), GraphError> {
        let ok = self.scopes.iter().any(|s| {
            let name = s.strip_prefix(GRAPH).unwrap_or(s);
            accepted.iter().any(|a| a.eq_ignore_ascii_case(name))
        });
        if ok { Ok(()) } else { Err(GraphError::denied()) }
    }
}

pub(crate) const READ_CALENDARS: &[&str] = &[
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.ReadBasic",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
];
pub(crate) const WRITE_CALENDARS: &[&str] = &["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"];
pub(crate) const READ_USER: &[&str] = &["User.Read", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite"];

/// The caller behind `Authorization: Bearer ...`, or 401.
pub(crate) fn authenticate(st: &State, headers: &HeaderMap, now: Timestamp) -> Result<Caller, GraphError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = match value.trim().split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => t.trim(),
        _ => return Err(GraphError::auth("Access token is empty.")),
    };
    let access = st.access.get(token).ok_or_else(|| GraphError::auth("IDX14100: JWT is not well formed."))?;
    if now >= access.expires {
        return Err(GraphError::auth("Lifetime validation failed, the token is expired."));
    }
    Ok(Caller { account: access.account.clone(), scopes: access.scopes.clone() })
}

fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn get<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A scope as the token reports it (Graph permissions with their resource prefix).
fn normalize(scope: &str) -> Option<String> {
    if OIDC.contains(&scope) || scope.starts_with(GRAPH) {
        return Some(scope.to_owned());
    }
    let ok = scope.contains('.') && scope.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    ok.then(|| format!("{GRAPH}{scope}"))
}

fn error_page(text: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><p>{text}</p></body></html>"
    );
    let mut resp = (StatusCode::BAD_REQUEST, html).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

fn redirect(to: &str, params: &[(&str, String)]) -> Response {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if to.contains('?') { '&' } else { '?' };
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{to}{sep}{}", ser.finish())) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub(crate) async fn authorize(AxState(inner): AxState<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let q = pairs(q.unwrap_or_default().as_bytes());
    if get(&q, "client_id") != Some(CLIENT_ID) {
        return error_page("AADSTS700016: Application with identifier was not found in the directory.");
    }
    let Some(redirect_uri) =
        get(&q, "redirect_uri").filter(|r| r.starts_with("https://") || r.starts_with("http://"))
    else {
        return error_page(
            "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    };
    let state = get(&q, "state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        let mut p = vec![("error", error.to_owned()), ("error_description", description.to_owned())];
        if let Some(s) = &state {
            p.push(("state", s.clone()));
        }
        redirect(redirect_uri, &p)
    };
    if get(&q, "response_type") != Some("code") {
        return fail("unsupported_response_type", "AADSTS700054: response_type 'code' is required.");
    }
    if !matches!(get(&q, "response_mode"), None | Some("query")) {
        return fail("invalid_request", "AADSTS900144: only response_mode=query is simulated.");
    }
    let mut scopes = Vec::new();
    for s in get(&q, "scope").unwrap_or_default().split_whitespace() {
        match normalize(s) {
            Some(n) if !scopes.contains(&n) => scopes.push(n),
            Some(_) => {}
            None => {
                return fail(
                    "invalid_scope",
                    &format!("AADSTS70011: The provided value for scope {s} is not valid."),
                );
            }
        }
    }
    if scopes.is_empty() {
        return fail(
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    }
    let challenge = match (get(&q, "code_challenge"), get(&q, "code_challenge_method").unwrap_or("plain")) {
        (None, _) => None,
        (Some(c), m @ ("S256" | "plain")) if (43..=128).contains(&c.len()) => {
            Some((c.to_owned(), m == "S256"))
        }
        _ => return fail("invalid_request", "AADSTS501491: Invalid size of Code_Challenge parameter."),
    };
    let now = inner.now();
    let mut st = inner.lock();
    if std::mem::take(&mut st.deny_next) {
        return fail("access_denied", "AADSTS65004: User declined to consent to access the app.");
    }
    let code = opaque("0.AAAA", 120);
    let account = st.consenting.clone();
    let entry = AuthCode {
        account,
        redirect_uri: redirect_uri.to_owned(),
        challenge,
        scopes,
        issued: now,
        used: false,
    };
    st.codes.insert(code.clone(), entry);
    let mut p = vec![("code", code)];
    if let Some(s) = state {
        p.push(("state", s));
    }
    p.push(("session_state", super::shape::guid()));
    redirect(redirect_uri, &p)
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) async fn token(AxState(inner): AxState<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = pairs(&body);
    let now = inner.now();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic.as_deref().and_then(|b| b.split_once(':')) {
        Some((i, s)) => (Some(i.to_owned()), Some(s.to_owned())),
        None => (get(&p, "client_id").map(str::to_owned), get(&p, "client_secret").map(str::to_owned)),
    };
    let bad =
        |error: &str, code: u32, text: &str| oauth_error(StatusCode::BAD_REQUEST, error, code, text, now);
    if id.as_deref() != Some(CLIENT_ID) {
        return bad(
            "unauthorized_client",
            700016,
            "Application with identifier was not found in the directory.",
        );
    }
    if secret.as_deref() != Some(CLIENT_SECRET) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
            now,
        );
    }
    let mut st = inner.lock();
    match get(&p, "grant_type").unwrap_or_default() {
        "authorization_code" => exchange(&mut st, &p, now),
        "refresh_token" => refresh(&mut st, &p, now),
        other => bad(
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn exchange(st: &mut State, p: &[(String, String)], now: Timestamp) -> Response {
    let bad =
        |error: &str, code: u32, text: &str| oauth_error(StatusCode::BAD_REQUEST, error, code, text, now);
    let Some(code) = get(p, "code") else {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'code'.",
        );
    };
    let Some(entry) = st.codes.get(code).cloned() else {
        return bad("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    };
    if entry.used {
        return bad(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
    }
    if now >= plus(entry.issued, CODE_TTL) {
        return bad(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        );
    }
    if get(p, "redirect_uri") != Some(entry.redirect_uri.as_str()) {
        return bad(
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one used in the authorization request.",
        );
    }
    match (&entry.challenge, get(p, "code_verifier")) {
        (Some(_), None) => return bad("invalid_grant", 50148, "The code_verifier is missing."),
        (Some((challenge, s256)), Some(verifier)) => {
            let derived = if *s256 {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_owned()
            };
            if &derived != challenge {
                return bad(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
        }
        _ => {}
    }
    if let Some(c) = st.codes.get_mut(code) {
        c.used = true;
    }
    let offline = entry.scopes.iter().any(|s| s == "offline_access");
    token_response(st, &entry.account, &entry.scopes, offline, now)
}

fn refresh(st: &mut State, p: &[(String, String)], now: Timestamp) -> Response {
    let Some(token) = get(p, "refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'refresh_token'.",
            now,
        );
    };
    let Some(grant) = st.grants.get(token).filter(|g| !g.revoked).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
            now,
        );
    };
    let rotate = st.rotate_refresh;
    token_response(st, &grant.account, &grant.scopes, rotate, now)
}

/// Mints an access token (and, with `refresh`, a new refresh token) and answers with them.
fn token_response(
    st: &mut State,
    account: &str,
    scopes: &[String],
    refresh: bool,
    now: Timestamp,
) -> Response {
    let access = format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}", opaque("", 200));
    st.access.insert(
        access.clone(),
        Access { account: account.to_owned(), scopes: scopes.to_vec(), expires: plus(now, ACCESS_TTL) },
    );
    let shown: Vec<&str> = scopes.iter().map(String::as_str).filter(|s| *s != "offline_access").collect();
    let mut body = serde_json::Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(shown.join(" ")));
    body.insert("expires_in".into(), json!(ACCESS_TTL));
    body.insert("ext_expires_in".into(), json!(ACCESS_TTL));
    body.insert("access_token".into(), json!(access));
    if refresh {
        let refresh = opaque("1.AQ", 300);
        st.grants.insert(
            refresh.clone(),
            Grant { account: account.to_owned(), scopes: scopes.to_vec(), revoked: false },
        );
        body.insert("refresh_token".into(), json!(refresh));
    }
    let mut resp = (StatusCode::OK, Value::Object(body).to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    resp
}
