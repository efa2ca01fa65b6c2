//! Microsoft's error answers: Graph's `{"error":{"code","message","innerError"}}` and the
//! identity platform's `{"error","error_description","error_codes",...}` with `AADSTS` codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

/// A Graph error (boxed: it travels in every `Result`).
#[derive(Debug, Clone)]
pub(crate) struct GraphError(Box<Detail>);

#[derive(Debug, Clone)]
struct Detail {
    status: StatusCode,
    code: String,
    message: String,
    headers: Vec<(header::HeaderName, String)>,
}

impl GraphError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self(Box::new(Detail { status, code: code.to_owned(), message: message.into(), headers: Vec::new() }))
    }

    fn with_header(mut self, name: header::HeaderName, value: String) -> Self {
        self.0.headers.push((name, value));
        self
    }

    /// 400 with `code`.
    pub(crate) fn bad(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `BadRequest`: a path Graph does not know.
    pub(crate) fn segment(segment: &str) -> Self {
        Self::bad("BadRequest", format!("Resource not found for the segment '{segment}'."))
    }

    /// 400: the body is not JSON.
    pub(crate) fn unreadable_body() -> Self {
        Self::bad(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// 401 `InvalidAuthenticationToken`.
    pub(crate) fn auth(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message).with_header(
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", \
             client_id=\"00000003-0000-0000-c000-000000000000\""
                .to_owned(),
        )
    }

    /// 403 `ErrorAccessDenied`.
    pub(crate) fn denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    }

    /// 404 `ErrorItemNotFound`.
    pub(crate) fn item_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    /// 404 for subscriptions.
    pub(crate) fn resource_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", "The object was not found.")
    }

    /// 410 Gone: the sync state is gone (mailbox maintenance); start a new round.
    pub(crate) fn resync_required() -> Self {
        Self::new(
            StatusCode::GONE,
            "resyncRequired",
            "Resync required. Replace any local cached data with a full sync.",
        )
    }

    /// 400 `syncStateNotFound`: the delta token fell out of Graph's cache.
    pub(crate) fn sync_state_not_found() -> Self {
        Self::bad("syncStateNotFound", "The sync state generation is not found.")
    }

    /// 429 with `Retry-After`.
    pub(crate) fn throttled(retry_after: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            format!("Please retry after {retry_after} seconds."),
        )
        .with_header(header::RETRY_AFTER, retry_after.to_string())
    }

    /// 503 `ServiceNotAvailable`, with `Retry-After` when given.
    pub(crate) fn unavailable(retry_after: Option<u64>) -> Self {
        let e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
        );
        match retry_after {
            Some(s) => e.with_header(header::RETRY_AFTER, s.to_string()),
            None => e,
        }
    }

    /// 504: the gateway gave up waiting (the request may have been carried out).
    pub(crate) fn gateway_timeout() -> Self {
        Self::new(StatusCode::GATEWAY_TIMEOUT, "UnknownError", "The request timed out at the gateway.")
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        let request_id = super::shape::guid();
        json!({"error": {"code": self.0.code, "message": self.0.message,
                         "innerError": {"date": "2026-01-01T00:00:00", "request-id": request_id, "client-request-id": request_id}}})
    }
}

impl IntoResponse for GraphError {
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

/// `body` as Graph sends JSON.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"),
    );
    resp
}

/// An identity-platform error answer: `error`, an `AADSTS{code}: ...` description and the
/// fields Microsoft adds.
pub(crate) fn oauth_error(
    status: StatusCode,
    error: &str,
    aadsts: u32,
    text: &str,
    now: Timestamp,
) -> Response {
    let trace = super::shape::guid();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{aadsts}: {text} Trace ID: {trace} Correlation ID: {trace} Timestamp: {}", now.strftime("%Y-%m-%d %H:%M:%SZ")),
        "error_codes": [aadsts],
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
        "trace_id": trace,
        "correlation_id": trace,
        "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
    });
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
