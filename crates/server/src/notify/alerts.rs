//! Notices that are not about a booking: a calendar connection turned unhealthy (its host is
//! emailed at most once a day, with a link to connect again; `connection.unhealthy` webhooks),
//! and a webhook endpoint disabled for failing 5 days (the business's notice address is told).

use sked_core::ids::TenantId;
use sked_core::notify::{Channel, Kind, Role};
use sked_jobs::JobError;
use sked_notify::Notice;
use sked_store::{MessageFilter, Page, StoreError, Webhook};

use super::links;
use super::plan::{Draft, queue_webhooks};
use crate::calendars::jobs::ConnectionEvent;
use crate::state::Services;

/// The host hears about a broken connection at most this often.
pub const ALERT_EVERY_SECS: i64 = 86_400;

fn store_err(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Tells about a connection's change of health.
pub async fn connection_event(s: &Services, tenant: TenantId, e: &ConnectionEvent) -> Result<(), JobError> {
    if e.event != "connection.unhealthy" {
        return Ok(());
    }
    let c = match s.store.connection(tenant, e.connection_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(()),
        Err(err) => return Err(store_err(err)),
    };
    let calendars = s.store.connection_calendars(c.id).await.map_err(store_err)?;
    let data = serde_json::to_value(crate::calendars::api::view(c.clone(), calendars))
        .map_err(|err| JobError::Permanent(err.to_string()))?;
    let at = e.occurred_at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let key = format!("{}:connection.unhealthy:{}", c.id, e.occurred_at);
    queue_webhooks(s, tenant, None, "connection.unhealthy", &key, at, &data).await?;

    let host = s.store.host(tenant, c.host_id).await.map_err(store_err)?;
    let (Some(to), Some(_), Some(sealer)) = (host.email.as_deref(), &s.channels.mailer, &s.sealer) else {
        return Ok(());
    };
    let now = s.clock.now_second();
    let kind = Kind::ConnectionAlert.as_str();
    let recent = MessageFilter {
        kind: Some(kind.into()),
        recipient: Some(to.into()),
        from: Some(now - ALERT_EVERY_SECS),
        ..MessageFilter::default()
    };
    if !s
        .store
        .list_messages(tenant, &recent, Page { limit: 1, after: None })
        .await
        .map_err(store_err)?
        .is_empty()
    {
        return Ok(());
    }
    let n = Notice {
        kind: kind.into(),
        business: s.store.tenant(tenant).await.map_err(store_err)?.name,
        reader_name: host.name.clone(),
        zone: host.time_zone.to_string(),
        role: Role::Host.as_str().into(),
        text: e.error.clone(),
        // A link starts a new authorization where there is one to start; a CalDAV password or a
        // feed's address is given again in the dashboard or the API.
        link: matches!(c.provider.as_str(), "google" | "microsoft")
            .then(|| links::reconnect_url(&s.base_url, sealer, tenant, c.id, now)),
        ..Notice::default()
    };
    let payload = serde_json::to_string(&n).map_err(|err| JobError::Permanent(err.to_string()))?;
    let draft = Draft { tenant, booking: None, channel: Channel::Email, kind, role: Role::Host, to };
    // Keyed by the host's address and the day, not the connection: several connections turning
    // unhealthy at once (a provider down, or the network) race past the check above, and their
    // one email is queued once.
    let key = format!("{tenant}:{to}:{kind}:{}", now.div_euclid(ALERT_EVERY_SECS));
    let item = draft.queue(key, payload, now, now)?;
    s.store.queue_messages(&[item]).await.map_err(store_err)?;
    s.wake_worker.notify_one();
    Ok(())
}

/// Tells the business an endpoint was disabled, when it named an address for notices.
pub async fn webhook_disabled(s: &Services, w: &Webhook, now: i64) -> Result<(), JobError> {
    let settings = s.store.notify_settings(w.tenant_id).await.map_err(store_err)?;
    let (Some(to), Some(_)) = (settings.notify_email.as_deref(), &s.channels.mailer) else { return Ok(()) };
    let kind = Kind::WebhookDisabled.as_str();
    let n = Notice {
        kind: kind.into(),
        business: s.store.tenant(w.tenant_id).await.map_err(store_err)?.name,
        reader_name: "there".into(),
        zone: "UTC".into(),
        role: Role::Tenant.as_str().into(),
        link: Some(w.url.clone()),
        ..Notice::default()
    };
    let payload = serde_json::to_string(&n).map_err(|err| JobError::Permanent(err.to_string()))?;
    let draft =
        Draft { tenant: w.tenant_id, booking: None, channel: Channel::Email, kind, role: Role::Tenant, to };
    let item = draft.queue(format!("{}:{kind}:{now}", w.id), payload, now, now)?;
    s.store.queue_messages(&[item]).await.map_err(store_err)?;
    s.wake_worker.notify_one();
    Ok(())
}
