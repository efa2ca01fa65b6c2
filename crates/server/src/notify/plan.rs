//! From a booking change to the messages it calls for: who is told, on which channels, what
//! each message says, and which reminders are queued for later. Each message is a row with a
//! key naming what it is for, queued with its job in one transaction: running this twice for
//! one change queues nothing new.

use std::sync::Arc;

use async_trait::async_trait;
use sked_app::{BookingEvent, BookingView};
use sked_core::booking::BookingSource;
use sked_core::ids::{BookingId, HostId, MessageId, TenantId};
use sked_core::notify::{Channel, Kind, MessageStatus, Role, reminder_due, reminder_too_late};
use sked_jobs::{Job, JobError};
use sked_notify::Notice;
use sked_store::{EventType, Host, Message, NewJob, StoreError};

use super::send::SendMessage;
use super::{NOTIFY_KIND, WEBHOOK_KIND, links};
use crate::events::EventConsumer;
use crate::job_reads::Business;
use crate::state::Services;

/// Tells the attendee and the hosts about booking changes, and queues reminders.
#[derive(Debug)]
pub struct Notify(pub Arc<Services>);

/// Tells webhook endpoints about booking changes.
#[derive(Debug)]
pub struct Webhooks(pub Arc<Services>);

fn store_err(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// What every message about one booking shares.
struct Facts {
    business: Arc<Business>,
    /// The start before a reschedule.
    previous_start: Option<i64>,
    event_type: Arc<EventType>,
    hosts: Vec<Arc<Host>>,
}

impl Facts {
    /// Read once for the jobs of a lease (`JobReads`): a burst of one business's bookings
    /// shares them.
    async fn load(s: &Services, tenant: TenantId, v: &BookingView) -> Result<Self, JobError> {
        let reads = &s.job_reads;
        let business = reads.business(&s.store, tenant).await.map_err(store_err)?;
        let event_type = reads.event_type(&s.store, tenant, v.event_type_id).await.map_err(store_err)?;
        let mut hosts = Vec::new();
        for id in &v.host_ids {
            hosts.extend(reads.host(&s.store, tenant, *id).await.map_err(store_err)?);
        }
        Ok(Self { business, event_type, hosts, previous_start: None })
    }

    fn host(&self, id: HostId) -> Option<&Host> {
        self.hosts.iter().find(|h| h.id == id).map(|h| &**h)
    }
}

/// A notice of `kind` about booking `v`, for `role`, read in `zone`.
fn notice(s: &Services, f: &Facts, v: &BookingView, kind: Kind, role: Role, reader: (&str, &str)) -> Notice {
    let host = f.host(v.host_id);
    let manage = s.sealer.as_ref().map(|k| links::manage_url(&s.base_url, k, v.id));
    Notice {
        kind: kind.as_str().to_owned(),
        business: f.business.name.clone(),
        reply_to: f.business.reply_to.clone(),
        title: f.event_type.title.clone(),
        uid: v.uid.clone(),
        sequence: v.sequence,
        cancelled: v.status == "cancelled",
        stamp: seconds(&v.updated_at),
        start: seconds(&v.start),
        end: seconds(&v.end),
        previous_start: f.previous_start,
        code: v.confirmation_code.clone(),
        location: f.event_type.location.clone(),
        host_name: host.map(|h| h.name.clone()).unwrap_or_default(),
        host_email: host.and_then(|h| h.email.clone()),
        attendee_name: v.attendee.name.clone(),
        attendee_email: v.attendee.email.clone(),
        attendee_phone: v.attendee.phone.clone(),
        notes: v.notes.clone(),
        reason: v.cancel_reason.clone(),
        reader_name: reader.0.to_owned(),
        zone: reader.1.to_owned(),
        role: role.as_str().to_owned(),
        manage_url: (role == Role::Attendee).then_some(manage).flatten(),
        ..Notice::default()
    }
}

/// Unix seconds of an RFC 3339 instant the application wrote.
pub fn seconds(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or(0)
}

/// What a message is: who it goes to, how, and what about.
#[derive(Clone, Copy, Debug)]
pub struct Draft<'a> {
    pub tenant: TenantId,
    pub booking: Option<BookingId>,
    pub channel: Channel,
    pub kind: &'a str,
    pub role: Role,
    pub to: &'a str,
}

