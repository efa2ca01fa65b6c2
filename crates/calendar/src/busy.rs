//! An outside event as Sked keeps it, and its busy time.
//!
//! Providers send events their own way; each provider module reads them into a
//! [`StoredEvent`]: a single event, the master of a recurring series (with its `RRULE`,
//! `EXDATE` and `RDATE` lines, as RFC 5545 writes them), or an exception to a series (with the
//! start of the occurrence it replaces). [`series_busy`] computes the busy time of one series
//! from all of its stored parts.
//!
//! What blocks is decided when the event is read (`blocks`: opaque, not declined, not a note);
//! cancelled events never block, and events that carry a Sked booking id are the bookings
//! themselves (already occupying the host) and never block either.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sked_core::Interval;
use sked_core::WorkBudget;
use sked_core::local::{date_of, resolve, start_of_day};
use sked_core::recurrence::RecurrenceRule;

/// Most occurrences one event's recurrence expands to (an hourly series over ten years).
const EXPANSION_BUDGET: u64 = 100_000;

/// A point of an event: an instant, or a local date (all-day events).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Unix seconds.
    At(i64),
    /// A calendar date, read in the calendar's zone.
    Date(Date),
}

impl When {
    /// The instant, reading dates in `tz`.
    pub fn instant(self, tz: &TimeZone) -> Option<i64> {
        match self {
            Self::At(s) => Some(s),
            Self::Date(d) => start_of_day(tz, d).map(|t| t.as_second()),
        }
    }
}

/// What Sked keeps of one outside event, whatever the provider.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct StoredEvent {
    /// The provider's id (unique within its calendar).
    pub id: String,
    /// The series it belongs to (its own id when single).
    pub series_id: String,
    /// Deleted in the provider.
    pub cancelled: bool,
    /// Takes time when it happens (opaque, not declined, not a working-location note).
    pub blocks: bool,
    pub start: Option<When>,
    pub end: Option<When>,
    /// The zone its recurrence is expanded in.
    pub time_zone: Option<String>,
    /// `RRULE:`, `EXDATE...:` and `RDATE...:` lines of a series.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurrence: Vec<String>,
    /// For an exception: the start of the occurrence it replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_start: Option<When>,
    /// The Sked booking it stands for, if Sked wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
}

impl StoredEvent {
    /// True for the series itself (not an exception).
    pub fn is_master(&self) -> bool {
        self.series_id == self.id
    }

    pub fn zone(&self, calendar_zone: &TimeZone) -> TimeZone {
        self.time_zone.as_deref().and_then(|z| TimeZone::get(z).ok()).unwrap_or_else(|| calendar_zone.clone())
    }

    /// The event's own interval (no recurrence), dates read in `tz`.
    pub fn interval(&self, tz: &TimeZone) -> Option<Interval> {
        let start = self.start?.instant(tz)?;
        let end = self.end?.instant(tz)?;
        (end > start).then(|| Interval::new(start, end))
    }
}

/// Busy time of one series (its master and every stored exception; or a single event) that
/// overlaps `range`. `calendar_zone` reads all-day dates and recurrences without a zone.
pub fn series_busy(parts: &[StoredEvent], calendar_zone: &TimeZone, range: Interval) -> Vec<Interval> {
    let master = parts.iter().find(|p| p.is_master());
    if master.is_some_and(|m| m.cancelled || m.booking_id.is_some()) {
        // The whole series is deleted, or it is a booking of ours.
        return Vec::new();
    }
    let mut out = Vec::new();
    let exceptions: Vec<&StoredEvent> = parts.iter().filter(|p| !p.is_master()).collect();
    if let Some(m) = master {
        let tz = m.zone(calendar_zone);
        if m.recurrence.is_empty() {
            if m.blocks {
                out.extend(m.interval(&tz));
            }
        } else if m.blocks {
            let replaced: Vec<When> = exceptions.iter().filter_map(|e| e.original_start).collect();
            for occ in occurrences(m, &tz, range) {
                let original = match m.start {
                    Some(When::Date(_)) => When::Date(date_of(&tz, occ.start)),
                    _ => When::At(occ.start),
                };
                if !replaced.iter().any(|r| same_start(*r, original, &tz)) {
                    out.push(occ);
                }
            }
        }
    }
    for e in exceptions {
        if e.cancelled || !e.blocks || e.booking_id.is_some() {
            continue;
        }
        out.extend(e.interval(&e.zone(calendar_zone)));
    }
    out.retain(|iv| iv.overlaps(&range));
    out.sort_by_key(|iv| (iv.start, iv.end));
    out.dedup();
    out
}

