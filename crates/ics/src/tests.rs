use icalendar::{Calendar, CalendarComponent, Component};
use proptest::prelude::*;

use super::*;

fn invite<'a>(attendee: &'a str, host: &'a str, notes: &'a str, title: &'a str) -> Invite<'a> {
    Invite {
        uid: "b1@sked",
        sequence: 2,
        stamp: 1_772_452_800,
        start: 1_772_460_000,
        end: 1_772_461_800,
        title,
        location: Some(title),
        host_name: host,
        host_email: Some("host@example.com"),
        attendee_name: attendee,
        attendee_email: Some("pat@example.com"),
        notes: Some(notes),
        confirmation_code: "ABC234",
        ..Invite::default()
    }
}

/// A property parsed back: name, value and its `CN` parameter.
type Prop = (String, String, Option<String>);

/// The object parsed back: (properties of the calendar, properties of its one event).
fn parse_back(ics: &str) -> (Vec<(String, String)>, Vec<Prop>) {
    let cal: Calendar = ics.parse().unwrap_or_else(|e| panic!("does not parse: {e}\n{ics}"));
    let top = cal.properties.iter().map(|p| (p.key().to_owned(), p.value().to_owned())).collect();
    let events: Vec<_> = cal.components.iter().filter_map(CalendarComponent::as_event).collect();
    assert_eq!(events.len(), 1, "{ics}");
    let mut props = Vec::new();
    for (key, p) in events[0].properties() {
        props.push((key.clone(), p.value().to_owned(), p.params().get("CN").map(|c| c.value().to_owned())));
    }
    for p in events[0].multi_properties().values().flatten() {
        props.push((
            p.key().to_owned(),
            p.value().to_owned(),
            p.params().get("CN").map(|c| c.value().to_owned()),
        ));
    }
    (top, props)
}

fn count(props: &[Prop], key: &str) -> usize {
    props.iter().filter(|(k, ..)| k == key).count()
}

#[test]
fn a_name_with_line_breaks_adds_no_attendee() {
    let evil = "Pat\r\nATTENDEE;CN=Mallory:mailto:mallory@evil.test\r\nX-EVIL:1";
    let ics =
        render(&invite(evil, "Dana\"; ROLE=CHAIR:x", "line one\r\nATTENDEE:mailto:m@evil.test", "Consult"));
    let (top, props) = parse_back(&ics);
    assert_eq!(top.iter().filter(|(k, _)| k == "PRODID").count(), 1, "{ics}");
    assert_eq!(count(&props, "ATTENDEE"), 1, "{ics}");
    assert_eq!(count(&props, "ORGANIZER"), 1, "{ics}");
    assert!(!ics.contains("\r\nX-EVIL"), "{ics}");
    assert!(!ics.contains("\r\nATTENDEE:mailto:m@evil"), "{ics}");
    let cn = props.iter().find(|(k, ..)| k == "ATTENDEE").and_then(|(_, _, cn)| cn.clone());
    assert_eq!(cn.as_deref().map(|c| c.trim_matches('"')), Some(param(evil).as_str()));
}

proptest! {
    /// Whatever the names and notes hold, the object parses back with one PRODID, one event,
    /// one ORGANIZER and exactly one ATTENDEE, and every line ends with CRLF.
    #[test]
    fn any_text_stays_in_its_property(
        attendee in "\\PC*|[\\x00-\\x7f]{0,40}",
        host in "[\\x00-\\x7f]{0,40}",
        notes in "[\\x00-\\x7f\\u{2028}é]{0,80}",
        title in "[\\x00-\\x7f]{0,30}",
    ) {
        let ics = render(&invite(&attendee, &host, &notes, &title));
        let (top, props) = parse_back(&ics);
        prop_assert_eq!(top.iter().filter(|(k, _)| k == "PRODID").count(), 1);
        prop_assert_eq!(count(&props, "ATTENDEE"), 1);
        prop_assert_eq!(count(&props, "ORGANIZER"), 1);
        prop_assert_eq!(count(&props, "UID"), 1);
        for line in ics.split_inclusive('\n') {
            prop_assert!(line.ends_with("\r\n") && !line[..line.len() - 2].contains(['\r', '\n']), "{:?}", line);
        }
    }
}

