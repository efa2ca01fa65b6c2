//! Calendar API v3 calls: the calendar list, events (list with paging and sync tokens, get,
//! insert, patch, delete), and push channels (watch, stop).

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::events::Event;
use crate::{Google, GoogleError, GoogleResult};

/// One calendar of the account's calendar list.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEntry {
    /// Its id (`primary` calendars have the account's email).
    pub id: String,
    /// Its title.
    #[serde(default)]
    pub summary: String,
    /// Its zone (all-day events are read in it).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// True for the account's primary calendar.
    #[serde(default)]
    pub primary: bool,
    /// `owner`, `writer`, `reader` or `freeBusyReader`.
    #[serde(default)]
    pub access_role: String,
}

impl CalendarEntry {
    /// True when events can be written to it.
    pub fn writable(&self) -> bool {
        matches!(self.access_role.as_str(), "owner" | "writer")
    }
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct ListEvents<'a> {
    /// Continue an incremental sync (no time bounds may be given with it).
    pub sync_token: Option<&'a str>,
    /// The next page.
    pub page_token: Option<&'a str>,
    /// Only events ending after this instant (RFC 3339).
    pub time_min: Option<String>,
    /// Most events per page (Google allows 2500).
    pub max_results: Option<u32>,
    /// Include cancelled events in a full listing.
    pub show_deleted: bool,
    /// Only events with this private extended property (`key=value`).
    pub private_property: Option<String>,
}

/// A page of events. The last page of a listing carries `next_sync_token`, the others
/// `next_page_token`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    /// The events.
    #[serde(default)]
    pub items: Vec<Event>,
    /// Token of the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// Token for the next incremental sync.
    #[serde(default)]
    pub next_sync_token: Option<String>,
    /// The calendar's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A push channel Google made.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Our id for it.
    pub id: String,
    /// Google's id of the watched resource (needed to stop it).
    pub resource_id: String,
    /// When it expires (Unix milliseconds; Google sends a string).
    #[serde(default, deserialize_with = "millis")]
    pub expiration: Option<i64>,
}

fn millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    })
}

#[derive(Deserialize)]
struct CalendarListPage {
    #[serde(default)]
    items: Vec<CalendarEntry>,
    #[serde(default, rename = "nextPageToken")]
    next_page_token: Option<String>,
}

