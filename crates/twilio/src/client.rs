//! The Messages API calls Sked makes: create a message, and list messages to one number to find
//! a message again when Sked stopped between sending it and recording that it did.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::{Response, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::{API_VERSION, Config, Error, Sender};

/// Most pages of a listing [`Client::find_sent`] reads.
const MAX_PAGES: usize = 5;
/// Messages per page of a listing.
const PAGE_SIZE: &str = "100";
/// How far Twilio's clock may be behind ours.
const CLOCK_SLACK_SECS: i64 = 60;
/// The wait a 429 without `Retry-After` asks for.
const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

/// A message Twilio accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its sid (`SM` and 32 hex digits).
    pub sid: String,
    /// Its status when Twilio answered (`queued`, `accepted`, `sent`, `delivered`, ...).
    pub status: String,
    /// Segments billed, when Twilio said.
    pub num_segments: Option<u32>,
}

/// A client for one Twilio account.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    config: Config,
    messages: Url,
}

/// A message resource, as far as Sked reads it.
#[derive(Deserialize)]
struct Message {
    sid: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    num_segments: Option<String>,
    #[serde(default)]
    date_created: Option<String>,
}

impl Message {
    fn sent(self) -> Sent {
        let num_segments = self.num_segments.and_then(|n| n.parse().ok());
        Sent { sid: self.sid, status: self.status, num_segments }
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

/// Twilio's error document.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl Client {
    /// A client over `config`, with a 10-second limit on every request.
    pub fn new(config: Config) -> Result<Self, Error> {
        let sid_ok =
            !config.account_sid.is_empty() && config.account_sid.chars().all(|c| c.is_ascii_alphanumeric());
        if !sid_ok {
            return Err(Error::Config(format!("`{}` is not an account sid", config.account_sid)));
        }
        let base = config.api_base.trim_end_matches('/');
        let messages = format!("{base}/{API_VERSION}/Accounts/{}/Messages.json", config.account_sid);
        let messages = Url::parse(&messages).map_err(|e| Error::Config(format!("`{base}`: {e}")))?;
        // reqwest's rustls is built without a default crypto provider; ring is ours. Installing
        // twice is harmless (the second attempt reports the first).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self { http, config, messages })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends `body` to `to` (E.164) from the configured sender. Twilio posts each status change
    /// to `status_callback` when given.
    pub async fn send(&self, to: &str, body: &str, status_callback: Option<&str>) -> Result<Sent, Error> {
        let mut form = vec![("To", to), ("Body", body)];
        match &self.config.sender {
            Sender::From(number) => form.push(("From", number)),
            Sender::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        if let Some(url) = status_callback {
            form.push(("StatusCallback", url));
        }
        let request = self.http.post(self.messages.clone()).form(&form);
        let message: Message = read(self.authed(request).send().await).await?;
        Ok(message.sent())
    }

    /// The message with exactly `body` sent to `to` at or after `since_unix` (with a minute's
    /// slack for clock skew), if Twilio has one: whether a send whose answer was lost went out.
    /// Reads at most a few pages of that day's messages to `to`, newest first.
    pub async fn find_sent(&self, to: &str, body: &str, since_unix: i64) -> Result<Option<Sent>, Error> {
        let earliest = since_unix.saturating_sub(CLOCK_SLACK_SECS);
        let day = Timestamp::from_second(earliest)
            .map_err(|e| Error::Config(format!("{since_unix} is not an instant: {e}")))?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let mut url = self.messages.clone();
        url.query_pairs_mut()
            .append_pair("To", to)
            // On the wire `DateSent>=2024-01-02`: the name is `DateSent>`.
            .append_pair("DateSent>", &day.to_string())
            .append_pair("PageSize", PAGE_SIZE);
        for _ in 0..MAX_PAGES {
            let page: Page = read(self.authed(self.http.get(url.clone())).send().await).await?;
            for message in page.messages {
                let created = message.date_created.as_deref().and_then(rfc2822_seconds);
                if message.body.as_deref() == Some(body) && created.is_some_and(|c| c >= earliest) {
                    return Ok(Some(message.sent()));
                }
            }
            match page.next_page_uri.as_deref() {
                Some(next) => url = self.next_page(next)?,
                None => break,
            }
        }
        Ok(None)
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(&self.config.account_sid, Some(self.config.auth_token.expose_secret()))
    }

    /// The URL of a `next_page_uri`: a path on the same host (anything else is refused, so that
    /// the credentials never go elsewhere).
    fn next_page(&self, uri: &str) -> Result<Url, Error> {
        if !uri.starts_with('/') || uri.starts_with("//") {
            return Err(Error::Retry { message: format!("unexpected next_page_uri `{uri}`") });
        }
        self.messages.join(uri).map_err(|e| Error::Retry { message: format!("next_page_uri `{uri}`: {e}") })
    }
}

/// Unix seconds of an RFC 2822 date (`Thu, 24 Aug 2023 05:01:45 +0000`).
fn rfc2822_seconds(text: &str) -> Option<i64> {
    jiff::fmt::rfc2822::parse(text).ok().map(|z| z.timestamp().as_second())
}

/// The JSON of a successful answer, or the error it stands for.
async fn read<T: serde::de::DeserializeOwned>(sent: reqwest::Result<Response>) -> Result<T, Error> {
    let response = sent.map_err(|e| Error::Retry { message: transport(&e) })?;
    let status = response.status();
    if status.is_success() {
        let text = response.text().await.map_err(|e| Error::Retry { message: transport(&e) })?;
        return serde_json::from_str(&text)
            .map_err(|e| Error::Retry { message: format!("unreadable answer ({status}): {e}") });
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let text = response.text().await.unwrap_or_default();
    let body: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
    let message = body.message.unwrap_or_else(|| format!("HTTP {status}"));
    Err(match status {
        StatusCode::UNAUTHORIZED => Error::Unauthorized,
        StatusCode::TOO_MANY_REQUESTS => {
            Error::RetryAfter { secs: retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECS), message }
        }
        s if s.is_client_error() => Error::Rejected { code: body.code, message, status: s.as_u16() },
        _ => Error::Retry { message: format!("{status}: {message}") },
    })
}

/// A transport failure in words (timeouts named as such).
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() { format!("no answer in time: {e}") } else { e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_twilio_writes_them() {
        assert_eq!(rfc2822_seconds("Thu, 24 Aug 2023 05:01:45 +0000"), Some(1_692_853_305));
        assert_eq!(rfc2822_seconds("Thu, 24 Aug 2023 07:01:45 +0200"), Some(1_692_853_305));
        assert_eq!(rfc2822_seconds("2023-08-24T05:01:45Z"), None);
    }

    #[test]
    fn the_token_is_never_printed() {
        let config =
            Config::at("http://127.0.0.1:9", "AC123", "very-secret-token", Sender::From("+1".into()));
        let client = Client::new(config).unwrap();
        let printed = format!("{client:?}");
        assert!(!printed.contains("very-secret-token"), "{printed}");
        assert!(printed.contains("AC123"));
    }

    #[test]
    fn bad_configurations() {
        let sender = || Sender::MessagingService("MG1".into());
        assert!(matches!(Client::new(Config::at("not a url", "AC1", "t", sender())), Err(Error::Config(_))));
        assert!(matches!(
            Client::new(Config::at(crate::API_BASE, "AC/../x", "t", sender())),
            Err(Error::Config(_))
        ));
        let ok = Client::new(Config::production("AC1", "t", sender())).unwrap();
        assert_eq!(ok.messages.as_str(), "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json");
        assert!(ok.next_page("//evil.test/x").is_err());
        assert!(ok.next_page("https://evil.test/x").is_err());
        assert_eq!(
            ok.next_page("/2010-04-01/Accounts/AC1/Messages.json?Page=1").unwrap().as_str(),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?Page=1"
        );
    }
}
