//! Google's token endpoint (`authorization_code` with PKCE, `refresh_token`) and revocation.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::{json_response, no_store, oauth_error};
use super::oauth::{ACCESS_TTL, get, pairs};
use super::shape::opaque;
use super::state::{Access, Grant, State};
use super::times::plus;
use super::{CLIENT_ID, CLIENT_SECRET, Inner};

/// Lifetime of an authorization code.
const CODE_TTL: i64 = 600;

/// The parameters of a token or revoke request: a form body, or a JSON object of strings.
fn body_params(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return form_urlencoded::parse(body).into_owned().collect();
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else { return Vec::new() };
    map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
}

/// Client credentials from HTTP Basic auth or the body.
fn client_credentials(headers: &HeaderMap, p: &[(String, String)]) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
        let dec =
            |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        return (dec(id), dec(secret));
    }
    (get(p, "client_id").map(str::to_owned), get(p, "client_secret").map(str::to_owned))
}

/// `POST /token`: `authorization_code` (with PKCE) and `refresh_token` grants.
pub(crate) async fn token(AxState(inner): AxState<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = body_params(&headers, &body);
    let bad = |code: &str, desc: &str| oauth_error(StatusCode::BAD_REQUEST, code, desc);
    let (client_id, secret) = client_credentials(&headers, &p);
    let Some(client_id) = client_id else {
        return bad("invalid_request", "Could not determine client ID from request.");
    };
    if client_id != CLIENT_ID {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    }
    match secret.as_deref() {
        None => return bad("invalid_request", "client_secret is missing."),
        Some(s) if s != CLIENT_SECRET => {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
        }
        Some(_) => {}
    }
    let now = inner.now();
    let mut st = inner.lock();
    match get(&p, "grant_type").unwrap_or_default() {
        "authorization_code" => exchange_code(&mut st, &p, now),
        "refresh_token" => refresh(&mut st, &p, now),
        other => bad("unsupported_grant_type", &format!("Invalid grant_type: {other}")),
    }
}

fn exchange_code(st: &mut State, p: &[(String, String)], now: Timestamp) -> Response {
    let bad = |code: &str, desc: &str| oauth_error(StatusCode::BAD_REQUEST, code, desc);
    let Some(code) = get(p, "code") else {
        return bad("invalid_request", "Missing required parameter: code");
    };
    let Some(entry) = st.codes.get(code).cloned() else {
        return bad("invalid_grant", "Malformed auth code.");
    };
    if entry.used || now >= plus(entry.issued, CODE_TTL) {
        return bad("invalid_grant", "Bad Request");
    }
    let Some(redirect_uri) = get(p, "redirect_uri") else {
        return bad("invalid_request", "Missing parameter: redirect_uri");
    };
    if redirect_uri != entry.redirect_uri {
        return bad("redirect_uri_mismatch", "Bad Request");
    }
    match (&entry.challenge, get(p, "code_verifier")) {
        (None, Some(_)) => return bad("invalid_request", "code_verifier or verifier is not needed."),
        (Some(_), None) => return bad("invalid_grant", "Missing code verifier."),
        (Some((challenge, s256)), Some(verifier)) => {
            let derived = if *s256 {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_owned()
            };
            if &derived != challenge {
                return bad("invalid_grant", "Invalid code verifier.");
            }
        }
        (None, None) => {}
    }
    if let Some(c) = st.codes.get_mut(code) {
        c.used = true;
    }
    let refresh = entry.refresh.then(|| {
        let token = opaque("1//0", 100);
        let expires = st.grant_lifetime.map(|s| plus(now, s));
        let grant =
            Grant { account: entry.account.clone(), scopes: entry.scopes.clone(), revoked: false, expires };
        st.grants.insert(token.clone(), grant);
        token
    });
    token_response(st, &entry.account, &entry.scopes, refresh.clone(), refresh.is_some(), now)
}

