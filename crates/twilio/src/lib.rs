//! Twilio Programmable Messaging for Sked: sending an SMS and finding it again after a crash
//! ([`Client`]), checking the signature of Twilio's webhooks ([`signature`]), counting the
//! segments a text costs ([`segments`]), and reading inbound messages and answering them
//! ([`inbound`]).
//!
//! The client speaks to whatever base URL its [`Config`] names: Twilio's own by default, or a
//! local stand-in in tests. Its failures come back as an [`Error`] that says whether trying again
//! can help, and when.

#![forbid(unsafe_code)]

mod client;
pub mod inbound;
pub mod segments;
pub mod signature;

pub use client::{Client, Sent};
pub use inbound::{Keyword, classify, twiml};
pub use segments::{Encoding, Segments, gsm_friendly};
pub use signature::{sign, verify};

/// Twilio's REST API.
pub const API_BASE: &str = "https://api.twilio.com";
/// The API version in every path.
pub const API_VERSION: &str = "2010-04-01";

/// Who a message comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    /// One of the account's numbers (E.164) or an alphanumeric sender id.
    From(String),
    /// A Messaging Service (`MG...`), which picks a number from its pool.
    MessagingService(String),
}

/// Where Twilio is and which account Sked uses there.
#[derive(Clone, Debug)]
pub struct Config {
    /// API base URL without the version (`https://api.twilio.com`).
    pub api_base: String,
    /// The account (`AC...`).
    pub account_sid: String,
    /// The account's auth token: the API password and the webhook signing key. Its `Debug`
    /// shows no secret.
    pub auth_token: secrecy::SecretString,
    /// Who messages come from.
    pub sender: Sender,
}

impl Config {
    /// Twilio's real API with this account.
    pub fn production(account_sid: impl Into<String>, auth_token: impl Into<String>, sender: Sender) -> Self {
        Self::at(API_BASE, account_sid, auth_token, sender)
    }

    /// The API at `api_base` (a stand-in in tests) with this account.
    pub fn at(
        api_base: impl Into<String>,
        account_sid: impl Into<String>,
        auth_token: impl Into<String>,
        sender: Sender,
    ) -> Self {
        Self {
            api_base: api_base.into(),
            account_sid: account_sid.into(),
            auth_token: secrecy::SecretString::from(auth_token.into()),
            sender,
        }
    }
}

/// What a call to Twilio can end in, other than success.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Twilio failed (5xx), could not be reached, or did not answer in time: worth trying again.
    /// A send that ended so may have gone out: [`Client::find_sent`] tells.
    #[error("Twilio is unavailable: {message}")]
    Retry {
        /// What went wrong.
        message: String,
    },
    /// Too many requests (429): try again after `secs` (Twilio's `Retry-After`, or 60).
    #[error("Twilio asked to wait {secs} s: {message}")]
    RetryAfter {
        /// Seconds to wait.
        secs: u64,
        /// Twilio's message.
        message: String,
    },
    /// Twilio refused the request for good (a 4xx other than 401 and 429): e.g. 21211, not a
    /// valid number, or 21610, the recipient unsubscribed.
    #[error("Twilio refused the message ({status}, code {code:?}): {message}")]
    Rejected {
        /// Twilio's error code, when it gave one.
        code: Option<i64>,
        /// Twilio's message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// The account sid or auth token is wrong (401, code 20003).
    #[error("Twilio refused the account sid or auth token")]
    Unauthorized,
    /// The configuration cannot work (a base URL or account sid that cannot be used).
    #[error("invalid Twilio configuration: {0}")]
    Config(String),
}

impl Error {
    /// True when the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Retry { .. } | Self::RetryAfter { .. })
    }
}
