//! The audit log: who changed what in a tenant. Setting changes are rows of their own; booking
//! changes are their history rows, read alongside.

use async_trait::async_trait;
use sked_core::ids::{BookingId, TenantId};
use sqlx::FromRow;

use crate::{Page, StoreResult};

/// A change to a tenant's settings, made through the API or the dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// A UUIDv7: entries sort by it in time order.
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub at: i64,
    /// `api_key:<id>`, `user:<id>`, `operator`, ...: as booking history names callers.
    pub actor: String,
    /// What was done: the method and route (`PATCH /v1/hosts/{host_id}`).
    pub action: String,
    /// What it was done to: the path with its ids (`/v1/hosts/0190...`).
    pub target: String,
}

/// One line of the audit log: a setting change, or a booking change from its history.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AuditRow {
    pub id: uuid::Uuid,
    pub at: i64,
    pub actor: String,
    /// `PATCH /v1/hosts/{host_id}` for a setting; `created`, `rescheduled`, `cancelled`, ... for
    /// a booking.
    pub action: String,
    /// The path changed, for a setting.
    pub target: Option<String>,
    /// The booking changed, for a booking.
    pub booking_id: Option<BookingId>,
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records a setting change.
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// A tenant's audit log, newest first: setting changes and booking changes, by `actor` when
    /// given, one page after `page.after`.
    async fn audit_log(
        &self,
        tenant: TenantId,
        actor: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<AuditRow>>;
}
