//! Date expressions: today and tomorrow, weekdays with this/next/coming, "the 15th", "the second
//! Tuesday of next month", "3/14". Month names live in `months`, weeks and weekends in `spans`,
//! "in 3 days" and "a week from Monday" in `relative`, holidays in `holidays`.

use jiff::SignedDuration;
use jiff::civil::{Date, Weekday};

use crate::cal;
use crate::lexer::Tok;
use crate::parts::{DatePart, DateVal, Hit, P, Src, What};
use crate::{holidays, months, numbered, ranges, relative, spans, years};

/// Longest date expression starting at token `i`. `depth` bounds nesting ("the day after ...").
pub(crate) fn parse(p: &P, i: usize, depth: u8) -> Hit<What> {
    if depth > 2 {
        return None;
    }
    let date = |h: Hit<DatePart>| h.map(|(d, e)| (What::Date(d), e));
    let found = [
        named(p, i),
        weekday_expr(p, i),
        date(numbered::day_of_month(p, i)),
        date(numbered::nth_weekday(p, i)),
        date(numbered::numeric(p, i)),
        months::parse(p, i),
        spans::parse(p, i, depth),
        relative::parse(p, i, depth),
        holidays::parse(p, i),
        ranges::parse(p, i, depth),
        years::parse(p, i),
    ];
    found.into_iter().flatten().fold(None, |best: Hit<What>, (w, e)| match best {
        Some((_, be)) if be >= e => best,
        _ => Some((w, e)),
    })
}

/// A date expression that resolves to a single day ("tomorrow", "next Friday").
pub(crate) fn single_day(p: &P, i: usize, depth: u8) -> Hit<Date> {
    match parse(p, i, depth + 1)? {
        (What::Date(DatePart { val: DateVal::Day(d), .. }), e) => Some((d, e)),
        (What::Date(DatePart { val: DateVal::Moment { day: Some(d), .. }, .. }), e) => Some((d, e)),
        _ => None,
    }
}

fn named(p: &P, i: usize) -> Hit<What> {
    let env = p.env;
    let day = |n: i64, e: usize| Some((What::Date(DatePart::day(cal::add_days(env.today, n)?)), e));
    if let Some(e) = p.one_of(i, &[&["this", "time", "tomorrow"], &["same", "time", "tomorrow"]]) {
        return moment(p, 1, e);
    }
    if let Some(e) = p.one_of(i, &[&["this", "time", "next", "week"], &["same", "time", "next", "week"]]) {
        return moment(p, 7, e);
    }
    let past: &[&[&str]] = &[
        &["yesterday"],
        &["last", "night"],
        &["last", "week"],
        &["last", "weekend"],
        &["last", "month"],
        &["last", "year"],
        &["the", "other", "day"],
        &["the", "other", "night"],
        &["earlier", "today"],
        &["earlier", "this", "week"],
        &["this", "past", "weekend"],
        &["the", "day", "before", "yesterday"],
    ];
    if let Some(e) = p.one_of(i, past) {
        return Some((What::Ignored, e));
    }
    if let Some(e) = p.one_of(i, NOW).or_else(|| (p.is(i, "now") && now_ok(p, i)).then_some(i + 1)) {
        let val = DateVal::Moment { at: env.now, day: None, weeks: false };
        return Some((What::Date(DatePart::new(val, Src::Other)), e));
    }
    if let Some(e) = p.one_of(i, NEXT_HOUR) {
        let end = env.now.checked_add(SignedDuration::from_hours(1)).ok()?;
        return Some((What::Date(DatePart::new(DateVal::Instants(env.now, end), Src::Other)), e));
    }
    if let Some(e) = p.one_of(i, NEXT_WEEKDAY) {
        let mut d = cal::add_days(env.today, 1)?;
        while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            d = cal::add_days(d, 1)?;
        }
        return Some((What::Date(DatePart::day(d)), e));
    }
    match p.word(i)? {
        "today" if !asked_after(p, i) => day(0, i + 1),
        "tomorrow" => day(1, i + 1),
        _ => None,
    }
}

