//! Calendar texts as real servers and apps write them, read and expanded into busy time.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use sked_calendar::busy::{When, series_busy};
use sked_core::Interval;

use super::*;

const HREF: &str = "/alice/cal/e.ics";

fn options(zone: &TimeZone) -> ReadOptions<'_> {
    ReadOptions { calendar_zone: zone, owner: &[] }
}

fn read(text: &str) -> ReadEvents {
    let zone = TimeZone::get("Europe/Berlin").unwrap();
    read_events(text, Naming::Resource(HREF), &options(&zone)).unwrap()
}

/// The busy time of every series in `events`, as `start/end` in UTC, read in `zone`.
fn busy_of(events: &[StoredEvent], zone: &str) -> Vec<String> {
    let tz = TimeZone::get(zone).unwrap();
    let range = Interval::new(ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"));
    let mut series: Vec<&str> = events.iter().map(|e| e.series_id.as_str()).collect();
    series.dedup();
    let mut out: Vec<Interval> = Vec::new();
    for s in series {
        let parts: Vec<StoredEvent> = events.iter().filter(|e| e.series_id == s).cloned().collect();
        out.extend(series_busy(&parts, &tz, range));
    }
    out.sort_by_key(|iv| (iv.start, iv.end));
    out.iter().map(|iv| format!("{}/{}", at(iv.start), at(iv.end))).collect()
}

/// Busy time of a text read as a CalDAV resource in Berlin.
fn busy(text: &str) -> Vec<String> {
    let r = read(text);
    assert_eq!(r.skipped, 0, "{r:?}");
    busy_of(&r.events, "Europe/Berlin")
}

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_second()
}

fn at(s: i64) -> String {
    Timestamp::from_second(s).unwrap().strftime("%Y-%m-%dT%H:%MZ").to_string()
}

/// Radicale's answer to a calendar-query (transcript.txt), as the XML parser hands it over: LF.
const RADICALE: &str = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//scheduler//EN\nBEGIN:VTIMEZONE\n\
TZID:America/New_York\nBEGIN:STANDARD\nDTSTART:19701101T020000\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\n\
TZNAME:EST\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:19700308T020000\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\nTZNAME:EDT\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nEND:DAYLIGHT\n\
END:VTIMEZONE\nBEGIN:VEVENT\nUID:busy-0002@scheduler.test\nDTSTART;TZID=America/New_York:20260310T130000\n\
DTEND;TZID=America/New_York:20260310T140000\nDTSTAMP:20260101T000000Z\nSUMMARY:Lunch\nTRANSP:OPAQUE\n\
END:VEVENT\nEND:VCALENDAR\n";

/// iCloud: a weekly series with an excluded week, a moved occurrence, an alarm and Apple's
/// own properties, CRLF and folded at 75 octets.
const ICLOUD: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 14.4//EN\r\n\
CALSCALE:GREGORIAN\r\nBEGIN:VEVENT\r\nCREATED:20260301T090000Z\r\n\
DTEND;TZID=Europe/Berlin:20260312T110000\r\nDTSTAMP:20260301T090000Z\r\n\
DTSTART;TZID=Europe/Berlin:20260312T100000\r\nEXDATE;TZID=Europe/Berlin:20260319T100000\r\n\
LAST-MODIFIED:20260301T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSEQUENCE:0\r\n\
SUMMARY:Standup with a title long enough that Apple folds it onto a second li\r\n ne\r\n\
TRANSP:OPAQUE\r\nUID:4B1C2D3E-AAAA-BBBB-CCCC-0123456789AB\r\n\
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
DESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nUID:A1\r\nX-WR-ALARMUID:A1\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTEND;TZID=Europe/Berlin:20260326T150000\r\nDTSTAMP:20260301T090000Z\r\n\
DTSTART;TZID=Europe/Berlin:20260326T140000\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260326T100000\r\n\
SEQUENCE:1\r\nSUMMARY:Standup (moved)\r\nUID:4B1C2D3E-AAAA-BBBB-CCCC-0123456789AB\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

#[test]
fn radicale_tzid_event_is_busy_in_its_zone() {
    assert_eq!(busy(RADICALE), ["2026-03-10T17:00Z/2026-03-10T18:00Z"]);
    let e = &read(RADICALE).events[0];
    assert_eq!((e.id.as_str(), e.series_id.as_str()), (HREF, HREF));
    assert_eq!(e.time_zone.as_deref(), Some("America/New_York"));
}