impl Google {
    /// Every calendar on the account's list.
    pub async fn calendar_list(&self, access: &str) -> GoogleResult<Vec<CalendarEntry>> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut url = self.api_url(&["users", "me", "calendarList"])?;
            if let Some(p) = &page {
                url.query_pairs_mut().append_pair("pageToken", p);
            }
            let body: CalendarListPage = self.call(Method::GET, url, access, None).await?;
            out.extend(body.items);
            match body.next_page_token {
                Some(p) => page = Some(p),
                None => return Ok(out),
            }
        }
    }

    /// One page of a calendar's events, unexpanded (recurring events as their series and their
    /// exceptions).
    pub async fn list_events(
        &self,
        access: &str,
        calendar: &str,
        q: &ListEvents<'_>,
    ) -> GoogleResult<EventsPage> {
        let mut url = self.api_url(&["calendars", calendar, "events"])?;
        {
            let mut p = url.query_pairs_mut();
            p.append_pair("singleEvents", "false");
            p.append_pair("maxResults", &q.max_results.unwrap_or(2500).to_string());
            if let Some(t) = q.sync_token {
                p.append_pair("syncToken", t);
            } else {
                if let Some(t) = &q.time_min {
                    p.append_pair("timeMin", t);
                }
                if q.show_deleted {
                    p.append_pair("showDeleted", "true");
                }
                if let Some(prop) = &q.private_property {
                    p.append_pair("privateExtendedProperty", prop);
                }
            }
            if let Some(t) = q.page_token {
                p.append_pair("pageToken", t);
            }
        }
        self.call(Method::GET, url, access, None).await
    }

    /// One event.
    pub async fn get_event(&self, access: &str, calendar: &str, id: &str) -> GoogleResult<Event> {
        let url = self.api_url(&["calendars", calendar, "events", id])?;
        self.call(Method::GET, url, access, None).await
    }

    /// Inserts an event; `body` may carry a client-chosen `id`. `send_updates` is `all`,
    /// `externalOnly` or `none`.
    pub async fn insert_event(
        &self,
        access: &str,
        calendar: &str,
        body: &Value,
        send_updates: &str,
    ) -> GoogleResult<Event> {
        let mut url = self.api_url(&["calendars", calendar, "events"])?;
        url.query_pairs_mut().append_pair("sendUpdates", send_updates);
        self.call(Method::POST, url, access, Some(body)).await
    }

    /// Patches an event (fields given replace the event's).
    pub async fn patch_event(
        &self,
        access: &str,
        calendar: &str,
        id: &str,
        body: &Value,
        send_updates: &str,
    ) -> GoogleResult<Event> {
        let mut url = self.api_url(&["calendars", calendar, "events", id])?;
        url.query_pairs_mut().append_pair("sendUpdates", send_updates);
        self.call(Method::PATCH, url, access, Some(body)).await
    }

    /// Deletes an event. Answers false when it was already gone (404 or 410).
    pub async fn delete_event(
        &self,
        access: &str,
        calendar: &str,
        id: &str,
        send_updates: &str,
    ) -> GoogleResult<bool> {
        let mut url = self.api_url(&["calendars", calendar, "events", id])?;
        url.query_pairs_mut().append_pair("sendUpdates", send_updates);
        match self.call::<Value>(Method::DELETE, url, access, None).await {
            Ok(_) => Ok(true),
            Err(GoogleError::NotFound | GoogleError::Gone { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Opens a push channel on a calendar's events: Google will `POST` to `address` with
    /// `token` echoed in `X-Goog-Channel-Token`.
    pub async fn watch(
        &self,
        access: &str,
        calendar: &str,
        channel_id: &str,
        address: &str,
        token: &str,
        expiration_ms: Option<i64>,
    ) -> GoogleResult<Channel> {
        let url = self.api_url(&["calendars", calendar, "events", "watch"])?;
        let mut body = json!({ "id": channel_id, "type": "web_hook", "address": address, "token": token });
        if let Some(ms) = expiration_ms {
            body["expiration"] = json!(ms);
        }
        self.call(Method::POST, url, access, Some(&body)).await
    }

    /// Stops a push channel; one Google no longer knows counts as stopped.
    pub async fn stop_channel(&self, access: &str, id: &str, resource_id: &str) -> GoogleResult<()> {
        let url = self.api_url(&["channels", "stop"])?;
        let body = json!({ "id": id, "resourceId": resource_id });
        match self.call::<Value>(Method::POST, url, access, Some(&body)).await {
            Ok(_) | Err(GoogleError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn api_url(&self, segments: &[&str]) -> GoogleResult<Url> {
        let mut url = Url::parse(&self.config.api_base)
            .map_err(|e| GoogleError::Transport(format!("API base URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| GoogleError::Transport("API base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        access: &str,
        body: Option<&Value>,
    ) -> GoogleResult<T> {
        let mut req: RequestBuilder = self.http.request(method, url).bearer_auth(access);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let retry = retry_after(resp.headers());
        let text = resp.text().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, retry, &text));
        }
        let text = if text.trim().is_empty() { "null" } else { text.as_str() };
        serde_json::from_str(text).map_err(|e| GoogleError::Transport(format!("answer unreadable: {e}")))
    }
}

/// `Retry-After`, in seconds (a number, or an HTTP date ignored as unreliable here).
pub(crate) fn retry_after(h: &HeaderMap) -> Option<u64> {
    h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Reads Google's error body: `{"error":{"errors":[{"reason":..}],"code":..,"message":..}}`.
pub(crate) fn api_error(status: u16, retry_after: Option<u64>, body: &str) -> GoogleError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let err = &v["error"];
    let reason = err["errors"][0]["reason"]
        .as_str()
        .or_else(|| err["status"].as_str())
        .or_else(|| err.as_str())
        .unwrap_or("")
        .to_owned();
    let message = err["message"].as_str().unwrap_or(body).chars().take(300).collect::<String>();
    let rate_limited =
        matches!(reason.as_str(), "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded");
    match status {
        401 => GoogleError::Unauthorized,
        429 => GoogleError::RateLimited {
            reason: if reason.is_empty() { "tooManyRequests".into() } else { reason },
            retry_after,
        },
        403 if rate_limited => GoogleError::RateLimited { reason, retry_after },
        404 => GoogleError::NotFound,
        409 => GoogleError::Duplicate,
        410 => GoogleError::Gone { reason },
        500..=599 => GoogleError::Unavailable { status, message, retry_after },
        _ => GoogleError::Refused { status, reason, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_to_what_callers_act_on() {
        let body = |code: u16, reason: &str| {
            json!({"error": {"errors": [{"domain": "usageLimits", "reason": reason, "message": "m"}], "code": code, "message": "m"}})
                .to_string()
        };
        assert_eq!(api_error(401, None, &body(401, "authError")), GoogleError::Unauthorized);
        assert!(matches!(
            api_error(403, Some(7), &body(403, "userRateLimitExceeded")),
            GoogleError::RateLimited { retry_after: Some(7), .. }
        ));
        assert!(matches!(
            api_error(403, None, &body(403, "forbidden")),
            GoogleError::Refused { status: 403, .. }
        ));
        assert!(matches!(
            api_error(429, Some(3), &body(429, "rateLimitExceeded")),
            GoogleError::RateLimited { .. }
        ));
        assert_eq!(
            api_error(410, None, &body(410, "fullSyncRequired")),
            GoogleError::Gone { reason: "fullSyncRequired".into() }
        );
        assert!(api_error(503, None, "<html>").is_transient());
        assert!(!api_error(400, None, &body(400, "timeRangeEmpty")).is_transient());
    }

    #[test]
    fn calendar_ids_are_escaped_in_paths() {
        let g = Google::new(crate::GoogleConfig::production("c", "s")).unwrap();
        let url = g.api_url(&["calendars", "team#x@group.calendar.google.com", "events"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://www.googleapis.com/calendar/v3/calendars/team%23x@group.calendar.google.com/events"
        );
    }
}