fn same_start(a: When, b: When, tz: &TimeZone) -> bool {
    match (a, b) {
        (When::Date(x), When::Date(y)) => x == y,
        _ => a.instant(tz) == b.instant(tz),
    }
}

/// Occurrences of a recurring master in `range`: RRULEs and RDATEs, less EXDATEs.
fn occurrences(m: &StoredEvent, tz: &TimeZone, range: Interval) -> Vec<Interval> {
    let Some(first) = m.interval(tz) else { return Vec::new() };
    let all_day = match (m.start, m.end) {
        (Some(When::Date(s)), Some(When::Date(e))) => {
            Some(s.until((jiff::Unit::Day, e)).map_or(1, |d| d.get_days()))
        }
        _ => None,
    };
    let mut out: Vec<Interval> = Vec::new();
    let mut excluded: Vec<When> = Vec::new();
    let mut budget = WorkBudget::new(EXPANSION_BUDGET);
    for line in &m.recurrence {
        let Some((name, value)) = split_property(line) else { continue };
        match name.as_str() {
            "RRULE" => match RecurrenceRule::parse(&value) {
                Ok(rule) => match rule.occurrences(tz, first.start, first.end, range, &mut budget) {
                    Ok(found) => out.extend(found),
                    Err(e) => tracing::warn!(event = %m.id, error = %e, "recurrence not expanded"),
                },
                Err(e) => {
                    tracing::warn!(event = %m.id, rule = %value, error = %e, "recurrence not understood")
                }
            },
            "EXDATE" => excluded.extend(date_list(line, &value, tz)),
            "RDATE" => {
                for w in date_list(line, &value, tz) {
                    if let Some(s) = w.instant(tz) {
                        out.push(Interval::new(s, s + first.len()));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(days) = all_day {
        // Whole local days, however long DST makes them.
        out = out
            .into_iter()
            .filter_map(|iv| {
                let d = date_of(tz, iv.start);
                let s = start_of_day(tz, d)?.as_second();
                let e = start_of_day(tz, d.checked_add(days.days()).ok()?)?.as_second();
                Some(Interval::new(s, e))
            })
            .collect();
    }
    out.retain(|iv| {
        let start = if all_day.is_some() { When::Date(date_of(tz, iv.start)) } else { When::At(iv.start) };
        !excluded.iter().any(|x| same_start(*x, start, tz)) && iv.overlaps(&range)
    });
    out
}

/// `NAME;PARAMS:VALUE` → (`NAME`, `VALUE`); the whole line is kept for its parameters.
fn split_property(line: &str) -> Option<(String, String)> {
    let (head, value) = line.split_once(':')?;
    let name = head.split(';').next()?.trim().to_ascii_uppercase();
    Some((name, value.trim().to_owned()))
}

/// The dates of an `EXDATE`/`RDATE` line: `TZID=` wall times, UTC `...Z`, floating (read in
/// `tz`) or `VALUE=DATE` dates.
fn date_list(line: &str, value: &str, tz: &TimeZone) -> Vec<When> {
    let head = line.split_once(':').map_or("", |(h, _)| h);
    let zone = head
        .split(';')
        .find_map(|p| p.strip_prefix("TZID="))
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or_else(|| tz.clone());
    value
        .split(',')
        .filter_map(|v| {
            let v = v.trim();
            if v.len() == 8 {
                return Date::strptime("%Y%m%d", v).ok().map(When::Date);
            }
            if let Some(utc) = v.strip_suffix('Z') {
                let dt = DateTime::strptime("%Y%m%dT%H%M%S", utc).ok()?;
                return dt.to_zoned(TimeZone::UTC).ok().map(|z| When::At(z.timestamp().as_second()));
            }
            let dt = DateTime::strptime("%Y%m%dT%H%M%S", v).ok()?;
            resolve(&zone, dt).map(When::At)
        })
        .collect()
}
