//! Calendar object resources: read by time range (`calendar-query`), by change
//! (`sync-collection`) or by href (`calendar-multiget`, `GET`), and written with ETag
//! preconditions so nothing is overwritten unseen.

use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use sked_core::Interval;

use crate::http::{Answer, Call, On412, error};
use crate::xml::{self, CALDAV, CS, DAV};
use crate::{Account, CalDav, ProviderError, ProviderResult, Url};

/// Hrefs asked for in one `calendar-multiget`.
const MULTIGET_BATCH: usize = 100;

/// A calendar object resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Where it is (absolute URL).
    pub href: String,
    /// Its ETag, as the server wrote it (quotes included), for `If-Match`.
    pub etag: Option<String>,
    /// Its iCalendar text. Read from a `REPORT`, its line ends are LF: XML turns CRLF into LF.
    pub data: String,
}

/// A member of a calendar that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// Where it is (absolute URL).
    pub href: String,
    /// Its new ETag.
    pub etag: Option<String>,
}

/// What changed in a calendar since a sync token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncPage {
    /// The token to continue from.
    pub token: String,
    /// Members created or changed (read them with [`CalDav::multiget`]).
    pub changed: Vec<Changed>,
    /// Members removed (absolute URLs).
    pub removed: Vec<String>,
    /// The server sent only part of the changes: sync again from `token` for the rest.
    pub truncated: bool,
}

impl CalDav {
    /// The events of `calendar` overlapping `range` (all of them without one). With `expand`
    /// (and a range), the server expands recurring events into their occurrences in the range,
    /// each an override with a `RECURRENCE-ID`, and drops the recurrence rules; servers that
    /// ignore it send the series as stored.
    pub async fn calendar_query(
        &self,
        account: &Account,
        calendar: &str,
        range: Option<Interval>,
        expand: bool,
    ) -> ProviderResult<Vec<Resource>> {
        let url = resolve(account, calendar)?;
        let bounds = range.map(|r| (utc(r.start), utc(r.end)));
        let body = xml::calendar_query(bounds.as_ref().map(|(s, e)| (s.as_str(), e.as_str())), expand);
        let a = self.report(account, url, "1", body).await?;
        resources(&a)
    }

    /// The members of `calendar` changed and removed since `token` (all of them, as changed,
    /// without one). A token the server no longer knows is [`ProviderError::Gone`]: sync again
    /// from none. A server that cuts the list short says so in [`SyncPage::truncated`]; one
    /// that refuses the whole report (507) is [`ProviderError::Unavailable`].
    pub async fn sync_collection(
        &self,
        account: &Account,
        calendar: &str,
        token: Option<&str>,
    ) -> ProviderResult<SyncPage> {
        let url = resolve(account, calendar)?;
        let a = self.report(account, url.clone(), "0", xml::sync_collection(token)).await?;
        let doc = xml::parse(&a.body)?;
        let ms = xml::multistatus(&doc)?;
        let mut page = SyncPage { token: ms.sync_token.clone().unwrap_or_default(), ..SyncPage::default() };
        for e in &ms.entries {
            let href = a.url.join(&e.href).map_err(|err| ProviderError::Transport(err.to_string()))?;
            if same_collection(&href, &url) {
                // The collection itself: 507 when the server cut the list short.
                page.truncated |= e.status == Some(507);
                continue;
            }
            match e.status {
                Some(404 | 410) => page.removed.push(href.into()),
                _ => page.changed.push(Changed { href: href.into(), etag: e.text(DAV, "getetag") }),
            }
        }
        if page.token.is_empty() {
            return Err(ProviderError::Transport("the sync answer has no sync-token".into()));
        }
        Ok(page)
    }

    /// The resources at `hrefs` in `calendar`, asked for a hundred at a time. Hrefs the server
    /// no longer has are left out.
    pub async fn multiget(
        &self,
        account: &Account,
        calendar: &str,
        hrefs: &[String],
    ) -> ProviderResult<Vec<Resource>> {
        let url = resolve(account, calendar)?;
        let mut out = Vec::with_capacity(hrefs.len());
        for batch in hrefs.chunks(MULTIGET_BATCH) {
            // Sent as paths, the form every server takes.
            let paths: Vec<String> = batch
                .iter()
                .map(|h| resolve(account, h).map(|u| u.path().to_owned()))
                .collect::<Result<_, _>>()?;
            let a = self.report(account, url.clone(), "1", xml::multiget(&paths)).await?;
            out.extend(resources(&a)?);
        }
        Ok(out)
    }

    /// A token that changes whenever `calendar` does (`getctag`, else `sync-token`), for
    /// polling calendars without `sync-collection`.
    pub async fn ctag(&self, account: &Account, calendar: &str) -> ProviderResult<Option<String>> {
        let url = resolve(account, calendar)?;
        let body = xml::propfind(&["cs:getctag", "d:sync-token"]);
        let a = self.send(account, Call::xml(b"PROPFIND", url, "0", body)?).await?;
        if !a.ok() {
            return Err(error(&a, On412::Changed));
        }
        let doc = xml::parse(&a.body)?;
        let ms = xml::multistatus(&doc)?;
        Ok(ms.entries.iter().find_map(|e| e.text(CS, "getctag").or_else(|| e.text(DAV, "sync-token"))))
    }

