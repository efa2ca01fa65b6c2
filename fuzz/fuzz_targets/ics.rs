//! A booking's calendar object, whatever its names, notes, title, location and emails hold.
//!
//! Input: up to seven fields separated by 0xFF (a byte UTF-8 never uses): title, location, host
//! name, host email, attendee name, attendee email, notes; a field that is absent is `None` where
//! the invite allows it. Properties: the text parses back (the `icalendar` parser) to one
//! calendar with one PRODID and one VEVENT, which has one ORGANIZER when a host email is given
//! (none otherwise), one ATTENDEE when an attendee email is given (none otherwise), and only the
//! properties Sked writes; every line ends with CRLF and no other CR or LF appears.

#![no_main]

use icalendar::{Calendar, CalendarComponent, Component};
use libfuzzer_sys::fuzz_target;
use sked_ics::{Invite, render};

const TOP: &[&str] = &["VERSION", "PRODID", "CALSCALE"];
const EVENT: &[&str] = &[
    "UID",
    "SEQUENCE",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "STATUS",
    "DESCRIPTION",
    "LOCATION",
    "ORGANIZER",
    "ATTENDEE",
];

fuzz_target!(|data: &[u8]| {
    let fields: Vec<String> =
        data.splitn(7, |&b| b == 0xFF).map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let field = |i: usize| fields.get(i).map(String::as_str);
    let invite = Invite {
        uid: "0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a@sked",
        sequence: 3,
        stamp: 1_772_452_800,
        start: 1_772_460_000,
        end: 1_772_461_800,
        cancelled: data.len() % 2 == 1,
        title: field(0).unwrap_or_default(),
        location: field(1),
        host_name: field(2).unwrap_or_default(),
        host_email: field(3),
        attendee_name: field(4).unwrap_or_default(),
        attendee_email: field(5),
        attendee_phone: None,
        notes: field(6),
        confirmation_code: "K7M2QX",
        imip: None,
    };
    let ics = render(&invite);

    assert!(ics.ends_with("\r\n"), "no CRLF at the end:\n{ics}");
    for line in ics.split_terminator("\r\n") {
        assert!(!line.contains(['\r', '\n']), "a bare CR or LF in {line:?}");
    }
    let cal: Calendar = ics.parse().unwrap_or_else(|e| panic!("does not parse back: {e}\n{ics}"));
    let top: Vec<&str> = cal.properties.iter().map(|p| p.key()).collect();
    assert_eq!(top.iter().filter(|k| **k == "PRODID").count(), 1, "PRODID:\n{ics}");
    assert!(top.iter().all(|k| TOP.contains(k)), "calendar properties {top:?}:\n{ics}");
    assert_eq!(cal.components.len(), 1, "components:\n{ics}");
    let Some(event) = cal.components.iter().find_map(CalendarComponent::as_event) else {
        panic!("no VEVENT:\n{ics}")
    };
    let mut keys: Vec<&str> = event.properties().keys().map(String::as_str).collect();
    keys.extend(event.multi_properties().values().flatten().map(|p| p.key()));
    let count = |key: &str| keys.iter().filter(|k| **k == key).count();
    assert!(keys.iter().all(|k| EVENT.contains(k)), "event properties {keys:?}:\n{ics}");
    assert_eq!(count("ORGANIZER"), usize::from(invite.host_email.is_some()), "ORGANIZER:\n{ics}");
    assert_eq!(count("ATTENDEE"), usize::from(invite.attendee_email.is_some()), "ATTENDEE:\n{ics}");
    assert_eq!(count("UID"), 1, "UID:\n{ics}");
});
