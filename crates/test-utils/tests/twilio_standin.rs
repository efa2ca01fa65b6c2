//! The Twilio stand-in, exercised over HTTP with plain reqwest, as Twilio's API is documented.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::Value;
use sked_test_utils::http;
use sked_test_utils::twilio::{Failure, SentSms, TwilioStandIn};

const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "stand-in-token";

fn messages_url(t: &TwilioStandIn) -> String {
    format!("{}/2010-04-01/Accounts/{SID}/Messages.json", t.base_url())
}

async fn post(t: &TwilioStandIn, form: &[(&str, &str)], token: &str) -> (u16, Value, HeaderMap) {
    let r = http().post(messages_url(t)).basic_auth(SID, Some(token)).form(form).send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap(), headers)
}

async fn get(url: &str) -> (u16, Value) {
    let r = http().get(url).basic_auth(SID, Some(TOKEN)).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn send_answers_the_documented_shape() {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    let form = [
        ("To", "+15551234567"),
        ("From", "+15550001111"),
        ("Body", "Hi “Pat”"),
        ("StatusCallback", "http://x.test/cb"),
    ];
    let (status, m, _) = post(&t, &form, TOKEN).await;
    assert_eq!(status, 201, "{m}");
    let sid = m["sid"].as_str().unwrap();
    assert!(
        sid.len() == 34 && sid.starts_with("SM") && sid[2..].chars().all(|c| c.is_ascii_hexdigit()),
        "{sid}"
    );
    assert_eq!(
        (m["status"].as_str(), m["to"].as_str(), m["from"].as_str()),
        (Some("queued"), Some("+15551234567"), Some("+15550001111"))
    );
    assert_eq!((m["num_segments"].as_str(), m["num_media"].as_str()), (Some("1"), Some("0")));
    assert_eq!(
        (m["direction"].as_str(), m["api_version"].as_str()),
        (Some("outbound-api"), Some("2010-04-01"))
    );
    assert_eq!((m["account_sid"].as_str(), m["body"].as_str()), (Some(SID), Some("Hi “Pat”")));
    assert!(m["date_sent"].is_null() && m["error_code"].is_null() && m["messaging_service_sid"].is_null());
    assert!(jiff::fmt::rfc2822::parse(m["date_created"].as_str().unwrap()).is_ok(), "{m}");
    assert_eq!(m["uri"].as_str().unwrap(), format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json"));
    assert_eq!(
        t.sent(),
        [SentSms {
            sid: sid.into(),
            to: "+15551234567".into(),
            from: Some("+15550001111".into()),
            messaging_service_sid: None,
            body: "Hi “Pat”".into(),
            status_callback: Some("http://x.test/cb".into()),
        }]
    );
    let long = "a".repeat(161);
    let (_, m, _) =
        post(&t, &[("To", "+15551234567"), ("MessagingServiceSid", "MG1"), ("Body", &long)], TOKEN).await;
    assert_eq!((m["status"].as_str(), m["num_segments"].as_str()), (Some("accepted"), Some("2")));
    assert_eq!((m["messaging_service_sid"].as_str(), m["from"].as_str()), (Some("MG1"), None));
}

#[tokio::test]
async fn bad_requests_get_twilio_error_codes() {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    let ok = [("To", "+15551234567"), ("From", "+15550001111"), ("Body", "x")];
    let (status, e, headers) = post(&t, &ok, "wrong").await;
    assert_eq!((status, e["code"].as_i64(), e["status"].as_i64()), (401, Some(20003), Some(401)));
    assert!(headers.contains_key("www-authenticate"));
    for (form, code) in [
        (vec![("To", "+1555"), ("From", "+15550001111"), ("Body", "x")], 21211),
        (vec![("To", "5551234567"), ("From", "+15550001111"), ("Body", "x")], 21211),
        (vec![("To", "+15551234567"), ("Body", "x")], 21603),
        (
            vec![
                ("To", "+15551234567"),
                ("From", "+15550001111"),
                ("MessagingServiceSid", "MG1"),
                ("Body", "x"),
            ],
            21603,
        ),
        (vec![("To", "+15551234567"), ("From", "+15550001111")], 21602),
        (vec![("To", "+15551234567"), ("From", "+15550001111"), ("Body", "")], 21602),
        (vec![("From", "+15550001111"), ("Body", "x")], 21604),
    ] {
        let (status, e, _) = post(&t, &form, TOKEN).await;
        assert_eq!((status, e["code"].as_i64()), (400, Some(code)), "{form:?}: {e}");
        assert_eq!(e["more_info"].as_str().unwrap(), format!("https://www.twilio.com/docs/errors/{code}"));
    }
    let (status, e) = get(&format!("{}/2010-04-01/Accounts/ACother/Messages.json", t.base_url())).await;
    assert_eq!((status, e["code"].as_i64()), (404, Some(20404)));
    assert!(t.sent().is_empty());
    assert_eq!(t.request_count(), 9);
}

#[tokio::test]
#[allow(clippy::disallowed_methods)] // the stand-in dates messages by the wall clock
async fn lists_filter_and_page_newest_first() {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    for i in 0..5 {
        let to = if i == 2 { "+15559990000" } else { "+15551234567" };
        post(&t, &[("To", to), ("From", "+15550001111"), ("Body", &format!("m{i}"))], TOKEN).await;
    }
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let first = format!("{}?To=%2B15551234567&DateSent%3E={today}&PageSize=3", messages_url(&t));
    let (status, page) = get(&first).await;
    assert_eq!(status, 200, "{page}");
    let bodies = |p: &Value| {
        p["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(&page), ["m4", "m3", "m1"]);
    assert_eq!((page["page"].as_u64(), page["page_size"].as_u64()), (Some(0), Some(3)));
    assert!(page["previous_page_uri"].is_null());
    assert_eq!(page["messages"][0]["status"].as_str(), Some("sent"));
    assert!(page["messages"][0]["date_sent"].is_string());
    let next = page["next_page_uri"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("/2010-04-01/Accounts/{SID}/Messages.json?")) && next.contains("Page=1"),
        "{next}"
    );
    let (_, page) = get(&format!("{}{next}", t.base_url())).await;
    assert_eq!(bodies(&page), ["m0"]);
    assert!(page["next_page_uri"].is_null());
    let tomorrow = today.tomorrow().unwrap();
    let (_, page) = get(&format!("{}?DateSent%3E={tomorrow}", messages_url(&t))).await;
    assert_eq!(bodies(&page), Vec::<String>::new());
    let (_, page) = get(&format!("{}?From=%2B15550001111&To=%2B15559990000", messages_url(&t))).await;
    assert_eq!(bodies(&page), ["m2"]);
    let (status, e) = get(&format!("{}?DateSent%3E=soon", messages_url(&t))).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(20001)));
}

#[tokio::test]
async fn failures_on_demand() {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    let ok = [("To", "+15551234567"), ("From", "+15550001111"), ("Body", "x")];
    t.fail_with(Failure::Throttle { retry_after_secs: Some(7) });
    let (status, e, headers) = post(&t, &ok, TOKEN).await;
    assert_eq!((status, e["code"].as_i64()), (429, Some(20429)));
    assert_eq!(headers["retry-after"], "7");
    t.fail_with(Failure::Throttle { retry_after_secs: None });
    let (status, _, headers) = post(&t, &ok, TOKEN).await;
    assert!(status == 429 && !headers.contains_key("retry-after"));
    t.fail_with(Failure::ServerError);
    let (status, e, _) = post(&t, &ok, TOKEN).await;
    assert_eq!((status, e["code"].as_i64()), (500, Some(20500)));
    assert!(t.sent().is_empty());
    t.fail_with(Failure::None);
    assert_eq!(post(&t, &ok, TOKEN).await.0, 201);
    assert_eq!((t.sent().len(), t.request_count()), (1, 4));
}

/// What a webhook receiver saw: the params of each post, and whether its signature held.
type Seen = Arc<Mutex<Vec<(Vec<(String, String)>, bool)>>>;

/// A receiver that checks signatures against its own URL and answers TwiML.
async fn receiver() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms?tenant=1", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let own = url.clone();
    let app = axum::Router::new()
        .route(
            "/sms",
            axum::routing::post(
                |State((own, seen)): State<(String, Seen)>, headers: HeaderMap, body: String| async move {
                    let params: Vec<(String, String)> =
                        form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                    let sig =
                        headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    let ok = sked_twilio::verify(TOKEN, &own, &params, sig);
                    let reply = params.iter().find(|(k, _)| k == "Body").map(|(_, b)| format!("echo: {b}"));
                    seen.lock().unwrap().push((params, ok));
                    (
                        if ok { 200 } else { 403 }.try_into().unwrap_or(axum::http::StatusCode::OK),
                        sked_twilio::twiml(reply.as_deref()),
                    )
                },
            ),
        )
        .with_state((own, seen.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn signed_callbacks_and_inbound_messages() {
    let t = TwilioStandIn::start(SID, TOKEN).await;
    let (url, seen) = receiver().await;
    let (_, m, _) = post(
        &t,
        &[("To", "+15551234567"), ("From", "+15550001111"), ("Body", "x"), ("StatusCallback", &url)],
        TOKEN,
    )
    .await;
    let sid = m["sid"].as_str().unwrap();
    assert_eq!(t.send_status_callback(sid, "undelivered", Some("30003")).await, 200);
    assert_eq!(t.status_of(sid).as_deref(), Some("undelivered"));
    let (params, ok) = seen.lock().unwrap()[0].clone();
    assert!(ok, "{params:?}");
    for (name, want) in [
        ("MessageSid", sid),
        ("MessageStatus", "undelivered"),
        ("ErrorCode", "30003"),
        ("AccountSid", SID),
        ("From", "+15550001111"),
        ("To", "+15551234567"),
        ("ApiVersion", "2010-04-01"),
        ("SmsSid", sid),
        ("SmsStatus", "undelivered"),
    ] {
        assert_eq!(param(&params, name), Some(want), "{name}");
    }
    let (status, body) = t.send_inbound(&url, "+15551234567", "+15550001111", "STOP & go").await;
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>echo: STOP &amp; go</Message></Response>"#
        )
    );
    let (params, ok) = seen.lock().unwrap()[1].clone();
    assert!(ok);
    assert_eq!(
        (param(&params, "From"), param(&params, "Body"), param(&params, "NumMedia")),
        (Some("+15551234567"), Some("STOP & go"), Some("0"))
    );
    let forged = vec![("Body".to_owned(), "hi".to_owned())];
    assert_eq!(t.post_form(&url, &forged, Some("AAAA")).await.0, 403);
    assert_eq!(t.post_form(&url, &forged, None).await.0, 403);
}
