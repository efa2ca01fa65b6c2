//! Lists: `limit` (default 50, at most 500) and an opaque `cursor`; answers are
//! `{"data": [...], "next_cursor": "..." | null}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sked_store::Page;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    /// The results.
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    /// The cursor after a full page of id-ordered rows.
    pub fn next_id_cursor<R>(rows: &[R], limit: i64, id: impl Fn(&R) -> uuid::Uuid) -> Option<String> {
        (rows.len() as i64 >= limit).then(|| rows.last().map(|r| encode(&id(r).to_string()))).flatten()
    }
}

/// `limit` and `cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The store's page.
    pub fn page(&self) -> Result<Page, ApiError> {
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode(c).and_then(|s| s.parse().ok()).ok_or_else(bad_cursor)?),
        };
        Ok(Page { limit: limit(self.limit)?, after })
    }
}

/// A validated page size.
pub fn limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(l) if (1..=MAX_LIMIT).contains(&l) => Ok(l),
        Some(l) => Err(ApiError::field("limit", format!("must be between 1 and {MAX_LIMIT}, got {l}"))),
    }
}

/// An opaque cursor for `text`.
pub fn encode(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// The text of a cursor.
pub fn decode(cursor: &str) -> Option<String> {
    URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|b| String::from_utf8(b).ok())
}

/// The error for a cursor that is not one of ours.
pub fn bad_cursor() -> ApiError {
    ApiError::field("cursor", "is not a cursor this server gave out")
}
