//! Validation errors that name the offending field, so the HTTP edge can say exactly what is
//! wrong with a request.

use std::fmt;

/// A value that failed validation, with the path of the field it came from
/// (`weekly.mon[1].end`, `overrides[0].date`, `duration_minutes`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, in the request's own names.
    pub field: String,
    /// What is wrong with it, as a sentence fragment a person can act on.
    pub message: String,
}

impl FieldError {
    /// An error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The same error, nested under `prefix` (`intervals[0]` becomes `weekly.mon.intervals[0]`).
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}
