//! Calendar texts read as the events Sked keeps: one [`StoredEvent`] per `VEVENT`.
//!
//! A text comes from a CalDAV calendar object resource (one `UID`: a single event, or a series
//! with its overrides) or from a subscribed feed (many `UID`s). [`Naming`] says which, and so
//! how the events are named: a series by its resource, or by its `UID` within the feed; an
//! override (`RECURRENCE-ID`) as `<series>#<recurrence-id>`. Times are read as RFC 5545 writes
//! them (zones as `read/value.rs` says), recurrences are kept as the `RRULE`, `EXDATE` and `RDATE`
//! lines [`series_busy`](sked_calendar::busy::series_busy) expands, and what blocks is decided
//! here: not `TRANSP:TRANSPARENT` (nor Outlook's `X-MICROSOFT-CDO-BUSYSTATUS:FREE`), not
//! declined by the calendar's owner. `STATUS:CANCELLED` marks an event cancelled; Sked's own
//! bookings carry [`BOOKING_ID_PROPERTY`]. An override with `RANGE=THISANDFUTURE` is read as a
//! change of its one occurrence (servers rarely keep them; the later ones stay as the series
//! says).
//!
//! The work is bounded: texts over [`MAX_TEXT_BYTES`] are refused, events past [`MAX_EVENTS`]
//! are skipped, and an event the parser cannot read is skipped alone.

mod scan;
mod value;

use std::collections::HashSet;

use icalendar::parser::{Component, Property, read_calendar_simple};
use jiff::tz::TimeZone;
use sked_calendar::busy::StoredEvent;

use value::{Point, Zones, end_of};

/// The property holding the Sked booking an event stands for, on events Sked writes.
pub const BOOKING_ID_PROPERTY: &str = "X-SKED-BOOKING-ID";

/// Largest text read (a feed of many years of events fits; a calendar object is far smaller).
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// Most events read from one text.
pub const MAX_EVENTS: usize = 20_000;

/// How the events of a text are named, which depends on where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming<'a> {
    /// One CalDAV calendar object resource, by its href. RFC 4791 allows one `UID` per
    /// resource, so the series is named by the href (`/cal/a.ics`; an override
    /// `/cal/a.ics#20260310T100000Z`), and a change of the resource is a change of its series.
    /// Should a resource break the rule, its other `UID`s are named `<href>#<UID>`.
    Resource(&'a str),
    /// A feed holding many series, by a key for it: each series is named `<key>#<UID>`.
    Feed(&'a str),
}

/// What reading needs besides the text.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions<'a> {
    /// The calendar's zone: floating times, and times in a zone that cannot be told, are wall
    /// times in it.
    pub calendar_zone: &'a TimeZone,
    /// The calendar owner's addresses (with or without `mailto:`): an event an `ATTENDEE` among
    /// them declined does not block.
    pub owner: &'a [String],
}

/// The events read from a text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadEvents {
    /// One per `VEVENT`, in the text's order.
    pub events: Vec<StoredEvent>,
    /// `VEVENT`s not read: unreadable, cut short, named twice, or past [`MAX_EVENTS`].
    pub skipped: usize,
}

/// Why a text was not read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Longer than [`MAX_TEXT_BYTES`].
    #[error("the calendar is {bytes} bytes, more than the {MAX_TEXT_BYTES} read")]
    TooLarge { bytes: usize },
    /// No `VCALENDAR` or `VEVENT` in it (an error page, say): not an empty calendar.
    #[error("the text is not an iCalendar object")]
    NotCalendar,
}

/// Reads the events of a calendar text. See the [module](self) for what is read and how.
pub fn read_events(
    text: &str,
    naming: Naming<'_>,
    options: &ReadOptions<'_>,
) -> Result<ReadEvents, ReadError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ReadError::TooLarge { bytes: text.len() });
    }
    let scanned = scan::scan(text, MAX_EVENTS);
    if !scanned.calendar {
        return Err(ReadError::NotCalendar);
    }
    let mut skipped = scanned.dropped_events;
    let mut zones = Zones::new(options.calendar_zone);
    let mut events = Vec::new();
    for block in &scanned.blocks {
        let parsed = if block.whole { read_calendar_simple(&block.text).ok() } else { None };
        let component = parsed.as_ref().and_then(|c| c.first());
        match (block.name.as_str(), component) {
            ("VTIMEZONE", Some(c)) => {
                if let (Some(id), Some(loc)) = (prop(c, "TZID"), prop(c, "X-LIC-LOCATION")) {
                    zones.add_location(id.val.as_str(), loc.val.as_str());
                }
            }
            ("VEVENT", Some(c)) => events.push(c.clone()),
            ("VEVENT", None) => skipped += 1,
            _ => {}
        }
    }
    let read: Vec<Read> = events.iter().map(|c| read_event(c, &mut zones, options.owner)).collect();
    let mut out = ReadEvents { events: Vec::with_capacity(read.len()), skipped };
    // The resource's own series is the first master's (or, without one, the first event's).
    let primary = read.iter().find(|r| r.recurrence_id.is_none()).or(read.first()).map(|r| r.uid.clone());
    let mut seen = HashSet::new();
    let mut nameless = 0;
    for r in read {
        let series = match naming {
            Naming::Resource(href) if Some(&r.uid) == primary.as_ref() => href.to_owned(),
            Naming::Resource(key) | Naming::Feed(key) if r.uid.is_empty() => {
                // A series without a UID (RFC 5545 requires one) is named by its place.
                nameless += 1;
                format!("{key}#~{nameless}")
            }
            Naming::Resource(key) | Naming::Feed(key) => format!("{key}#{}", r.uid),
        };
        let id = match &r.recurrence_id {
            Some(rid) => format!("{series}#{rid}"),
            None => series.clone(),
        };
        if !seen.insert(id.clone()) {
            out.skipped += 1;
            continue;
        }
        out.events.push(StoredEvent { id, series_id: series, ..r.event });
    }
    Ok(out)
}

