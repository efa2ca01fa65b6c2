//! An attendee's data found and erased, on request and by age, without touching anyone else's
//! or the time the bookings hold.

use sked_core::ids::*;
use sked_core::notify::{Channel, MessageStatus, Role};
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn message(b: &Booking, role: Role, recipient: &str, key: &str) -> Message {
    Message {
        id: MessageId::new(),
        tenant_id: b.tenant_id,
        booking_id: Some(b.id),
        webhook_id: None,
        channel: Channel::Email,
        kind: "confirmation".into(),
        role,
        recipient: recipient.into(),
        status: MessageStatus::Queued,
        dedupe_key: key.into(),
        payload: r#"{"attendee":"Pat Lee"}"#.into(),
        provider_id: None,
        error: None,
        attempts: 0,
        sending_at: None,
        response_code: None,
        next_attempt_at: None,
        created_at: T0,
        updated_at: T0,
    }
}

fn preference(tenant: TenantId, address: &str) -> Preference {
    Preference {
        tenant_id: tenant,
        address: address.into(),
        channel: Channel::Email,
        kind: "*".into(),
        enabled: false,
        source: "unsubscribe".into(),
        updated_at: T0,
    }
}

#[tokio::test]
async fn an_attendee_is_found_and_erased_and_nobody_else() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let mut pat = booking(&w, &[w.hosts[0].id], T0 + 86_400, "PAT001");
        pat.attendee_email = Some("Pat@Example.test".into());
        pat.notes = Some("bad knee".into());
        pat.answers = r#"{"q1":"allergic to latex"}"#.into();
        s.create_booking(&write(pat.clone(), "created")).await.unwrap();
        let mut sam = booking(&w, &[w.hosts[1].id], T0 + 86_400, "SAM001");
        sam.attendee_email = Some("sam@example.test".into());
        sam.attendee_phone = Some("+15557654321".into());
        s.create_booking(&write(sam.clone(), "created")).await.unwrap();
        let msgs = [
            message(&pat, Role::Attendee, "pat@example.test", "m1"),
            message(&pat, Role::Host, "ann@acme.test", "m2"),
            message(&sam, Role::Attendee, "sam@example.test", "m3"),
        ];
        let items: Vec<_> = msgs.iter().map(|m| (m.clone(), None)).collect();
        s.queue_messages(&items).await.unwrap();
        s.set_preference(&preference(w.tenant, "pat@example.test")).await.unwrap();
        s.set_preference(&preference(w.tenant, "sam@example.test")).await.unwrap();

        // found by email in any case, in this tenant only
        let found = s.attendee_data(w.tenant, " PAT@example.TEST ", None).await.unwrap();
        assert_eq!(found.bookings.iter().map(|b| b.id).collect::<Vec<_>>(), [pat.id]);
        assert_eq!(found.messages.iter().map(|m| m.id).collect::<Vec<_>>(), [msgs[0].id]);
        assert_eq!(found.preferences.len(), 1);
        assert!(s.attendee_data(w.other, "pat@example.test", None).await.unwrap().bookings.is_empty());

        let erased = s.erase_attendee(w.tenant, "pat@example.test", None, T0 + 5).await.unwrap();
        assert_eq!(erased, Erased { bookings: 1, messages: 2 });
        let b = s.booking(w.tenant, pat.id).await.unwrap();
        assert_eq!(b.attendee_name, ERASED);
        assert_eq!((b.attendee_email, b.attendee_phone, b.notes), (None, None, None));
        assert_eq!(b.answers, "{}");
        // the time stays held
        assert_eq!(
            (b.start_at, b.end_at, b.status, b.host_ids),
            (pat.start_at, pat.end_at, pat.status, pat.host_ids)
        );
        let m = s.message(msgs[0].id).await.unwrap();
        assert_eq!(
            (m.recipient.as_str(), m.payload.as_str(), m.status),
            (ERASED, "{}", MessageStatus::Skipped)
        );
        let host_copy = s.message(msgs[1].id).await.unwrap();
        assert_eq!((host_copy.recipient.as_str(), host_copy.payload.as_str()), ("ann@acme.test", "{}"));
        assert!(s.preferences(w.tenant, "pat@example.test").await.unwrap().is_empty());
        let left = s.attendee_data(w.tenant, "pat@example.test", None).await.unwrap();
        assert!(left.bookings.is_empty() && left.messages.is_empty() && left.preferences.is_empty());

        // Sam is untouched
        let other = s.booking(w.tenant, sam.id).await.unwrap();
        assert_eq!(other.attendee_email.as_deref(), Some("sam@example.test"));
        assert_eq!(s.message(msgs[2].id).await.unwrap().payload, msgs[2].payload);
        assert_eq!(s.preferences(w.tenant, "sam@example.test").await.unwrap().len(), 1);
        db
    })
    .await;
}

#[tokio::test]
async fn retention_erases_bookings_that_ended_long_enough_ago_in_batches() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let mut ids = vec![];
        for k in 0..3 {
            let b = booking(&w, &[w.hosts[0].id], T0 + k * 3_600, &format!("OLD00{k}"));
            s.create_booking(&write(b.clone(), "created")).await.unwrap();
            ids.push(b.id);
        }
        let recent = booking(&w, &[w.hosts[0].id], T0 + 100 * 86_400, "NEW001");
        s.create_booking(&write(recent.clone(), "created")).await.unwrap();
        let cutoff = T0 + 30 * 86_400;
        assert_eq!(s.erase_ended_before(cutoff, cutoff, 2).await.unwrap().bookings, 2);
        assert_eq!(s.erase_ended_before(cutoff, cutoff, 2).await.unwrap().bookings, 1);
        assert_eq!(s.erase_ended_before(cutoff, cutoff, 2).await.unwrap().bookings, 0, "each once");
        for id in ids {
            assert_eq!(s.booking(w.tenant, id).await.unwrap().attendee_name, ERASED);
        }
        assert_eq!(s.booking(w.tenant, recent.id).await.unwrap().attendee_name, "Pat Lee");
        db
    })
    .await;
}
