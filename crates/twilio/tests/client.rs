//! The Twilio client against the Twilio stand-in of `sked-test-utils`.

#![allow(clippy::unwrap_used)]

use sked_test_utils::twilio::{Failure, TwilioStandIn};
use sked_twilio::{Client, Config, Error, Sender};

const SID: &str = "AC00000000000000000000000000000002";
const TOKEN: &str = "client-test-token";
const TO: &str = "+15551234567";

async fn setup(sender: Sender) -> (TwilioStandIn, Client) {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    let client = Client::new(Config::at(t.base_url(), SID, TOKEN, sender)).unwrap();
    (t, client)
}

fn from() -> Sender {
    Sender::From("+15550001111".into())
}

// The stand-in (without a shared clock) dates messages by the wall clock.
#[allow(clippy::disallowed_methods)]
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[tokio::test]
async fn sends_from_a_number() {
    let (t, client) = setup(from()).await;
    let sent = client.send(TO, "See you at 10:00", Some("https://sked.test/twilio/status")).await.unwrap();
    assert!(sent.sid.starts_with("SM") && sent.sid.len() == 34, "{sent:?}");
    assert_eq!((sent.status.as_str(), sent.num_segments), ("queued", Some(1)));
    let recorded = t.sent();
    assert_eq!(recorded.len(), 1);
    assert_eq!((recorded[0].sid.as_str(), recorded[0].to.as_str()), (sent.sid.as_str(), TO));
    assert_eq!(recorded[0].from.as_deref(), Some("+15550001111"));
    assert_eq!(recorded[0].status_callback.as_deref(), Some("https://sked.test/twilio/status"));
}

#[tokio::test]
async fn sends_through_a_messaging_service() {
    let (t, client) = setup(Sender::MessagingService("MG0001".into())).await;
    let sent = client.send(TO, &"ł".repeat(71), None).await.unwrap();
    assert_eq!((sent.status.as_str(), sent.num_segments), ("accepted", Some(2)));
    let recorded = &t.sent()[0];
    assert_eq!((recorded.from.as_deref(), recorded.messaging_service_sid.as_deref()), (None, Some("MG0001")));
    assert_eq!(recorded.status_callback, None);
}

#[tokio::test]
async fn refusals_are_told_apart() {
    let (t, client) = setup(from()).await;
    match client.send("+1555", "x", None).await {
        Err(Error::Rejected { code: Some(21211), status: 400, message }) => {
            assert!(message.contains("+1555"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let wrong = Client::new(Config::at(t.base_url(), SID, "wrong", from())).unwrap();
    assert_eq!(wrong.send(TO, "x", None).await, Err(Error::Unauthorized));
    assert_eq!(wrong.find_sent(TO, "x", now()).await, Err(Error::Unauthorized));
    let no_sender = Client::new(Config::at(t.base_url(), SID, TOKEN, Sender::From(String::new()))).unwrap();
    assert!(matches!(no_sender.send(TO, "x", None).await, Err(Error::Rejected { code: Some(21603), .. })));
    assert!(t.sent().is_empty());
}

#[tokio::test]
async fn failures_worth_retrying() {
    let (t, client) = setup(from()).await;
    t.fail_with(Failure::Throttle { retry_after_secs: Some(12) });
    let e = client.send(TO, "x", None).await.unwrap_err();
    assert!(matches!(&e, Error::RetryAfter { secs: 12, .. }) && e.is_transient(), "{e:?}");
    t.fail_with(Failure::Throttle { retry_after_secs: None });
    assert!(matches!(client.find_sent(TO, "x", now()).await, Err(Error::RetryAfter { secs: 60, .. })));
    t.fail_with(Failure::ServerError);
    let e = client.send(TO, "x", None).await.unwrap_err();
    assert!(matches!(&e, Error::Retry { .. }) && e.is_transient(), "{e:?}");
    t.fail_with(Failure::None);
    assert!(client.send(TO, "x", None).await.is_ok());
    assert_eq!(t.request_count(), 4);
}

#[tokio::test]
async fn an_unreachable_twilio_is_worth_retrying() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(Config::at(base, SID, TOKEN, from())).unwrap();
    assert!(matches!(client.send(TO, "x", None).await, Err(Error::Retry { .. })));
}

#[tokio::test]
async fn finds_a_message_sent_before_a_crash() {
    let (t, client) = setup(from()).await;
    let since = now();
    let sent = client.send(TO, "Your booking is confirmed", None).await.unwrap();
    client.send(TO, "Something else", None).await.unwrap();
    client.send("+15559990000", "Your booking is confirmed", None).await.unwrap();
    let found = client.find_sent(TO, "Your booking is confirmed", since).await.unwrap().unwrap();
    assert_eq!(found.sid, sent.sid);
    assert_eq!((found.status.as_str(), found.num_segments), ("sent", Some(1)));
    assert_eq!(client.find_sent(TO, "Your booking is moved", since).await.unwrap(), None);
    // Sent well before `since`: not the message looked for.
    assert_eq!(client.find_sent(TO, "Your booking is confirmed", since + 120).await.unwrap(), None);
    assert_eq!(t.sent().len(), 3);
}

#[tokio::test]
async fn finds_a_message_on_a_later_page() {
    let (t, client) = setup(from()).await;
    let since = now();
    let first = client.send(TO, "the first", None).await.unwrap();
    for i in 0..120 {
        client.send(TO, &format!("filler {i}"), None).await.unwrap();
    }
    let found = client.find_sent(TO, "the first", since).await.unwrap();
    assert_eq!(found.map(|f| f.sid), Some(first.sid));
    // One page of 100 and the next.
    assert_eq!(t.request_count(), 121 + 2);
}
