//! What every public page shares: rendering a template with the security headers, reading the
//! visitor's clock preference, writing times as people read them, and calendar links.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The content security policy of every page: scripts, styles and connections from this server
/// only, no inline script, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A rendered page with its status and the headers every page carries.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut res = (status, body).into_response();
            secure(res.headers_mut());
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(e) => crate::error::ApiError::Internal(e.into()).into_response(),
    }
}

/// Security headers of a page. Pages carry tokens in their URLs (manage links), so no referrer
/// leaves them, and nothing is cached.
pub fn secure(h: &mut HeaderMap) {
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A 303 to `to` (after a form post).
pub fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => {
            let mut res = StatusCode::SEE_OTHER.into_response();
            res.headers_mut().insert(header::LOCATION, v);
            secure(res.headers_mut());
            res
        }
        Err(e) => crate::error::ApiError::Internal(e.into()).into_response(),
    }
}

/// Whether the visitor's first language writes times on a 12-hour clock (`Accept-Language`):
/// English as written in the United States, Canada, Australia, New Zealand, India and the
/// Philippines, and English with no region. Everyone else reads 24-hour times.
pub fn hour12(headers: &HeaderMap) -> bool {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut parts = first.split(['-', '_']);
    match (parts.next(), parts.next()) {
        (Some("en"), None) => true,
        (Some("en"), Some(region)) => matches!(region, "us" | "ca" | "au" | "nz" | "in" | "ph"),
        _ => false,
    }
}

/// How a visitor reads times: their zone and clock.
#[derive(Clone, Debug)]
pub struct Reader {
    pub tz: TimeZone,
    pub hour12: bool,
}

impl Reader {
    /// The zone's IANA name.
    pub fn zone(&self) -> String {
        self.tz.iana_name().unwrap_or("UTC").to_owned()
    }

    /// "9:30 AM" or "09:30".
    pub fn time(&self, at: Timestamp) -> String {
        let z = at.to_zoned(self.tz.clone());
        if self.hour12 { z.strftime("%-I:%M %p").to_string() } else { z.strftime("%H:%M").to_string() }
    }

    /// "Tuesday 3 March 2026".
    pub fn day(&self, at: Timestamp) -> String {
        at.to_zoned(self.tz.clone()).strftime("%A %-d %B %Y").to_string()
    }

    /// "Tuesday 3 March 2026, 9:30 AM (Europe/Paris)".
    pub fn moment(&self, at: Timestamp) -> String {
        format!("{}, {} ({})", self.day(at), self.time(at), self.zone())
    }

    /// "Tuesday 3 March 2026, 9:30 AM – 10:00 AM (Europe/Paris)".
    pub fn span(&self, start: Timestamp, end: Timestamp) -> String {
        format!("{}, {} – {} ({})", self.day(start), self.time(start), self.time(end), self.zone())
    }
}

/// Add-to-calendar links of an event: Google Calendar's template and Outlook on the web's
/// compose deep link.
pub fn calendar_links(title: &str, start: Timestamp, end: Timestamp, details: &str) -> (String, String) {
    let utc = |t: Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut google = url::Url::parse("https://calendar.google.com/calendar/render").expect("static URL");
    google
        .query_pairs_mut()
        .append_pair("action", "TEMPLATE")
        .append_pair("text", title)
        .append_pair("dates", &format!("{}/{}", utc(start), utc(end)))
        .append_pair("details", details);
    let mut outlook =
        url::Url::parse("https://outlook.live.com/calendar/0/deeplink/compose").expect("static URL");
    outlook
        .query_pairs_mut()
        .append_pair("path", "/calendar/action/compose")
        .append_pair("rru", "addevent")
        .append_pair("subject", title)
        .append_pair("startdt", &start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .append_pair("enddt", &end.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .append_pair("body", details);
    (google.into(), outlook.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_the_first_language() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
            hour12(&m)
        };
        assert!(h("en-US,en;q=0.9"));
        assert!(h("en"));
        assert!(!h("en-GB,en;q=0.8"));
        assert!(!h("fr-FR"));
        assert!(!h("de, en-US"));
        assert!(!hour12(&HeaderMap::new()));
    }

    #[test]
    fn times_read_in_the_readers_zone_and_clock() {
        let at: Timestamp = "2026-03-03T14:30:00Z".parse().unwrap();
        let paris = Reader { tz: TimeZone::get("Europe/Paris").unwrap(), hour12: false };
        assert_eq!(paris.moment(at), "Tuesday 3 March 2026, 15:30 (Europe/Paris)");
        let ny = Reader { tz: TimeZone::get("America/New_York").unwrap(), hour12: true };
        assert_eq!(ny.time(at), "9:30 AM");
    }

    #[test]
    fn calendar_links_carry_utc_times() {
        let (s, e) = ("2026-03-03T14:30:00Z".parse().unwrap(), "2026-03-03T15:00:00Z".parse().unwrap());
        let (g, o) = calendar_links("Consult & talk", s, e, "Code ABC");
        assert!(g.contains("dates=20260303T143000Z%2F20260303T150000Z"), "{g}");
        assert!(g.contains("text=Consult+%26+talk"), "{g}");
        assert!(o.contains("startdt=2026-03-03T14%3A30%3A00Z"), "{o}");
    }
}
