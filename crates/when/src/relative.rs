//! Relative dates: "in 3 days", "in 2 hours", "within the next hour", "a week from Monday",
//! "two days after Christmas", "the day after tomorrow", "the next day", "the week after next".
//! Days, weeks and months are calendar arithmetic in the zone (the clock time is kept); minutes
//! and hours are elapsed time.

use jiff::civil::Date;
use jiff::{SignedDuration, Span};

use crate::cal;
use crate::dates::single_day;
use crate::lexer::Tok;
use crate::parts::{DatePart, DateVal, Hit, P, Src, What};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// An amount of a unit: `n` units plus half a unit when `half`.
#[derive(Clone, Copy, Debug)]
struct Amount {
    n: i64,
    half: bool,
    unit: Unit,
    /// Said as "a"/"an"/"one": "in a minute" is a figure of speech.
    one_word: bool,
    /// Elapsed minutes said after it: "1d 2h", "2 hours and 15 minutes".
    extra: i64,
}

pub(crate) fn parse(p: &P, i: usize, depth: u8) -> Hit<What> {
    let found = [in_form(p, i), from_form(p, i, depth), day_after(p, i, depth)];
    found.into_iter().flatten().max_by_key(|(_, e)| *e)
}

fn unit(p: &P, i: usize) -> Option<(Unit, i64, usize)> {
    let (u, mult) = match p.word(i)? {
        "minute" | "minutes" => (Unit::Minute, 1),
        "hour" | "hours" => (Unit::Hour, 1),
        "day" | "days" => (Unit::Day, 1),
        "week" | "weeks" => (Unit::Week, 1),
        "fortnight" | "fortnights" => (Unit::Week, 2),
        "month" | "months" => (Unit::Month, 1),
        "year" | "years" => (Unit::Year, 1),
        _ => return None,
    };
    Some((u, mult, i + 1))
}

/// "3 days", "a couple of weeks", "an hour and a half", "half an hour", "one and a half hours".
fn amount(p: &P, i: usize) -> Hit<Amount> {
    let mins = |n: i64, e: usize| {
        Some((Amount { n, half: false, unit: Unit::Minute, one_word: false, extra: 0 }, e))
    };
    let half_hour: &[&[&str]] = &[
        &["half", "an", "hour"],
        &["half", "a", "hour"],
        &["a", "half", "hour"],
        &["half", "an", "hours"],
        &["half", "hour"],
    ];
    if let Some(e) = p.one_of(i, half_hour) {
        return mins(30, e);
    }
    if let Some(e) = p.one_of(
        i,
        &[&["a", "quarter", "of", "an", "hour"], &["quarter", "of", "an", "hour"], &["a", "quarter", "hour"]],
    ) {
        return mins(15, e);
    }
    if p.num(i).is_some_and(|n| n.val == 3 && !n.ord)
        && let Some(e) = p.seq(i + 1, &["quarters", "of", "an", "hour"])
    {
        return mins(45, e);
    }
    if let Some(Tok::Dec(h)) = p.tok(i) {
        // "1.5 hours": in minutes for hours and days, else a half when it is one
        let h = i64::from(*h);
        let (unit, _, e) = unit(p, i + 1)?;
        let a = |n: i64, half: bool, unit: Unit| Amount { n, half, unit, one_word: false, extra: 0 };
        return Some((
            match unit {
                Unit::Minute => a(h / 100, false, Unit::Minute),
                Unit::Hour => a(h * 60 / 100, false, Unit::Minute),
                Unit::Day => a(h * 1440 / 100, false, Unit::Minute),
                _ => a(h / 100, h % 100 == 50, unit),
            },
            e,
        ));
    }
    let counts: &[(&[&str], i64)] = &[
        (&["a", "couple", "of"], 2),
        (&["a", "couple"], 2),
        (&["couple", "of"], 2),
        (&["couple"], 2),
        (&["a", "few"], 3),
        (&["few"], 3),
        (&["several"], 3),
        (&["a"], 1),
        (&["an"], 1),
    ];
    let (n, mut j, one_word) = match counts.iter().find_map(|(ws, n)| p.seq(i, ws).map(|e| (*n, e))) {
        Some((n, e)) => (n, e, n == 1),
        None => {
            let num = p.num(i).filter(|n| !n.ord && n.val <= 100_000)?;
            (i64::from(num.val), i + 1, num.val == 1 && num.digits == 0)
        }
    };
    let mut half = false;
    if let Some(e) = p.seq(j, &["and", "a", "half"]) {
        half = true;
        j = e;
    }
    let (unit, mult, mut e) = unit(p, j)?;
    if let Some(end) = p.seq(e, &["and", "a", "half"]).filter(|_| !half) {
        half = true;
        e = end;
    }
    // "1d 2h", "2 hours and 15 minutes", "1 hour, 30 minutes"
    let mut extra = 0;
    let parts = if matches!(unit, Unit::Day | Unit::Hour | Unit::Week) { 3 } else { 0 };
    for _ in 0..parts {
        let k = e + usize::from(p.is(e, "and") || matches!(p.tok(e), Some(Tok::Comma)));
        let Some(num) = p.num(k).filter(|n| !n.ord && n.val < 10_000) else { break };
        let Some((u, _, end)) = unit_after(p, k + 1) else { break };
        let mins = match (unit, u) {
            (Unit::Week, Unit::Day) => 1440,
            (Unit::Week | Unit::Day, Unit::Hour) => 60,
            (_, Unit::Minute) => 1,
            _ => break,
        };
        extra += i64::from(num.val) * mins;
        e = end;
        if u == Unit::Minute {
            break;
        }
    }
    Some((Amount { n: n * mult, half, unit, one_word, extra }, e))
}

