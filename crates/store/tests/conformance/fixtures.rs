//! Records to store, with sensible defaults.

use sked_core::ids::*;
use sked_store::*;

pub const T0: i64 = 1_780_000_000; // 2026-05-28

pub struct World {
    pub tenant: TenantId,
    pub other: TenantId,
    pub schedule: Schedule,
    pub hosts: Vec<Host>,
    pub event_type: EventType,
}

pub fn tenant(name: &str) -> Tenant {
    let id = TenantId::new();
    Tenant { id, name: name.into(), slug: format!("t-{}", id.0.simple()), created_at: T0 }
}

pub fn schedule(tenant: TenantId) -> Schedule {
    Schedule {
        id: ScheduleId::new(),
        tenant_id: tenant,
        name: "Office".into(),
        time_zone: "America/New_York".parse().unwrap(),
        weekly: r#"{"mon":[{"start":"09:00","end":"17:00"}]}"#.into(),
        overrides: "[]".into(),
        created_at: T0,
        updated_at: T0,
    }
}

pub fn host(tenant: TenantId, schedule: Option<ScheduleId>, name: &str) -> Host {
    Host {
        id: HostId::new(),
        tenant_id: tenant,
        name: name.into(),
        email: Some(format!("{}@example.test", name.to_lowercase())),
        phone: None,
        time_zone: "America/New_York".parse().unwrap(),
        schedule_id: schedule,
        priority: 0,
        weight: 100,
        active: true,
        version: 1,
        max_span: 0,
        external_span: 0,
        external_version: 0,
        feed_version: 1,
        created_at: T0,
        updated_at: T0,
    }
}

pub fn event_type(tenant: TenantId, hosts: &[HostId], slug: &str) -> EventType {
    EventType {
        id: EventTypeId::new(),
        tenant_id: tenant,
        slug: slug.into(),
        title: "Consultation".into(),
        description: None,
        duration_minutes: 30,
        slot_interval_minutes: None,
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        min_notice_minutes: 0,
        max_days_ahead: 60,
        daily_limit: None,
        assignment: sked_core::assign::Assignment::RoundRobin,
        location: None,
        send_updates: sked_core::notify::SendUpdates::All,
        reminders: "[]".into(),
        questions: "[]".into(),
        version: 1,
        created_at: T0,
        updated_at: T0,
        host_ids: hosts.to_vec(),
    }
}

pub async fn world(store: &DynStore) -> World {
    let t = tenant("Acme");
    let o = tenant("Other");
    store.insert_tenant(&t).await.unwrap();
    store.insert_tenant(&o).await.unwrap();
    let s = schedule(t.id);
    store.insert_schedule(&s).await.unwrap();
    let hosts = vec![host(t.id, Some(s.id), "Ann"), host(t.id, Some(s.id), "Bob")];
    for h in &hosts {
        store.insert_host(h).await.unwrap();
    }
    let e = event_type(t.id, &[hosts[0].id, hosts[1].id], "consult");
    store.insert_event_type(&e).await.unwrap();
    World { tenant: t.id, other: o.id, schedule: s, hosts, event_type: e }
}

/// A confirmed booking of `w.event_type` on `hosts` at `start` (30 minutes, 0/10 buffers).
pub fn booking(w: &World, hosts: &[HostId], start: i64, code: &str) -> Booking {
    Booking {
        id: BookingId::new(),
        tenant_id: w.tenant,
        uid: format!("{}@sked", uuid::Uuid::now_v7()),
        confirmation_code: code.into(),
        status: sked_core::booking::BookingStatus::Confirmed,
        event_type_id: w.event_type.id,
        host_id: hosts[0],
        start_at: start,
        end_at: start + 1_800,
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        attendee_name: "Pat Lee".into(),
        attendee_email: Some("pat@example.test".into()),
        attendee_phone: Some("+15551234567".into()),
        attendee_time_zone: None,
        notes: None,
        metadata: "{}".into(),
        source: sked_core::booking::BookingSource::Api,
        external_ref: None,
        sequence: 0,
        cancel_reason: None,
        answers: "{}".into(),
        created_at: T0,
        updated_at: T0,
        no_show_at: None,
        host_ids: Ids(hosts.to_vec()),
    }
}

pub fn history(b: &Booking, action: &str) -> HistoryEntry {
    HistoryEntry {
        id: uuid::Uuid::now_v7(),
        booking_id: b.id,
        tenant_id: b.tenant_id,
        at: T0,
        actor: "test".into(),
        action: action.parse().unwrap(),
        before: None,
        after: Some(format!(r#"{{"start":{}}}"#, b.start_at)),
        reason: None,
    }
}

pub fn job(tenant: Option<TenantId>, kind: &str, run_at: i64) -> NewJob {
    NewJob {
        id: JobId::new(),
        tenant_id: tenant,
        kind: kind.into(),
        payload: "{}".into(),
        dedupe_key: None,
        run_at,
        max_attempts: 3,
        created_at: run_at,
    }
}

pub fn write(b: Booking, action: &str) -> BookingWrite {
    let history = history(&b, action);
    let jobs = vec![job(Some(b.tenant_id), "booking.event", T0)];
    BookingWrite { booking: b, daily_limit: None, history, jobs, idempotency: None }
}

pub fn page(limit: i64) -> Page {
    Page { limit, after: None }
}