#[test]
fn icloud_series_with_exdate_and_a_moved_occurrence() {
    let r = read(ICLOUD);
    let ids: Vec<&str> = r.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [HREF.to_owned(), format!("{HREF}#20260326T100000")]);
    assert_eq!(
        r.events[0].recurrence,
        ["EXDATE;TZID=Europe/Berlin:20260319T100000", "RRULE:FREQ=WEEKLY;COUNT=4"]
    );
    assert_eq!(r.events[1].series_id, HREF);
    assert_eq!(
        busy(ICLOUD),
        [
            "2026-03-12T09:00Z/2026-03-12T10:00Z",
            // 19 March excluded; DST starts 29 March, after the moved 26 March occurrence.
            "2026-03-26T13:00Z/2026-03-26T14:00Z",
            "2026-04-02T08:00Z/2026-04-02T09:00Z",
        ]
    );
}

#[test]
fn all_day_events_take_their_days_in_the_calendar_zone_unless_free() {
    let day = |extra: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20260315\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    let one = ["2026-03-14T23:00Z/2026-03-15T23:00Z"];
    assert_eq!(busy(&day("DTEND;VALUE=DATE:20260316\r\n")), one);
    assert_eq!(busy(&day("")), one, "no DTEND: one day");
    assert_eq!(busy(&day("DTEND;VALUE=DATE:20260315\r\n")), one, "DTEND on the start: one day");
    assert_eq!(busy(&day("DURATION:P2D\r\n")), ["2026-03-14T23:00Z/2026-03-16T23:00Z"]);
    assert_eq!(busy(&day("DTEND;VALUE=DATE:20260316\r\nTRANSP:TRANSPARENT\r\n")), Vec::<String>::new());
    assert_eq!(read(&day("")).events[0].start, Some(When::Date(jiff::civil::date(2026, 3, 15))));
}

#[test]
fn fastmail_durations_and_cancelled_events() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Fastmail/2020.5/EN\r\nBEGIN:VEVENT\r\n\
DTSTART;TZID=Australia/Melbourne:20260310T090000\r\nDURATION:PT1H30M\r\nUID:fm-1\r\n\
SUMMARY:Call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(busy(text), ["2026-03-09T22:00Z/2026-03-09T23:30Z"]);
    let cancelled = text.replace("SUMMARY:Call", "STATUS:CANCELLED");
    assert!(read(&cancelled).events[0].cancelled);
    assert_eq!(busy(&cancelled), Vec::<String>::new());
    let no_end = text.replace("DURATION:PT1H30M\r\n", "");
    assert_eq!(busy(&no_end), Vec::<String>::new(), "a timed event without end takes no time");
}

#[test]
fn nextcloud_and_thunderbird_zones() {
    let text = "BEGIN:VCALENDAR\nPRODID:-//Nextcloud calendar v4.6.4\nVERSION:2.0\nBEGIN:VTIMEZONE\n\
TZID:Custom Berlin\nX-LIC-LOCATION:Europe/Berlin\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:nc-1\n\
DTSTART;TZID=Custom Berlin:20260701T100000\nDTEND;TZID=/mozilla.org/20070129_1/Europe/Berlin:20260701T110000\n\
END:VEVENT\nEND:VCALENDAR\n";
    assert_eq!(busy(text), ["2026-07-01T08:00Z/2026-07-01T09:00Z"]);
    assert_eq!(read(text).events[0].time_zone.as_deref(), Some("Europe/Berlin"));
}

