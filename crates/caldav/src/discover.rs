//! Finding an account's calendars (RFC 6764, RFC 4791 §6): the principal from the given URL,
//! `/.well-known/caldav` or the server's root; its calendar home; the event calendars in it.

use jiff::tz::TimeZone;
use sked_core::local::is_zone_name;

use crate::http::{Call, On412, error};
use crate::xml::{self, CALDAV, CS, DAV, Entry};
use crate::{Account, CalDav, ProviderError, ProviderResult, Url};

/// What discovery found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// The account's principal (absolute URL).
    pub principal: String,
    /// Its calendar home, where its calendars are (absolute URL).
    pub home: String,
    /// Its calendar user addresses (`mailto:...`), by which it appears among attendees.
    pub addresses: Vec<String>,
    /// Its calendars that hold events.
    pub calendars: Vec<CalendarInfo>,
}

/// One calendar of the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarInfo {
    /// Where it is (absolute URL).
    pub url: String,
    /// Its name (`displayname`).
    pub name: Option<String>,
    /// Whether the account may write events to it (`write`, `write-content` or `all` in its
    /// privileges; true when the server does not say).
    pub writable: bool,
    /// Its zone, when it names an IANA one (`calendar-timezone-id`, or the `TZID` of its
    /// `calendar-timezone`).
    pub time_zone: Option<String>,
    /// Apple's `getctag`: changes whenever the calendar does.
    pub ctag: Option<String>,
    /// Its current `sync-token`.
    pub sync_token: Option<String>,
    /// Whether it answers `sync-collection` reports (RFC 6578).
    pub supports_sync: bool,
}

