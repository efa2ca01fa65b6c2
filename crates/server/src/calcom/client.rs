//! A small client of Cal.com's API v2, for the importer: the signed-in user, their event types,
//! schedules and upcoming bookings. Every request carries the API key as a bearer token and the
//! `cal-api-version` its endpoint needs; answers are read up to [`MAX_ANSWER`] bytes, lists up
//! to [`MAX_ITEMS`] items, and bookings page by page.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Largest answer read.
pub const MAX_ANSWER: usize = 8 * 1024 * 1024;
/// Most items read of one list.
pub const MAX_ITEMS: usize = 10_000;
/// Bookings asked for per page.
const PAGE: usize = 100;

/// What went wrong talking to Cal.com.
#[derive(Debug, thiserror::Error)]
pub enum CalcomError {
    /// The request did not get an answer.
    #[error("Cal.com did not answer {path}: {detail}")]
    Transport { path: String, detail: String },
    /// Cal.com refused the API key.
    #[error("Cal.com refused the API key ({status} on {path}): check it, and that it is not expired")]
    Refused { path: String, status: u16 },
    /// Any other error status.
    #[error("Cal.com answered {status} on {path}: {detail}")]
    Status { path: String, status: u16, detail: String },
    /// The answer is not what the API documents, or too large.
    #[error("Cal.com's answer on {path} cannot be read: {detail}")]
    Malformed { path: String, detail: String },
}

/// The signed-in user (`GET /v2/me`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub email: String,
    pub time_zone: String,
    #[serde(default)]
    pub default_schedule_id: Option<i64>,
}

/// An event type (`GET /v2/event-types`, version 2024-06-14).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventType {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub length_in_minutes: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub slot_interval: Option<i64>,
    #[serde(default)]
    pub minimum_booking_notice: Option<i64>,
    #[serde(default)]
    pub before_event_buffer: Option<i64>,
    #[serde(default)]
    pub after_event_buffer: Option<i64>,
    #[serde(default)]
    pub schedule_id: Option<i64>,
}

/// A schedule (`GET /v2/schedules`, version 2024-06-11).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub availability: Vec<Availability>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

/// Weekly hours: the same interval on each of `days` (`Monday` ...).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    pub days: Vec<String>,
    pub start_time: String,
    pub end_time: String,
}

/// One interval of one date, instead of its weekday's hours (`00:00`-`00:00`: closed).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Override {
    pub date: String,
    pub start_time: String,
    pub end_time: String,
}

/// A booking (`GET /v2/bookings`, version 2024-08-13), as JSON: the mirror reads it with the
/// same lenient rules as a webhook delivery.
pub type Booking = serde_json::Value;

/// Cal.com's envelope: `{"status": "success", "data": ...}`, with `pagination` on lists.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    data: T,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    #[serde(default)]
    has_next_page: bool,
}

/// A Cal.com API v2 client.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: SecretString,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the API at `base` (`https://api.cal.com/v2`), with 30 seconds per request.
    pub fn new(base: &str, key: SecretString) -> Result<Self, CalcomError> {
        // reqwest's rustls is built without a default crypto provider; ring is the workspace's.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CalcomError::Transport { path: base.to_owned(), detail: e.to_string() })?;
        Ok(Self { http, base: base.trim_end_matches('/').to_owned(), key })
    }

    /// The signed-in user.
    pub async fn me(&self) -> Result<Me, CalcomError> {
        Ok(self.get::<Me>("/me", None, &[]).await?.data)
    }

    /// The user's event types (Cal.com answers 404 when there are none).
    pub async fn event_types(&self) -> Result<Vec<EventType>, CalcomError> {
        match self.get::<Vec<EventType>>("/event-types", Some("2024-06-14"), &[]).await {
            Ok(e) => Ok(bounded(e.data)),
            Err(CalcomError::Status { status: 404, .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The user's schedules.
    pub async fn schedules(&self) -> Result<Vec<Schedule>, CalcomError> {
        Ok(bounded(self.get::<Vec<Schedule>>("/schedules", Some("2024-06-11"), &[]).await?.data))
    }

    /// The user's upcoming bookings, every page.
    pub async fn upcoming_bookings(&self) -> Result<Vec<Booking>, CalcomError> {
        let mut all = Vec::new();
        loop {
            let query = [
                ("status", "upcoming".to_owned()),
                ("sortStart", "asc".to_owned()),
                ("take", PAGE.to_string()),
                ("skip", all.len().to_string()),
            ];
            let page = self.get::<Vec<Booking>>("/bookings", Some("2024-08-13"), &query).await?;
            let n = page.data.len();
            all.extend(page.data);
            // Without pagination (older versions), a short page is the last.
            let more = page.pagination.map_or(n == PAGE, |p| p.has_next_page);
            if !more || n == 0 || all.len() >= MAX_ITEMS {
                return Ok(bounded(all));
            }
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        version: Option<&str>,
        query: &[(&str, String)],
    ) -> Result<Envelope<T>, CalcomError> {
        let transport =
            |e: reqwest::Error| CalcomError::Transport { path: path.to_owned(), detail: e.to_string() };
        let mut req =
            self.http.get(format!("{}{path}", self.base)).bearer_auth(self.key.expose_secret()).query(query);
        if let Some(v) = version {
            req = req.header("cal-api-version", v);
        }
        let mut res = req.send().await.map_err(transport)?;
        let status = res.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_ANSWER {
                let detail = format!("the answer is larger than {MAX_ANSWER} bytes");
                return Err(CalcomError::Malformed { path: path.to_owned(), detail });
            }
            body.extend_from_slice(&chunk);
        }
        match status {
            200..=299 => serde_json::from_slice(&body)
                .map_err(|e| CalcomError::Malformed { path: path.to_owned(), detail: e.to_string() }),
            401 | 403 => Err(CalcomError::Refused { path: path.to_owned(), status }),
            _ => Err(CalcomError::Status { path: path.to_owned(), status, detail: message(&body) }),
        }
    }
}

fn bounded<T>(mut items: Vec<T>) -> Vec<T> {
    items.truncate(MAX_ITEMS);
    items
}

/// Cal.com's error message (`{"error": {"message"}}`), short.
fn message(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let m = v["error"]["message"].as_str().or(v["message"].as_str()).unwrap_or("no message");
    m.chars().filter(|c| !c.is_control()).take(300).collect()
}
