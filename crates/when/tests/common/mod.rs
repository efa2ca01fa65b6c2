//! Table-test harness: each row is (phrase, now as local wall time, zone, expected best).
//!
//! Expected forms, all in local wall time of the zone:
//! - `"none"`
//! - `"date 2026-03-17"`
//! - `"exact 2026-03-17 15:30"` (or `"exact @2026-11-01T05:30:00Z"` for an instant)
//! - `"window 2026-03-17 12:00 .. 2026-03-17 17:00"`

#![allow(dead_code, clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use sked_when::{Context, Kind, Language, Mention, Understanding, understand};

pub const NY: &str = "America/New_York";
pub const CHI: &str = "America/Chicago";
pub const LON: &str = "Europe/London";
pub const SYD: &str = "Australia/Sydney";
pub const TOR: &str = "America/Toronto";
pub const AKL: &str = "Pacific/Auckland";

// The week of Monday 9 March 2026 (the US changed clocks on Sunday 8 March).
pub const MON: &str = "2026-03-09 09:00";
pub const TUE: &str = "2026-03-10 09:00";
pub const WED: &str = "2026-03-11 09:00";
pub const THU: &str = "2026-03-12 09:00";
pub const FRI: &str = "2026-03-13 09:00";
pub const SAT: &str = "2026-03-14 09:00";
pub const SUN: &str = "2026-03-15 09:00";
/// Tuesday afternoon, after 3 pm.
pub const TUE_PM: &str = "2026-03-10 16:30";

pub type Row = (&'static str, &'static str, &'static str, &'static str);

fn wall(s: &str, tz: &TimeZone) -> Timestamp {
    let s = s.trim();
    if let Some(instant) = s.strip_prefix('@') {
        return instant.parse().unwrap();
    }
    let dt: DateTime = s.replace(' ', "T").parse().unwrap_or_else(|_| panic!("bad wall time {s:?}"));
    dt.to_zoned(tz.clone()).unwrap().timestamp()
}

pub fn context(now: &str, zone: &str) -> Context {
    let tz = TimeZone::get(zone).unwrap();
    Context::new(wall(now, &tz), tz)
}

pub fn run_at(phrase: &str, now: &str, zone: &str) -> Understanding {
    understand(phrase, &context(now, zone))
}

/// The expected (kind, start, end) of a row, or `None` for "none".
pub fn expected(want: &str, zone: &str) -> Option<(Kind, Timestamp, Timestamp)> {
    let tz = TimeZone::get(zone).unwrap();
    let (kind, rest) = want.split_once(' ').unwrap_or((want, ""));
    match kind {
        "none" => None,
        "date" => {
            let d: Date = rest.trim().parse().unwrap();
            let s = d.to_zoned(tz.clone()).unwrap().timestamp();
            let e = d.tomorrow().unwrap().to_zoned(tz).unwrap().timestamp();
            Some((Kind::Date, s, e))
        }
        "exact" => {
            let t = wall(rest, &tz);
            Some((Kind::Exact, t, t))
        }
        "window" => {
            let (a, b) = rest.split_once("..").unwrap_or_else(|| panic!("bad window {want:?}"));
            Some((Kind::Window, wall(a, &tz), wall(b, &tz)))
        }
        other => panic!("bad expectation kind {other:?}"),
    }
}

pub fn show(m: &Mention, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap();
    let f = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    match m.kind {
        Kind::Date => format!("date {} (text {:?})", &f(m.start)[..10], m.text),
        Kind::Exact => format!("exact {} (text {:?})", f(m.start), m.text),
        Kind::Window => format!("window {} .. {} (text {:?})", f(m.start), f(m.end), m.text),
    }
}

/// Checks every row's `best`, and reports all failures at once.
pub fn run(rows: &[Row]) {
    run_in(rows, Language::En);
}

/// As [`run`], each phrase read in `language`.
pub fn run_in(rows: &[Row], language: Language) {
    let mut failures = Vec::new();
    for &(phrase, now, zone, want) in rows {
        let got = understand(phrase, &context(now, zone).in_language(language));
        let have = got.best.as_ref().map(|m| (m.kind, m.start, m.end));
        if have != expected(want, zone) {
            let shown = got.best.as_ref().map_or("none".to_string(), |m| show(m, zone));
            failures.push(format!("{phrase:?} at {now} {zone}\n    want {want}\n    got  {shown}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
