//! Recurring blocks: RFC 5545 RRULEs expanded in the host's zone.
//!
//! This is the only module that touches chrono, because the `rrule` crate speaks chrono. It asks
//! `rrule` for occurrences on a *floating* clock (wall times held in chrono's UTC, where no DST
//! exists), so the crate only does calendar arithmetic; each wall time is then turned into an
//! instant by the engine's own rule ([`crate::local::resolve`]: a DST gap moves forward, a fold
//! takes the earlier instant). An occurrence whose wall time falls in a gap therefore moves
//! forward rather than disappearing, and every occurrence keeps the block's exact duration
//! (RFC 5545 §3.8.5.3).
//!
//! UNTIL is taken out of the rule and applied here: `UNTIL=...Z` is an instant compared with each
//! occurrence's start; a floating `UNTIL` (or a date, meaning through that local day) is a wall
//! time in the host's zone.

// The one place chrono is allowed (see clippy.toml).
#![allow(clippy::disallowed_types)]

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone as _};
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use rrule::{Frequency, RRule, Tz, Unvalidated};

use crate::interval::{DAY, Interval, timestamp};
use crate::local::resolve;

/// Most occurrences one expansion returns; a rule denser than this over a 62-day query (more
/// than one every 8 minutes) is not a busy block anyone means.
pub const MAX_OCCURRENCES: u16 = 10_000;

/// A parsed, checked RRULE.
#[derive(Clone, Debug)]
pub struct RecurrenceRule {
    text: String,
    rule: RRule<Unvalidated>,
    until: Option<Until>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    /// `UNTIL=...Z`: occurrences starting at or before this instant.
    Instant(i64),
    /// Floating or date `UNTIL`: occurrences whose wall-clock start is at or before this.
    Wall(DateTime),
}

