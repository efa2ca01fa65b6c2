//! Forged requests: every state-changing form of a session carries its token (hidden field
//! `csrf`), compared in constant time; a request another site sent (by `Sec-Fetch-Site`, or an
//! `Origin` that is not ours) is refused before that. Refusals answer 403.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::session::Signed;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest form body read.
const MAX_FORM: usize = 64 * 1024;

fn forbidden(detail: &str) -> ApiError {
    ApiError::Client { status: StatusCode::FORBIDDEN, code: "forbidden", detail: detail.into() }
}

/// Refuses a request a browser says came from another site.
pub fn same_origin(headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let text = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(forbidden("this form was sent from another site"));
    }
    if let Some(origin) = text(header::ORIGIN.as_str()) {
        let ours = state.base_url.trim_end_matches('/');
        let host = text(header::HOST.as_str()).map(|h| format!("{}://{h}", scheme(ours)));
        if origin != ours && Some(origin) != host.as_deref() {
            return Err(forbidden("this form was sent from another site"));
        }
    }
    Ok(())
}

fn scheme(url: &str) -> &str {
    url.split_once("://").map_or("http", |(s, _)| s)
}

/// Whether `given` is the session's token.
pub fn token_ok(who: &Signed, given: &str) -> bool {
    given.as_bytes().ct_eq(who.session.csrf.as_bytes()).into()
}

#[derive(Deserialize)]
struct Token {
    csrf: Option<String>,
}

/// A form posted by a signed-in user with the session's token: the user, and the form.
#[derive(Debug)]
pub struct Post<T> {
    pub who: Signed,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Post<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        same_origin(&parts.headers, state).map_err(|e| super::fail(None, e))?;
        let who = Signed::from_request_parts(&mut parts, state).await?;
        let nav = Some(who.nav());
        let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
            super::fail(
                nav.clone(),
                ApiError::Client {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "too_large",
                    detail: "the form is too large".into(),
                },
            )
        })?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or(Token { csrf: None });
        if !token.csrf.as_deref().is_some_and(|t| token_ok(&who, t)) {
            return Err(super::fail(
                nav,
                forbidden(
                    "the form has expired or was not sent from this dashboard; reload the page and try again",
                ),
            ));
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| super::fail(nav, ApiError::field("form", e.to_string())))?;
        Ok(Post { who, form })
    }
}