fn refresh(st: &mut State, p: &[(String, String)], now: Timestamp) -> Response {
    let Some(token) = get(p, "refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let live = |g: &&Grant| !g.revoked && g.expires.is_none_or(|e| now < e);
    let Some(grant) = st.grants.get(token).filter(live).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    };
    token_response(st, &grant.account, &grant.scopes, Some(token.to_owned()), false, now)
}

/// Mints an access token and answers with it (and the refresh token when `show_refresh`).
fn token_response(
    st: &mut State,
    account: &str,
    scopes: &[String],
    grant: Option<String>,
    show_refresh: bool,
    now: Timestamp,
) -> Response {
    let access = opaque("ya29.a0", 140);
    let entry = Access {
        account: account.to_owned(),
        scopes: scopes.to_vec(),
        expires: plus(now, ACCESS_TTL),
        grant: grant.clone(),
    };
    st.access.insert(access.clone(), entry);
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), json!(access));
    body.insert("expires_in".into(), json!(ACCESS_TTL));
    let ends = grant.as_ref().and_then(|g| st.grants.get(g)).and_then(|g| g.expires);
    if let Some(r) = grant.filter(|_| show_refresh) {
        body.insert("refresh_token".into(), json!(r));
    }
    if let Some(ends) = ends {
        body.insert("refresh_token_expires_in".into(), json!(ends.as_second() - now.as_second()));
    }
    body.insert("scope".into(), json!(scopes.join(" ")));
    body.insert("token_type".into(), json!("Bearer"));
    if scopes.iter().any(|s| s == "openid") {
        body.insert("id_token".into(), json!(id_token(st, account, scopes, now)));
    }
    let mut resp = json_response(StatusCode::OK, &Value::Object(body));
    no_store(&mut resp);
    resp
}

/// An OpenID Connect id token with Google's claims. Its signature is random bytes: nothing
/// can verify it, so a client must take its claims from the token endpoint as they come.
fn id_token(st: &State, account: &str, scopes: &[String], now: Timestamp) -> String {
    let sub = st.account(account).map(|a| a.sub.clone()).unwrap_or_default();
    let mut claims = json!({"iss": "https://accounts.google.com", "azp": CLIENT_ID, "aud": CLIENT_ID, "sub": sub,
                            "iat": now.as_second(), "exp": now.as_second() + ACCESS_TTL + 1});
    if scopes.iter().any(|s| s.ends_with("userinfo.email"))
        && let Some(obj) = claims.as_object_mut()
    {
        obj.insert("email".into(), json!(account));
        obj.insert("email_verified".into(), json!(true));
    }
    let header = json!({"alg": "RS256", "kid": "sked-stand-in", "typ": "JWT"});
    // RS256 signatures are 256 bytes.
    let sig: Vec<u8> = (0..256).map(|_| rand::random::<u8>()).collect();
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{}", b64(&header), b64(&claims), URL_SAFE_NO_PAD.encode(sig))
}

/// `POST /revoke?token=` (or `token` in a form body): revokes an access or refresh token;
/// either way the grant behind it and every access token from it die too.
pub(crate) async fn revoke(
    AxState(inner): AxState<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut p = pairs(q.as_deref().unwrap_or_default());
    p.extend(body_params(&headers, &body));
    let Some(token) = get(&p, "token").map(str::to_owned) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request");
    };
    let mut st = inner.lock();
    let grant = match (st.access.remove(&token), st.grants.get(&token)) {
        (Some(a), _) => a.grant,
        (None, Some(g)) if !g.revoked => Some(token.clone()),
        _ => return oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Token expired or revoked"),
    };
    if let Some(g) = grant {
        if let Some(entry) = st.grants.get_mut(&g) {
            entry.revoked = true;
        }
        st.access.retain(|_, a| a.grant.as_deref() != Some(g.as_str()));
    }
    json_response(StatusCode::OK, &json!({}))
}