/// As soon as possible: the present instant. ("as soon as possible" spelled out stays a wish,
/// not a time: an agent answers it with the first free slot, not a slot at this instant.)
const NOW: &[&[&str]] = &[
    &["right", "now"],
    &["asap"],
    &["immediately"],
    &["right", "away"],
    &["straight", "away"],
    &["soonest", "possible"],
    &["earliest", "possible"],
    &["at", "your", "earliest", "convenience"],
];

const NEXT_HOUR: &[&[&str]] =
    &[&["the", "next", "hour"], &["next", "hour"], &["this", "hour"], &["the", "coming", "hour"]];

const NEXT_WEEKDAY: &[&[&str]] = &[
    &["the", "next", "weekday"],
    &["next", "weekday"],
    &["the", "next", "business", "day"],
    &["next", "business", "day"],
    &["the", "next", "working", "day"],
    &["next", "working", "day"],
    &["next", "work", "day"],
    &["the", "next", "workday"],
    &["next", "workday"],
];

/// "now" means the present when it is the answer or asked for: "now", "available now", "can
/// you see me now"; not "now, about Friday".
fn now_ok(p: &P, i: usize) -> bool {
    p.alone(i, i + 1)
        || p.any(
            i.wrapping_sub(1),
            &["available", "free", "open", "me", "in", "starting", "us", "come", "start"],
        )
        || (p.boundary(i + 1)
            && i > 0
            && !p.any(i.wrapping_sub(1), &["until", "till", "by", "and", "for", "right"]))
            && p.any(i.wrapping_sub(1), &["it", "there", "over", "today", "go"])
}

/// "how are you today", "calling today": small talk, not a date.
fn asked_after(p: &P, i: usize) -> bool {
    (p.is(i.wrapping_sub(1), "you") && p.any(i.wrapping_sub(2), &["are", "help", "assist", "doing"]))
        || p.any(i.wrapping_sub(1), &["calling", "doing", "going"])
}

