//! Google's error bodies: the Calendar API's `{"error":{"errors":[...],"code","message"}}` and
//! the OAuth endpoints' `{"error","error_description"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The content type Google answers JSON with.
pub(crate) const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// A Calendar API error, rendered as Google renders it (boxed: it travels in every `Result`).
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<Detail>);

#[derive(Debug, Clone)]
struct Detail {
    status: StatusCode,
    domain: &'static str,
    reason: &'static str,
    message: String,
    location: Option<(&'static str, String)>,
    headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        domain: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self(Box::new(Detail {
            status,
            domain,
            reason,
            message: message.into(),
            location: None,
            headers: Vec::new(),
        }))
    }

    /// 400 `reason` with `message` about query parameter `name`.
    pub(crate) fn param(reason: &'static str, name: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "global", reason, message);
        e.0.location = Some(("parameter", name.to_owned()));
        e
    }

    /// 400 `invalid` (a value the API refuses).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "global", "invalid", message)
    }

    /// 400 `required`.
    pub(crate) fn required(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "global", "required", message)
    }

    /// 400 with any `reason`.
    pub(crate) fn bad_request(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "global", reason, message)
    }

    /// 400 `parseError`: the body is not the JSON the method takes.
    pub(crate) fn parse_error() -> Self {
        Self::bad_request("parseError", "Parse Error")
    }

    /// 401 `authError`: missing, unknown, revoked or expired access token.
    pub(crate) fn auth() -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "global", "authError", "Invalid Credentials");
        e.0.location = Some(("header", "Authorization".to_owned()));
        e.0.headers.push((
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"".to_owned(),
        ));
        e
    }

    /// 403 `insufficientPermissions`: the token lacks every scope the method accepts.
    pub(crate) fn insufficient_scope(needed: &str) -> Self {
        let mut e = Self::new(
            StatusCode::FORBIDDEN,
            "global",
            "insufficientPermissions",
            "Insufficient Permission: Request had insufficient authentication scopes.",
        );
        e.0.headers.push((
            header::WWW_AUTHENTICATE,
            format!(
                "Bearer realm=\"https://accounts.google.com/\", error=insufficient_scope, scope=\"{needed}\""
            ),
        ));
        e
    }

    /// 403 `requiredAccessLevel`: writing to a calendar the account may only read.
    pub(crate) fn writer_access() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "global",
            "requiredAccessLevel",
            "You need to have writer access to this calendar.",
        )
    }

    /// 404 `notFound`.
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "global", "notFound", "Not Found")
    }

    /// 404 `notFound` with a specific message.
    pub(crate) fn not_found_msg(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "global", "notFound", message)
    }

    /// 409 `duplicate`: the client-chosen event id is taken (even by a deleted event).
    pub(crate) fn duplicate() -> Self {
        Self::new(StatusCode::CONFLICT, "global", "duplicate", "The requested identifier already exists.")
    }

    /// 410 `deleted`: deleting an event that is already deleted.
    pub(crate) fn deleted() -> Self {
        Self::new(StatusCode::GONE, "global", "deleted", "Resource has been deleted")
    }

    /// 410 `fullSyncRequired`: the sync token is stale, unknown or invalidated.
    pub(crate) fn full_sync_required() -> Self {
        Self::new(
            StatusCode::GONE,
            "global",
            "fullSyncRequired",
            "Sync token is no longer valid, a full sync is required.",
        )
    }

    /// 412 `conditionNotMet`: `If-Match` names another etag.
    pub(crate) fn precondition() -> Self {
        let mut e =
            Self::new(StatusCode::PRECONDITION_FAILED, "global", "conditionNotMet", "Precondition Failed");
        e.0.location = Some(("header", "If-Match".to_owned()));
        e
    }

    /// 429 `rateLimitExceeded` with `Retry-After`.
    pub(crate) fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "usageLimits",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
        );
        e.0.headers.push((header::RETRY_AFTER, retry_after_secs.to_string()));
        e
    }

    /// 503 `backendError`.
    pub(crate) fn backend() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "global", "backendError", "Backend Error")
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        let d = &self.0;
        let mut item = json!({"domain": d.domain, "reason": d.reason, "message": d.message});
        if let (Some((kind, name)), Some(obj)) = (&d.location, item.as_object_mut()) {
            obj.insert("locationType".into(), json!(kind));
            obj.insert("location".into(), json!(name));
        }
        json!({"error": {"errors": [item], "code": d.status.as_u16(), "message": d.message}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.0.status, &self.body());
        for (name, value) in &self.0.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                resp.headers_mut().insert(name.clone(), v);
            }
        }
        resp
    }
}

/// An OAuth endpoint error: `{"error": code, "error_description": description}`.
pub(crate) fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut resp = json_response(status, &json!({"error": code, "error_description": description}));
    no_store(&mut resp);
    resp
}

/// `body` as Google sends JSON: pretty-printed (its default `prettyPrint=true`), UTF-8.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_string_pretty(body).unwrap_or_default();
    let mut resp = (status, text).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// The cache headers Google's token endpoint sends.
pub(crate) fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
