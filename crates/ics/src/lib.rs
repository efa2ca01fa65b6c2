//! A booking as an RFC 5545 calendar object, with a stable `UID` and a `SEQUENCE` that grows with
//! each change, so calendar apps update the event in place.
//!
//! Whatever a name or a note holds, it stays inside its property: text values lose control
//! characters other than line breaks (which the writer escapes as `\n`), and parameter values
//! (`CN=`) lose every control character and double quote, so no value can start a line or a
//! parameter of its own. The object carries one `PRODID`, as RFC 5545 requires.
//!
//! The other way, [`read`] reads the calendar texts of CalDAV servers and subscribed feeds as
//! the events Sked keeps.

#![forbid(unsafe_code)]

pub mod read;

use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use jiff::Timestamp;
pub use read::{BOOKING_ID_PROPERTY, Naming, ReadError, ReadEvents, ReadOptions, read_events};

/// What the calendar object of one booking says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invite<'a> {
    /// Stable for the booking's whole life.
    pub uid: &'a str,
    /// Grows with each change.
    pub sequence: u32,
    /// When this version was made (Unix seconds).
    pub stamp: i64,
    /// Start and end (Unix seconds).
    pub start: i64,
    pub end: i64,
    pub cancelled: bool,
    /// The event type's title.
    pub title: &'a str,
    pub location: Option<&'a str>,
    pub host_name: &'a str,
    pub host_email: Option<&'a str>,
    pub attendee_name: &'a str,
    pub attendee_email: Option<&'a str>,
    /// Written in the description when given (a host's own feed shows it; invitations do not).
    pub attendee_phone: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub confirmation_code: &'a str,
    /// Set for an invitation sent by email (iMIP): `METHOD` on the object, the sender as
    /// `ORGANIZER` (it must match the email's `From`), and host and attendee as `ATTENDEE`s
    /// asked to answer, so mail clients show accept and decline.
    pub imip: Option<Imip<'a>>,
}

/// What an emailed invitation adds (RFC 6047).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imip<'a> {
    /// `REQUEST` (new or changed) or `CANCEL`.
    pub method: Method,
    /// The sending address (the email's `From`).
    pub organizer_email: &'a str,
    /// The name shown for it (the business).
    pub organizer_name: &'a str,
}

/// An iTIP method (RFC 5546).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A new or changed event.
    Request,
    /// A cancelled event.
    Cancel,
}

