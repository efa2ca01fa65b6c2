//! The one error type at the HTTP edge: every failure becomes an RFC 9457
//! `application/problem+json` body with a stable `code`, and validation failures name the field.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use sked_app::{AppError, rfc3339};
use sked_core::FieldError;
use sked_store::StoreError;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What happened, for a person.
    pub detail: String,
    /// Stable machine-readable code (`validation_failed`, `slot_unavailable`, ...).
    pub code: String,
    /// The fields that failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For `slot_unavailable` and `outside_availability`: up to three nearest free slots.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::slots::SlotView>>)]
    pub alternatives: Option<Value>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Path of the field in the request (`attendee.email`, `weekly.mon[1].end`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error answered to a client.
#[derive(Debug)]
pub enum ApiError {
    /// 422 with field errors.
    Validation(Vec<FieldError>),
    /// A 4xx with a code and a sentence.
    Client { status: StatusCode, code: &'static str, detail: String },
    /// A start that cannot be booked (409 `slot_unavailable` or 422 `outside_availability`), with
    /// the nearest free alternatives.
    Unbookable { status: StatusCode, code: &'static str, detail: String, alternatives: Value },
    /// 429 with the seconds to wait.
    RateLimited { retry_after: u64 },
    /// A failure of ours: logged with its cause, answered as a generic 500.
    Internal(anyhow::Error),
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 422 naming one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str) -> Self {
        Self::Client { status: StatusCode::NOT_FOUND, code: "not_found", detail: format!("no such {what}") }
    }

    /// 401.
    pub fn unauthorized(detail: &str) -> Self {
        Self::Client { status: StatusCode::UNAUTHORIZED, code: "unauthorized", detail: detail.into() }
    }

    /// 409 `conflict`.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Client { status: StatusCode::CONFLICT, code: "conflict", detail: detail.into() }
    }

    /// 422 `outside_availability`.
    pub fn outside_availability(detail: impl Into<String>) -> Self {
        Self::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "outside_availability",
            detail: detail.into(),
        }
    }

    /// 422 `work_budget_exceeded`: answering would take more work than one request may do.
    pub fn over_budget(detail: impl Into<String>) -> Self {
        Self::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "work_budget_exceeded",
            detail: detail.into(),
        }
    }

    /// Maps a store error for a resource called `what`.
    pub fn store(what: &str, e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(what),
            StoreError::Duplicate(field) => Self::Validation(vec![FieldError::new(field, "is already used")]),
            StoreError::InUse(detail) => Self::conflict(format!("the {what} is in use: {detail}")),
            StoreError::SlotTaken => Self::Client {
                status: StatusCode::CONFLICT,
                code: "slot_unavailable",
                detail: "the time is taken".into(),
            },
            StoreError::Stale => Self::conflict(format!("the {what} changed meanwhile; read it again")),
            other => Self::Internal(other.into()),
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Client { status, .. } => *status,
            Self::Unbookable { status, .. } => *status,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (code, detail, errors, alternatives) = match self {
            Self::Validation(errs) => {
                let detail = errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                let errors = errs
                    .iter()
                    .map(|e| FieldProblem { field: e.field.clone(), message: e.message.clone() })
                    .collect();
                ("validation_failed", detail, errors, None)
            }
            Self::Client { code, detail, .. } => (*code, detail.clone(), vec![], None),
            Self::Unbookable { code, detail, alternatives, .. } => {
                (*code, detail.clone(), vec![], Some(alternatives.clone()))
            }
            Self::RateLimited { retry_after } => {
                ("rate_limited", format!("too many requests; retry in {retry_after} s"), vec![], None)
            }
            Self::Internal(_) => {
                ("internal", "something went wrong on our side; it has been logged".into(), vec![], None)
            }
        };
        Problem {
            kind: format!("https://sked.dev/problems/{}", code.replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            alternatives,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let problem = self.problem();
        let mut res = (self.status(), Json(problem)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Self::RateLimited { retry_after } = self {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        res
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let client = |status, code, detail: String| Self::Client { status, code, detail };
        match e {
            AppError::Invalid(errors) => Self::Validation(errors),
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Unavailable { refusal, alternatives } => {
                let (status, code) = if refusal.is_taken() {
                    (StatusCode::CONFLICT, "slot_unavailable")
                } else {
                    (StatusCode::UNPROCESSABLE_ENTITY, "outside_availability")
                };
                let alternatives = alternatives
                    .into_iter()
                    .map(|a| {
                        let (start, end) = (rfc3339(a.start), rfc3339(a.end));
                        crate::slots::SlotView { start, end, host_ids: a.host_ids }
                    })
                    .collect::<Vec<_>>();
                Self::Unbookable {
                    status,
                    code,
                    detail: refusal.detail(),
                    alternatives: serde_json::to_value(alternatives).unwrap_or_default(),
                }
            }
            AppError::Rejected(detail) => Self::conflict(detail),
            AppError::Stale => Self::conflict("the booking kept changing; try again"),
            AppError::IdempotencyMismatch => client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_mismatch",
                "this Idempotency-Key was used with a different request".into(),
            ),
            AppError::IdempotencyInProgress => client(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "a request with this Idempotency-Key was completed concurrently; send it again to get its answer"
                    .into(),
            ),
            AppError::BlockUnusable(detail) => client(StatusCode::UNPROCESSABLE_ENTITY, "block_unusable", detail),
            AppError::OverBudget(detail) => Self::over_budget(detail),
            AppError::Internal(e) => Self::Internal(e),
        }
    }
}
