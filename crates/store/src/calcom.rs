//! Moving off Cal.com: a tenant's Cal.com integration, the Cal.com bookings mirrored as Sked
//! bookings (every uid each one had, and the newest delivery applied to it), the deliveries
//! applied, and what the importer made from which Cal.com record.

use async_trait::async_trait;
use sked_core::ids::{BookingId, TenantId};
use sqlx::FromRow;

use crate::StoreResult;

/// A tenant's Cal.com integration.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct CalcomIntegration {
    pub tenant_id: TenantId,
    /// The webhook secret, sealed; `None` until one is set.
    pub webhook_secret: Option<String>,
    /// JSON object: Cal.com event type id -> Sked event type id.
    pub event_types: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the mirror knows of a Cal.com booking, by any of its uids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalcomMirror {
    /// The Sked booking; `None` when the uid was cancelled before it was ever mirrored.
    pub booking_id: Option<BookingId>,
    /// The `createdAt` (Unix ms) of the newest delivery applied to it.
    pub last_created_at: i64,
    /// Every uid known for it.
    pub uids: Vec<String>,
}

/// A delivery applied to a mirrored booking (or a cancellation of a uid never mirrored), to
/// record in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalcomNote {
    pub tenant_id: TenantId,
    /// The Sked booking the uids are (`None`: a uid cancelled before it was mirrored).
    pub booking_id: Option<BookingId>,
    /// The uids the delivery named (its own, and the one it rescheduled).
    pub uids: Vec<String>,
    /// The delivery's `createdAt` (Unix ms); a booking's mark only ever grows.
    pub created_at: i64,
    /// The delivery's key (`trigger uid start end`), if it is to be recognised again.
    pub delivery: Option<String>,
    /// Now (Unix seconds).
    pub at: i64,
}

/// What an imported Sked record was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalcomKind {
    /// A Cal.com user: a Sked host.
    User,
    /// A Cal.com schedule: a Sked schedule.
    Schedule,
    /// A Cal.com event type: a Sked event type.
    EventType,
}

impl CalcomKind {
    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Schedule => "schedule",
            Self::EventType => "event_type",
        }
    }
}

/// The Cal.com integration, its mirror and the importer's links.
#[async_trait]
pub trait CalcomStore: Send + Sync {
    /// A tenant's integration ([`StoreError::NotFound`](crate::StoreError::NotFound) when none).
    async fn calcom_integration(&self, tenant: TenantId) -> StoreResult<CalcomIntegration>;
    /// Creates or replaces a tenant's integration (`created_at` is kept when it existed).
    async fn put_calcom_integration(&self, c: &CalcomIntegration) -> StoreResult<()>;
    /// Removes a tenant's integration (what was mirrored stays known);
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) when none.
    async fn delete_calcom_integration(&self, tenant: TenantId) -> StoreResult<()>;

    /// What the mirror knows of the booking `uids` name (the first uid's booking when they name
    /// two), if anything; its mark is the newest of all their rows.
    async fn calcom_mirror(&self, tenant: TenantId, uids: &[&str]) -> StoreResult<Option<CalcomMirror>>;
    /// Whether the delivery with this key was applied.
    async fn calcom_delivery_applied(&self, tenant: TenantId, key: &str) -> StoreResult<bool>;
    /// Records a delivery applied: its key, its uids and the booking they are, and its
    /// `createdAt` as the booking's mark (when newer).
    async fn note_calcom(&self, n: &CalcomNote) -> StoreResult<()>;

    /// The Sked record the importer made from a Cal.com record, if any.
    async fn calcom_link(
        &self,
        tenant: TenantId,
        kind: CalcomKind,
        calcom_id: &str,
    ) -> StoreResult<Option<uuid::Uuid>>;
    /// Records what the importer made from a Cal.com record (a later link replaces it).
    async fn put_calcom_link(
        &self,
        tenant: TenantId,
        kind: CalcomKind,
        calcom_id: &str,
        sked_id: uuid::Uuid,
        at: i64,
    ) -> StoreResult<()>;
}
