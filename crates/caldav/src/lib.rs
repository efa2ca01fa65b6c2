//! CalDAV for Sked: finding an account's calendars, reading their events and writing bookings.
//!
//! A pure protocol client over HTTP (RFC 4791 CalDAV, RFC 6578 collection sync, RFC 6764
//! discovery), with Basic authentication. It knows nothing of Sked's database: the server keeps
//! what these calls return (sync tokens, hrefs, ETags) and reads calendar data with
//! `sked_ics::read_events`. Every failure is a [`ProviderError`], as for every provider.
//!
//! URLs: what the client returns (calendars, resources) is absolute; what it takes may also be
//! a path, resolved against the account's [`base_url`](Account::base_url). The password is only
//! sent to the account's own server (its host, its subdomains, or the subdomains of its parent
//! domain, as iCloud moves an account from `caldav.icloud.com` to `p07-caldav.icloud.com`) and
//! never from HTTPS down to HTTP; redirects are followed by hand under the same rule. Answers
//! are read up to [`CalDavConfig::max_answer_bytes`].

#![forbid(unsafe_code)]

mod discover;
mod http;
mod objects;
mod xml;

use std::time::Duration;

pub use discover::{CalendarInfo, Discovery, start_url};
pub use objects::{Changed, Resource, SyncPage};
pub use reqwest::Url;
use secrecy::SecretString;
pub use sked_calendar::{ProviderError, ProviderResult};

/// How the client talks HTTP.
#[derive(Clone, Debug)]
pub struct CalDavConfig {
    /// Longest a request may take, answer included.
    pub timeout: Duration,
    /// Longest a connection may take to open.
    pub connect_timeout: Duration,
    /// Largest answer read (a calendar-query over a busy year fits many times over).
    pub max_answer_bytes: usize,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
}

impl Default for CalDavConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_answer_bytes: 20 << 20,
            max_redirects: 5,
        }
    }
}

/// One account on a CalDAV server.
#[derive(Clone)]
pub struct Account {
    /// Where the server is: its root, a principal, a calendar home, or any URL on it that
    /// discovery starts from (see [`start_url`]).
    pub base_url: Url,
    /// The user name of Basic authentication.
    pub username: String,
    /// The password (often an app-specific one).
    pub password: SecretString,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("base_url", &self.base_url.as_str())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// An account at `base_url` (see [`start_url`] for what a user may type).
    pub fn new(
        base_url: &str,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> ProviderResult<Self> {
        Ok(Self {
            base_url: start_url(base_url)?,
            username: username.into(),
            password: SecretString::from(password.into()),
        })
    }
}

/// A CalDAV client: the HTTP settings and connection pool every account shares.
#[derive(Clone, Debug)]
pub struct CalDav {
    http: reqwest::Client,
    config: CalDavConfig,
}

impl CalDav {
    /// A client with `config`.
    pub fn new(config: CalDavConfig) -> ProviderResult<Self> {
        Self::build(config, None)
    }

    /// A client with `config` whose host names are resolved by `resolver` (the server's, which
    /// refuses private addresses unless allowed).
    pub fn with_resolver(
        config: CalDavConfig,
        resolver: std::sync::Arc<dyn reqwest::dns::Resolve>,
    ) -> ProviderResult<Self> {
        Self::build(config, Some(resolver))
    }

    fn build(
        config: CalDavConfig,
        resolver: Option<std::sync::Arc<dyn reqwest::dns::Resolve>>,
    ) -> ProviderResult<Self> {
        // reqwest's rustls is built without a default crypto provider; ring is ours. Installing
        // twice is harmless (the second attempt reports the first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder();
        if let Some(r) = resolver {
            builder = builder.dns_resolver(r);
        }
        let http = builder
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // Followed by hand: each hop is checked before the password goes along.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Transport(e.to_string()))?;
        Ok(Self { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &CalDavConfig {
        &self.config
    }
}
