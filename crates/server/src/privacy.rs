//! Privacy requests and retention: `sked export` prints everything kept about one attendee of a
//! tenant, `sked erase` erases it, and past bookings lose their attendee's personal data once
//! they ended more than `SKED_PERSONAL_DATA_RETENTION_DAYS` ago (hourly, [`retain`]).
//!
//! What erasing keeps and removes is said in `sked_store::privacy`. The hosts' own calendars
//! (Google, Outlook, CalDAV) keep the events written for the bookings, with the attendee's name
//! in them: a host deletes those there.

use serde_json::{Value, json};
use sked_core::contact::{Email, Phone};
use sked_core::ids::TenantId;
use sked_store::{AttendeeData, AuditEntry, Booking, DynStore, Message, Preference};

use crate::time::rfc3339;

/// Who a privacy request is about.
#[derive(Debug, clap::Args)]
pub struct Person {
    /// The tenant's id.
    #[arg(long)]
    pub tenant: TenantId,
    /// The attendee's email address (any case).
    #[arg(long)]
    pub email: String,
    /// Their phone number too (E.164), for bookings made with it.
    #[arg(long)]
    pub phone: Option<String>,
}

impl Person {
    fn checked(&self) -> anyhow::Result<(Email, Option<Phone>)> {
        let email = Email::parse(&self.email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
        let phone = self
            .phone
            .as_deref()
            .map(Phone::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
        Ok((email, phone))
    }
}

/// Everything kept about the person, as JSON.
pub async fn export(store: &DynStore, who: &Person, now: i64) -> anyhow::Result<Value> {
    let (email, phone) = who.checked()?;
    store.tenant(who.tenant).await.map_err(|_| anyhow::anyhow!("no tenant {}", who.tenant))?;
    let data = store.attendee_data(who.tenant, email.as_str(), phone.as_ref().map(Phone::as_str)).await?;
    let AttendeeData { bookings, messages, preferences } = data;
    let mut out = Vec::with_capacity(bookings.len());
    for b in bookings {
        let history = store.booking_history(who.tenant, b.id).await?;
        let history: Vec<Value> = history
            .into_iter()
            .map(|h| json!({"at": rfc3339(h.at), "actor": h.actor, "action": h.action, "reason": h.reason}))
            .collect();
        out.push(json!({"booking": booking(&b), "history": history}));
    }
    Ok(json!({
        "tenant_id": who.tenant,
        "email": email.as_str(),
        "phone": phone.as_ref().map(Phone::as_str),
        "exported_at": rfc3339(now),
        "bookings": out,
        "messages": messages.iter().map(message).collect::<Vec<_>>(),
        "preferences": preferences.iter().map(preference).collect::<Vec<_>>(),
    }))
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn booking(b: &Booking) -> Value {
    json!({
        "id": b.id,
        "confirmation_code": b.confirmation_code,
        "status": b.status.as_str(),
        "event_type_id": b.event_type_id,
        "start": rfc3339(b.start_at),
        "end": rfc3339(b.end_at),
        "attendee": {
            "name": b.attendee_name,
            "email": b.attendee_email,
            "phone": b.attendee_phone,
            "time_zone": b.attendee_time_zone,
        },
        "notes": b.notes,
        "answers": parsed(&b.answers),
        "metadata": parsed(&b.metadata),
        "source": b.source.as_str(),
        "cancel_reason": b.cancel_reason,
        "created_at": rfc3339(b.created_at),
        "updated_at": rfc3339(b.updated_at),
    })
}

fn message(m: &Message) -> Value {
    json!({
        "id": m.id,
        "booking_id": m.booking_id,
        "channel": m.channel.as_str(),
        "kind": m.kind,
        "recipient": m.recipient,
        "status": m.status.as_str(),
        "content": parsed(&m.payload),
        "created_at": rfc3339(m.created_at),
    })
}

fn preference(p: &Preference) -> Value {
    json!({"address": p.address, "channel": p.channel.as_str(), "kind": p.kind, "enabled": p.enabled,
        "updated_at": rfc3339(p.updated_at)})
}

/// Erases the person's data; the audit log says an operator did it (not whose).
pub async fn erase(store: &DynStore, who: &Person, now: i64) -> anyhow::Result<sked_store::Erased> {
    let (email, phone) = who.checked()?;
    store.tenant(who.tenant).await.map_err(|_| anyhow::anyhow!("no tenant {}", who.tenant))?;
    let erased =
        store.erase_attendee(who.tenant, email.as_str(), phone.as_ref().map(Phone::as_str), now).await?;
    let entry = AuditEntry {
        id: uuid::Uuid::now_v7(),
        tenant_id: who.tenant,
        at: now,
        actor: "operator".into(),
        action: "erase attendee".into(),
        target: format!("{} bookings, {} messages", erased.bookings, erased.messages),
    };
    store.record_audit(&entry).await?;
    Ok(erased)
}

/// Bookings erased per pass, so one pass stays a short transaction.
const RETENTION_BATCH: i64 = 500;
/// Passes per hourly run (a large backlog is worked off over a few hours).
const RETENTION_PASSES: usize = 20;

/// Erases the personal data of bookings that ended more than `days` ago.
pub async fn retain(store: &DynStore, days: u32, now: i64) -> u64 {
    if days == 0 {
        return 0;
    }
    let cutoff = now - i64::from(days) * 86_400;
    let mut total = 0;
    for _ in 0..RETENTION_PASSES {
        match store.erase_ended_before(cutoff, now, RETENTION_BATCH).await {
            Ok(e) => {
                total += e.bookings;
                if e.bookings < RETENTION_BATCH as u64 {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not erase personal data past the retention period");
                break;
            }
        }
    }
    if total > 0 {
        tracing::info!(bookings = total, days, "erased personal data of bookings past the retention period");
    }
    total
}
