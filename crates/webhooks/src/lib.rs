//! Outbound webhooks per the [Standard Webhooks](https://www.standardwebhooks.com/) spec.
//!
//! The pieces the server puts together: an endpoint's [`Secret`] and the signature over each
//! message ([`sign`], [`verify`]); the URL policy that keeps deliveries off private networks
//! ([`check_url`], checked again on every connection by the [`Deliverer`]'s resolver); the
//! retry schedule and the disabling of dead endpoints ([`retry_delay`], [`should_disable`]);
//! event names and subscriptions ([`subscribed`], [`check_events`]); the body ([`payload`]);
//! and one delivery attempt ([`deliver`]). Storage, scheduling and the clock are the server's.

#![forbid(unsafe_code)]

mod deliver;
mod events;
mod ip;
mod resolve;
mod retry;
mod secret;
mod url_policy;

pub use deliver::{DeliverError, Deliverer, Delivery, Outcome, deliver};
pub use events::{EVENTS, TEST_EVENT, check_events, payload, subscribed};
pub use ip::is_public_ip;
pub use resolve::{CheckedResolver, resolve_checked};
pub use retry::{ATTEMPTS, DISABLE_AFTER_SECS, SCHEDULE, retry_delay, retry_delay_jittered, should_disable};
pub use secret::{Secret, SecretError, sign, verify};
pub use url_policy::{MAX_URL_LEN, UrlError, check_url};

/// The `user-agent` of every delivery.
pub const USER_AGENT: &str = concat!("Sked-Webhooks/", env!("CARGO_PKG_VERSION"));