/// One event read, before it is named.
struct Read {
    uid: String,
    /// The `RECURRENCE-ID` value as written, for an override.
    recurrence_id: Option<String>,
    event: StoredEvent,
}

fn read_event(c: &Component<'_>, zones: &mut Zones<'_>, owner: &[String]) -> Read {
    let point = |zones: &mut Zones<'_>, name: &str| {
        let p = prop(c, name)?;
        let date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
        zones.point(p.val.as_str(), param(p, "TZID"), date)
    };
    let start = point(zones, "DTSTART");
    let end = point(zones, "DTEND");
    let end = start.as_ref().and_then(|s| end_of(s, end, prop(c, "DURATION").map(|d| d.val.as_str())));
    let original = point(zones, "RECURRENCE-ID");
    let text = |name: &str| prop(c, name).map(|p| p.val.as_str().trim().to_owned());
    let is = |name: &str, value: &str| text(name).is_some_and(|v| v.eq_ignore_ascii_case(value));
    let declined = c.properties.iter().any(|p| {
        p.name.as_str().eq_ignore_ascii_case("ATTENDEE")
            && param(p, "PARTSTAT").is_some_and(|s| s.eq_ignore_ascii_case("DECLINED"))
            && owner.iter().any(|o| same_address(o, p.val.as_str()))
    });
    let free = is("TRANSP", "TRANSPARENT") || is("X-MICROSOFT-CDO-BUSYSTATUS", "FREE");
    let recurrence_id = prop(c, "RECURRENCE-ID").map(|p| p.val.as_str().trim().to_ascii_uppercase());
    // An override is one occurrence: it has no recurrence of its own.
    let recurrence = if recurrence_id.is_some() { Vec::new() } else { recurrence_lines(c, zones) };
    Read {
        uid: text("UID").unwrap_or_default(),
        recurrence_id,
        event: StoredEvent {
            id: String::new(),
            series_id: String::new(),
            cancelled: is("STATUS", "CANCELLED"),
            blocks: !free && !declined,
            time_zone: start.as_ref().and_then(Point::zone_name),
            start: start.as_ref().map(Point::when),
            end: end.as_ref().map(Point::when),
            recurrence,
            original_start: original.as_ref().map(Point::when),
            booking_id: text(BOOKING_ID_PROPERTY).filter(|b| !b.is_empty()),
        },
    }
}

/// The `RRULE`, `EXDATE` and `RDATE` lines of a series, as `series_busy` reads them: names
/// upper-cased, `TZID`s replaced by the IANA zone they name (or dropped, so the value is read in
/// the series' own zone, as its start was), other parameters but `VALUE=DATE` dropped, and
/// `RDATE` periods cut to their starts.
fn recurrence_lines(c: &Component<'_>, zones: &mut Zones<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for p in &c.properties {
        let name = p.name.as_str().to_ascii_uppercase();
        let value = p.val.as_str().trim();
        match name.as_str() {
            "RRULE" => out.push(format!("RRULE:{value}")),
            "EXDATE" | "RDATE" => {
                let mut line = name;
                if param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")) {
                    line.push_str(";VALUE=DATE");
                } else if let Some((_, zone)) = param(p, "TZID").and_then(|z| zones.resolve(z)) {
                    line.push_str(";TZID=");
                    line.push_str(&zone);
                }
                let values: Vec<&str> =
                    value.split(',').map(|v| v.split('/').next().unwrap_or(v).trim()).collect();
                line.push(':');
                line.push_str(&values.join(",").to_ascii_uppercase());
                out.push(line);
            }
            _ => {}
        }
    }
    out
}

/// The first property of that name (names are compared without case).
fn prop<'c>(c: &'c Component<'_>, name: &str) -> Option<&'c Property<'c>> {
    c.properties.iter().find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

/// A parameter's value.
fn param<'p>(p: &'p Property<'_>, key: &str) -> Option<&'p str> {
    p.params.iter().find(|x| x.key.as_str().eq_ignore_ascii_case(key))?.val.as_ref().map(|v| v.as_str())
}

/// Whether a calendar address (`mailto:x@y`, or `x@y`) is `owner`'s.
fn same_address(owner: &str, address: &str) -> bool {
    let bare = |a: &str| {
        let a = a.trim();
        match a.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => a[7..].trim().to_owned(),
            _ => a.to_owned(),
        }
    };
    let (o, a) = (bare(owner), bare(address));
    !o.is_empty() && o.eq_ignore_ascii_case(&a)
}

#[cfg(test)]
mod tests;