impl Draft<'_> {
    /// The message row and its job, keyed by `key`, saying `payload`, due at `due`.
    pub fn queue(
        self,
        key: String,
        payload: String,
        now: i64,
        due: i64,
    ) -> Result<(Message, Option<NewJob>), JobError> {
        let id = MessageId::new();
        let mut job = SendMessage { message_id: id }
            .to_new(Some(self.tenant), now)
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        job.run_at = due;
        let m = Message {
            id,
            tenant_id: self.tenant,
            booking_id: self.booking,
            webhook_id: None,
            channel: self.channel,
            kind: self.kind.to_owned(),
            role: self.role,
            recipient: self.to.to_owned(),
            status: MessageStatus::Queued,
            dedupe_key: key,
            payload,
            provider_id: None,
            error: None,
            attempts: 0,
            sending_at: None,
            response_code: None,
            next_attempt_at: (due > now).then_some(due),
            created_at: now,
            updated_at: now,
        };
        Ok((m, Some(job)))
    }
}

fn payload(n: &Notice) -> Result<String, JobError> {
    serde_json::to_string(n).map_err(|e| JobError::Permanent(e.to_string()))
}

#[async_trait]
impl EventConsumer for Notify {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn kind(&self) -> &'static str {
        NOTIFY_KIND
    }

    async fn consume(&self, tenant: Option<TenantId>, event: &BookingEvent) -> Result<(), JobError> {
        let (Some(tenant), Some(kind)) = (tenant, Kind::of_event(&event.event)) else { return Ok(()) };
        let s = &self.0;
        if s.channels.mailer.is_none() && s.channels.twilio.is_none() {
            // No channel to tell anyone on: nothing to plan (reminders queued while there was
            // one still leave with the booking's change).
            if kind != Kind::Confirmation {
                s.store.drop_queued_reminders(tenant, event.booking_id).await.map_err(store_err)?;
            }
            return Ok(());
        }
        let v: BookingView =
            serde_json::from_value(event.booking.clone()).map_err(|e| JobError::Permanent(e.to_string()))?;
        let mut f = Facts::load(s, tenant, &v).await?;
        f.previous_start = event.previous.as_ref().and_then(|p| p.get("start")?.as_str()).map(seconds);
        let now = s.clock.now_second();
        let host_zone = f.host(v.host_id).map_or_else(|| "UTC".into(), |h| h.time_zone.to_string());
        let attendee_zone = v.attendee.time_zone.clone().unwrap_or_else(|| host_zone.clone());
        let mut items = Vec::new();
        let key = |channel: Channel, role: Role, to: &str| {
            format!("{}:{}:{}:{}:{}:{to}", v.id, kind.as_str(), v.sequence, channel.as_str(), role.as_str())
        };
        let attendee = notice(s, &f, &v, kind, Role::Attendee, (&v.attendee.name, &attendee_zone));
        // Cal.com tells the attendee of its own bookings' changes; hosts hear from Sked.
        let tell_attendee = v.source != BookingSource::Calcom.as_str();
        if let (true, Some(to), Some(_)) = (tell_attendee, &v.attendee.email, &s.channels.mailer) {
            let n = Notice { unsubscribe_url: unsubscribe(s, tenant, to), ..attendee.clone() };
            let k = key(Channel::Email, Role::Attendee, to);
            items.push(
                Draft {
                    tenant,
                    booking: Some(v.id),
                    channel: Channel::Email,
                    kind: kind.as_str(),
                    role: Role::Attendee,
                    to,
                }
                .queue(k, payload(&n)?, now, now)?,
            );
        }
        if let (true, Some(to), Some(_)) = (tell_attendee, &v.attendee.phone, &s.channels.twilio) {
            let k = key(Channel::Sms, Role::Attendee, to);
            items.push(
                Draft {
                    tenant,
                    booking: Some(v.id),
                    channel: Channel::Sms,
                    kind: kind.as_str(),
                    role: Role::Attendee,
                    to,
                }
                .queue(k, payload(&attendee)?, now, now)?,
            );
        }
        if s.channels.mailer.is_some() {
            for h in &f.hosts {
                let Some(to) = &h.email else { continue };
                let n = notice(s, &f, &v, kind, Role::Host, (&h.name, h.time_zone.as_str()));
                let k = key(Channel::Email, Role::Host, to);
                items.push(
                    Draft {
                        tenant,
                        booking: Some(v.id),
                        channel: Channel::Email,
                        kind: kind.as_str(),
                        role: Role::Host,
                        to,
                    }
                    .queue(k, payload(&n)?, now, now)?,
                );
            }
        }
        if kind != Kind::Confirmation {
            s.store.drop_queued_reminders(tenant, v.id).await.map_err(store_err)?;
        }
        // Reminders follow the booking's latest version only: an older event handled late
        // (after a retry) plans none, the newer one has.
        let current = s.store.booking(tenant, v.id).await.map_err(store_err)?;
        if kind != Kind::Cancellation && current.sequence == v.sequence && v.status == "confirmed" {
            items.extend(reminders(s, tenant, &f, &v, &attendee, now)?);
        }
        s.store.queue_messages(&items).await.map_err(store_err)?;
        s.wake_worker.notify_one();
        Ok(())
    }
}