/// Outlook: Windows zone names, its own busy status, the owner's declined invitation.
#[test]
fn outlook_windows_zones_free_status_and_declines() {
    let event = |extra: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\n\
BEGIN:VTIMEZONE\r\nTZID:Pacific Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16011104T020000\r\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"Doe, Jane\";RSVP=TRUE:mailto:jane@example.com\r\n\
DTSTART;TZID=\"Pacific Standard Time\":20260310T090000\r\nDTEND;TZID=\"Pacific Standard Time\":20260310T100000\r\n\
UID:040000008200E00074C5B7101A82E00800000000\r\n{extra}X-MICROSOFT-CDO-IMPORTANCE:1\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    assert_eq!(busy(&event("")), ["2026-03-10T16:00Z/2026-03-10T17:00Z"]);
    assert_eq!(read(&event("")).events[0].time_zone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(busy(&event("X-MICROSOFT-CDO-BUSYSTATUS:FREE\r\n")), Vec::<String>::new());
    let declined = event("ATTENDEE;PARTSTAT=DECLINED:MAILTO:Me@Example.com\r\n");
    let zone = TimeZone::UTC;
    let owner = ["me@example.com".to_owned()];
    let mine = ReadOptions { calendar_zone: &zone, owner: &owner };
    let r = read_events(&declined, Naming::Resource(HREF), &mine).unwrap();
    assert!(!r.events[0].blocks);
    assert!(read(&declined).events[0].blocks, "without knowing the owner the event blocks");
}

#[test]
fn floating_times_and_unknown_zones_are_wall_times_in_the_calendar_zone() {
    let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:f\nDTSTART:20260310T100000\nDTEND:20260310T110000\n\
END:VEVENT\nBEGIN:VEVENT\nUID:g\nDTSTART;TZID=\"(UTC+01:00) Somewhere\":20260311T100000\n\
DTEND;TZID=\"(UTC+01:00) Somewhere\":20260311T110000\nEND:VEVENT\nEND:VCALENDAR\n";
    let r = read(text);
    assert!(r.events.iter().all(|e| e.time_zone.is_none()));
    assert_eq!(busy(text), ["2026-03-10T09:00Z/2026-03-10T10:00Z", "2026-03-11T09:00Z/2026-03-11T10:00Z"]);
}

#[test]
fn google_export_series_in_utc_with_a_cancelled_occurrence() {
    let text = "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nDTSTART:20260302T150000Z\r\nDTEND:20260302T160000Z\r\n\
RRULE:FREQ=DAILY;UNTIL=20260305T150000Z\r\nEXDATE:20260303T150000Z\r\nUID:g1@google.com\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20260304T150000Z\r\nDTEND:20260304T160000Z\r\nRECURRENCE-ID:20260304T150000Z\r\n\
STATUS:CANCELLED\r\nUID:g1@google.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(busy(text), ["2026-03-02T15:00Z/2026-03-02T16:00Z", "2026-03-05T15:00Z/2026-03-05T16:00Z"]);
    assert_eq!(read(text).events[0].time_zone.as_deref(), Some("UTC"));
}

#[test]
fn lowercase_lf_unknown_properties_and_sked_bookings() {
    let text = "begin:vcalendar\nbegin:vevent\nuid:s\ndtstart:20260310T100000Z\ndtend:20260310T110000Z\n\
x-unknown;x-param=\"a:b\":whatever\nX-SKED-BOOKING-ID:0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a\n\
end:vevent\nend:vcalendar\n";
    let r = read(text);
    assert_eq!(r.events[0].booking_id.as_deref(), Some("0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a"));
    assert_eq!(busy_of(&r.events, "UTC"), Vec::<String>::new(), "a booking of ours is no busy time");
}

#[test]
fn feeds_name_each_series_by_uid_and_skip_what_they_cannot_read() {
    let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\n\
END:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART:20260311T100000Z\nDURATION:PT1H\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:a\nDTSTART:20260312T100000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:c\nA;B=\"x\"y:1\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:d\nDTSTART:20260313T100000Z\n";
    let zone = TimeZone::UTC;
    let r = read_events(text, Naming::Feed("feed"), &options(&zone)).unwrap();
    let ids: Vec<&str> = r.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["feed#a", "feed#b"]);
    assert_eq!(r.skipped, 3, "a duplicate UID, an unreadable event and one cut short");
    assert_eq!(
        busy_of(&r.events, "UTC"),
        ["2026-03-10T10:00Z/2026-03-10T11:00Z", "2026-03-11T10:00Z/2026-03-11T11:00Z"]
    );
}

#[test]
fn what_is_no_calendar_or_too_large_is_refused() {
    let zone = TimeZone::UTC;
    let o = options(&zone);
    assert_eq!(read_events("<html>Sign in</html>", Naming::Feed("f"), &o), Err(ReadError::NotCalendar));
    assert_eq!(
        read_events("BEGIN:VCALENDAR\nEND:VCALENDAR\n", Naming::Feed("f"), &o),
        Ok(ReadEvents::default())
    );
    let big = format!("BEGIN:VCALENDAR\nX:{}\nEND:VCALENDAR\n", "a".repeat(MAX_TEXT_BYTES));
    assert!(matches!(read_events(&big, Naming::Feed("f"), &o), Err(ReadError::TooLarge { .. })));
}

#[test]
fn what_sked_writes_reads_back_as_its_booking() {
    let invite =
        crate::Invite { uid: "b1@sked", start: 1_773_154_800, end: 1_773_156_600, ..Default::default() };
    let text = crate::render_stored(&invite, "0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a");
    let e = &read(&text).events[0];
    assert_eq!(e.booking_id.as_deref(), Some("0190f3c2-7a5e-7cc1-9b1e-3f1f6c1d2e4a"));
    assert_eq!((e.start, e.end), (Some(When::At(1_773_154_800)), Some(When::At(1_773_156_600))));
}

proptest! {
    /// Whatever the text, reading it does not panic, and what it reads names its series.
    #[test]
    fn any_text_reads_without_panic(
        text in "(BEGIN:VCALENDAR\n|BEGIN:VEVENT\n|END:VEVENT\n|DTSTART[;:=A-Za-z/\"]{0,20}[0-9TZ]{0,17}\n|RRULE:[A-Z=;0-9]{0,30}\n|[ -~\t\r\n\u{e9}]{0,30})*",
        zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York"]),
    ) {
        let tz = TimeZone::get(zone).unwrap();
        if let Ok(r) = read_events(&text, Naming::Feed("f"), &options(&tz)) {
            for e in &r.events {
                prop_assert!(e.id.starts_with(&e.series_id));
            }
            let _ = busy_of(&r.events, zone);
        }
    }
}