    /// Creates the resource at `href`, never over an existing one ([`ProviderError::Duplicate`],
    /// also when the calendar holds the event's `UID` elsewhere). Answers its ETag when the
    /// server gives one (some do not, having changed the text: read it back then).
    pub async fn put_new(&self, account: &Account, href: &str, ics: &str) -> ProviderResult<Option<String>> {
        let call = Call { if_none_match: true, ..put(account, href, ics)? };
        let a = self.send(account, call).await?;
        if !a.ok() {
            return Err(error(&a, On412::Exists));
        }
        Ok(a.etag)
    }

    /// Replaces the resource at `href` if it still has `etag` ([`ProviderError::Changed`] if
    /// not). Answers its new ETag when the server gives one.
    pub async fn put_update(
        &self,
        account: &Account,
        href: &str,
        ics: &str,
        etag: &str,
    ) -> ProviderResult<Option<String>> {
        let call = Call { if_match: Some(etag), ..put(account, href, ics)? };
        let a = self.send(account, call).await?;
        if !a.ok() {
            return Err(error(&a, On412::Changed));
        }
        Ok(a.etag)
    }

    /// Deletes the resource at `href` (only if it still has `etag`, when given). Answers false
    /// when it was already gone.
    pub async fn delete(&self, account: &Account, href: &str, etag: Option<&str>) -> ProviderResult<bool> {
        let call = Call { if_match: etag, ..Call::new(Method::DELETE, resolve(account, href)?) };
        let a = self.send(account, call).await?;
        match a.status {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(false),
            _ => Err(error(&a, On412::Changed)),
        }
    }

    /// The resource at `href`.
    pub async fn get(&self, account: &Account, href: &str) -> ProviderResult<Resource> {
        let a = self.send(account, Call::new(Method::GET, resolve(account, href)?)).await?;
        if !a.ok() {
            return Err(error(&a, On412::Changed));
        }
        Ok(Resource { href: a.url.into(), etag: a.etag, data: a.body })
    }

    /// Makes an event calendar at `url` named `name` (RFC 4791 `MKCALENDAR`).
    pub async fn mkcalendar(&self, account: &Account, url: &str, name: &str) -> ProviderResult<()> {
        let call = Call::xml(b"MKCALENDAR", resolve(account, url)?, "0", xml::mkcalendar(name))?;
        let a = self.send(account, Call { depth: None, ..call }).await?;
        if !a.ok() {
            return Err(error(&a, On412::Exists));
        }
        Ok(())
    }

    /// A `REPORT` that must answer a `multistatus`.
    async fn report(
        &self,
        account: &Account,
        url: Url,
        depth: &'static str,
        body: String,
    ) -> ProviderResult<Answer> {
        let a = self.send(account, Call::xml(b"REPORT", url, depth, body)?).await?;
        if a.status != StatusCode::MULTI_STATUS {
            return Err(if a.ok() {
                ProviderError::Transport(format!("expected a multistatus, got {}", a.status))
            } else {
                error(&a, On412::Changed)
            });
        }
        Ok(a)
    }
}

/// A `PUT` of calendar data.
fn put<'a>(account: &Account, href: &str, ics: &str) -> ProviderResult<Call<'a>> {
    Ok(Call {
        body: Some(ics.to_owned()),
        content_type: Some("text/calendar; charset=utf-8"),
        ..Call::new(Method::PUT, resolve(account, href)?)
    })
}

/// The resources with calendar data in a `multistatus`.
fn resources(a: &Answer) -> ProviderResult<Vec<Resource>> {
    let doc = xml::parse(&a.body)?;
    let ms = xml::multistatus(&doc)?;
    let mut out = Vec::new();
    for e in &ms.entries {
        let Some(data) = e.prop(CALDAV, "calendar-data").map(xml::text).filter(|d| !d.is_empty()) else {
            continue;
        };
        let href = a.url.join(&e.href).map_err(|err| ProviderError::Transport(err.to_string()))?;
        out.push(Resource { href: href.into(), etag: e.text(DAV, "getetag"), data });
    }
    Ok(out)
}

/// `reference` (an absolute URL or a path) against the account's server.
pub(crate) fn resolve(account: &Account, reference: &str) -> ProviderResult<Url> {
    account.base_url.join(reference.trim()).map_err(|e| ProviderError::Refused {
        status: 0,
        reason: "bad-url".into(),
        message: format!("`{reference}`: {e}"),
    })
}

/// Whether two URLs name the same collection (with or without its trailing slash).
fn same_collection(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
}

/// An instant in iCalendar's UTC form, as `time-range` takes it.
fn utc(second: i64) -> String {
    let t =
        Timestamp::from_second(second).unwrap_or(if second < 0 { Timestamp::MIN } else { Timestamp::MAX });
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}