impl RecurrenceRule {
    /// Parses `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is accepted). SECONDLY and MINUTELY
    /// rules are refused: a busy block repeating every few minutes is a mistake.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let body =
            trimmed.strip_prefix("RRULE:").or_else(|| trimmed.strip_prefix("rrule:")).unwrap_or(trimmed);
        if body.is_empty() || body.contains(['\n', '\r']) {
            return Err("must be one RRULE line such as FREQ=WEEKLY;BYDAY=MO".into());
        }
        let mut until = None;
        let mut rest = Vec::new();
        for part in body.split(';').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") => until = Some(parse_until(v)?),
                Some((k, _)) if k.eq_ignore_ascii_case("DTSTART") => {
                    return Err("DTSTART is not part of an RRULE; the block's start is used".into());
                }
                _ => rest.push(part),
            }
        }
        let rule = RRule::<Unvalidated>::from_str(&rest.join(";")).map_err(|e| e.to_string())?;
        if matches!(rule.get_freq(), Frequency::Secondly | Frequency::Minutely) {
            return Err("FREQ must be HOURLY or longer".into());
        }
        let parsed = Self { text: body.to_owned(), rule, until };
        // Validate against an arbitrary start, so a broken rule is refused when it is stored
        // rather than when it is first expanded.
        parsed
            .rule
            .clone()
            .validate(floating(jiff::civil::date(2026, 1, 5).at(9, 0, 0, 0))?)
            .map_err(|e| e.to_string())?;
        Ok(parsed)
    }

    /// The rule as given (without an `RRULE:` prefix).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The occurrences, as instants, of a block `[start, end)` that repeats by this rule in
    /// `tz`, which overlap `range`. The first occurrence is the block itself when the rule
    /// matches its start.
    pub fn occurrences(
        &self,
        tz: &TimeZone,
        start: i64,
        end: i64,
        range: Interval,
    ) -> Result<Vec<Interval>, String> {
        let duration = (end - start).max(0);
        let mut out = Vec::new();
        if range.is_empty() || duration == 0 {
            return Ok(out);
        }
        let wall_start = tz.to_datetime(timestamp(start));
        // Wall-clock bounds of the search, a day wide on each side for offsets and DST.
        let lower = tz.to_datetime(timestamp(range.start - duration - DAY));
        let upper = tz.to_datetime(timestamp(range.end + DAY));
        let mut rule = self.rule.clone();
        let dtstart = self.fast_forward(wall_start, lower);
        if let Some(u) = self.until_wall(tz) {
            if u < dtstart {
                return Ok(out);
            }
            rule = rule.until(floating(u)?);
        }
        let set = rule.build(floating(dtstart)?).map_err(|e| e.to_string())?;
        let found = set.after(floating(lower.max(dtstart))?).before(floating(upper)?).all(MAX_OCCURRENCES);
        for occurrence in found.dates {
            let Some(s) = from_floating(&occurrence).and_then(|w| resolve(tz, w)) else { continue };
            if matches!(self.until, Some(Until::Instant(u)) if s > u) {
                break;
            }
            let iv = Interval::new(s, s + duration);
            if iv.overlaps(&range) {
                out.push(iv);
            }
        }
        Ok(out)
    }

    /// The UNTIL bound as a wall time in `tz` (an instant bound is padded a day, then checked
    /// exactly on each occurrence).
    fn until_wall(&self, tz: &TimeZone) -> Option<DateTime> {
        match self.until? {
            Until::Wall(w) => Some(w),
            Until::Instant(u) => Some(tz.to_datetime(timestamp(u + DAY))),
        }
    }

    /// Moves the start of a daily or weekly rule without COUNT forward by whole periods, to just
    /// before `lower`, so expanding a rule that began years ago costs the same as a new one.
    /// Such rules repeat with a period of `INTERVAL` days or weeks, so the set after `lower` is
    /// unchanged; COUNT, and rules that number weeks or days of the year, are left alone.
    fn fast_forward(&self, start: DateTime, lower: DateTime) -> DateTime {
        let r = &self.rule;
        let period_days = match r.get_freq() {
            Frequency::Daily => i64::from(r.get_interval()),
            Frequency::Weekly => 7 * i64::from(r.get_interval()),
            _ => return start,
        };
        if r.get_count().is_some()
            || !r.get_by_week_no().is_empty()
            || !r.get_by_year_day().is_empty()
            || !r.get_by_set_pos().is_empty()
            || period_days == 0
        {
            return start;
        }
        let Ok(gap) = start.date().until((jiff::Unit::Day, lower.date())) else { return start };
        let periods = i64::from(gap.get_days()) / period_days;
        if periods <= 1 {
            return start;
        }
        start.checked_add(((periods - 1) * period_days).days()).unwrap_or(start)
    }
}

fn parse_until(value: &str) -> Result<Until, String> {
    let bad = || format!("UNTIL `{value}` must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ");
    if let Some(v) = value.strip_suffix('Z') {
        let dt = DateTime::strptime("%Y%m%dT%H%M%S", v).map_err(|_| bad())?;
        let ts = dt.to_zoned(TimeZone::UTC).map_err(|_| bad())?;
        return Ok(Until::Instant(ts.timestamp().as_second()));
    }
    if value.len() == 8 {
        let d = Date::strptime("%Y%m%d", value).map_err(|_| bad())?;
        return Ok(Until::Wall(d.at(23, 59, 59, 0)));
    }
    DateTime::strptime("%Y%m%dT%H%M%S", value).map(Until::Wall).map_err(|_| bad())
}

/// A wall time on the floating clock.
fn floating(w: DateTime) -> Result<chrono::DateTime<Tz>, String> {
    let naive = NaiveDate::from_ymd_opt(i32::from(w.year()), w.month() as u32, w.day() as u32)
        .and_then(|d| d.and_hms_opt(w.hour() as u32, w.minute() as u32, w.second() as u32))
        .ok_or_else(|| format!("{w} is outside the supported range"))?;
    Ok(Tz::UTC.from_utc_datetime(&naive))
}

fn from_floating(dt: &chrono::DateTime<Tz>) -> Option<DateTime> {
    use chrono::{Datelike, Timelike};
    let n = dt.naive_utc();
    jiff::civil::DateTime::new(
        i16::try_from(n.year()).ok()?,
        n.month() as i8,
        n.day() as i8,
        n.hour() as i8,
        n.minute() as i8,
        n.second() as i8,
        0,
    )
    .ok()
}
