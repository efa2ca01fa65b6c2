//! Calendar helpers over civil dates. Every function is checked: out-of-range arithmetic gives
//! `None`, never a panic.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// Minutes in a day; a clock value of `DAY` is the midnight that ends the day.
pub(crate) const DAY: u16 = 1440;

pub(crate) fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(n).ok()?).ok()
}

pub(crate) fn add_months(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_months(n).ok()?).ok()
}

/// Days from `from` forward to the next `to` (0 when they are the same day).
pub(crate) fn days_until(from: Weekday, to: Weekday) -> i64 {
    i64::from(to.to_monday_zero_offset() - from.to_monday_zero_offset()).rem_euclid(7)
}

/// The Monday that starts the (Monday–Sunday) week holding `d`.
pub(crate) fn monday_of(d: Date) -> Option<Date> {
    add_days(d, -i64::from(d.weekday().to_monday_zero_offset()))
}

/// `wd` in the week starting at `monday`.
pub(crate) fn in_week(monday: Date, wd: Weekday) -> Option<Date> {
    add_days(monday, i64::from(wd.to_monday_zero_offset()))
}

/// The first `wd` on or after `d`.
pub(crate) fn on_or_after(d: Date, wd: Weekday) -> Option<Date> {
    add_days(d, days_until(d.weekday(), wd))
}

/// The first `wd` strictly after `d`.
pub(crate) fn after(d: Date, wd: Weekday) -> Option<Date> {
    let n = days_until(d.weekday(), wd);
    add_days(d, if n == 0 { 7 } else { n })
}

/// The `nth` (1-based; -1 is the last) `wd` of a month.
pub(crate) fn nth_of_month(year: i16, month: i8, nth: i8, wd: Weekday) -> Option<Date> {
    Date::new(year, month, 1).ok()?.nth_weekday_of_month(nth, wd).ok()
}

/// The next `month`/`day` on or after `today`, looking a few years ahead (for 29 February).
pub(crate) fn next_month_day(today: Date, month: i8, day: i8) -> Option<Date> {
    (0..5).find_map(|k| {
        let d = Date::new(today.year().checked_add(k)?, month, day).ok()?;
        (d >= today).then_some(d)
    })
}

/// The next date on or after `today` whose day of the month is `day`.
pub(crate) fn next_day_of_month(today: Date, day: i8) -> Option<Date> {
    let first = today.first_of_month();
    (0..13).find_map(|k| {
        let m = add_months(first, k)?;
        let d = Date::new(m.year(), m.month(), day).ok()?;
        (d >= today).then_some(d)
    })
}

/// The instant of minute `mins` (0..=1440 and beyond, rolling into later days) of `d` in `tz`.
/// A wall time in a gap moves forward by the gap; in a fold the earlier instant is taken.
pub(crate) fn instant(d: Date, mins: u16, tz: &TimeZone) -> Option<Timestamp> {
    let d = add_days(d, i64::from(mins / DAY))?;
    let m = mins % DAY;
    let t = Time::new(i8::try_from(m / 60).ok()?, i8::try_from(m % 60).ok()?, 0, 0).ok()?;
    Some(d.to_datetime(t).to_zoned(tz.clone()).ok()?.timestamp())
}

/// Easter Sunday (Gregorian, anonymous algorithm).
pub(crate) fn easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_dates() {
        assert_eq!(easter(2024), Some(date(2024, 3, 31)));
        assert_eq!(easter(2025), Some(date(2025, 4, 20)));
        assert_eq!(easter(2026), Some(date(2026, 4, 5)));
        assert_eq!(easter(2027), Some(date(2027, 3, 28)));
    }

    #[test]
    fn weekday_steps() {
        let fri = date(2026, 3, 13);
        assert_eq!(on_or_after(fri, Weekday::Friday), Some(fri));
        assert_eq!(after(fri, Weekday::Friday), Some(date(2026, 3, 20)));
        assert_eq!(monday_of(fri), Some(date(2026, 3, 9)));
        assert_eq!(next_month_day(date(2026, 12, 20), 1, 3), Some(date(2027, 1, 3)));
        assert_eq!(next_day_of_month(date(2026, 4, 20), 31), Some(date(2026, 5, 31)));
    }
}
