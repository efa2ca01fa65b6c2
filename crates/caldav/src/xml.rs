//! WebDAV XML: the request bodies Sked sends, and the `multistatus` and `error` answers read
//! namespace-aware (servers pick their own prefixes; Radicale makes `DAV:` the default
//! namespace). Documents with a DTD are refused, so no entity is ever expanded.

use roxmltree::{Document, Node, ParsingOptions};

use crate::{ProviderError, ProviderResult};

/// The WebDAV namespace.
pub(crate) const DAV: &str = "DAV:";
/// The CalDAV namespace.
pub(crate) const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// Apple's calendar server namespace (`getctag`).
pub(crate) const CS: &str = "http://calendarserver.org/ns/";

/// Most XML nodes read from one answer (a 20 MB answer of events has far fewer).
const MAX_NODES: u32 = 2_000_000;

/// Opens every request body: the three namespaces under the prefixes the bodies use.
const NS: &str =
    r#"xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/""#;

/// Parses an answer.
pub(crate) fn parse(text: &str) -> ProviderResult<Document<'_>> {
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    Document::parse_with_options(text, options)
        .map_err(|e| ProviderError::Transport(format!("the answer is not XML: {e}")))
}

/// One `response` of a `multistatus`.
#[derive(Debug)]
pub(crate) struct Entry<'a, 'i> {
    /// Its `href`, as written.
    pub href: String,
    /// The status of the response as a whole (sync-collection's removed members, 507).
    pub status: Option<u16>,
    /// The properties of its successful `propstat`s.
    pub props: Vec<Node<'a, 'i>>,
}

impl<'a, 'i> Entry<'a, 'i> {
    /// A property found.
    pub(crate) fn prop(&self, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
        self.props.iter().copied().find(|p| is(*p, ns, name))
    }

    /// A property's text, when found and not empty.
    pub(crate) fn text(&self, ns: &str, name: &str) -> Option<String> {
        self.prop(ns, name).map(text).filter(|t| !t.is_empty())
    }

    /// The `href` inside a property (`current-user-principal`, `calendar-home-set`).
    pub(crate) fn href_in(&self, ns: &str, name: &str) -> Option<String> {
        hrefs(self.prop(ns, name)?).into_iter().next()
    }
}

/// A `multistatus` answer.
#[derive(Debug)]
pub(crate) struct Multistatus<'a, 'i> {
    pub entries: Vec<Entry<'a, 'i>>,
    /// Its `sync-token` (sync-collection).
    pub sync_token: Option<String>,
}

/// Reads a `multistatus` document.
pub(crate) fn multistatus<'a, 'i>(doc: &'a Document<'i>) -> ProviderResult<Multistatus<'a, 'i>> {
    let root = doc.root_element();
    if !is(root, DAV, "multistatus") {
        return Err(ProviderError::Transport(format!(
            "expected a multistatus, got <{}>",
            root.tag_name().name()
        )));
    }
    let mut entries = Vec::new();
    for r in elements(root).filter(|n| is(*n, DAV, "response")) {
        let Some(href) = child(r, DAV, "href").map(text) else { continue };
        let status = child(r, DAV, "status").and_then(|s| status_code(&text(s)));
        let mut props = Vec::new();
        for ps in elements(r).filter(|n| is(*n, DAV, "propstat")) {
            let ok =
                child(ps, DAV, "status").and_then(|s| status_code(&text(s))).is_some_and(|c| c / 100 == 2);
            if let (true, Some(prop)) = (ok, child(ps, DAV, "prop")) {
                props.extend(elements(prop));
            }
        }
        entries.push(Entry { href, status, props });
    }
    let sync_token = child(root, DAV, "sync-token").map(text).filter(|t| !t.is_empty());
    Ok(Multistatus { entries, sync_token })
}

/// The precondition an `error` answer names (`valid-sync-token`, `no-uid-conflict`).
pub(crate) fn precondition(body: &str) -> Option<String> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let doc = parse(body).ok()?;
    let root = doc.root_element();
    if !is(root, DAV, "error") {
        return None;
    }
    elements(root).next().map(|n| n.tag_name().name().to_owned())
}

/// Whether `n` is the element `name` of namespace `ns`.
pub(crate) fn is(n: Node<'_, '_>, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ns)
}

/// The element children of `n`.
pub(crate) fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(Node::is_element)
}

/// The first child element `name` of namespace `ns`.
pub(crate) fn child<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    elements(n).find(|c| is(*c, ns, name))
}

/// All the text inside `n` (text and CDATA, however split), trimmed.
pub(crate) fn text(n: Node<'_, '_>) -> String {
    let mut out = String::new();
    for t in n.descendants().filter(Node::is_text) {
        out.push_str(t.text().unwrap_or_default());
    }
    out.trim().to_owned()
}