/// The URL discovery starts from, from what a user typed: a URL (`https://dav.example.com/`),
/// a host (`dav.example.com`, taken as HTTPS), or an email address (`pat@example.com`, whose
/// domain is asked at `/.well-known/caldav`; DNS SRV records are not looked up).
pub fn start_url(input: &str) -> ProviderResult<Url> {
    let input = input.trim();
    let bad = |why: String| ProviderError::Refused { status: 0, reason: "bad-url".into(), message: why };
    let text = if input.contains("://") {
        input.to_owned()
    } else if let Some((_, domain)) = input.rsplit_once('@').filter(|_| !input.contains('/')) {
        format!("https://{domain}/.well-known/caldav")
    } else {
        format!("https://{input}")
    };
    let url = Url::parse(&text).map_err(|e| bad(format!("`{input}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad(format!("`{input}` is not an http(s) URL")));
    }
    Ok(url)
}

impl CalDav {
    /// The account's principal, calendar home and event calendars.
    pub async fn discover(&self, account: &Account) -> ProviderResult<Discovery> {
        let (principal, hint) = self.principal(account).await?;
        let (home, addresses) = self.home(account, &principal, hint).await?;
        let calendars = self.calendars(account, home.as_str()).await?;
        Ok(Discovery { principal: principal.into(), home: home.into(), addresses, calendars })
    }

    /// The principal (and a calendar home, if the answer named one), from the first of the
    /// account's URL, `/.well-known/caldav` and `/` that names it.
    async fn principal(&self, account: &Account) -> ProviderResult<(Url, Option<Url>)> {
        let base = &account.base_url;
        let mut tries = vec![base.clone()];
        for path in ["/.well-known/caldav", "/"] {
            if let Ok(u) = base.join(path)
                && !tries.contains(&u)
            {
                tries.push(u);
            }
        }
        let mut last = ProviderError::NotFound;
        for url in tries {
            let body = xml::propfind(&["d:current-user-principal", "c:calendar-home-set"]);
            let a = self.send(account, Call::xml(b"PROPFIND", url, "0", body)?).await?;
            if !a.ok() {
                let e = error(&a, On412::Changed);
                if e == ProviderError::Unauthorized || e.is_transient() {
                    return Err(e);
                }
                last = e;
                continue;
            }
            // An answer that is no multistatus (a web page) names no principal: try the next.
            let Ok(doc) = xml::parse(&a.body) else { continue };
            let Ok(ms) = xml::multistatus(&doc) else { continue };
            let found = |f: &dyn Fn(&Entry<'_, '_>) -> Option<String>| {
                ms.entries.iter().find_map(f).and_then(|h| a.url.join(&h).ok())
            };
            let home = found(&|e| e.href_in(CALDAV, "calendar-home-set"));
            match found(&|e| e.href_in(DAV, "current-user-principal")) {
                Some(p) => return Ok((p, home)),
                // No principal, but a home: this URL is as good as the principal.
                None if home.is_some() => return Ok((a.url.clone(), home)),
                None => last = ProviderError::NotFound,
            }
        }
        Err(last)
    }

    /// The principal's calendar home and addresses.
    async fn home(
        &self,
        account: &Account,
        principal: &Url,
        hint: Option<Url>,
    ) -> ProviderResult<(Url, Vec<String>)> {
        let body = xml::propfind(&["c:calendar-home-set", "c:calendar-user-address-set"]);
        let a = self.send(account, Call::xml(b"PROPFIND", principal.clone(), "0", body)?).await?;
        if !a.ok() {
            return Err(error(&a, On412::Changed));
        }
        let doc = xml::parse(&a.body)?;
        let ms = xml::multistatus(&doc)?;
        let home = ms
            .entries
            .iter()
            .find_map(|e| e.href_in(CALDAV, "calendar-home-set"))
            .and_then(|h| a.url.join(&h).ok())
            .or(hint)
            .ok_or(ProviderError::NotFound)?;
        let addresses = ms
            .entries
            .iter()
            .filter_map(|e| e.prop(CALDAV, "calendar-user-address-set"))
            .flat_map(xml::hrefs)
            .filter(|h| h.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("mailto:")))
            .collect();
        Ok((home, addresses))
    }

    /// The event calendars in a calendar home.
    pub async fn calendars(&self, account: &Account, home: &str) -> ProviderResult<Vec<CalendarInfo>> {
        let home = crate::objects::resolve(account, home)?;
        let body = xml::propfind(&[
            "d:resourcetype",
            "d:displayname",
            "d:current-user-privilege-set",
            "d:sync-token",
            "d:supported-report-set",
            "c:supported-calendar-component-set",
            "c:calendar-timezone",
            "c:calendar-timezone-id",
            "cs:getctag",
        ]);
        let a = self.send(account, Call::xml(b"PROPFIND", home, "1", body)?).await?;
        if !a.ok() {
            return Err(error(&a, On412::Changed));
        }
        let doc = xml::parse(&a.body)?;
        let ms = xml::multistatus(&doc)?;
        Ok(ms.entries.iter().filter_map(|e| calendar(e, &a.url)).collect())
    }
}

/// The calendar an entry describes, if it is a calendar that holds events.
fn calendar(e: &Entry<'_, '_>, base: &Url) -> Option<CalendarInfo> {
    let kind = e.prop(DAV, "resourcetype")?;
    xml::child(kind, CALDAV, "calendar")?;
    // Without the property, a calendar takes every component (RFC 4791 §5.2.3).
    let events = e.prop(CALDAV, "supported-calendar-component-set").is_none_or(|set| {
        xml::elements(set).any(|c| c.attribute("name").is_some_and(|n| n.eq_ignore_ascii_case("VEVENT")))
    });
    if !events {
        return None;
    }
    let writable = e.prop(DAV, "current-user-privilege-set").is_none_or(|set| {
        set.descendants().any(|p| ["write", "write-content", "all"].iter().any(|name| xml::is(p, DAV, name)))
    });
    let supports_sync = e
        .prop(DAV, "supported-report-set")
        .is_some_and(|set| set.descendants().any(|r| xml::is(r, DAV, "sync-collection")));
    let time_zone = e
        .text(CALDAV, "calendar-timezone-id")
        .and_then(|z| iana(&z))
        .or_else(|| e.text(CALDAV, "calendar-timezone").and_then(|t| zone_of_vtimezone(&t)));
    Some(CalendarInfo {
        url: base.join(&e.href).ok()?.into(),
        name: e.text(DAV, "displayname"),
        writable,
        time_zone,
        ctag: e.text(CS, "getctag"),
        sync_token: e.text(DAV, "sync-token"),
        supports_sync,
    })
}

/// The IANA zone a `calendar-timezone` stands for: its `TZID`, or (as some servers store it)
/// the bare name.
fn zone_of_vtimezone(text: &str) -> Option<String> {
    let tzid = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.split(';').next()?.trim().eq_ignore_ascii_case("TZID").then_some(value)
    });
    iana(tzid.unwrap_or(text))
}

/// The canonical IANA name of a zone the tz database lists.
fn iana(name: &str) -> Option<String> {
    let name = name.trim();
    if !is_zone_name(name) {
        return None;
    }
    TimeZone::get(name).ok()?.iana_name().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_type_urls_hosts_or_addresses() {
        let url = |s: &str| start_url(s).map(String::from);
        assert_eq!(url("https://dav.example.com/dav/").as_deref(), Ok("https://dav.example.com/dav/"));
        assert_eq!(url(" dav.example.com ").as_deref(), Ok("https://dav.example.com/"));
        assert_eq!(url("pat@example.com").as_deref(), Ok("https://example.com/.well-known/caldav"));
        assert_eq!(url("http://127.0.0.1:5232/").as_deref(), Ok("http://127.0.0.1:5232/"));
        assert!(url("ftp://example.com/").is_err());
        assert!(url("https://").is_err());
        assert!(url("").is_err());
    }

    #[test]
    fn calendar_zones_are_iana_names() {
        let vtz =
            "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
        assert_eq!(zone_of_vtimezone(vtz).as_deref(), Some("Europe/Berlin"));
        assert_eq!(zone_of_vtimezone("UTC").as_deref(), Some("UTC"));
        assert_eq!(zone_of_vtimezone("TZID:W. Europe Standard Time").as_deref(), None);
    }
}
