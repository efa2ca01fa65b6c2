//! The stand-in's Messages API: create (`POST Messages.json`) and list (`GET Messages.json`,
//! with the `To`, `From` and `DateSent` filters and paging), Basic authentication, the failure
//! switch, and Twilio's error documents.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use sked_twilio::API_VERSION;

use super::{Failure, Inner, SentSms, Stored, new_sid};

/// Twilio's error document with `status`.
fn error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status.as_u16()});
    (status, axum::Json(body)).into_response()
}

/// Counts every request, and refuses it while a failure is switched on.
pub(crate) async fn gate(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let failure = {
        let mut st = inner.lock();
        st.requests += 1;
        st.failure
    };
    match failure {
        Failure::None => next.run(req).await,
        Failure::SlowAnswer { secs } => {
            let answer = next.run(req).await;
            tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
            answer
        }
        Failure::LostAnswer => {
            let _done = next.run(req).await;
            error(StatusCode::BAD_GATEWAY, 20500, "the answer was lost")
        }
        Failure::ServerError => {
            error(StatusCode::INTERNAL_SERVER_ERROR, 20500, "An internal server error has occurred")
        }
        Failure::Throttle { retry_after_secs } => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            response
        }
    }
}

/// 404 for any other path.
pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, 20404, "The requested resource was not found")
}

/// Basic authentication as the account, and the account in the path being that one.
fn authorize(inner: &Inner, headers: &HeaderMap, account: &str) -> Result<(), Box<Response>> {
    let expected = format!("{}:{}", inner.account_sid, inner.auth_token);
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.trim()).ok());
    if given.as_deref() != Some(expected.as_bytes()) {
        let mut response = error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Basic realm=\"Twilio API\"".parse().unwrap());
        return Err(Box::new(response));
    }
    if account != inner.account_sid {
        return Err(Box::new(not_found_resource(account)));
    }
    Ok(())
}

fn not_found_resource(account: &str) -> Response {
    let message =
        format!("The requested resource /{API_VERSION}/Accounts/{account}/Messages.json was not found");
    error(StatusCode::NOT_FOUND, 20404, &message)
}

/// The first value of `name` in a form or query.
fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// True for `+` and 8 to 15 digits that Sked's own phone check accepts unchanged.
fn is_e164(number: &str) -> bool {
    sked_core::contact::Phone::parse(number).is_ok_and(|p| p.as_str() == number)
}

/// `POST .../Messages.json`.
pub(crate) async fn create(
    State(inner): State<Arc<Inner>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(refused) = authorize(&inner, &headers, &account) {
        return *refused;
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let bad = |code, message: &str| error(StatusCode::BAD_REQUEST, code, message);
    let to = first(&form, "To").unwrap_or_default();
    if to.is_empty() {
        return bad(21604, "A 'To' phone number is required.");
    }
    if !is_e164(to) {
        return bad(21211, &format!("The 'To' number {to} is not a valid phone number."));
    }
    let from = first(&form, "From").filter(|f| !f.is_empty());
    let service = first(&form, "MessagingServiceSid").filter(|s| !s.is_empty());
    match (from, service) {
        (None, None) => {
            return bad(
                21603,
                "A 'From' or a 'MessagingServiceSid' parameter is required to send a message.",
            );
        }
        // Twilio would take both (the service wins); the stand-in refuses what Sked should not send.
        (Some(_), Some(_)) => return bad(21603, "Give either 'From' or 'MessagingServiceSid', not both."),
        _ => {}
    }
    let text = first(&form, "Body").unwrap_or_default();
    if text.is_empty() {
        return bad(21602, "Message body is required.");
    }
    if text.chars().count() > 1600 {
        return bad(21617, "The concatenated message body exceeds the 1600 character limit.");
    }
    let now = inner.now();
    let asked = SentSms {
        sid: new_sid("SM"),
        to: to.to_owned(),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
        body: text.to_owned(),
        status_callback: first(&form, "StatusCallback").map(str::to_owned),
    };
    let num_segments = sked_twilio::segments::segments(text).count;
    let answered = Stored {
        asked,
        status: if service.is_some() { "accepted" } else { "queued" }.to_owned(),
        created: now,
        updated: now,
        sent_at: None,
        error_code: None,
        num_segments,
    };
    let json = render(&answered, &inner.account_sid, answered.asked.from.as_deref());
    // Handed to the carrier at once: listed as sent from now on.
    let stored = Stored { status: "sent".into(), sent_at: Some(now), ..answered };
    inner.lock().messages.push(stored);
    (StatusCode::CREATED, axum::Json(json)).into_response()
}

/// A message resource as Twilio renders it.
fn render(m: &Stored, account: &str, from: Option<&str>) -> Value {
    let uri = format!("/{API_VERSION}/Accounts/{account}/Messages/{}", m.asked.sid);
    json!({
        "account_sid": account,
        "api_version": API_VERSION,
        "body": m.asked.body,
        "date_created": rfc2822(m.created),
        "date_sent": m.sent_at.map(rfc2822),
        "date_updated": rfc2822(m.updated),
        "direction": "outbound-api",
        "error_code": m.error_code,
        "error_message": m.error_code.map(error_message),
        "from": from,
        "messaging_service_sid": m.asked.messaging_service_sid,
        "num_media": "0",
        "num_segments": m.num_segments.to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": m.asked.sid,
        "status": m.status,
        "subresource_uris": {"media": format!("{uri}/Media.json"), "feedback": format!("{uri}/Feedback.json")},
        "to": m.asked.to,
        "uri": format!("{uri}.json"),
    })
}

/// Twilio's words for a delivery error code.
fn error_message(code: i64) -> &'static str {
    match code {
        30003 => "Unreachable destination handset",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        _ => "Message delivery failed",
    }
}