fn moment(p: &P, days: i64, e: usize) -> Hit<What> {
    let z = p.env.zoned.checked_add(jiff::Span::new().try_days(days).ok()?).ok()?;
    let val = DateVal::Moment { at: z.timestamp(), day: Some(z.date()), weeks: false };
    Some((What::Date(DatePart::new(val, Src::Other)), e))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rel {
    Bare,
    This,
    Coming,
    Next,
    AfterNext,
    WeekAfter,
    ThisWeek,
    NextWeek,
    WeekAfterNext,
}

/// "Tuesday", "this Tuesday", "next Tuesday", "Tuesday week", "Tuesday of next week", ...
fn weekday_expr(p: &P, i: usize) -> Hit<What> {
    let mut rel = Rel::Bare;
    let mut j = i;
    let prefixes: [(&[&str], Rel); 8] = [
        (&["this", "coming"], Rel::Coming),
        (&["the", "coming"], Rel::Coming),
        (&["coming"], Rel::Coming),
        (&["upcoming"], Rel::Coming),
        (&["the", "following"], Rel::Next),
        (&["following"], Rel::Next),
        (&["next"], Rel::Next),
        (&["this"], Rel::This),
    ];
    if let Some((e, r)) = prefixes.iter().find_map(|(ws, r)| p.seq(j, ws).map(|e| (e, *r))) {
        rel = r;
        j = e;
    } else if let Some(e) = p.one_of(j, &[&["last"], &["this", "past"], &["past"]]) {
        // "last Tuesday" is behind us; "the last Friday of the month" is `nth_weekday`'s.
        let (_, weak) = crate::words::weekday(p.word(e)?)?;
        if weak || p.any(e + 1, &["of", "in"]) {
            return None;
        }
        return Some((What::Ignored, e + 1));
    }
    let (wd, weak) = crate::words::weekday(p.word(j)?)?;
    if (weak && rel == Rel::Bare && !weak_ok(p, j)) || p.is_name(j) {
        return None;
    }
    j += 1;
    let suffixes: [(&[&str], Rel); 10] = [
        (&["after", "next"], Rel::AfterNext),
        (&["of", "the", "week", "after", "next"], Rel::WeekAfterNext),
        (&["the", "week", "after", "next"], Rel::WeekAfterNext),
        (&["of", "next", "week"], Rel::NextWeek),
        (&["next", "week"], Rel::NextWeek),
        (&["of", "the", "following", "week"], Rel::NextWeek),
        (&["the", "following", "week"], Rel::NextWeek),
        (&["of", "this", "week"], Rel::ThisWeek),
        (&["this", "week"], Rel::ThisWeek),
        (&["week"], Rel::WeekAfter),
    ];
    let suffix = |j: usize| suffixes.iter().find_map(|(ws, r)| p.seq(j, ws).map(|e| (e, *r)));
    if let Some((e, r)) = suffix(j) {
        if rel == Rel::Bare {
            rel = r;
            j = e;
        }
    } else if let Some((_, r)) = shared_week(p, j).and_then(suffix).filter(|_| rel == Rel::Bare) {
        // "Tuesday or Wednesday next week": the week said once holds both days
        rel = r;
    } else if rel == Rel::Bare
        && p.any(j, &["next", "coming"])
        && !p.any(j + 1, &["week", "month", "weekend"])
    {
        // British "Monday next", "Monday coming"
        rel = if p.is(j, "next") { Rel::Next } else { Rel::Coming };
        j += 1;
    }
    let d = resolve_weekday(p.env.today, wd, rel)?;
    let mut part = DatePart::new(DateVal::Day(d), Src::Weekday);
    if matches!(rel, Rel::Bare | Rel::This | Rel::Coming) {
        part.weekday = Some(wd);
    }
    part.roll = rel == Rel::Bare && d == p.env.today;
    Some((What::Date(part), j))
}

/// After "Tuesday" in "Tuesday or Wednesday next week": where the second day's week words
/// start, when a second weekday follows.
fn shared_week(p: &P, j: usize) -> Option<usize> {
    let k = j + usize::from(matches!(p.tok(j), Some(Tok::Comma)));
    let k = p.one_of(k, &[&["or"], &["and"], &["or", "maybe"], &["or", "else"]])?;
    crate::words::weekday(p.word(k)?)?;
    Some(k + 1)
}

/// Weekday resolution. "Next Tuesday" said Friday, Saturday or Sunday is the coming Tuesday;
/// said Monday to Thursday it is the Tuesday of next week.
fn resolve_weekday(today: Date, wd: Weekday, rel: Rel) -> Option<Date> {
    let monday = cal::monday_of(today)?;
    let next = || {
        if matches!(today.weekday(), Weekday::Friday | Weekday::Saturday | Weekday::Sunday) {
            cal::after(today, wd)
        } else {
            cal::in_week(cal::add_days(monday, 7)?, wd)
        }
    };
    match rel {
        Rel::Bare | Rel::This => cal::on_or_after(today, wd),
        Rel::Coming => cal::after(today, wd),
        Rel::Next => next(),
        Rel::AfterNext => cal::add_days(next()?, 7),
        Rel::WeekAfter => cal::add_days(cal::on_or_after(today, wd)?, 7),
        Rel::ThisWeek => cal::in_week(monday, wd),
        Rel::NextWeek => cal::in_week(cal::add_days(monday, 7)?, wd),
        Rel::WeekAfterNext => cal::in_week(cal::add_days(monday, 14)?, wd),
    }
}

/// "sat", "sun", "mon" are weekdays only where a date is expected.
fn weak_ok(p: &P, j: usize) -> bool {
    const BEFORE: &[&str] =
        &["on", "by", "until", "before", "after", "or", "and", "every", "from", "for", "through", "to"];
    p.dotted(j)
        || p.prev(j, 1).is_some_and(|w| BEFORE.contains(&w))
        || matches!(p.tok(j + 1), Some(Tok::Num(_) | Tok::Clock { .. } | Tok::Slash { .. }))
        || (matches!(p.tok(j + 1), Some(Tok::Dash))
            && p.word(j + 2).is_some_and(|w| crate::words::weekday(w).is_some()))
        || (matches!(p.tok(j.wrapping_sub(1)), Some(Tok::Dash))
            && p.word(j.wrapping_sub(2)).is_some_and(|w| crate::words::weekday(w).is_some()))
        || p.any(j + 1, &["morning", "afternoon", "evening", "night", "at", "the", "or", "and"])
        || p.alone(j, j + 1)
}

/// "in 2 hours" as an instant.
pub(crate) fn elapsed(p: &P, d: SignedDuration) -> Option<DateVal> {
    let at = p.env.now.checked_add(d).ok()?;
    Some(DateVal::Moment { at, day: None, weeks: false })
}
