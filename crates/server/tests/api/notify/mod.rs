//! Notifications end to end: email through a real SMTP server (aiosmtpd), SMS through the Twilio
//! stand-in and its signed webhooks, reminders on the test clock, and outbound webhooks to a
//! local receiver.

mod email;
mod recovery;
mod reminders;
mod sms;
mod webhooks;

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use sked_server::Settings;
use sked_server::config::Secret;
use sked_test_utils::smtp::SmtpSink;

use crate::helpers::TestApp;

pub const FROM: &str = "bookings@sked.test";

/// Settings sending email to `sink`.
pub fn with_email(s: &mut Settings, sink: &SmtpSink) {
    s.smtp_url = Some(Secret::from(sink.url()));
    s.email_from = Some(FROM.into());
}

/// One received email, parsed.
#[derive(Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// The `method=` of the calendar part's content type, and the part.
    pub calendar: Option<(String, String)>,
    pub list_unsubscribe: Option<String>,
    pub headers: String,
}

pub fn parse(raw: &[u8]) -> Mail {
    let m = MessageParser::default().parse(raw).expect("a MIME message");
    let to = m.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned();
    let mut calendar = None;
    for part in m.parts.iter() {
        if let Some(ct) = part.content_type()
            && ct.ctype() == "text"
            && ct.subtype() == Some("calendar")
        {
            let method = ct.attribute("method").unwrap_or_default().to_owned();
            calendar = Some((method, part.text_contents().unwrap_or_default().to_owned()));
        }
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let headers = String::from_utf8_lossy(&raw[..end]).into_owned();
    let list_unsubscribe = headers
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: "))
        .map(|v| v.trim().trim_matches(|c| c == '<' || c == '>').to_owned());
    Mail {
        to,
        subject: m.subject().unwrap_or_default().to_owned(),
        message_id: m.message_id().unwrap_or_default().to_owned(),
        text: m.body_text(0).unwrap_or_default().into_owned(),
        html: m.body_html(0).unwrap_or_default().into_owned(),
        calendar,
        list_unsubscribe,
        headers,
    }
}

/// The ICS properties of the one event (and the calendar's METHOD), parsed back with a real
/// iCalendar parser.
pub fn ics(text: &str) -> (String, Vec<(String, String)>) {
    use icalendar::{Calendar, CalendarComponent, Component};
    let cal: Calendar = text.parse().unwrap_or_else(|e| panic!("ICS does not parse: {e}\n{text}"));
    let method =
        cal.properties.iter().find(|p| p.key() == "METHOD").map(|p| p.value().to_owned()).unwrap_or_default();
    let event = cal.components.iter().find_map(CalendarComponent::as_event).expect("one VEVENT");
    let mut props: Vec<(String, String)> =
        event.properties().iter().map(|(k, p)| (k.clone(), p.value().to_owned())).collect();
    for p in event.multi_properties().values().flatten() {
        props.push((p.key().to_owned(), p.value().to_owned()));
    }
    (method, props)
}

pub fn prop<'a>(props: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    props.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// The messages of a booking, oldest first.
pub async fn messages(app: &TestApp, booking: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/bookings/{booking}/messages?limit=500")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut v = r.body["data"].as_array().unwrap().clone();
    v.reverse();
    v
}
