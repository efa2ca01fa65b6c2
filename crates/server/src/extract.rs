//! Extractors whose failures are problem documents: a body that is not JSON is a 400, a JSON
//! value of the wrong shape is a 422 naming the field, an oversized body is a 413, and a
//! malformed id in the path is a 404 (no such thing can exist).
//!
//! Every string of a JSON body (and every key) and every query parameter is also checked for
//! control characters here, before any handler sees it: a NUL is refused by PostgreSQL and
//! matches anything in SQLite's `LIKE`, and no field of the API has a use for one. Line breaks
//! and tabs pass in bodies (notes have lines); fields that must be one line check that too.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// A JSON body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawJson::from_request(req, state).await?;
        raw.parse().map(ApiJson)
    }
}

/// A JSON body kept as bytes (for hashing), parsed on demand.
#[derive(Debug, Clone)]
pub struct RawJson(pub Bytes);

impl RawJson {
    /// The body as `T`, once no string in it holds a control character.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_body(&self.0)
    }
}

/// A request body of the API as `T`: JSON, with no control character in any string or key, of
/// `T`'s shape (errors name the field).
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = parse_json(bytes)?;
    if let Some(field) = control_path(&value, "") {
        return Err(ApiError::field(field, CONTROL_MESSAGE));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::field(field_path(&path, &message), message)
    })
}

const CONTROL_MESSAGE: &str = "must not contain control characters other than line breaks and tabs";

/// The path (`attendee.name`, `weekly.mon[1].end`) of the first string or key in `v` holding a
/// control character other than a line break or a tab.
pub fn control_path(v: &Value, at: &str) -> Option<String> {
    let bad = |s: &str| !s.chars().all(sked_core::text::allowed_in_text);
    let name = |at: &str| if at.is_empty() { ".".to_owned() } else { at.to_owned() };
    match v {
        Value::String(s) if bad(s) => Some(name(at)),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, x)| control_path(x, &format!("{at}[{i}]")))
        }
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            if bad(k) { Some(name(at)) } else { control_path(x, &here) }
        }),
        _ => None,
    }
}

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Client {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "payload_too_large",
                    detail: "the request body is larger than this server accepts".into(),
                }
            } else {
                ApiError::Client {
                    status: StatusCode::BAD_REQUEST,
                    code: "bad_request",
                    detail: e.body_text(),
                }
            }
        })?;
        if !json {
            return Err(ApiError::Client {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported_media_type",
                detail: "send the body as JSON with Content-Type: application/json".into(),
            });
        }
        Ok(RawJson(bytes))
    }
}

/// Parses JSON, naming the field of a shape error (strings are taken as they are: for payloads
/// of outside platforms, whose free text is not ours to refuse).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::Client {
                status: StatusCode::BAD_REQUEST,
                code: "malformed_json",
                detail: format!("the body is not valid JSON: {inner}"),
            }
        } else {
            let message = strip_position(&inner.to_string());
            ApiError::field(field_path(&path, &message), message)
        }
    })
}

/// The path of the field a deserialisation error is about. serde reports a missing field at the
/// path of the object that lacks it, naming the field only in the message.
fn field_path(path: &str, message: &str) -> String {
    let base = if path == "." { "" } else { path };
    match message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
        Some(field) if base.is_empty() => field.to_owned(),
        Some(field) => format!("{base}.{field}"),
        None => base.to_owned(),
    }
}

/// serde_json appends "at line 1 column 20"; the field path says more.
fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_owned()
}

/// Query-string parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k.chars().chain(v.chars()).any(char::is_control) {
                let field = if k.chars().any(char::is_control) { "query".to_owned() } else { k.into_owned() };
                return Err(ApiError::field(field, "must not contain control characters"));
            }
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            ApiError::field(field_path(&path, &message), message)
        })
    }
}

/// Path parameters; a value that does not parse (a malformed id) is a 404.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| ApiError::not_found("resource with that id"))
    }
}
