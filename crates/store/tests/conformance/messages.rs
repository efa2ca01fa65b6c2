//! Messages waiting out a backoff, brought forward when their channel or endpoint answers again,
//! never past a provider's `Retry-After`.

use sked_core::ids::*;
use sked_core::notify::{Channel, MessageStatus, Role};
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

/// A message of `tenant` on `channel` (to `endpoint` for webhooks), with its `message.send` job.
fn queued(tenant: TenantId, channel: Channel, endpoint: Option<WebhookId>, run_at: i64) -> (Message, NewJob) {
    let id = MessageId::new();
    let m = Message {
        id,
        tenant_id: tenant,
        booking_id: None,
        webhook_id: endpoint,
        channel,
        kind: "confirmation".into(),
        role: Role::Attendee,
        recipient: "pat@example.test".into(),
        status: MessageStatus::Queued,
        dedupe_key: format!("key-{}", id.0),
        payload: "{}".into(),
        provider_id: None,
        error: None,
        attempts: 0,
        sending_at: None,
        response_code: None,
        next_attempt_at: None,
        created_at: T0,
        updated_at: T0,
    };
    let job = NewJob {
        payload: format!(r#"{{"message_id":"{}"}}"#, id.0),
        ..job(Some(tenant), "message.send", run_at)
    };
    (m, job)
}

/// Attempts each message due at `now` as the sender does, and fails it: its job queued again at
/// the time `plan` gives it, with the hold the provider asked for.
async fn fail_all(s: &DynStore, now: i64, plan: impl Fn(&NewJob) -> (i64, Option<i64>), jobs: &[&NewJob]) {
    for j in s.lease_jobs("w", now, 30, 100).await.unwrap() {
        let Some(new) = jobs.iter().find(|n| n.id == j.id) else { continue };
        let v: serde_json::Value = serde_json::from_str(&j.payload).unwrap();
        let id = MessageId(v["message_id"].as_str().unwrap().parse().unwrap());
        s.start_sending(id, now).await.unwrap();
        let (at, hold) = plan(new);
        let later = MessageOutcome {
            status: MessageStatus::Queued,
            provider_id: None,
            error: Some("down".into()),
            response_code: None,
            next_attempt_at: Some(at),
        };
        s.settle_message(id, &later, now).await.unwrap();
        s.fail_job(j.id, "w", now, "down", Some(at), hold).await.unwrap();
    }
}

#[tokio::test]
async fn messages_waiting_for_a_retry_run_when_their_channel_or_endpoint_answers_again() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let (a, b) = (tenant("Acme"), tenant("Other"));
        s.insert_tenant(&a).await.unwrap();
        s.insert_tenant(&b).await.unwrap();
        let (hook, other_hook) = (WebhookId::new(), WebhookId::new());
        let email = queued(a.id, Channel::Email, None, T0);
        let email_elsewhere = queued(b.id, Channel::Email, None, T0);
        // Twilio said `Retry-After: 600`; an endpoint said 60 on a retry planned an hour out.
        let throttled = queued(a.id, Channel::Email, None, T0);
        let briefly = queued(a.id, Channel::Webhook, Some(hook), T0);
        let sms = queued(a.id, Channel::Sms, None, T0);
        let delivery = queued(a.id, Channel::Webhook, Some(hook), T0);
        let other_delivery = queued(a.id, Channel::Webhook, Some(other_hook), T0);
        // A reminder for tomorrow: never attempted, it keeps its time.
        let reminder = queued(a.id, Channel::Email, None, T0 + 86_400);
        let all =
            [&email, &email_elsewhere, &throttled, &briefly, &sms, &delivery, &other_delivery, &reminder];
        let items: Vec<_> = all.iter().map(|(m, j)| (m.clone(), Some(j.clone()))).collect();
        assert_eq!(s.queue_messages(&items).await.unwrap(), 8);
        let jobs: Vec<&NewJob> = all.iter().map(|(_, j)| j).collect();
        let plan = |j: &NewJob| match j.id {
            id if id == throttled.1.id => (T0 + 600, Some(T0 + 600)),
            id if id == briefly.1.id => (T0 + 3_600, Some(T0 + 60)),
            _ => (T0 + 3_600, None),
        };
        fail_all(&s, T0, plan, &jobs).await;
        let run_at = |j: &NewJob| {
            let (s, id) = (s.clone(), j.id);
            async move { s.job(id).await.unwrap().run_at }
        };

        // The mail server answers again: every tenant's emails waiting for a retry run now,
        // except the one told to wait; SMS and webhooks keep their times.
        let now = T0 + 5;
        assert_eq!(s.expedite_messages(Via::Channel(Channel::Email), now).await.unwrap(), 2);
        for (j, at) in [
            (&email.1, now),
            (&email_elsewhere.1, now),
            (&throttled.1, T0 + 600),
            (&reminder.1, T0 + 86_400),
            (&sms.1, T0 + 3_600),
            (&delivery.1, T0 + 3_600),
        ] {
            assert_eq!(run_at(j).await, at);
        }
        assert_eq!(s.expedite_messages(Via::Channel(Channel::Email), now).await.unwrap(), 0, "none left");
        assert_eq!(s.expedite_messages(Via::Channel(Channel::Sms), now).await.unwrap(), 1);
        assert_eq!(run_at(&sms.1).await, now);
        // An endpoint answers: its deliveries run, the one told to wait a minute after that
        // minute; another endpoint's keep their time.
        assert_eq!(s.expedite_messages(Via::Endpoint(hook), now).await.unwrap(), 2);
        assert_eq!((run_at(&delivery.1).await, run_at(&briefly.1).await), (now, T0 + 60));
        assert_eq!(run_at(&other_delivery.1).await, T0 + 3_600);

        // A message sent again by hand gets a new job, which is the one brought forward.
        let due = s.lease_jobs("w", now, 30, 100).await.unwrap();
        assert_eq!(due.len(), 4, "the two emails, the text and the delivery");
        for j in &due {
            s.complete_job(j.id, "w", now).await.unwrap();
        }
        let sent = MessageOutcome {
            status: MessageStatus::Sent,
            provider_id: Some("<1@sked.test>".into()),
            error: None,
            response_code: None,
            next_attempt_at: None,
        };
        s.settle_message(email.0.id, &sent, now).await.unwrap();
        let again = NewJob { id: JobId::new(), run_at: now, ..email.1.clone() };
        s.requeue_message(a.id, email.0.id, &again, now).await.unwrap();
        fail_all(&s, now, |_| (T0 + 7_200, None), &[&again]).await;
        assert_eq!(s.expedite_messages(Via::Channel(Channel::Email), now + 1).await.unwrap(), 1);
        assert_eq!(run_at(&again).await, now + 1);
        db
    })
    .await;
}
