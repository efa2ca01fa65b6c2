//! What every handler can reach: the [`Services`] background work shares, and the HTTP
//! server's own parts around them.

use std::ops::Deref;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sked_core::Clock;
use sked_store::DynStore;
use tokio::sync::Notify;

use crate::auth::{KeyCache, Limiter};
use crate::config::Settings;
use crate::guard::Failures;
use crate::secrets::Sealer;

/// What background work needs (job handlers, calendar upkeep, `sked worker`): no HTTP parts.
#[derive(Debug)]
pub struct Services {
    /// Persistence.
    pub store: DynStore,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Settings the process started with.
    pub settings: Settings,
    /// The booking rules every door shares, with the availability snapshots.
    pub app: sked_app::App,
    /// Wakes the job worker after enqueueing.
    pub wake_worker: Arc<Notify>,
    /// Seals secrets at rest (`None` when no secret key is configured).
    pub sealer: Option<Sealer>,
    /// The base URL clients reach the server at (links, tool URLs, push channel addresses).
    pub base_url: String,
    /// The Google client, when Google is configured.
    pub google: Option<sked_google::Google>,
    /// The Microsoft Graph client, when Microsoft is configured.
    pub microsoft: Option<sked_microsoft::Microsoft>,
    /// The CalDAV client (its names resolved under the webhooks' address rule).
    pub caldav: sked_caldav::CalDav,
    /// The client subscribed calendar feeds are fetched with (the same rule).
    pub feeds: reqwest::Client,
    /// Email, SMS and webhook delivery (a channel without settings is off).
    pub channels: crate::notify::Channels,
    /// Reads the booking events of one lease share.
    pub job_reads: crate::job_reads::JobReads,
}

/// Shared state of the server (cheap to clone).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`]: the services, and what only the HTTP server needs.
#[derive(Debug)]
pub struct Inner {
    /// What background work shares with the requests.
    pub services: Arc<Services>,
    /// Recently seen API keys.
    pub keys: KeyCache,
    /// Per-key request limits.
    pub limiter: Limiter,
    /// Per-address limits of the public booking API.
    pub public_limiter: Limiter,
    /// Failed authentications per client address.
    pub failures: Failures,
    /// SHA-256 of the operator key.
    pub operator_key_hash: [u8; 32],
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Cal.com deliveries of one tenant are applied one at a time.
    pub calcom_locks: crate::calcom::Locks,
    /// Slot answers serialised lately.
    pub slot_answers: crate::slots::Answers,
    /// Public URLs' names resolved lately.
    pub public_names: crate::public::Names,
}

impl AppState {
    /// Wraps the parts.
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Deref for Inner {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}