impl Method {
    /// As written in `METHOD:` and in the MIME type's `method=` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// An instant in iCalendar's UTC form (`20260309T140000Z`).
pub fn ics_time(second: i64) -> String {
    let t =
        Timestamp::from_second(second).unwrap_or(if second < 0 { Timestamp::MIN } else { Timestamp::MAX });
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar object, as text with CRLF line ends.
pub fn render(i: &Invite<'_>) -> String {
    let mut cal = frame();
    if let Some(m) = &i.imip {
        cal.append_property(("METHOD", m.method.as_str()));
    }
    cal.push(event(i, i.imip.as_ref(), None));
    cal.done().to_string()
}

/// The calendar object to store in the host's own calendar (a CalDAV `PUT`): no `METHOD`
/// (RFC 4791 forbids it in stored objects, so [`Invite::imip`] is ignored), the booking's id in
/// [`BOOKING_ID_PROPERTY`] so reading the calendar back knows the event for the booking it is,
/// and `SCHEDULE-AGENT=CLIENT` on organizer and attendee so a scheduling server (RFC 6638) sends
/// no invitations of its own: Sked sends them.
pub fn render_stored(i: &Invite<'_>, booking_id: &str) -> String {
    let mut cal = frame();
    cal.push(event(i, None, Some(booking_id)));
    cal.done().to_string()
}

/// A calendar of many bookings, published for subscription (a host's feed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feed<'a> {
    /// The calendar's name (`X-WR-CALNAME`), one line.
    pub name: &'a str,
    /// How often subscribers should read it again (`REFRESH-INTERVAL`, `X-PUBLISHED-TTL`).
    pub refresh_minutes: u32,
    /// One event per booking; their `imip` is ignored (a feed is published, not sent).
    pub events: Vec<Invite<'a>>,
}

/// The feed as one calendar object (`METHOD:PUBLISH`), as text with CRLF line ends. Each event is
/// written as [`render`] writes it alone, so a subscriber sees the same `UID`s as in the
/// booking's own file and invitations.
pub fn render_feed(f: &Feed<'_>) -> String {
    let mut cal = frame();
    let ttl = format!("PT{}M", f.refresh_minutes.max(1));
    cal.append_property(("METHOD", "PUBLISH"));
    cal.append_property(("X-WR-CALNAME", one_line(f.name).as_str()));
    cal.append_property(Property::new("REFRESH-INTERVAL", &ttl).add_parameter("VALUE", "DURATION").done());
    cal.append_property(("X-PUBLISHED-TTL", ttl.as_str()));
    for i in &f.events {
        cal.push(event(i, None, None));
    }
    cal.done().to_string()
}

/// The calendar's own properties. `Calendar::new()` brings a PRODID of its own; a calendar
/// object has exactly one.
fn frame() -> Calendar {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", "-//Sked//Sked//EN"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal
}

/// One booking's `VEVENT`; with `imip`, as an emailed invitation asks for answers; with
/// `booking_id`, as stored in the host's own calendar.
fn event(i: &Invite<'_>, imip: Option<&Imip<'_>>, booking_id: Option<&str>) -> icalendar::Event {
    // Stored objects say the server must not schedule for their people.
    let agent = |mut p: Property| match booking_id {
        Some(_) => p.add_parameter("SCHEDULE-AGENT", "CLIENT").done(),
        None => p,
    };
    let mut event = icalendar::Event::new();
    event
        .uid(&text(i.uid))
        .sequence(i.sequence)
        .add_property("DTSTAMP", ics_time(i.stamp))
        .add_property("DTSTART", ics_time(i.start))
        .add_property("DTEND", ics_time(i.end))
        .summary(&text(&format!("{} with {}", i.title, i.host_name)))
        .status(if i.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
    let mut description = format!("Booked by {}", i.attendee_name);
    if let Some(p) = i.attendee_phone {
        description.push_str(&format!("\nPhone: {p}"));
    }
    if let Some(n) = i.notes {
        description.push_str("\n\n");
        description.push_str(n);
    }
    description.push_str(&format!("\n\nConfirmation code: {}", i.confirmation_code));
    event.description(&text(&description));
    if let Some(loc) = i.location {
        event.location(&text(loc));
    }
    if let Some(id) = booking_id {
        event.add_property(BOOKING_ID_PROPERTY, param(id));
    }
    match (imip, i.host_email) {
        (Some(m), host) => {
            event.append_property(
                Property::new("ORGANIZER", format!("mailto:{}", address(m.organizer_email)))
                    .add_parameter("CN", &param(m.organizer_name))
                    .done(),
            );
            let mut people = vec![];
            people.extend(i.attendee_email.map(|e| (e, i.attendee_name)));
            people.extend(host.map(|e| (e, i.host_name)));
            for (email, name) in people {
                event.append_multi_property(
                    Property::new("ATTENDEE", format!("mailto:{}", address(email)))
                        .add_parameter("CN", &param(name))
                        .add_parameter("ROLE", "REQ-PARTICIPANT")
                        .add_parameter("PARTSTAT", "NEEDS-ACTION")
                        .add_parameter("RSVP", "TRUE")
                        .done(),
                );
            }
        }
        (None, host) => {
            if let Some(email) = host {
                event.append_property(agent(
                    Property::new("ORGANIZER", format!("mailto:{}", address(email)))
                        .add_parameter("CN", &param(i.host_name))
                        .done(),
                ));
            }
            if let Some(email) = i.attendee_email {
                event.append_multi_property(agent(
                    Property::new("ATTENDEE", format!("mailto:{}", address(email)))
                        .add_parameter("CN", &param(i.attendee_name))
                        .add_parameter("ROLE", "REQ-PARTICIPANT")
                        .done(),
                ));
            }
        }
    }
    event.done()
}

/// A TEXT value: line breaks kept (the writer escapes them as `\n`), other control characters
/// dropped.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").chars().filter(|&c| c == '\n' || !c.is_control()).collect()
}

/// A TEXT value on one line: control characters (line breaks too) become spaces.
fn one_line(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A parameter value: one line, no double quote (a quoted value cannot hold one).
fn param(value: &str) -> String {
    value.chars().map(|c| if c.is_control() || c == '"' { ' ' } else { c }).collect()
}

/// An address in a `mailto:` URI: no control characters, spaces or delimiters that end a value.
fn address(value: &str) -> String {
    value
        .chars()
        .filter(|&c| !c.is_control() && !c.is_whitespace() && !matches!(c, '"' | ';' | ',' | '<' | '>'))
        .collect()
}

#[cfg(test)]
mod tests;