fn unit_after(p: &P, i: usize) -> Option<(Unit, i64, usize)> {
    unit(p, i)
}

/// `now` moved by the amount: elapsed for minutes and hours, calendar for the rest.
fn shifted(p: &P, a: Amount) -> Option<DateVal> {
    let env = p.env;
    let span = |s: Span| -> Option<DateVal> {
        let z = env.zoned.checked_add(s).ok()?;
        Some(DateVal::Moment { at: z.timestamp(), day: Some(z.date()), weeks: a.unit == Unit::Week })
    };
    let half = i64::from(a.half);
    let extra = a.extra.min(1_000_000);
    match a.unit {
        Unit::Minute => crate::dates::elapsed(p, SignedDuration::from_mins(a.n.min(2_000_000) + extra)),
        Unit::Hour => {
            crate::dates::elapsed(p, SignedDuration::from_mins(a.n.min(40_000) * 60 + half * 30 + extra))
        }
        Unit::Day if a.n <= 1000 => {
            span(Span::new().try_days(a.n).ok()?.try_hours(half * 12).ok()?.try_minutes(extra).ok()?)
        }
        Unit::Week if a.n <= 200 => {
            span(Span::new().try_weeks(a.n).ok()?.try_days(half * 3).ok()?.try_minutes(extra).ok()?)
        }
        Unit::Month if a.n <= 48 => span(Span::new().try_months(a.n).ok()?.try_weeks(half * 2).ok()?),
        Unit::Year if a.n <= 100 => span(Span::new().try_years(a.n).ok()?.try_months(half * 6).ok()?),
        _ => None,
    }
}

/// A date moved by the amount (days, weeks, months only).
fn moved(d: Date, a: Amount, sign: i64) -> Option<Date> {
    match a.unit {
        Unit::Day => cal::add_days(d, sign * a.n.min(1000)),
        Unit::Week => cal::add_days(d, sign * 7 * a.n.min(200)),
        Unit::Month => cal::add_months(d, sign * a.n.min(48)),
        Unit::Year => cal::add_months(d, sign * 12 * a.n.min(100)),
        Unit::Minute | Unit::Hour => None,
    }
}

/// "in 3 days", "in an hour", "within the next 2 hours", "in the next week".
fn in_form(p: &P, i: usize) -> Hit<What> {
    if let Some(e) = p.seq(i, &["within", "the", "hour"]) {
        let end = p.env.now.checked_add(SignedDuration::from_hours(1)).ok()?;
        return Some((What::Date(DatePart::new(DateVal::Instants(p.env.now, end), Src::Other)), e));
    }
    if let Some((e, unit_end)) =
        p.one_of(i, &[&["within", "the", "week"], &["within", "this", "week"]]).map(|e| (e, 7)).or_else(
            || p.one_of(i, &[&["within", "the", "month"], &["within", "this", "month"]]).map(|e| (e, 31)),
        )
    {
        let today = p.env.today;
        let end = if unit_end == 7 {
            cal::add_days(cal::monday_of(today)?, 7)?
        } else {
            cal::add_months(today.first_of_month(), 1)?
        };
        let end = cal::instant(end, 0, &p.env.tz)?;
        return Some((What::Date(DatePart::new(DateVal::Instants(p.env.now, end), Src::Other)), e));
    }
    // "next 2 weeks", "the next few days": a count is needed ("next week" is the calendar week)
    if let Some(j) = p.one_of(i, &[&["the", "next"], &["next"], &["the", "coming"], &["the", "following"]])
        && let Some((a, e)) = amount(p, j).filter(|(a, _)| !a.one_word || a.n > 1)
        && let Some(DateVal::Moment { at, .. }) = shifted(p, a)
    {
        return Some((What::Date(DatePart::new(DateVal::Instants(p.env.now, at), Src::Other)), e));
    }
    let window = [
        &["in", "the", "next"][..],
        &["within", "the", "next"],
        &["over", "the", "next"],
        &["within"],
        &["in", "under"],
        &["in", "less", "than"],
    ];
    if let Some(j) = p.one_of(i, &window) {
        let (a, e) = match amount(p, j) {
            Some(hit) => hit,
            None => {
                let (unit, mult, e) = unit(p, j)?;
                (Amount { n: mult, half: false, unit, one_word: false, extra: 0 }, e)
            }
        };
        let end = match shifted(p, a)? {
            DateVal::Moment { at, .. } => at,
            _ => return None,
        };
        let part = DatePart::new(DateVal::Instants(p.env.now, end), Src::Other);
        return Some((What::Date(part), e));
    }
    let j = p.seq(i, &["in"])?;
    // "in about half an hour"
    let j = p
        .one_of(j, &[&["about"], &["around"], &["roughly"], &["approximately"], &["maybe"], &["like"]])
        .unwrap_or(j);
    let (a, mut e) = amount(p, j)?;
    if a.one_word && a.unit == Unit::Minute {
        return None; // "in a minute": a figure of speech
    }
    e = p.seq(e, &["time"]).or_else(|| p.seq(e, &["s", "time"])).unwrap_or(e);
    Some((What::Date(DatePart::new(shifted(p, a)?, Src::Other)), e))
}

