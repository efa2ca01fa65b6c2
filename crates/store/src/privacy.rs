//! An attendee's personal data: found for a privacy request, and erased on request or once a
//! booking is older than the retention period.
//!
//! Erasing keeps each booking's time, hosts, event type and status (hosts' availability and the
//! tenant's counts stay right) and removes what identifies the person: name (replaced by
//! [`ERASED`]), email, phone, zone, notes, metadata, answers and cancellation reason; the
//! messages about the booking lose their recipient (for the attendee's own) and their content,
//! and any still waiting are not sent; history keeps what changed and when, not the reasons
//! given; voice calls lose the caller's number and report; opt-outs and stored idempotent
//! answers naming the person go.

use async_trait::async_trait;
use sked_core::ids::TenantId;

use crate::{Booking, Message, Preference, StoreResult};

/// The name an erased booking keeps.
pub const ERASED: &str = "[erased]";

/// What one person left in a tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttendeeData {
    /// Their bookings (by email, or by phone when given).
    pub bookings: Vec<Booking>,
    /// Messages sent to them.
    pub messages: Vec<Message>,
    /// Their notification choices.
    pub preferences: Vec<Preference>,
}

/// How much was erased.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub bookings: u64,
    pub messages: u64,
}

/// Privacy requests and retention.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Everything kept about the person with this email (any case) or phone, in one tenant.
    async fn attendee_data(
        &self,
        tenant: TenantId,
        email: &str,
        phone: Option<&str>,
    ) -> StoreResult<AttendeeData>;
    /// Erases the person's data in one tenant (one transaction).
    async fn erase_attendee(
        &self,
        tenant: TenantId,
        email: &str,
        phone: Option<&str>,
        at: i64,
    ) -> StoreResult<Erased>;
    /// Erases the personal data of at most `limit` bookings, in any tenant, that ended before
    /// `cutoff` and still hold some; answers how many.
    async fn erase_ended_before(&self, cutoff: i64, at: i64, limit: i64) -> StoreResult<Erased>;
}
