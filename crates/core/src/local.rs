//! Wall-clock times of day, and the one rule that turns a local date and time into an instant.
//!
//! The rule (docs/API.md, Slots, rule 1): a wall time that does not exist because clocks jumped
//! forward (a DST gap) moves forward by the length of the gap; a wall time that exists twice
//! because clocks fell back (a fold) takes the earlier instant. This is jiff's (and RFC 5545's)
//! "compatible" disambiguation, and everything in the engine that turns a wall time into an
//! instant goes through [`instant_at`] or [`resolve`] so the rule lives in one place.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::error::FieldError;

/// Minutes in a calendar day of wall time.
pub const MINUTES_PER_DAY: u16 = 1_440;

/// A time of day on the wall clock, `00:00` to `24:00` inclusive, with minute precision.
///
/// `24:00` is the end of the day (the next day's `00:00`) and is only meaningful as the end of
/// an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(u16);

impl LocalTime {
    /// `00:00`.
    pub const MIDNIGHT: Self = Self(0);
    /// `24:00`, the end of the day.
    pub const END_OF_DAY: Self = Self(MINUTES_PER_DAY);

    /// The time `minutes` after midnight, if it is within `00:00..=24:00`.
    pub const fn from_minutes(minutes: u16) -> Option<Self> {
        if minutes <= MINUTES_PER_DAY { Some(Self(minutes)) } else { None }
    }

    /// `hour:minute`, if valid (`24:00` is valid, `24:01` is not).
    pub const fn from_hm(hour: u8, minute: u8) -> Option<Self> {
        if minute >= 60 {
            return None;
        }
        Self::from_minutes(hour as u16 * 60 + minute as u16)
    }

    /// Parses `HH:MM` (one-digit hours are accepted: `9:00`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a time of day in HH:MM form between 00:00 and 24:00");
        let (h, m) = text.split_once(':').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
            return Err(bad());
        }
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.parse().map_err(|_| bad())?;
        Self::from_hm(hour, minute).ok_or_else(bad)
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u16 {
        self.0
    }

    /// True for `24:00`.
    pub const fn is_end_of_day(self) -> bool {
        self.0 == MINUTES_PER_DAY
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// How times of day are written and spoken: `3 PM` or `15:00`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HourClock {
    /// `12h` (the default).
    #[default]
    H12,
    /// `24h`.
    H24,
}

impl HourClock {
    /// As stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::H12 => "12h",
            Self::H24 => "24h",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "12h" => Some(Self::H12),
            "24h" => Some(Self::H24),
            _ => None,
        }
    }
}

stored_name!(HourClock, "clock");

/// Parses an IANA zone name (`America/New_York`). `UTC` is accepted; POSIX strings are not.
pub fn parse_zone(field: &str, name: &str) -> Result<TimeZone, FieldError> {
    // Only names the database lists: `TimeZone::get` alone also opens files that are not zones
    // of any place (`localtime`, which is whatever the server's machine is set to).
    TimeZone::get(name).ok().filter(|_| is_zone_name(name)).ok_or_else(|| {
        let shown: String = name.chars().take(64).collect();
        FieldError::new(field, format!("`{shown}` is not a known IANA time zone"))
    })
}

/// True when the tz database lists `name` (compared without case, as lookups are).
pub fn is_zone_name(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_ascii_lowercase())
            .filter(|n| !matches!(n.as_str(), "localtime" | "posixrules" | "factory"))
            .collect()
    });
    names.contains(&name.to_ascii_lowercase())
}

/// The instant of wall time `dt` in `tz`, by the gap-forward / fold-earlier rule.
///
/// `None` only for datetimes at the very ends of jiff's range.
pub fn resolve(tz: &TimeZone, dt: DateTime) -> Option<i64> {
    tz.to_ambiguous_timestamp(dt).compatible().ok().map(|t| t.as_second())
}

/// The instant at wall time `time` on local `date` in `tz`; `24:00` is the next day's `00:00`.
pub fn instant_at(tz: &TimeZone, date: Date, time: LocalTime) -> Option<i64> {
    let (date, minutes) =
        if time.is_end_of_day() { (date.tomorrow().ok()?, 0) } else { (date, time.minutes()) };
    let clock = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
    resolve(tz, date.to_datetime(clock))
}

/// The local date of an instant in `tz`.
pub fn date_of(tz: &TimeZone, second: i64) -> Date {
    tz.to_datetime(crate::interval::timestamp(second)).date()
}

/// Finds the local date of many instants in one zone, visited in mostly increasing order.
///
/// It keeps the zone's current UTC offset and the instants where it is valid, so a run of
/// instants costs one offset lookup per DST transition rather than one per instant, and one
/// calendar conversion per day.
#[derive(Debug)]
pub struct LocalDater<'a> {
    tz: &'a TimeZone,
    offset: i64,
    valid: (i64, i64),
    day: i64,
    date: Date,
}

