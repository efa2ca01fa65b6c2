//! Microsoft Graph (Outlook calendars) for Sked: the Microsoft identity platform's OAuth 2.0
//! authorization-code flow with PKCE, the Graph calls Sked makes (the account, its calendars,
//! calendar-view delta sync, events, change-notification subscriptions), and the reading of
//! Outlook events as busy time.
//!
//! The client speaks to whatever endpoints its [`MicrosoftConfig`] names: Microsoft's own by
//! default, or a local stand-in in tests. Nothing here touches the database; the server stores
//! what these calls return and decides what to do about failures, which come back as a
//! [`ProviderError`] that says whether trying again can help and when.
//!
//! Two rules keep the access token where it belongs: requests never follow redirects, and the
//! `@odata.nextLink`/`@odata.deltaLink` URLs Graph hands out are only followed when they lie
//! under the configured `graph_base`.

#![forbid(unsafe_code)]

mod calendars;
mod delta;
pub mod events;
mod http;
pub mod notifications;
mod oauth;
mod subscriptions;
mod times;
mod writes;

use std::time::Duration;

pub use calendars::{Account, CalendarEntry};
pub use delta::{DeltaPage, DeltaRound, DeltaStart};
pub use events::Event;
pub use oauth::{PkceVerifier, Tokens};
pub use sked_calendar::{ProviderError, ProviderResult};
pub use subscriptions::{MAX_EVENT_SUBSCRIPTION_MINUTES, NewSubscription, Subscription, events_resource};
pub use writes::{Attendee, EventPatch, NewEvent};

/// The Graph API's base (v1.0).
pub const GRAPH_BASE: &str = "https://graph.microsoft.com/v1.0";
/// The Microsoft identity platform's login host.
pub const LOGIN_BASE: &str = "https://login.microsoftonline.com";
/// What Sked asks for: a refresh token, calendars to read and write, and who the user is.
pub const SCOPES: &str = "offline_access Calendars.ReadWrite User.Read";
/// Events asked of a delta page (`Prefer: odata.maxpagesize`) unless set otherwise.
pub const DELTA_PAGE_SIZE: u32 = 100;
/// Largest answer body read from Microsoft; anything longer is refused as unreadable.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// Where Microsoft is and who Sked is to it.
#[derive(Clone)]
pub struct MicrosoftConfig {
    /// Application (client) id of the app registration.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: secrecy::SecretString,
    /// Authorization endpoint (`.../{tenant}/oauth2/v2.0/authorize`).
    pub auth_url: String,
    /// Token endpoint (`.../{tenant}/oauth2/v2.0/token`).
    pub token_url: String,
    /// Graph base URL, no trailing slash needed (`https://graph.microsoft.com/v1.0`).
    pub graph_base: String,
}

impl std::fmt::Debug for MicrosoftConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftConfig")
            .field("client_id", &self.client_id)
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("graph_base", &self.graph_base)
            .finish_non_exhaustive()
    }
}

impl MicrosoftConfig {
    /// Microsoft's real endpoints for `tenant` (`common`, `organizations`, `consumers` or a
    /// tenant id) with this app registration.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>, tenant: &str) -> Self {
        let tenant = tenant.trim().trim_matches('/');
        Self {
            client_id: client_id.into(),
            client_secret: secrecy::SecretString::from(client_secret.into()),
            auth_url: format!("{LOGIN_BASE}/{tenant}/oauth2/v2.0/authorize"),
            token_url: format!("{LOGIN_BASE}/{tenant}/oauth2/v2.0/token"),
            graph_base: GRAPH_BASE.into(),
        }
    }
}

/// A client for one app registration.
#[derive(Clone, Debug)]
pub struct Microsoft {
    http: reqwest::Client,
    config: MicrosoftConfig,
    delta_page_size: u32,
}

impl Microsoft {
    /// A client over `config`, with a 20-second limit per request and no redirects followed.
    pub fn new(config: MicrosoftConfig) -> ProviderResult<Self> {
        // reqwest's rustls is built without a default crypto provider; ring is ours. Installing
        // twice is harmless (the second attempt reports the first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Transport(e.to_string()))?;
        Ok(Self { http, config, delta_page_size: DELTA_PAGE_SIZE })
    }

    /// The same client asking for at most `size` events per delta page (at least 1).
    pub fn with_delta_page_size(mut self, size: u32) -> Self {
        self.delta_page_size = size.max(1);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &MicrosoftConfig {
        &self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_endpoints_name_the_tenant_and_debug_hides_the_secret() {
        let c = MicrosoftConfig::production("app-id", "s3cr3t-value", "common");
        assert_eq!(c.auth_url, "https://login.microsoftonline.com/common/oauth2/v2.0/authorize");
        assert_eq!(c.token_url, "https://login.microsoftonline.com/common/oauth2/v2.0/token");
        assert_eq!(c.graph_base, "https://graph.microsoft.com/v1.0");
        let shown = format!("{c:?}");
        assert!(shown.contains("app-id"));
        assert!(!shown.contains("s3cr3t-value"));
    }
}
