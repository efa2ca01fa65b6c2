//! Google Calendar for Sked: the OAuth 2.0 web-server flow with PKCE, the Calendar API v3 calls
//! Sked makes, and the reading of Google events as busy time.
//!
//! The client speaks to whatever endpoints its [`GoogleConfig`] names: Google's own by default,
//! or a local stand-in in tests. Nothing here touches the database; the server stores what these
//! calls return and decides what to do about failures, which come back as a [`GoogleError`] that
//! says whether trying again can help and when.

#![forbid(unsafe_code)]

mod client;
pub mod events;
mod oauth;

use std::time::Duration;

pub use client::{CalendarEntry, Channel, EventsPage, ListEvents};
pub use oauth::{Pkce, Tokens};

/// Google's authorization endpoint.
pub const AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's token revocation endpoint.
pub const REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// The Calendar API's base.
pub const API_BASE: &str = "https://www.googleapis.com/calendar/v3";
/// What Sked asks for: the calendar list (to pick busy calendars) and events on every
/// calendar (to read busy time and write bookings).
pub const SCOPES: &str =
    "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events";

/// Where Google is and who Sked is to it.
#[derive(Clone)]
pub struct GoogleConfig {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: secrecy::SecretString,
    /// Authorization endpoint.
    pub auth_url: String,
    /// Token endpoint.
    pub token_url: String,
    /// Revocation endpoint.
    pub revoke_url: String,
    /// Calendar API base (no trailing slash needed).
    pub api_base: String,
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("client_id", &self.client_id)
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl GoogleConfig {
    /// Google's real endpoints with this client.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: secrecy::SecretString::from(client_secret.into()),
            auth_url: AUTH_URL.into(),
            token_url: TOKEN_URL.into(),
            revoke_url: REVOKE_URL.into(),
            api_base: API_BASE.into(),
        }
    }
}

/// What a call to Google can end in, other than success (every provider shares these).
pub use sked_calendar::ProviderError as GoogleError;

/// Result of a call to Google.
pub type GoogleResult<T> = Result<T, GoogleError>;

/// A client for one OAuth application.
#[derive(Clone, Debug)]
pub struct Google {
    http: reqwest::Client,
    config: GoogleConfig,
}

impl Google {
    /// A client over `config`, with a 20-second limit per request.
    pub fn new(config: GoogleConfig) -> GoogleResult<Self> {
        // reqwest's rustls is built without a default crypto provider; ring is ours. Installing
        // twice is harmless (the second attempt reports the first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GoogleError::Transport(e.to_string()))?;
        Ok(Self { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &GoogleConfig {
        &self.config
    }
}
