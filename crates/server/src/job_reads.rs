//! Reads that the booking events of one lease share (the rule is `sked_jobs::Shared`'s: an
//! answer read after a job's lease is as fresh, for that job, as its own read). A burst of
//! bookings' events reads a tenant's webhook endpoints, a host's calendar connections and the
//! facts every notice repeats (business name, reply-to address, event type, host) once per
//! lease instead of once per booking. Outside a job (a request) each call reads.

use std::sync::Arc;

use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_jobs::Shared;
use sked_store::{Connection, DynStore, EventType, Host, Page, StoreError, StoreResult, Webhook};

/// The reads booking events share.
#[derive(Debug, Default)]
pub struct JobReads {
    webhooks: Shared<TenantId, Arc<Vec<Webhook>>>,
    connections: Shared<(TenantId, HostId), Arc<Vec<Connection>>>,
    business: Shared<TenantId, Arc<Business>>,
    event_types: Shared<(TenantId, EventTypeId), Arc<EventType>>,
    hosts: Shared<(TenantId, HostId), Option<Arc<Host>>>,
}

/// What notices say about the business.
#[derive(Debug)]
pub struct Business {
    /// Its name.
    pub name: String,
    /// Where replies go, when set.
    pub reply_to: Option<String>,
}

impl JobReads {
    /// The tenant's active webhook endpoints.
    pub async fn webhooks(&self, store: &DynStore, tenant: TenantId) -> StoreResult<Arc<Vec<Webhook>>> {
        self.webhooks.get(&tenant, || async { store.active_webhooks(tenant).await.map(Arc::new) }).await
    }

    /// A host's calendar connections (the first hundred, as a host has far fewer).
    pub async fn connections(
        &self,
        store: &DynStore,
        tenant: TenantId,
        host: HostId,
    ) -> StoreResult<Arc<Vec<Connection>>> {
        let page = Page { limit: 100, after: None };
        self.connections
            .get(&(tenant, host), || async {
                store.list_connections(tenant, Some(host), page).await.map(Arc::new)
            })
            .await
    }

    /// The business's name and reply-to address.
    pub async fn business(&self, store: &DynStore, tenant: TenantId) -> StoreResult<Arc<Business>> {
        self.business
            .get(&tenant, || async {
                let name = store.tenant(tenant).await?.name;
                let reply_to = store.notify_settings(tenant).await?.reply_to;
                Ok(Arc::new(Business { name, reply_to }))
            })
            .await
    }

    /// An event type.
    pub async fn event_type(
        &self,
        store: &DynStore,
        tenant: TenantId,
        id: EventTypeId,
    ) -> StoreResult<Arc<EventType>> {
        self.event_types
            .get(&(tenant, id), || async { store.event_type(tenant, id).await.map(Arc::new) })
            .await
    }

    /// A host; `None` when it is gone.
    pub async fn host(
        &self,
        store: &DynStore,
        tenant: TenantId,
        id: HostId,
    ) -> StoreResult<Option<Arc<Host>>> {
        self.hosts
            .get(&(tenant, id), || async {
                match store.host(tenant, id).await {
                    Ok(h) => Ok(Some(Arc::new(h))),
                    Err(StoreError::NotFound) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
    }
}
