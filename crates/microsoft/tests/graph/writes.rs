//! Bookings written to Outlook: idempotent creates, patches, deletes, and reading them back.

use sked_microsoft::events::{BOOKING_PROPERTY_ID, When, transaction_id};
use sked_microsoft::{Attendee, DeltaStart, EventPatch, NewEvent, ProviderError};

use super::support::{env, ts};

fn booking(id: &str) -> NewEvent {
    NewEvent {
        subject: "Intro call with Ann".into(),
        body: "Booked with Sked.".into(),
        start: ts("2026-03-10T14:00:00Z"),
        end: ts("2026-03-10T14:30:00Z"),
        location: Some("Phone".into()),
        attendee: Some(Attendee { email: "ann@example.com".into(), name: Some("Ann".into()) }),
        booking_id: id.into(),
        transaction_id: transaction_id(id, 0),
    }
}

#[tokio::test]
async fn a_retried_create_returns_the_event_already_made() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let made = e.client.create_event(&access, &cal, &booking("bk_1")).await.unwrap();
    assert_eq!(made.transaction_id.as_deref(), Some("sked.bk_1.0"));
    assert_eq!(made.booking_id(), Some("bk_1"), "known from the transaction id");
    assert_eq!(made.stored().start, Some(When::At(ts("2026-03-10T14:00:00Z").as_second())));
    let again = e.client.create_event(&access, &cal, &booking("bk_1")).await.unwrap();
    assert_eq!(again.id, made.id);
    let stored = e.ms.events(&cal);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["attendees"][0]["emailAddress"]["address"], "ann@example.com");
    assert_eq!(stored[0]["singleValueExtendedProperties"][0]["id"], BOOKING_PROPERTY_ID);
    assert_eq!(stored[0]["body"]["content"], "Booked with Sked.");

    let mut next = booking("bk_1");
    next.transaction_id = transaction_id("bk_1", 1);
    let other = e.client.create_event(&access, &cal, &next).await.unwrap();
    assert_ne!(other.id, made.id, "a new generation is a new event");
}

#[tokio::test]
async fn get_expands_the_booking_property() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let mut b = booking("bk_2");
    b.transaction_id = "7E163156-7762-4BEB-A1C6-729EA81755A7".into();
    let made = e.client.create_event(&access, &cal, &b).await.unwrap();
    assert_eq!(made.booking_id(), None, "neither expanded nor a Sked transaction id");
    let got = e.client.get_event(&access, &made.id).await.unwrap();
    assert_eq!(got.booking_id(), Some("bk_2"));
    assert_eq!(got.extended_properties.len(), 1);
    let err = e.client.get_event(&access, "AAMkAGnothere").await.unwrap_err();
    assert_eq!(err, ProviderError::NotFound);
}

#[tokio::test]
async fn patches_move_the_event_and_delta_sees_the_booking() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let window = DeltaStart::Fresh { start: ts("2026-03-01T00:00:00Z"), end: ts("2026-04-01T00:00:00Z") };
    let made = e.client.create_event(&access, &cal, &booking("bk_3")).await.unwrap();
    let round = e.client.calendar_view_delta_round(&access, &cal, window).await.unwrap();
    let seen = round.events[0].stored();
    assert_eq!(seen.booking_id.as_deref(), Some("bk_3"));
    assert!(seen.blocks);

    let patch = EventPatch {
        start: Some(ts("2026-03-11T09:00:00Z")),
        end: Some(ts("2026-03-11T09:30:00Z")),
        subject: Some("Moved".into()),
        ..EventPatch::default()
    };
    let moved = e.client.update_event(&access, &made.id, &patch).await.unwrap();
    assert_eq!(moved.id, made.id);
    assert_eq!(moved.subject.as_deref(), Some("Moved"));
    let next =
        e.client.calendar_view_delta_round(&access, &cal, DeltaStart::Link(&round.delta_link)).await.unwrap();
    assert_eq!(next.events.len(), 1);
    assert_eq!(next.events[0].stored().start, Some(When::At(ts("2026-03-11T09:00:00Z").as_second())));
    assert_eq!(next.events[0].booking_id(), Some("bk_3"));
}

#[tokio::test]
async fn deleting_twice_is_fine() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let made = e.client.create_event(&access, &cal, &booking("bk_4")).await.unwrap();
    assert!(e.client.delete_event(&access, &made.id).await.unwrap());
    assert!(!e.client.delete_event(&access, &made.id).await.unwrap());
    assert!(e.ms.events(&cal).is_empty());
    let err = e.client.update_event(&access, &made.id, &EventPatch::default()).await.unwrap_err();
    assert_eq!(err, ProviderError::NotFound);
}

#[tokio::test]
async fn a_read_only_calendar_refuses_writes() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let shared = e.ms.add_calendar("Shared with me");
    e.ms.set_read_only(&shared, true);
    let err = e.client.create_event(&access, &shared, &booking("bk_5")).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Refused { status: 403, ref reason, .. } if reason == "ErrorAccessDenied"),
        "{err:?}"
    );
    let err = e.client.create_event(&access, "AAMkAGunknown", &booking("bk_5")).await.unwrap_err();
    assert_eq!(err, ProviderError::NotFound);
}