#[test]
fn an_emailed_invitation_names_its_method_the_sender_as_organizer_and_both_people_as_attendees() {
    for (method, word) in [(Method::Request, "REQUEST"), (Method::Cancel, "CANCEL")] {
        let imip = Imip { method, organizer_email: "bookings@sked.example", organizer_name: "Acme" };
        let i = Invite {
            imip: Some(imip),
            cancelled: method == Method::Cancel,
            ..invite("Pat", "Hana", "", "Cut")
        };
        let ics = render(&i);
        let (top, props) = parse_back(&ics);
        assert!(top.contains(&("METHOD".to_owned(), word.to_owned())), "{ics}");
        let organizer: Vec<_> = props.iter().filter(|p| p.0 == "ORGANIZER").collect();
        assert_eq!(organizer.len(), 1);
        assert_eq!(organizer[0].1, "mailto:bookings@sked.example");
        assert_eq!(organizer[0].2.as_deref(), Some("Acme"));
        let mut attendees: Vec<_> =
            props.iter().filter(|p| p.0 == "ATTENDEE").map(|p| p.1.as_str()).collect();
        attendees.sort_unstable();
        assert_eq!(attendees, ["mailto:host@example.com", "mailto:pat@example.com"]);
        assert!(ics.contains("RSVP=TRUE"), "{ics}");
    }
    // The plain object (a download) has no METHOD and the host as organizer.
    let (top, props) = parse_back(&render(&invite("Pat", "Hana", "", "Cut")));
    assert!(!top.iter().any(|p| p.0 == "METHOD"));
    assert!(props.iter().any(|p| p.0 == "ORGANIZER" && p.1 == "mailto:host@example.com"));
}

#[test]
fn a_stored_object_carries_the_booking_id_and_keeps_the_server_from_scheduling() {
    let imip = Imip { method: Method::Request, organizer_email: "b@sked.example", organizer_name: "Acme" };
    let i = Invite { imip: Some(imip), ..invite("Pat", "Hana", "", "Cut") };
    let ics = render_stored(&i, "0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a");
    let (top, props) = parse_back(&ics);
    assert!(!top.iter().any(|p| p.0 == "METHOD"), "{ics}");
    assert!(props.contains(&(
        BOOKING_ID_PROPERTY.to_owned(),
        "0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a".to_owned(),
        None
    )));
    let cal: Calendar = ics.parse().unwrap();
    let event = cal.components.iter().find_map(CalendarComponent::as_event).unwrap();
    let people: Vec<_> = event
        .properties()
        .values()
        .chain(event.multi_properties().values().flatten())
        .filter(|p| matches!(p.key(), "ORGANIZER" | "ATTENDEE"))
        .collect();
    assert_eq!(people.len(), 2, "{ics}");
    assert!(
        people.iter().all(|p| p.params().get("SCHEDULE-AGENT").map(|a| a.value()) == Some("CLIENT")),
        "{ics}"
    );
    assert!(!render(&i).contains("SCHEDULE-AGENT"));
}

/// A feed parsed back: its calendar properties and its events' properties.
fn parse_feed(ics: &str) -> (Vec<(String, String)>, Vec<Vec<Prop>>) {
    let cal: Calendar = ics.parse().unwrap_or_else(|e| panic!("does not parse: {e}\n{ics}"));
    let top = cal.properties.iter().map(|p| (p.key().to_owned(), p.value().to_owned())).collect();
    let events = cal
        .components
        .iter()
        .filter_map(CalendarComponent::as_event)
        .map(|e| {
            let mut props: Vec<Prop> =
                e.properties().iter().map(|(k, p)| (k.clone(), p.value().to_owned(), None)).collect();
            props.extend(
                e.multi_properties()
                    .values()
                    .flatten()
                    .map(|p| (p.key().to_owned(), p.value().to_owned(), None)),
            );
            props
        })
        .collect();
    (top, events)
}

