//! What the bookings pages show of a booking: names for ids, times in the host's zone.

use std::collections::HashMap;

use sked_core::Zone;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_store::{Booking, DynStore, Page};
use sked_web::admin::{Choice, Detail, Row};

use crate::error::ApiError;

/// Most hosts and event types a tenant's pages name (more show as ids).
const NAMES: i64 = 1_000;

/// A tenant's hosts and event types by id.
#[derive(Debug, Default)]
pub struct Names {
    pub hosts: HashMap<HostId, (String, Zone)>,
    pub event_types: HashMap<EventTypeId, String>,
}

impl Names {
    /// Reads them.
    pub async fn of(store: &DynStore, tenant: TenantId) -> Result<Self, ApiError> {
        let page = Page { limit: NAMES, after: None };
        let internal = |e: sked_store::StoreError| ApiError::Internal(e.into());
        let hosts = store.list_hosts(tenant, page).await.map_err(internal)?;
        let types = store.list_event_types(tenant, page).await.map_err(internal)?;
        Ok(Self {
            hosts: hosts.into_iter().map(|h| (h.id, (h.name, h.time_zone))).collect(),
            event_types: types.into_iter().map(|e| (e.id, e.title)).collect(),
        })
    }

    /// A host's name.
    pub fn host(&self, id: HostId) -> String {
        self.hosts.get(&id).map_or_else(|| id.to_string(), |h| h.0.clone())
    }

    /// The zone a booking's times are shown in: its host's (UTC when unknown).
    pub fn zone(&self, b: &Booking) -> Zone {
        self.hosts.get(&b.host_id).map_or_else(Zone::utc, |h| h.1.clone())
    }

    /// Hosts as choices, `selected` the chosen one.
    pub fn host_choices(&self, selected: Option<HostId>) -> Vec<Choice> {
        let mut v: Vec<_> = self
            .hosts
            .iter()
            .map(|(id, (name, _))| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: Some(*id) == selected,
            })
            .collect();
        v.sort_by(|a, b| a.label.cmp(&b.label));
        v
    }

    /// Event types as choices.
    pub fn event_type_choices(&self, selected: Option<EventTypeId>) -> Vec<Choice> {
        let mut v: Vec<_> = self
            .event_types
            .iter()
            .map(|(id, title)| Choice {
                value: id.to_string(),
                label: title.clone(),
                selected: Some(*id) == selected,
            })
            .collect();
        v.sort_by(|a, b| a.label.cmp(&b.label));
        v
    }

    fn event_type(&self, id: EventTypeId) -> String {
        self.event_types.get(&id).cloned().unwrap_or_else(|| id.to_string())
    }
}

/// An instant as local wall time in `zone` (`Mon 2 Mar 2026 09:00 EST`).
pub fn local(second: i64, zone: &Zone) -> String {
    sked_core::interval::timestamp(second)
        .to_zoned(zone.tz().clone())
        .strftime("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

fn contact(b: &Booking) -> String {
    [b.attendee_email.as_deref(), b.attendee_phone.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn hosts(names: &Names, b: &Booking) -> String {
    b.host_ids.0.iter().map(|h| names.host(*h)).collect::<Vec<_>>().join(", ")
}

/// A booking as a list row.
pub fn row(names: &Names, b: &Booking) -> Row {
    Row {
        id: b.id.to_string(),
        start: local(b.start_at, &names.zone(b)),
        attendee: b.attendee_name.clone(),
        contact: contact(b),
        event_type: names.event_type(b.event_type_id),
        host: hosts(names, b),
        status: b.status.as_str().into(),
        no_show: b.no_show_at.is_some(),
        source: b.source.as_str().into(),
        code: b.confirmation_code.clone(),
    }
}

/// A booking in full.
pub fn detail(names: &Names, b: &Booking) -> Detail {
    let zone = names.zone(b);
    Detail {
        id: b.id.to_string(),
        code: b.confirmation_code.clone(),
        status: b.status.as_str().into(),
        confirmed: b.status == sked_core::booking::BookingStatus::Confirmed,
        no_show: b.no_show_at.is_some(),
        start: local(b.start_at, &zone),
        end: local(b.end_at, &zone),
        attendee: b.attendee_name.clone(),
        contact: contact(b),
        event_type: names.event_type(b.event_type_id),
        host: hosts(names, b),
        source: b.source.as_str().into(),
        notes: b.notes.clone(),
        cancel_reason: b.cancel_reason.clone(),
    }
}

/// A message (an email, a text, a webhook delivery) as a log row.
pub fn sent(m: crate::notify::api::MessageView) -> sked_web::admin::Sent {
    sked_web::admin::Sent {
        id: m.id.to_string(),
        created_at: m.created_at,
        channel: m.channel,
        kind: m.kind,
        to: m.to,
        status: m.status,
        attempts: m.attempts,
        error: m.error.unwrap_or_default(),
    }
}
