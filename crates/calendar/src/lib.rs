//! What every calendar provider shares.
//!
//! Google, Microsoft Graph, CalDAV servers and subscribed ICS feeds each speak their own
//! protocol; what Sked does with their answers does not depend on which one spoke. Each
//! provider's client reads events into a [`StoredEvent`](busy::StoredEvent), whose busy time
//! [`series_busy`](busy::series_busy) computes, and its failures into a [`ProviderError`] that
//! says whether trying again can help and when. Nothing here does I/O.

#![forbid(unsafe_code)]

pub mod busy;

/// What an OAuth 2.0 token endpoint answers.
#[derive(Clone, serde::Deserialize, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// Seconds it lives (about an hour at Google and Microsoft).
    pub expires_in: i64,
    /// The refresh token: with the code exchange, not usually with a refresh.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds the refresh token lives, when the user granted time-limited access.
    #[serde(default)]
    pub refresh_token_expires_in: Option<i64>,
    /// Granted scopes, space-separated.
    #[serde(default)]
    pub scope: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Result of a call to a provider.
pub type ProviderResult<T> = Result<T, ProviderError>;

/// What a call to a calendar provider can end in, other than success. Each provider's client
/// reads its own error answers into these, so the sync engine decides alike for all of them
/// whether to try again, when, or to give up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The credentials were refused (401): refresh the access token and try again.
    #[error("the provider refused the credentials")]
    Unauthorized,
    /// The grant is dead (`invalid_grant`, or a password refused for good): the user must
    /// connect again.
    #[error("the refresh token is expired or revoked: {0}")]
    InvalidGrant(String),
    /// Too many requests (429, or a provider's own rate-limit answer); `retry_after` is the
    /// provider's hint in seconds.
    #[error("the provider rate-limited the request ({reason})")]
    RateLimited { reason: String, retry_after: Option<u64> },
    /// A sync token or delta link is stale (410, `syncStateNotFound`, `valid-sync-token`), or an
    /// event is already deleted.
    #[error("gone ({reason})")]
    Gone { reason: String },
    /// 404.
    #[error("not found")]
    NotFound,
    /// An event with this id exists (409, or 412 on a create that must not overwrite).
    #[error("an event with this id already exists")]
    Duplicate,
    /// The event changed since it was read (412 on `If-Match`): read it again.
    #[error("the event changed since it was read")]
    Changed,
    /// The provider failed (5xx); worth trying again later.
    #[error("the provider is unavailable ({status}): {message}")]
    Unavailable { status: u16, message: String, retry_after: Option<u64> },
    /// The provider could not be reached, or its answer could not be read.
    #[error("could not talk to the provider: {0}")]
    Transport(String),
    /// The provider refused the request for good (a 4xx other than the above).
    #[error("the provider refused the request ({status} {reason}): {message}")]
    Refused { status: u16, reason: String, message: String },
}

impl ProviderError {
    /// True when the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Transport(_))
    }

    /// Seconds the provider asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