fn value<'a>(props: &'a [Prop], key: &str) -> Option<&'a str> {
    props.iter().find(|(k, ..)| k == key).map(|(_, v, _)| v.as_str())
}

#[test]
fn a_feed_holds_each_booking_as_its_own_file_does_with_the_refresh_hints() {
    let mut cancelled = invite("Sam", "Hana", "", "Cut");
    cancelled.uid = "b2@sked";
    cancelled.cancelled = true;
    // An invitation's METHOD and organizer never reach a feed.
    cancelled.imip =
        Some(Imip { method: Method::Cancel, organizer_email: "x@example.com", organizer_name: "X" });
    let phoned = Invite { attendee_phone: Some("+15551234567"), ..invite("Pat", "Hana", "n", "Cut") };
    let feed =
        Feed { name: "Hana\r\nX-EVIL:1", refresh_minutes: 15, events: vec![phoned.clone(), cancelled] };
    let ics = render_feed(&feed);
    let (top, events) = parse_feed(&ics);
    let get = |k: &str| top.iter().filter(|(key, _)| key == k).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    assert_eq!(get("PRODID").len(), 1, "{ics}");
    assert_eq!(get("METHOD"), ["PUBLISH"]);
    assert_eq!(get("X-WR-CALNAME"), ["Hana  X-EVIL:1"]);
    assert_eq!(get("X-PUBLISHED-TTL"), ["PT15M"]);
    assert!(ics.contains("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"), "{ics}");
    assert_eq!(events.len(), 2, "{ics}");
    assert_eq!(value(&events[0], "UID"), Some("b1@sked"));
    assert_eq!(value(&events[0], "STATUS"), Some("CONFIRMED"));
    assert!(value(&events[0], "DESCRIPTION").is_some_and(|d| d.contains("Phone: +15551234567")), "{ics}");
    assert_eq!(value(&events[1], "UID"), Some("b2@sked"));
    assert_eq!(value(&events[1], "STATUS"), Some("CANCELLED"));
    assert_eq!(value(&events[1], "ORGANIZER"), Some("mailto:host@example.com"), "{ics}");
    // The event is the one the booking's own file holds.
    let alone = render(&phoned);
    let body = |s: &str| s[s.find("BEGIN:VEVENT").unwrap()..s.find("END:VEVENT").unwrap()].to_owned();
    assert_eq!(body(&alone), body(&ics));
}

proptest! {
    /// Whatever the names hold, a feed parses back with one PRODID, its name on one line and one
    /// event per booking, each with one UID and one ATTENDEE.
    #[test]
    fn any_feed_parses_back_whole(
        name in "\\PC*|[\\x00-\\x7f]{0,40}",
        people in proptest::collection::vec("[\\x00-\\x7f\\u{2028}é]{0,30}", 0..6),
    ) {
        let events: Vec<Invite<'_>> = people.iter().map(|p| invite(p, p, p, p)).collect();
        let n = events.len();
        let ics = render_feed(&Feed { name: &name, refresh_minutes: 15, events });
        let (top, events) = parse_feed(&ics);
        prop_assert_eq!(top.iter().filter(|(k, _)| k == "PRODID").count(), 1);
        prop_assert_eq!(top.iter().filter(|(k, _)| k == "X-WR-CALNAME").count(), 1);
        prop_assert_eq!(events.len(), n);
        for e in &events {
            prop_assert_eq!(count(e, "UID"), 1);
            prop_assert_eq!(count(e, "ATTENDEE"), 1);
        }
        for line in ics.split_inclusive('\n') {
            prop_assert!(line.ends_with("\r\n") && !line[..line.len() - 2].contains(['\r', '\n']), "{:?}", line);
        }
    }
}