/// The `href`s inside `n`.
pub(crate) fn hrefs(n: Node<'_, '_>) -> Vec<String> {
    n.descendants().filter(|c| is(*c, DAV, "href")).map(text).filter(|t| !t.is_empty()).collect()
}

/// `HTTP/1.1 404 Not Found` → 404.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `PROPFIND` for properties written as `d:name`, `c:name` or `cs:name`.
pub(crate) fn propfind(props: &[&str]) -> String {
    let props: String = props.iter().map(|p| format!("<{p}/>")).collect();
    format!(r#"<?xml version="1.0" encoding="utf-8"?><d:propfind {NS}><d:prop>{props}</d:prop></d:propfind>"#)
}

/// `calendar-query` for the events overlapping `range` (`(start, end)` in iCalendar UTC form),
/// expanded into their occurrences when `expand`.
pub(crate) fn calendar_query(range: Option<(&str, &str)>, expand: bool) -> String {
    let (data, filter) = match range {
        Some((s, e)) => (
            if expand {
                format!(r#"<c:calendar-data><c:expand start="{s}" end="{e}"/></c:calendar-data>"#)
            } else {
                "<c:calendar-data/>".to_owned()
            },
            format!(r#"<c:time-range start="{s}" end="{e}"/>"#),
        ),
        None => ("<c:calendar-data/>".to_owned(), String::new()),
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query {NS}><d:prop><d:getetag/>{data}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">{filter}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
    )
}

/// `sync-collection` from `token` (none: the initial sync).
pub(crate) fn sync_collection(token: Option<&str>) -> String {
    let token = match token {
        Some(t) => format!("<d:sync-token>{}</d:sync-token>", escape(t)),
        None => "<d:sync-token/>".to_owned(),
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection {NS}>{token}<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
    )
}

/// `calendar-multiget` of `hrefs`.
pub(crate) fn multiget(hrefs: &[String]) -> String {
    let hrefs: String = hrefs.iter().map(|h| format!("<d:href>{}</d:href>", escape(h))).collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget {NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>"#
    )
}

/// `MKCALENDAR` of an event calendar named `name`.
pub(crate) fn mkcalendar(name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar {NS}><d:set><d:prop><d:displayname>{}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#,
        escape(name)
    )
}

/// Text as XML character data.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multistatus_is_read_whatever_the_prefixes() {
        let body = r#"<?xml version="1.0"?>
<x:multistatus xmlns:x="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav"><x:sync-token>tok</x:sync-token>
<x:response><x:href>/a.ics</x:href><x:propstat><x:prop><x:getetag>"1"</x:getetag>
<cal:calendar-data><![CDATA[BEGIN:VCALENDAR
END:VCALENDAR]]></cal:calendar-data></x:prop><x:status>HTTP/1.1 200 OK</x:status></x:propstat>
<x:propstat><x:prop><x:displayname/></x:prop><x:status>HTTP/1.1 404 Not Found</x:status></x:propstat></x:response>
<x:response><x:href>/b.ics</x:href><x:status>HTTP/1.1 404 Not Found</x:status></x:response></x:multistatus>"#;
        let doc = parse(body).unwrap();
        let ms = multistatus(&doc).unwrap();
        assert_eq!(ms.sync_token.as_deref(), Some("tok"));
        assert_eq!(ms.entries.len(), 2);
        assert_eq!(ms.entries[0].text(DAV, "getetag").as_deref(), Some("\"1\""));
        assert_eq!(
            ms.entries[0].text(CALDAV, "calendar-data").as_deref(),
            Some("BEGIN:VCALENDAR\nEND:VCALENDAR")
        );
        assert!(ms.entries[0].prop(DAV, "displayname").is_none(), "404 propstats are not properties");
        assert_eq!((ms.entries[1].href.as_str(), ms.entries[1].status), ("/b.ics", Some(404)));
    }

    #[test]
    fn dtds_and_other_documents_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><multistatus xmlns="DAV:">&a;</multistatus>"#;
        assert!(parse(bomb).is_err());
        let doc = parse(r#"<html xmlns="DAV:"/>"#).unwrap();
        assert!(multistatus(&doc).is_err());
        assert_eq!(precondition("<html>"), None);
        assert_eq!(precondition("not xml"), None);
    }

    #[test]
    fn values_stay_inside_their_elements() {
        assert!(multiget(&["/a&b<c>.ics".into()]).contains("<d:href>/a&amp;b&lt;c&gt;.ics</d:href>"));
        assert!(sync_collection(Some("</d:sync-token>")).contains("&lt;/d:sync-token&gt;"));
        assert!(calendar_query(Some(("20260301T000000Z", "20260401T000000Z")), true).contains("c:expand"));
    }
}
