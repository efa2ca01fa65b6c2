//! Extractors whose failures are problem documents: a body that is not JSON is a 400 (or a 415
//! when it is not even declared as JSON), a JSON value of the wrong shape is a 422 naming the
//! field, an oversized body is a 413, and a malformed id in the path is a 404 (no such thing can
//! exist).
//!
//! Every string of an API body (and every key) and every query parameter is also checked for
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

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let kind = body_kind(&req);
        let bytes = read_body(req, state).await?;
        if kind != BodyKind::Json {
            return Err(not_json());
        }
        Ok(RawJson(bytes))
    }
}

/// A body that is JSON when there is one, kept as bytes: an empty body (or one of white space
/// alone) is allowed, and so is a body sent without a Content-Type (webhook senders do); a body
/// declared as anything but JSON is a 415.
#[derive(Debug, Clone)]
pub struct JsonBytes(pub Bytes);

impl JsonBytes {
    /// Whether no body was sent (or only white space).
    pub fn is_blank(&self) -> bool {
        self.0.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as `T` (checked as [`parse_body`] does), or `T::default()` when it is blank or
    /// `null`.
    pub fn parse_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, ApiError> {
        if self.is_blank() {
            Ok(T::default())
        } else {
            parse_body::<Option<T>>(&self.0).map(Option::unwrap_or_default)
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let kind = body_kind(&req);
        let bytes = read_body(req, state).await?;
        let blank = bytes.iter().all(u8::is_ascii_whitespace);
        if kind == BodyKind::Other && !blank {
            return Err(not_json());
        }
        Ok(JsonBytes(bytes))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Missing,
    Other,
}

fn body_kind(req: &Request) -> BodyKind {
    match req.headers().get(axum::http::header::CONTENT_TYPE) {
        None => BodyKind::Missing,
        Some(v) => match v.to_str() {
            Ok(ct) if is_json(ct) => BodyKind::Json,
            _ => BodyKind::Other,
        },
    }
}

/// `application/json`, or any `+json` type (`application/merge-patch+json`), parameters aside.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Client {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "payload_too_large",
                detail: "the request body is larger than this server accepts".into(),
            }
        } else {
            ApiError::Client { status: StatusCode::BAD_REQUEST, code: "bad_request", detail: e.body_text() }
        }
    })
}

fn not_json() -> ApiError {
    ApiError::Client {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: "unsupported_media_type",
        detail: "send the body as JSON with Content-Type: application/json".into(),
    }
}

/// Parses JSON, naming the field of a shape error. A number with no fraction is an integer
/// wherever one is expected (`30.0` is JSON Schema's integer 30 as much as `30` is). Strings are
/// taken as they are: this is for payloads of outside platforms, whose free text (a call's
/// transcript) is not ours to refuse; API bodies go through [`parse_body`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    shaped(json_value(bytes)?)
}

/// A request body of the API as `T`: JSON with no control character (but line breaks and tabs)
/// in any string or key, of `T`'s shape; errors name the field.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = json_value(bytes)?;
    if let Some(field) = control_path(&value, "") {
        return Err(ApiError::field(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    shaped(value)
}

fn json_value(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|inner| ApiError::Client {
        status: StatusCode::BAD_REQUEST,
        code: "malformed_json",
        detail: format!("the body is not valid JSON: {inner}"),
    })
}

fn shaped<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(integral(value)).map_err(|e| {
        let path = e.path().to_string();
        let message = strip_position(&e.into_inner().to_string());
        ApiError::field(field_path(&path, &message), message)
    })
}

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

/// The value with every integral float (within the range of `i64`) made an integer.
fn integral(value: Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(integral).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, integral(v))).collect()),
        other => other,
    }
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