/// `Thu, 24 Aug 2023 05:01:45 +0000`.
fn rfc2822(at: Timestamp) -> String {
    jiff::fmt::rfc2822::to_string(&at.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default()
}

/// Which messages a listing shows.
#[derive(Default)]
struct Filter {
    to: Option<String>,
    from: Option<String>,
    /// Days `date_sent` must fall on or after / on / on or before.
    sent_from: Option<Date>,
    sent_on: Option<Date>,
    sent_until: Option<Date>,
}

impl Filter {
    fn keeps(&self, m: &Stored) -> bool {
        let day = m.sent_at.map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());
        let date_ok = |bound: Option<Date>, ok: fn(Date, Date) -> bool| match bound {
            None => true,
            Some(b) => day.is_some_and(|d| ok(d, b)),
        };
        self.to.as_ref().is_none_or(|t| *t == m.asked.to)
            && self.from.as_ref().is_none_or(|f| Some(f.as_str()) == m.sender_number())
            && date_ok(self.sent_from, |d, b| d >= b)
            && date_ok(self.sent_on, |d, b| d == b)
            && date_ok(self.sent_until, |d, b| d <= b)
    }
}

/// `GET .../Messages.json`: newest first, `PageSize` (1 to 1000, default 50) a page.
pub(crate) async fn list(
    State(inner): State<Arc<Inner>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(refused) = authorize(&inner, &headers, &account) {
        return *refused;
    }
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let mut filter = Filter { to: first(&pairs, "To").map(str::to_owned), ..Filter::default() };
    filter.from = first(&pairs, "From").map(str::to_owned);
    for (name, slot) in [
        ("DateSent>", &mut filter.sent_from),
        ("DateSent", &mut filter.sent_on),
        ("DateSent<", &mut filter.sent_until),
    ] {
        // `DateSent>=2024-01-02` on the wire is the name `DateSent>` and the value `2024-01-02`
        // (as Twilio's SDKs send it); an encoded `DateSent%3E%3D` is an unknown name, ignored.
        let raw = first(&pairs, name);
        if let Some(raw) = raw {
            match raw.parse::<Date>() {
                Ok(d) => *slot = Some(d),
                Err(_) => {
                    return error(StatusCode::BAD_REQUEST, 20001, &format!("Invalid {name} date: {raw}"));
                }
            }
        }
    }
    let page_size = match first(&pairs, "PageSize").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return error(StatusCode::BAD_REQUEST, 20001, "PageSize must be between 1 and 1000"),
    };
    let page: usize = first(&pairs, "Page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let (messages, more) = {
        let st = inner.lock();
        let mut matching: Vec<&Stored> = st.messages.iter().rev().filter(|m| filter.keeps(m)).collect();
        matching.sort_by_key(|m| std::cmp::Reverse(m.created));
        let start = page.saturating_mul(page_size).min(matching.len());
        let end = (start + page_size).min(matching.len());
        let shown: Vec<Value> =
            matching[start..end].iter().map(|m| render(m, &inner.account_sid, m.sender_number())).collect();
        (shown, end < matching.len())
    };
    let path = format!("/{API_VERSION}/Accounts/{}/Messages.json", inner.account_sid);
    let filters: Vec<&(String, String)> =
        pairs.iter().filter(|(k, _)| !matches!(k.as_str(), "Page" | "PageSize" | "PageToken")).collect();
    let page_uri = |n: usize, token: Option<String>| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &filters {
            q.append_pair(k, v);
        }
        q.append_pair("PageSize", &page_size.to_string()).append_pair("Page", &n.to_string());
        if let Some(t) = token {
            q.append_pair("PageToken", &t);
        }
        format!("{path}?{}", q.finish())
    };
    let last_sid = messages.last().and_then(|m| m["sid"].as_str()).map(|s| format!("PA{}", &s[2..]));
    let next = more.then(|| page_uri(page + 1, last_sid));
    let previous = (page > 0).then(|| page_uri(page - 1, None));
    let shown = messages.len();
    axum::Json(json!({
        "end": (page * page_size + shown).saturating_sub(1),
        "first_page_uri": page_uri(0, None),
        "messages": messages,
        "next_page_uri": next,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": previous,
        "start": page * page_size,
        "uri": page_uri(page, None),
    }))
    .into_response()
}