/// The reminders of a booking at its current time, on the channels the event type names and
/// this process has; none that would already be late.
fn reminders(
    s: &Services,
    tenant: TenantId,
    f: &Facts,
    v: &BookingView,
    attendee: &Notice,
    now: i64,
) -> Result<Vec<(Message, Option<NewJob>)>, JobError> {
    let mut out = Vec::new();
    let start = seconds(&v.start);
    for r in crate::event_types::reminders(&f.event_type.reminders) {
        let due = reminder_due(start, r.offset_minutes);
        if reminder_too_late(due, now) {
            continue;
        }
        let n = Notice {
            kind: Kind::Reminder.as_str().into(),
            offset_minutes: Some(r.offset_minutes),
            ..attendee.clone()
        };
        for c in &r.channels {
            let (channel, to) = match (c.as_str(), &v.attendee.email, &v.attendee.phone) {
                ("email", Some(to), _) if s.channels.mailer.is_some() => (Channel::Email, to),
                ("sms", _, Some(to)) if s.channels.twilio.is_some() => (Channel::Sms, to),
                _ => continue,
            };
            let n = match channel {
                Channel::Email => Notice { unsubscribe_url: unsubscribe(s, tenant, to), ..n.clone() },
                _ => n.clone(),
            };
            let key = format!("{}:reminder:{}:{start}:{}:{to}", v.id, r.offset_minutes, channel.as_str());
            let kind = Kind::Reminder.as_str();
            out.push(Draft { tenant, booking: Some(v.id), channel, kind, role: Role::Attendee, to }.queue(
                key,
                payload(&n)?,
                now,
                due.max(now),
            )?);
        }
    }
    Ok(out)
}

fn unsubscribe(s: &Services, tenant: TenantId, address: &str) -> Option<String> {
    s.sealer.as_ref().map(|k| links::unsubscribe_url(&s.base_url, k, tenant, address))
}

#[async_trait]
impl EventConsumer for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn kind(&self) -> &'static str {
        WEBHOOK_KIND
    }

    async fn consume(&self, tenant: Option<TenantId>, event: &BookingEvent) -> Result<(), JobError> {
        let Some(tenant) = tenant else { return Ok(()) };
        // The booking's sequence names the change: `occurred_at` is in whole seconds, and two
        // changes of one booking within a second would share it (the second one never told).
        let sequence = event.booking.get("sequence").and_then(serde_json::Value::as_i64).unwrap_or(0);
        let key = format!("{}:{}:{}:{sequence}", event.booking_id, event.event, event.occurred_at);
        let at = event.occurred_at.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        queue_webhooks(&self.0, tenant, Some(event.booking_id), &event.event, &key, at, &event.booking).await
    }
}

/// Queues a delivery of `event` to every active endpoint of the tenant that subscribed to it.
pub async fn queue_webhooks(
    s: &Services,
    tenant: TenantId,
    booking: Option<BookingId>,
    event: &str,
    key: &str,
    at: jiff::Timestamp,
    data: &serde_json::Value,
) -> Result<(), JobError> {
    // Read once for the jobs of a lease: an endpoint added before the change is told of it.
    let hooks = s.job_reads.webhooks(&s.store, tenant).await.map_err(store_err)?;
    let now = s.clock.now_second();
    let body = String::from_utf8_lossy(&sked_webhooks::payload(event, at, data)).into_owned();
    let mut items = Vec::new();
    for w in hooks.iter() {
        let events: Vec<String> = serde_json::from_str(&w.events).unwrap_or_default();
        if !sked_webhooks::subscribed(&events, event) {
            continue;
        }
        let k = format!("{key}:{}", w.id);
        let (mut m, job) = Draft {
            tenant,
            booking,
            channel: Channel::Webhook,
            kind: event,
            role: Role::Endpoint,
            to: &w.url,
        }
        .queue(k, body.clone(), now, now)?;
        m.webhook_id = Some(w.id);
        items.push((m, job));
    }
    s.store.queue_messages(&items).await.map_err(store_err)?;
    s.wake_worker.notify_one();
    Ok(())
}