impl<'a> LocalDater<'a> {
    /// A dater for `tz`.
    pub fn new(tz: &'a TimeZone) -> Self {
        Self { tz, offset: 0, valid: (0, 0), day: i64::MIN, date: Date::ZERO }
    }

    /// The zone this dater answers for.
    pub fn zone(&self) -> &TimeZone {
        self.tz
    }

    /// The UTC offset in seconds at `second`.
    pub fn offset_at(&mut self, second: i64) -> i64 {
        if second < self.valid.0 || second >= self.valid.1 {
            self.refresh(second);
        }
        self.offset
    }

    /// The local date at `second`.
    pub fn date_of(&mut self, second: i64) -> Date {
        let local = second + self.offset_at(second);
        let day = local.div_euclid(86_400);
        if day != self.day {
            self.day = day;
            self.date = Date::constant(1970, 1, 1)
                .checked_add(day.days())
                .unwrap_or_else(|_| date_of(self.tz, second));
        }
        self.date
    }

    fn refresh(&mut self, second: i64) {
        let ts = crate::interval::timestamp(second);
        self.offset = i64::from(self.tz.to_offset(ts).seconds());
        // The offset holds from the transition at or before `second` to the next one.
        let prev = self.tz.preceding(ts.checked_add(1.second()).unwrap_or(ts)).next();
        let next = self.tz.following(ts).next();
        self.valid = (
            prev.map_or(i64::MIN, |t| t.timestamp().as_second()),
            next.map_or(i64::MAX, |t| t.timestamp().as_second()),
        );
    }
}

/// The timestamp at the start of `date` in `tz` (its first instant, even when midnight falls in
/// a gap).
pub fn start_of_day(tz: &TimeZone, date: Date) -> Option<Timestamp> {
    instant_at(tz, date, LocalTime::MIDNIGHT).and_then(|s| Timestamp::from_second(s).ok())
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn only_listed_zone_names_are_zones() {
        for good in ["America/New_York", "europe/paris", "UTC", "Etc/GMT+5"] {
            assert!(parse_zone("tz", good).is_ok(), "{good}");
        }
        for bad in
            ["localtime", "posixrules", "Factory", "", "EST5EDT,M3.2.0,M11.1.0", "/etc/passwd", "Mars/Base"]
        {
            assert!(parse_zone("tz", bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_times() {
        assert_eq!(LocalTime::parse("09:30").map(LocalTime::minutes), Ok(570));
        assert_eq!(LocalTime::parse("9:05").map(LocalTime::minutes), Ok(545));
        assert_eq!(LocalTime::parse("24:00"), Ok(LocalTime::END_OF_DAY));
        for bad in ["25:00", "24:01", "12:60", "12", "1200", "", "ab:cd", "12:5", "-1:00", "123:00"] {
            assert!(LocalTime::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(LocalTime::END_OF_DAY.to_string(), "24:00");
    }

    #[test]
    fn zones_must_be_iana_names() {
        assert!(parse_zone("time_zone", "America/New_York").is_ok());
        assert!(parse_zone("time_zone", "UTC").is_ok());
        let err = parse_zone("time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!(err.field, "time_zone");
        assert!(parse_zone("time_zone", "EST5EDT,M3.2.0,M11.1.0").is_err());
        assert!(parse_zone("time_zone", "").is_err());
    }

    #[test]
    fn gap_moves_forward_and_fold_takes_earlier() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-03-08 02:30 does not exist in New York: it becomes 03:30 EDT.
        let gap = instant_at(&ny, date(2026, 3, 8), LocalTime::from_hm(2, 30).unwrap()).unwrap();
        assert_eq!(crate::interval::timestamp(gap).to_string(), "2026-03-08T07:30:00Z");
        // 2026-11-01 01:30 happens twice: the earlier is 01:30 EDT.
        let fold = instant_at(&ny, date(2026, 11, 1), LocalTime::from_hm(1, 30).unwrap()).unwrap();
        assert_eq!(crate::interval::timestamp(fold).to_string(), "2026-11-01T05:30:00Z");
    }

    #[test]
    fn dater_matches_jiff_across_transitions() {
        for name in ["America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"] {
            let tz = TimeZone::get(name).unwrap();
            let mut dater = LocalDater::new(&tz);
            let start = date(2026, 1, 1).to_zoned(tz.clone()).unwrap().timestamp().as_second();
            let mut t = start;
            while t < start + 400 * 86_400 {
                assert_eq!(dater.date_of(t), date_of(&tz, t), "{name} at {t}");
                t += 1_799;
            }
            // Going backwards works too.
            assert_eq!(dater.date_of(start), date_of(&tz, start));
        }
    }
}
