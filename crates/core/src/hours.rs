//! Opening hours as people write them: weekly `HH:MM` ranges by weekday and date overrides, in
//! one zone, checked field by field into the engine's [`Schedule`] (docs/API.md, Slots, rule 1).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::local::parse_zone;
use crate::schedule::{DayHours, Schedule, WEEKDAY_KEYS};

/// `[start, end)` in local wall time, `HH:MM`; `end` may be `24:00`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// Opening time, `HH:MM`.
    pub start: String,
    /// Closing time, `HH:MM` (exclusive; `24:00` is the end of the day); after `start`.
    pub end: String,
}

/// The hours of one date, replacing its weekday's (no intervals = closed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateOverride {
    /// Local date, `YYYY-MM-DD`; one override per date.
    pub date: String,
    /// Open intervals that day; they must not overlap.
    #[serde(default)]
    pub intervals: Vec<TimeRange>,
}

/// Weekday (`mon` … `sun`) to its open intervals; a missing day is closed.
pub type Weekly = BTreeMap<String, Vec<TimeRange>>;

/// Most date overrides a schedule holds (several years of holidays and special days).
pub const MAX_OVERRIDES: usize = 1_000;
/// Most open intervals in one day.
pub const MAX_INTERVALS_PER_DAY: usize = 24;

/// Checks hours and builds the engine's form of them; every invalid field is reported.
pub fn validate(
    time_zone: &str,
    weekly: &Weekly,
    overrides: &[DateOverride],
) -> Result<Schedule, Vec<FieldError>> {
    let mut errors = Vec::new();
    let tz = parse_zone("time_zone", time_zone).map_err(|e| errors.push(e)).ok();
    let mut days: [DayHours; 7] = Default::default();
    for (key, ranges) in weekly {
        match WEEKDAY_KEYS.iter().position(|k| k == key) {
            Some(i) => match day_hours(ranges) {
                Ok(h) => days[i] = h,
                Err(e) => errors.push(e.within(&format!("weekly.{key}"))),
            },
            None => errors
                .push(FieldError::new(format!("weekly.{key}"), "days are mon, tue, wed, thu, fri, sat, sun")),
        }
    }
    if overrides.len() > MAX_OVERRIDES {
        errors.push(FieldError::new("overrides", format!("at most {MAX_OVERRIDES} dates")));
    }
    let mut by_date = BTreeMap::new();
    let listed = if overrides.len() > MAX_OVERRIDES { &[][..] } else { overrides };
    for (i, o) in listed.iter().enumerate() {
        let at = format!("overrides[{i}]");
        // Exactly `YYYY-MM-DD`: the date is echoed as given.
        let Some(date) = o.date.parse::<Date>().ok().filter(|_| o.date.len() == 10) else {
            errors.push(FieldError::new(
                format!("{at}.date"),
                format!("`{}` is not a date in YYYY-MM-DD form", o.date),
            ));
            continue;
        };
        match day_hours(&o.intervals) {
            Ok(h) => {
                if by_date.insert(date, h).is_some() {
                    errors.push(FieldError::new(format!("{at}.date"), format!("{date} has two overrides")));
                }
            }
            Err(e) => errors.push(e.within(&format!("{at}.intervals"))),
        }
    }
    match tz {
        Some(tz) if errors.is_empty() => Ok(Schedule::new(tz, days, by_date)),
        _ => Err(errors),
    }
}

/// Hours as stored: the weekly map and the overrides as JSON, checked again on the way out (a
/// stored value that no longer passes is reported, never guessed at).
pub fn from_stored(time_zone: &str, weekly: &str, overrides: &str) -> Result<Schedule, String> {
    let weekly: Weekly = serde_json::from_str(weekly).map_err(|e| format!("weekly: {e}"))?;
    let overrides: Vec<DateOverride> =
        serde_json::from_str(overrides).map_err(|e| format!("overrides: {e}"))?;
    validate(time_zone, &weekly, &overrides)
        .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

fn day_hours(ranges: &[TimeRange]) -> Result<DayHours, FieldError> {
    if ranges.len() > MAX_INTERVALS_PER_DAY {
        return Err(FieldError::new("", format!("at most {MAX_INTERVALS_PER_DAY} intervals a day")));
    }
    let pairs: Vec<(&str, &str)> = ranges.iter().map(|r| (r.start.as_str(), r.end.as_str())).collect();
    DayHours::parse(&pairs)
}
