//! Moving off Cal.com: while a business still takes bookings on Cal.com, Sked mirrors them, and
//! an importer brings over what Cal.com already holds.
//!
//! - `/v1/integrations/calcom` ([`config`]): the webhook secret (sealed at rest, never shown)
//!   and which Sked event type each Cal.com event type is.
//! - `POST /webhooks/calcom/{tenant_slug}` ([`webhook`]): Cal.com's signed deliveries, verified
//!   before anything else is read, then mirrored ([`mirror`]) as bookings with source `calcom`
//!   and `external_ref` = Cal.com's booking uid, once each however often they arrive.
//! - `sked import calcom` ([`import`], over the small API v2 client in [`client`]): schedules,
//!   event types and upcoming bookings, then the event-type map the mirror reads.

pub mod client;
pub mod command;
pub mod config;
mod convert;
pub mod import;
pub mod mirror;
pub mod payload;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use sked_core::ids::TenantId;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// How history names Cal.com as the actor of what the mirror and the importer do.
pub const ACTOR: &str = "calcom";

/// Routes of the integration and of its webhook.
pub fn router() -> OpenApiRouter<AppState> {
    config::router().merge(webhook::router())
}

/// One lock per tenant, so a process applies one tenant's deliveries one at a time (two copies
/// of one delivery arriving together are then told apart; across processes, the store's unique
/// uid keeps the first booking and the mirror cancels a second one).
#[derive(Debug)]
pub struct Locks(moka::sync::Cache<TenantId, Arc<tokio::sync::Mutex<()>>>);

impl Default for Locks {
    fn default() -> Self {
        Self(moka::sync::Cache::builder().max_capacity(10_000).time_to_idle(Duration::from_secs(600)).build())
    }
}

impl Locks {
    /// Waits for the tenant's turn.
    pub async fn lock(&self, tenant: TenantId) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.get_with(tenant, Default::default).lock_owned().await
    }
}
