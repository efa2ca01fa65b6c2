//! One delivery attempt: sign, `POST`, and report what happened for the deliveries log. The
//! client follows no redirects, uses no proxy, and connects only through the checking resolver.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};

use crate::resolve::CheckedResolver;
use crate::{Secret, USER_AGENT, UrlError, check_url, sign};

/// The limit on one attempt, from connecting to the end of the response.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Most bytes of a response read (and kept for the log).
const MAX_RESPONSE_BYTES: usize = 4096;
/// The longest `Retry-After` honoured, in seconds; a receiver cannot park a message for longer.
const MAX_RETRY_AFTER: u64 = 24 * 3600;

/// Why the delivery client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The HTTP client refused its configuration (the TLS setup, usually).
    #[error("cannot build the webhook client: {0}")]
    Client(String),
}

/// The delivery client, built once and shared: one connection pool for every endpoint.
#[derive(Debug, Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
}

impl Deliverer {
    /// A client with a 15-second limit per attempt. `allow_private` lets deliveries go to
    /// `http` and to private addresses, for tests and closed networks only.
    pub fn new(allow_private: bool) -> Result<Self, DeliverError> {
        // reqwest's rustls is built without a default crypto provider; ring is the workspace's.
        // Installing twice is harmless (the second attempt reports the first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver { allow_private }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!allow_private)
            .referer(false)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| DeliverError::Client(e.to_string()))?;
        Ok(Self { http, allow_private, timeout: DEFAULT_TIMEOUT })
    }

    /// The same client with another limit per attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether private addresses and `http` are allowed.
    pub fn allow_private(&self) -> bool {
        self.allow_private
    }
}

/// One attempt at one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The endpoint's URL.
    pub url: String,
    /// The `webhook-id`, the same on every attempt at the message (`msg_` + its id).
    pub msg_id: String,
    /// This attempt's time, Unix seconds: the `webhook-timestamp`, and "now" for `Retry-After`.
    pub timestamp: i64,
    /// The body, the same bytes on every attempt (see [`crate::payload`]).
    pub body: Vec<u8>,
}

/// What an attempt came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The response's status, if one came.
    pub status: Option<u16>,
    /// True on a 2xx status: the message is delivered.
    pub ok: bool,
    /// Why it failed: a refused URL, a transport error, a timeout, or the status.
    pub error: Option<String>,
    /// The start of the response body (at most 4 KiB, lossily decoded), if there was one.
    pub response_snippet: Option<String>,
    /// On a 429 or 503, the receiver's `Retry-After` in seconds (at most a day): wait at least
    /// this long before the next attempt.
    pub retry_after: Option<u64>,
}

impl Outcome {
    fn failed(error: String) -> Self {
        Self { error: Some(error), ..Self::default() }
    }
}

/// Makes one attempt: checks the URL against the policy, signs, `POST`s the body with the
/// Standard Webhooks headers, and reads at most 4 KiB of the answer. Never panics or errs: every
/// failure is an [`Outcome`] with `ok` false, for the server to log and retry.
pub async fn deliver(client: &Deliverer, secret: &Secret, d: &Delivery) -> Outcome {
    let url = match check_url(&d.url, client.allow_private) {
        Ok(url) => url,
        Err(e) => return Outcome::failed(format!("refused: {e}")),
    };
    let signature = sign(secret, &d.msg_id, d.timestamp, &d.body);
    let sent = client
        .http
        .post(url)
        .timeout(client.timeout)
        .header(CONTENT_TYPE, "application/json")
        .header("webhook-id", &d.msg_id)
        .header("webhook-timestamp", d.timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => return Outcome::failed(describe(&e, client.timeout)),
    };
    let status = response.status();
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            retry_after(response.headers(), d.timestamp)
        }
        _ => None,
    };
    // A failure while reading the body changes nothing: the status has already answered.
    let mut head = Vec::new();
    while head.len() < MAX_RESPONSE_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    head.truncate(MAX_RESPONSE_BYTES);
    let ok = status.is_success();
    let error = match status {
        _ if ok => None,
        s if s.is_redirection() => Some(format!("HTTP {}: redirects are not followed", s.as_u16())),
        s => Some(format!("HTTP {}", s.as_u16())),
    };
    Outcome {
        status: Some(status.as_u16()),
        ok,
        error,
        response_snippet: (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned()),
        retry_after,
    }
}

/// A transport error in a line: our resolver's refusal if that was it, else the error chain.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {} ms", timeout.as_millis());
    }
    let mut source = e.source();
    let mut chain = e.to_string();
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<UrlError>() {
            return format!("refused: {refused}");
        }
        chain = format!("{chain}: {s}");
        source = s.source();
    }
    chain
}

/// `Retry-After` as seconds from `now`: either seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap, now: i64) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp().as_second();
            u64::try_from(at.saturating_sub(now)).unwrap_or(0)
        }
    };
    Some(secs.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after(&with("120"), 0), Some(120));
        assert_eq!(retry_after(&with("99999999"), 0), Some(MAX_RETRY_AFTER));
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        assert_eq!(retry_after(&with("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777 - 30), Some(30));
        assert_eq!(retry_after(&with("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777 + 30), Some(0));
        assert_eq!(retry_after(&with("soon"), 0), None);
        assert_eq!(retry_after(&HeaderMap::new(), 0), None);
    }

    #[tokio::test]
    async fn the_client_refuses_names_that_resolve_to_private_addresses() {
        // check_url would refuse `localhost` by name; going around it shows the resolver
        // refuses the connection on its own, as it would for a public name rebound to 127.0.0.1.
        let strict = Deliverer::new(false).unwrap();
        let err = strict.http.post("https://localhost:9/").send().await.unwrap_err();
        let said = describe(&err, strict.timeout);
        assert!(
            said.starts_with("refused: 127.0.0.1 is not a public address")
                || said.starts_with("refused: ::1"),
            "{said}"
        );
    }
}
