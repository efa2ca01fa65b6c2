//! What bookable time is made of: schedules, hosts and their blocks ([`SchedulingStore`]), and
//! event types ([`EventTypeStore`]), read back together for availability by
//! [`AvailabilityStore`].

use async_trait::async_trait;
use sked_core::Interval;
use sked_core::ids::{BlockId, EventTypeId, HostId, ScheduleId, TenantId};

use crate::{
    AvailabilityData, Block, EventType, Host, HostLoad, Occupancy, Page, Schedule, StoreResult, Versions,
};

/// Schedules, hosts and their blocks. Every change that moves a host's availability bumps its
/// version in the same transaction.
#[async_trait]
pub trait SchedulingStore: Send + Sync {
    /// Creates a schedule.
    async fn insert_schedule(&self, s: &Schedule) -> StoreResult<()>;
    /// Replaces a schedule's fields; bumps the version of every host using it.
    async fn update_schedule(&self, s: &Schedule) -> StoreResult<()>;
    /// A schedule.
    async fn schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<Schedule>;
    /// A page of schedules.
    async fn list_schedules(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Schedule>>;
    /// Deletes a schedule no host uses.
    async fn delete_schedule(&self, tenant: TenantId, id: ScheduleId) -> StoreResult<()>;

    /// Creates a host.
    async fn insert_host(&self, h: &Host) -> StoreResult<()>;
    /// Replaces a host's fields and bumps its version.
    async fn update_host(&self, h: &Host) -> StoreResult<()>;
    /// A host.
    async fn host(&self, tenant: TenantId, id: HostId) -> StoreResult<Host>;
    /// A page of hosts.
    async fn list_hosts(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Host>>;
    /// Deletes a host that no booking or event type references.
    async fn delete_host(&self, tenant: TenantId, id: HostId) -> StoreResult<()>;
    /// Bumps a host's feed version (its earlier feed URLs stop working); answers the new one.
    async fn rotate_feed(&self, tenant: TenantId, id: HostId) -> StoreResult<i64>;

    /// Creates a block; bumps its host's version.
    async fn insert_block(&self, b: &Block) -> StoreResult<()>;
    /// Replaces a block; bumps its host's version.
    async fn update_block(&self, b: &Block) -> StoreResult<()>;
    /// A block of a host.
    async fn block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<Block>;
    /// A page of a host's blocks.
    async fn list_blocks(&self, tenant: TenantId, host: HostId, page: Page) -> StoreResult<Vec<Block>>;
    /// Deletes a block; bumps its host's version.
    async fn delete_block(&self, tenant: TenantId, host: HostId, id: BlockId) -> StoreResult<()>;
}

/// Event types, each with its hosts in order.
#[async_trait]
pub trait EventTypeStore: Send + Sync {
    /// Creates an event type with its hosts.
    async fn insert_event_type(&self, e: &EventType) -> StoreResult<()>;
    /// Replaces an event type's fields and hosts, and bumps its version.
    async fn update_event_type(&self, e: &EventType) -> StoreResult<()>;
    /// An event type, with its hosts.
    async fn event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<EventType>;
    /// The event type with this slug, with its hosts.
    async fn event_type_by_slug(&self, tenant: TenantId, slug: &str) -> StoreResult<EventType>;
    /// A page of event types.
    async fn list_event_types(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<EventType>>;
    /// Deletes an event type that has no bookings.
    async fn delete_event_type(&self, tenant: TenantId, id: EventTypeId) -> StoreResult<()>;
}

/// The reads availability is computed from.
#[async_trait]
pub trait AvailabilityStore: Send + Sync {
    /// How many writes (of any kind) this store has run since it opened, each counted once it
    /// is over, read without asking the database. While it has not moved, nothing written
    /// through this store can have changed [`availability_versions`](Self::availability_versions);
    /// writes by other processes, or through another store on the same database, are not counted.
    fn writes(&self) -> u64;
    /// The versions availability of an event type depends on (see [`Versions`]).
    async fn availability_versions(&self, tenant: TenantId, event_type: EventTypeId)
    -> StoreResult<Versions>;
    /// Everything availability of an event type depends on for candidate starts in `range`:
    /// occupancy and blocks are read for `range` widened by the event type's own buffers and
    /// duration, which is where those candidates' blocked intervals can reach; with the hosts'
    /// round-robin counts when `assigned`. `known` is the stamp of a context the caller holds:
    /// when it is still the store's, the context is left out (the caller uses its own), which
    /// spares reading, sending and decoding it on every booking.
    async fn availability(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        range: Interval,
        assigned: bool,
        known: Option<&str>,
    ) -> StoreResult<AvailabilityData>;
    /// One host's occupancy and blocks over `range` (for its busy time).
    async fn host_busy(
        &self,
        tenant: TenantId,
        host: HostId,
        range: Interval,
    ) -> StoreResult<(Vec<Occupancy>, Vec<Block>)>;
    /// Assignment statistics of `hosts` for `event_type`, with week loads counted in `week` when
    /// given (only `least_busy` needs them).
    async fn host_loads(
        &self,
        tenant: TenantId,
        event_type: EventTypeId,
        hosts: &[HostId],
        week: Option<Interval>,
    ) -> StoreResult<Vec<HostLoad>>;
}
