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
//!
//! Cost: a rule is refused when it can repeat more often than every [`MIN_GAP_SECONDS`] or
//! counts more than [`MAX_COUNT`] occurrences, and expansion skips to the queried range
//! ([`resume`]), so expanding costs the occurrences in the range, whatever the start. Each
//! occurrence visited spends a step of the caller's [`WorkBudget`]; nothing is ever dropped
//! silently: a range that would cost too much is an error, not a shorter answer.

// The one place chrono is allowed (see clippy.toml).
#![allow(clippy::disallowed_types)]

mod density;
mod resume;

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, TimeZone as _};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use rrule::{Frequency, RRule, RRuleSet, Tz, Unvalidated};

use crate::budget::{OverBudget, WorkBudget};
use crate::interval::{DAY, Interval, timestamp};
use crate::local::resolve;

/// Closest two occurrences of a rule may come: a busy block repeating more often is a mistake.
pub const MIN_GAP_SECONDS: i64 = 300;

/// Most occurrences a rule may count: longer series are written with UNTIL.
pub const MAX_COUNT: u32 = 1_000;

/// Longest rule text accepted.
pub const MAX_RULE_LEN: usize = 500;

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

/// Why an expansion gave no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpandError {
    /// The range holds more occurrences than the budget allows.
    OverBudget(OverBudget),
    /// The rule cannot be expanded from this start (a date out of range).
    Invalid(String),
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OverBudget(o) => write!(f, "expanding the rule {o}"),
            Self::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ExpandError {}

impl From<OverBudget> for ExpandError {
    fn from(o: OverBudget) -> Self {
        Self::OverBudget(o)
    }
}

