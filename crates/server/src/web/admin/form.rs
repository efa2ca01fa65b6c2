//! What the editors share: posted fields read by name, numbers typed in them, the API's field
//! errors for a page, and who may use an editor.

use std::collections::HashMap;
use std::str::FromStr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sked_core::FieldError;

use super::session::Signed;
use crate::error::ApiError;
use crate::users::Role;

/// A posted form as its fields in order (a name may repeat: checkboxes).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or empty.
    pub fn one(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The value of `name` trimmed, `None` when empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.one(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Whether a checkbox `name` was ticked.
    pub fn ticked(&self, name: &str) -> bool {
        !self.one(name).is_empty()
    }

    /// The fields as a map (first value of each name).
    pub fn map(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        for (k, v) in &self.0 {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        m
    }

    /// A number typed in `name` (`None` when empty); one that is not a number is an error of
    /// `field`.
    pub fn number<T: FromStr>(&self, name: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<T> {
        let text = self.one(name).trim();
        if text.is_empty() {
            return None;
        }
        text.parse().map_err(|_| errors.push(FieldError::new(field, "must be a whole number"))).ok()
    }
}

/// An error for the page: field errors by name, or the sentence shown at the top.
pub fn split(e: &ApiError) -> (HashMap<String, String>, Option<String>) {
    match e {
        ApiError::Validation(list) => {
            let mut m = HashMap::new();
            for f in list {
                m.entry(f.field.clone()).or_insert_with(|| f.message.clone());
            }
            (m, Some("Some fields need another look.".into()))
        }
        other => (HashMap::new(), Some(other.problem().detail)),
    }
}

/// The errors whose field starts with `prefix` (and is not another index, `questions[1]` for
/// `questions[10]`).
pub fn under(errors: &HashMap<String, String>, prefix: &str) -> Vec<(String, String)> {
    let mut v: Vec<_> = errors
        .iter()
        .filter(|(k, _)| {
            k.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .map(|(k, m)| (k.clone(), m.clone()))
        .collect();
    v.sort();
    v
}

/// A page answered with the error's status (422 for field errors).
pub fn with_status(mut res: Response, e: &ApiError) -> Response {
    *res.status_mut() = e.status();
    res
}

/// After a change: to `to` (303).
pub fn done(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn forbidden(detail: &str) -> ApiError {
    ApiError::Client { status: StatusCode::FORBIDDEN, code: "forbidden", detail: detail.into() }
}

/// Owners and admins only: host users see only their bookings.
pub fn staff_only(who: &Signed) -> Result<(), ApiError> {
    match who.role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Host => Err(forbidden("host users see only their bookings")),
    }
}

/// Owners only.
pub fn owner_only(who: &Signed) -> Result<(), ApiError> {
    match who.role {
        Role::Owner => Ok(()),
        _ => Err(forbidden("only the workspace's owner manages API keys")),
    }
}
