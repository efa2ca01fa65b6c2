//! Calendar texts as servers and feeds send them: any bytes, read as a feed in one of a few zones.
//!
//! Input: one byte choosing the calendar's zone and whether the text is read as a CalDAV resource
//! or a feed, then the text (invalid UTF-8 replaced). Properties, as `sked_ics::read` documents
//! them: reading never panics and refuses only texts that are too large or no calendar; every
//! event is named within its series (`<series>` or `<series>#<recurrence-id>`), names are unique,
//! only overrides carry an original start and only masters recurrence lines; and the busy time of
//! every series over a year never panics and stays inside that year.

#![no_main]

use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use sked_calendar::busy::series_busy;
use sked_core::Interval;
use sked_ics::{Naming, ReadError, ReadOptions, read_events};

const ZONES: &[&str] = &["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let Ok(zone) = TimeZone::get(ZONES[usize::from(choice) % ZONES.len()]) else { return };
    let owner = ["me@example.com".to_owned()];
    let naming = if choice & 0x80 == 0 { Naming::Feed("feed") } else { Naming::Resource("/cal/e.ics") };
    let options = ReadOptions { calendar_zone: &zone, owner: &owner };
    let read = match read_events(&text, naming, &options) {
        Ok(r) => r,
        Err(ReadError::NotCalendar | ReadError::TooLarge { .. }) => return,
    };
    let mut ids = std::collections::HashSet::new();
    for e in &read.events {
        assert!(ids.insert(e.id.as_str()), "{} named twice", e.id);
        if e.is_master() {
            assert!(e.original_start.is_none(), "a master with an original start: {e:?}");
        } else {
            assert!(e.id.starts_with(&format!("{}#", e.series_id)), "{e:?}");
            assert!(e.recurrence.is_empty(), "an override with recurrence lines: {e:?}");
        }
    }
    // 2026 in Unix seconds.
    let year = Interval::new(1_767_225_600, 1_798_761_600);
    let mut series: Vec<&str> = read.events.iter().map(|e| e.series_id.as_str()).collect();
    series.sort_unstable();
    series.dedup();
    for s in series {
        let parts: Vec<_> = read.events.iter().filter(|e| e.series_id == s).cloned().collect();
        for iv in series_busy(&parts, &zone, year) {
            assert!(iv.overlaps(&year) && iv.start < iv.end, "{iv:?} of {s}");
        }
    }
});