/// "3 days from now", "a week from Monday", "two days after Christmas", "a week on Friday",
/// "a week today", "2 days ago" (set aside).
fn from_form(p: &P, i: usize, depth: u8) -> Hit<What> {
    let (a, j) = amount(p, i)?;
    if let Some(e) =
        p.one_of(j, &[&["from", "now"], &["later"], &["out"], &["from", "this", "moment"], &["hence"]])
    {
        return Some((What::Date(DatePart::new(shifted(p, a)?, Src::Other)), e));
    }
    if let Some(e) = p.seq(j, &["ago"]) {
        return Some((What::Ignored, e));
    }
    if matches!(a.unit, Unit::Minute | Unit::Hour) {
        return None;
    }
    let (sign, k) = match p.word(j)? {
        "from" | "after" => (1, j + 1),
        "on" if a.unit == Unit::Week => (1, j + 1),
        "before" => (-1, j + 1),
        // British "a week today", "a week Tuesday"
        w if a.unit == Unit::Week
            && (w == "today" || w == "tomorrow" || crate::words::weekday(w).is_some()) =>
        {
            (1, j)
        }
        _ => return None,
    };
    let (d, e) = single_day(p, k, depth)?;
    let part = DatePart::new(DateVal::Day(moved(d, a, sign)?), Src::Other);
    Some((What::Date(part), e))
}

/// "the day after tomorrow", "the day before Christmas", "the next day", "the week after next",
/// "the week after Easter", "the Monday after Thanksgiving".
fn day_after(p: &P, i: usize, depth: u8) -> Hit<What> {
    let j = i + usize::from(p.is(i, "the"));
    let date = |d: Option<Date>, e: usize| Some((What::Date(DatePart::new(DateVal::Day(d?), Src::Other)), e));
    if let Some(e) = p.seq(j, &["day", "after", "next"]).filter(|_| j > i) {
        return date(cal::add_days(p.env.today, 2), e);
    }
    if let Some(k) = p.seq(j, &["day", "after"]).or_else(|| p.seq(j, &["day", "before"])) {
        let sign = if p.is(j + 1, "after") { 1 } else { -1 };
        if let Some((d, e)) = single_day(p, k, depth) {
            return date(cal::add_days(d, sign), e);
        }
        let e = p.seq(k, &["that"]).unwrap_or(k);
        let prev = DateVal::Prev(if sign > 0 { 1 } else { -1 });
        return (j > i).then(|| (What::Date(DatePart::new(prev, Src::Other)), e));
    }
    if let Some(e) = p.one_of(j, &[&["next", "day"], &["following", "day"]]).filter(|_| j > i) {
        return Some((What::Date(DatePart::new(DateVal::Prev(1), Src::Other)), e));
    }
    if let Some(k) = p.seq(j, &["week", "after"]).filter(|_| !p.is(j + 2, "next")) {
        let (d, e) = single_day(p, k, depth)?;
        let mon = cal::add_days(cal::monday_of(d)?, 7)?;
        let part = DatePart::new(DateVal::Days(mon, cal::add_days(mon, 7)?), Src::Week);
        return Some((What::Date(part), e));
    }
    let (wd, _) = crate::words::weekday(p.word(j)?)?;
    let sign = match p.word(j + 1)? {
        "after" => 1,
        "before" => -1,
        _ => return None,
    };
    let (d, e) = single_day(p, j + 2, depth)?;
    let found = if sign > 0 {
        cal::after(d, wd)
    } else {
        cal::add_days(d, -7).and_then(|w| cal::after(w, wd)).filter(|x| *x < d)
    };
    date(found, e)
}
