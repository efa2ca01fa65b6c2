//! The wire: authenticated Graph requests, answer bodies read up to a bound, links kept under
//! the Graph base, and Graph's error answers read as [`ProviderError`]s.

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{MAX_BODY_BYTES, Microsoft, ProviderError, ProviderResult};

/// Asks Graph for times in UTC (the default, said out loud) and for ids that survive an event
/// moving between calendars.
const PREFER_UTC: &str = "outlook.timezone=\"UTC\"";
const PREFER_IMMUTABLE_IDS: &str = "IdType=\"ImmutableId\"";

/// Error codes Graph answers a stale delta token with (compared ignoring case).
const RESYNC_CODES: &[&str] = &["syncStateNotFound", "resyncRequired", "syncStateInvalid"];

impl Microsoft {
    /// `graph_base` followed by `segments`, each percent-encoded as one path segment.
    pub(crate) fn graph_url(&self, segments: &[&str]) -> ProviderResult<Url> {
        let mut url = self.base()?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::Transport("graph_base cannot have a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// `link` when it lies under `graph_base` (same scheme, host and port, and a path below the
    /// base's), so that a bearer token is never sent anywhere else.
    pub(crate) fn trusted_link(&self, link: &str) -> Option<Url> {
        let base = self.base().ok()?;
        let url = Url::parse(link).ok()?;
        let prefix = base.path().trim_end_matches('/');
        let below = url.path().strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        (same_origin && below && url.username().is_empty() && url.password().is_none()).then_some(url)
    }

    fn base(&self) -> ProviderResult<Url> {
        Url::parse(&self.config.graph_base).map_err(|e| ProviderError::Transport(format!("graph_base: {e}")))
    }

    /// Sends a Graph request and reads a JSON answer (an empty body reads as `null`).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        access: &str,
        body: Option<&Value>,
        prefer: &[String],
    ) -> ProviderResult<T> {
        let bytes = self.send(method, url, access, body, prefer).await?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &bytes };
        serde_json::from_slice(bytes).map_err(|e| ProviderError::Transport(format!("answer unreadable: {e}")))
    }

    /// Sends a Graph request; the body of a 2xx answer, or the error it stands for.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        access: &str,
        body: Option<&Value>,
        prefer: &[String],
    ) -> ProviderResult<Vec<u8>> {
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(access)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("Prefer", PREFER_UTC)
            .header("Prefer", PREFER_IMMUTABLE_IDS);
        for p in prefer {
            req = req.header("Prefer", p.as_str());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| ProviderError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let retry = retry_after(resp.headers());
        let bytes = read_bounded(resp).await?;
        if (200..300).contains(&status) { Ok(bytes) } else { Err(api_error(status, retry, &bytes)) }
    }
}

/// The body of `resp`, refused past [`MAX_BODY_BYTES`].
pub(crate) async fn read_bounded(mut resp: reqwest::Response) -> ProviderResult<Vec<u8>> {
    let too_long = || ProviderError::Transport(format!("answer longer than {MAX_BODY_BYTES} bytes"));
    if resp.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_long());
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| ProviderError::Transport(e.to_string()))? {
        if out.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_long());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `Retry-After` in seconds (an HTTP date is ignored: Graph sends seconds).
pub(crate) fn retry_after(h: &HeaderMap) -> Option<u64> {
    h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Reads Graph's error answer, `{"error":{"code":"...","message":"..."}}`, with its status.
pub(crate) fn api_error(status: u16, retry_after: Option<u64>, body: &[u8]) -> ProviderError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["error"]["code"].as_str().unwrap_or_default().to_owned();
    let message: String = match v["error"]["message"].as_str() {
        Some(m) => m.chars().take(300).collect(),
        None => String::from_utf8_lossy(body).chars().take(300).collect(),
    };
    let resync = RESYNC_CODES.iter().any(|c| c.eq_ignore_ascii_case(&code));
    let or = |fallback: &str| if code.is_empty() { fallback.to_owned() } else { code.clone() };
    match status {
        401 => ProviderError::Unauthorized,
        404 => ProviderError::NotFound,
        409 => ProviderError::Duplicate,
        410 => ProviderError::Gone { reason: or("gone") },
        400 if resync => ProviderError::Gone { reason: code },
        412 => ProviderError::Changed,
        429 => ProviderError::RateLimited { reason: or("TooManyRequests"), retry_after },
        500..=599 => ProviderError::Unavailable { status, message, retry_after },
        _ => ProviderError::Refused { status, reason: code, message },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::MicrosoftConfig;

    fn body(code: &str) -> Vec<u8> {
        json!({"error": {"code": code, "message": "m", "innerError": {"request-id": "r"}}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn graph_error_answers_map_to_what_callers_act_on() {
        assert_eq!(api_error(401, None, &body("InvalidAuthenticationToken")), ProviderError::Unauthorized);
        assert!(matches!(
            api_error(403, None, &body("ErrorAccessDenied")),
            ProviderError::Refused { status: 403, ref reason, .. } if reason == "ErrorAccessDenied"
        ));
        assert_eq!(api_error(404, None, &body("ErrorItemNotFound")), ProviderError::NotFound);
        assert_eq!(api_error(409, None, &body("ErrorIrresolvableConflict")), ProviderError::Duplicate);
        assert_eq!(api_error(412, None, &body("ErrorIrresolvableConflict")), ProviderError::Changed);
        assert_eq!(api_error(410, None, b""), ProviderError::Gone { reason: "gone".into() });
        assert_eq!(
            api_error(400, None, &body("syncStateNotFound")),
            ProviderError::Gone { reason: "syncStateNotFound".into() }
        );
        assert!(matches!(api_error(400, None, &body("resyncRequired")), ProviderError::Gone { .. }));
        assert!(matches!(
            api_error(400, None, &body("ErrorInvalidRequest")),
            ProviderError::Refused { status: 400, .. }
        ));
        let limited = api_error(429, Some(7), &body("ApplicationThrottled"));
        assert_eq!(limited.retry_after(), Some(7));
        assert!(limited.is_transient());
        let busy = api_error(503, Some(3), b"<html>Service Unavailable</html>");
        assert!(matches!(busy, ProviderError::Unavailable { status: 503, retry_after: Some(3), .. }));
        assert!(api_error(502, None, b"").is_transient());
        assert!(!api_error(400, None, &body("ErrorInvalidRequest")).is_transient());
    }

    #[test]
    fn only_links_under_the_graph_base_are_followed() {
        let m = Microsoft::new(MicrosoftConfig::production("c", "s", "common")).unwrap();
        let ok = "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=abc";
        assert!(m.trusted_link(ok).is_some());
        for bad in [
            "https://evil.example/v1.0/me/calendarView/delta?$deltatoken=abc",
            "http://graph.microsoft.com/v1.0/me/calendarView/delta",
            "https://graph.microsoft.com:8443/v1.0/me/events",
            "https://graph.microsoft.com/beta/me/events",
            "https://graph.microsoft.com/v1.0evil/me/events",
            "https://graph.microsoft.com.evil.example/v1.0/me/events",
            "https://user:pw@graph.microsoft.com/v1.0/me/events",
            "not a url",
        ] {
            assert!(m.trusted_link(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ids_are_one_escaped_segment() {
        let m = Microsoft::new(MicrosoftConfig::production("c", "s", "common")).unwrap();
        let url = m.graph_url(&["me", "events", "AAMk/AD=?#x"]).unwrap();
        assert_eq!(url.as_str(), "https://graph.microsoft.com/v1.0/me/events/AAMk%2FAD=%3F%23x");
    }
}
