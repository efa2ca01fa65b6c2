//! Where an expansion may start so that it visits only the periods a query needs.
//!
//! A rule without COUNT repeats with a period of INTERVAL hours, days, weeks, months or years
//! counted from its start. Once the rule's defaults (BYDAY, BYMONTHDAY, BYHOUR... taken from the
//! start) are made explicit, expanding from any instant of a period in phase with the start gives
//! exactly the full expansion's occurrences from that instant on. So instead of walking from a
//! start years back, the expansion starts at the query's lower bound when that period is in
//! phase, or at the start of the next period in phase: its cost is the occurrences in the query,
//! whatever the start, frequency or interval.
//!
//! BYSETPOS picks among all of a period's matches, so such a rule resumes at the start of the
//! lower bound's period. Only weeks need it: the `rrule` crate expands a month, a year, a day or
//! an hour whole from any instant in it, but a week only from that instant on.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::{ToSpan, Unit};
use rrule::Frequency;

/// A rule's period, as far as skipping ahead is concerned.
#[derive(Clone, Copy, Debug)]
pub(super) struct Period {
    pub freq: Frequency,
    /// INTERVAL (at least 1).
    pub every: i64,
    /// WKST, for weekly rules.
    pub week_start: Weekday,
    /// The rule has BYSETPOS: a week must be expanded from its first day.
    pub whole: bool,
}

impl Period {
    /// The wall time to expand from for occurrences at or after `lower`, given the rule's
    /// `start`. Never later than the first occurrence at or after `lower`.
    pub fn resume(self, start: DateTime, lower: DateTime) -> DateTime {
        let passed = self.index(lower) - self.index(start);
        if passed <= 0 {
            return start;
        }
        if passed % self.every == 0 {
            return match self.freq {
                Frequency::Weekly if self.whole => self.period_start(start, passed).unwrap_or(start),
                _ => lower,
            };
        }
        let next = (passed / self.every + 1) * self.every;
        self.period_start(start, next).unwrap_or(start)
    }

    /// A number that grows by one per period (hours, days, weeks, months or years).
    fn index(self, t: DateTime) -> i64 {
        let days = || i64::from(t.date().since((Unit::Day, Date::MIN)).map_or(0, |s| s.get_days()));
        match self.freq {
            Frequency::Yearly => i64::from(t.year()),
            Frequency::Monthly => i64::from(t.year()) * 12 + i64::from(t.month()),
            Frequency::Weekly => (days() - self.into_week(t.date())).div_euclid(7),
            Frequency::Daily => days(),
            _ => days() * 24 + i64::from(t.hour()),
        }
    }

    /// Days since the week (by WKST) began.
    fn into_week(self, d: Date) -> i64 {
        i64::from(d.weekday().since(self.week_start))
    }

    /// The first instant of the period `n` periods after the one `start` is in.
    fn period_start(self, start: DateTime, n: i64) -> Option<DateTime> {
        let d = start.date();
        let date = match self.freq {
            Frequency::Yearly => Date::new(i16::try_from(i64::from(d.year()) + n).ok()?, 1, 1).ok()?,
            Frequency::Monthly => d.first_of_month().checked_add(n.months()).ok()?,
            Frequency::Weekly => {
                d.checked_sub(self.into_week(d).days()).ok()?.checked_add((7 * n).days()).ok()?
            }
            Frequency::Daily => d.checked_add(n.days()).ok()?,
            _ => {
                let hour = start.date().at(start.hour(), 0, 0, 0);
                return hour.checked_add(n.hours()).ok();
            }
        };
        Some(date.at(0, 0, 0, 0))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn period(freq: Frequency, every: i64) -> Period {
        Period { freq, every, week_start: Weekday::Monday, whole: false }
    }

    #[test]
    fn in_phase_periods_resume_at_the_lower_bound_others_at_the_next_period() {
        let start = date(2001, 1, 10).at(9, 30, 0, 0);
        let lower = date(2026, 5, 20).at(13, 15, 0, 0);
        assert_eq!(period(Frequency::Daily, 1).resume(start, lower), lower);
        assert_eq!(period(Frequency::Yearly, 1).resume(start, lower), lower);
        // 25 years on: every second year is out of phase, so the next one (2027) starts.
        assert_eq!(period(Frequency::Yearly, 2).resume(start, lower), date(2027, 1, 1).at(0, 0, 0, 0));
        // 304 months on: every fifth month is out of phase by 4; the next one is June.
        assert_eq!(period(Frequency::Monthly, 5).resume(start, lower), date(2026, 6, 1).at(0, 0, 0, 0));
        // A start after the bound is kept.
        assert_eq!(period(Frequency::Hourly, 3).resume(lower, start), lower);
    }

    #[test]
    fn weeks_begin_on_the_rules_week_start() {
        // Wednesday 2026-01-07; the bound is on Thursday 2026-01-22, two weeks and a day on.
        let start = date(2026, 1, 7).at(9, 0, 0, 0);
        let lower = date(2026, 1, 22).at(0, 0, 0, 0);
        assert_eq!(period(Frequency::Weekly, 2).resume(start, lower), lower);
        let p = Period { freq: Frequency::Weekly, every: 3, week_start: Weekday::Sunday, whole: false };
        // Weeks from Sunday: 2026-01-04 and, three on, 2026-01-25.
        assert_eq!(p.resume(start, lower), date(2026, 1, 25).at(0, 0, 0, 0));
        // With BYSETPOS, the whole week of the bound: from Monday 2026-01-19.
        let p = Period { whole: true, ..period(Frequency::Weekly, 1) };
        assert_eq!(p.resume(start, lower), date(2026, 1, 19).at(0, 0, 0, 0));
    }
}