impl RecurrenceRule {
    /// Parses `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is accepted). Refused: anything but
    /// ASCII; SECONDLY and MINUTELY rules, and any rule that can repeat within
    /// [`MIN_GAP_SECONDS`]; `INTERVAL=0`; COUNT with UNTIL, or above [`MAX_COUNT`].
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_RULE_LEN {
            return Err(format!("must be at most {MAX_RULE_LEN} characters"));
        }
        let trimmed = text.trim();
        let body =
            trimmed.strip_prefix("RRULE:").or_else(|| trimmed.strip_prefix("rrule:")).unwrap_or(trimmed);
        if body.is_empty() || body.chars().any(char::is_control) {
            return Err("must be one RRULE line such as FREQ=WEEKLY;BYDAY=MO".into());
        }
        // An RRULE is ASCII; the `rrule` crate slices some values by bytes and panics on others.
        if !body.is_ascii() {
            return Err("must be ASCII, such as FREQ=WEEKLY;BYDAY=MO".into());
        }
        let mut until = None;
        let mut rest = Vec::new();
        for part in body.split(';').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") => until = Some(parse_until(v)?),
                Some((k, _)) if k.eq_ignore_ascii_case("DTSTART") => {
                    return Err("DTSTART is not part of an RRULE; the block's start is used".into());
                }
                Some((k, v)) if k.eq_ignore_ascii_case("INTERVAL") && v.parse::<u16>() == Ok(0) => {
                    return Err("INTERVAL must be 1 or more".into());
                }
                _ => rest.push(part),
            }
        }
        let rule = RRule::<Unvalidated>::from_str(&rest.join(";")).map_err(|e| e.to_string())?;
        if matches!(rule.get_freq(), Frequency::Secondly | Frequency::Minutely) {
            return Err("FREQ must be HOURLY or longer".into());
        }
        match rule.get_count() {
            Some(_) if until.is_some() => return Err("COUNT and UNTIL cannot both be given".into()),
            Some(0) => return Err("COUNT must be 1 or more".into()),
            Some(n) if n > MAX_COUNT => {
                return Err(format!("COUNT must be at most {MAX_COUNT}; use UNTIL for a longer series"));
            }
            _ => {}
        }
        if density::min_gap(&rule) < MIN_GAP_SECONDS {
            return Err(format!(
                "repeats more often than once every {} minutes; a block that busy is one longer block",
                MIN_GAP_SECONDS / 60
            ));
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

    /// The first occurrence's start of a block starting at `start` in `tz`, or `None` when the
    /// rule never produces one (a rule such as `FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`).
    pub fn first(&self, tz: &TimeZone, start: i64) -> Result<Option<i64>, String> {
        let wall = tz.to_datetime(timestamp(start));
        let set = self.set(wall, wall)?;
        let first = (&set).into_iter().next().and_then(|o| from_floating(&o)).and_then(|w| resolve(tz, w));
        Ok(first.filter(|s| !matches!(self.until, Some(Until::Instant(u)) if *s > u)))
    }

    /// The occurrences, as instants, of a block `[start, end)` that repeats by this rule in
    /// `tz`, which overlap `range`, sorted by start, each instant once. The first occurrence is
    /// the block itself when the rule matches its start. Every occurrence visited spends a step
    /// of `budget`.
    pub fn occurrences(
        &self,
        tz: &TimeZone,
        start: i64,
        end: i64,
        range: Interval,
        budget: &mut WorkBudget,
    ) -> Result<Vec<Interval>, ExpandError> {
        let duration = (end - start).max(0);
        let mut out = Vec::new();
        if range.is_empty() || duration == 0 {
            return Ok(out);
        }
        budget.spend(1)?;
        let wall_start = tz.to_datetime(timestamp(start));
        // Wall-clock bounds of the search, a day wide on each side for offsets and DST.
        let lower = tz.to_datetime(timestamp(range.start - duration - DAY));
        let upper = tz.to_datetime(timestamp(range.end + DAY));
        let from = if self.rule.get_count().is_some() {
            // COUNT counts from the start: nothing can be skipped (COUNT is small).
            wall_start
        } else {
            self.period().resume(wall_start, lower)
        };
        let set = self.set(wall_start, from).map_err(ExpandError::Invalid)?;
        for occurrence in &set {
            budget.spend(1)?;
            let Some(wall) = from_floating(&occurrence) else { continue };
            if wall > upper {
                break;
            }
            let Some(s) = resolve(tz, wall) else { continue };
            match self.until {
                // Wall times come in order but instants need not: one moved forward by a DST
                // gap can pass the next ones, so the search goes on a day past UNTIL.
                Some(Until::Instant(u)) if s > u + DAY => break,
                Some(Until::Instant(u)) if s > u => continue,
                _ => {}
            }
            let iv = Interval::new(s, s + duration);
            if iv.overlaps(&range) {
                out.push(iv);
            }
        }
        // A moved occurrence can also land on one the rule makes anyway: the same instant is one
        // occurrence (RFC 5545 §3.8.5.3).
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The rule's occurrences from wall time `from` on, its defaults (BYDAY, BYMONTHDAY,
    /// BYHOUR...) taken from the block's own start `start`.
    fn set(&self, start: DateTime, from: DateTime) -> Result<RRuleSet, String> {
        let mut rule = self.rule.clone();
        match self.until_wall() {
            // Ends before it starts: nothing (the crate would call the rule invalid).
            Some(u) if u < start => return Ok(RRuleSet::new(floating(from)?)),
            Some(u) => rule = rule.until(floating(u)?),
            None => {}
        }
        let rule = rule.validate(floating(start)?).map_err(|e| e.to_string())?;
        Ok(RRuleSet::new(floating(from)?).rrule(rule).limit())
    }

    fn period(&self) -> resume::Period {
        let week_start = match self.rule.get_week_start() {
            rrule::Weekday::Mon => jiff::civil::Weekday::Monday,
            rrule::Weekday::Tue => jiff::civil::Weekday::Tuesday,
            rrule::Weekday::Wed => jiff::civil::Weekday::Wednesday,
            rrule::Weekday::Thu => jiff::civil::Weekday::Thursday,
            rrule::Weekday::Fri => jiff::civil::Weekday::Friday,
            rrule::Weekday::Sat => jiff::civil::Weekday::Saturday,
            rrule::Weekday::Sun => jiff::civil::Weekday::Sunday,
        };
        resume::Period {
            freq: self.rule.get_freq(),
            every: i64::from(self.rule.get_interval()).max(1),
            week_start,
            whole: !self.rule.get_by_set_pos().is_empty(),
        }
    }

    /// The UNTIL bound as a wall time (an instant bound, whose wall time depends on the zone, is
    /// padded a day either way and checked exactly on each occurrence).
    fn until_wall(&self) -> Option<DateTime> {
        match self.until? {
            Until::Wall(w) => Some(w),
            Until::Instant(u) => Some(TimeZone::UTC.to_datetime(timestamp(u + 2 * DAY))),
        }
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
