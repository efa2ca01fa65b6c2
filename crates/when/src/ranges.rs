//! Ranges of days: "Monday through Wednesday", "between the 10th and the 15th", and days
//! bounded on one side: "before Friday", "by Friday", "after Wednesday", "until the 20th".

use jiff::civil::Date;

use crate::cal;
use crate::dates::single_day;
use crate::lexer::Tok;
use crate::markers;
use crate::parts::{DatePart, DateVal, Hit, P, Src, What};

pub(crate) fn parse(p: &P, i: usize, depth: u8) -> Hit<What> {
    if depth > 0 {
        return None; // "before Monday through Wednesday" is not a thing
    }
    let month_near =
        (i..(i + 8).min(p.toks.len())).any(|k| p.word(k).is_some_and(|w| crate::words::month(w).is_some()));
    let found = [range(p, i, depth), bounded(p, i, depth), month_near.then(|| shared(p, i)).flatten()];
    found.into_iter().flatten().max_by_key(|(_, e)| *e).map(|(d, e)| (What::Date(d), e))
}

fn days(start: Date, end: Date, e: usize) -> Hit<DatePart> {
    (start < end).then_some((DatePart::new(DateVal::Days(start, end), Src::Other), e))
}

/// "Monday through Wednesday", "from the 10th to the 15th", "between Tuesday and Thursday",
/// "Mon-Wed". With a reschedule verb before it, "from Monday to Wednesday" is a move instead.
fn range(p: &P, i: usize, depth: u8) -> Hit<DatePart> {
    let between = p.is(i, "between");
    let j = i + usize::from(between || p.is(i, "from"));
    // the first day takes at least one token, and a joiner must follow it
    if p.last_joiner.is_none_or(|s| s <= j) {
        return None;
    }
    let (a, k) = single_day(p, j, depth)?;
    let seps: &[&[&str]] = if between { &[&["and"]] } else { &[&["through"], &["to"], &["until"]] };
    let hyphen = || {
        let gap =
            p.toks.get(k.wrapping_sub(1)).zip(p.toks.get(k)).and_then(|(x, y)| p.text.get(x.end..y.start));
        gap.is_some_and(|g| g.contains(['-', '\u{2013}']))
    };
    let next = match p.one_of(k, seps) {
        Some(n) => n,
        None if matches!(p.tok(k), Some(Tok::Dash)) => k + 1,
        None if hyphen() => k,
        None => return None,
    };
    let (mut b, e) = single_day(p, next, depth)?;
    if b < a && cal::add_days(b, 7)? >= a {
        b = cal::add_days(b, 7)?; // "Friday to Monday": the Monday after
    }
    if markers::change_verb_before(p, i) || b < a || cal::add_days(a, 31)? < b {
        return None;
    }
    days(a, cal::add_days(b, 1)?, e)
}

/// "before Friday" (today until Friday), "by Friday" (today through Friday), "after Wednesday"
/// (the week after it), "until the 20th" (today through the 20th; after it when the caller is
/// away or busy until then). "by the end of the week" stays the Friday it names.
fn bounded(p: &P, i: usize, depth: u8) -> Hit<DatePart> {
    // "no later than Thursday" is "by Thursday"
    let (w, i) = match p.one_of(i, &[&["no", "later", "than"], &["not", "later", "than"]]) {
        Some(e) => ("by", e - 1),
        None => (p.word(i)?, i),
    };
    if !matches!(w, "before" | "by" | "after" | "until")
        || p.is(i + 1, "end")
        || p.seq(i + 1, &["the", "end"]).is_some()
    {
        return None;
    }
    if w == "by" && p.any(i.wrapping_sub(1), &["come", "stop", "drop", "swing", "pop", "get", "go"]) {
        return None;
    }
    let today = p.env.today;
    // "after the weekend": the seven days after it, like "after Wednesday"
    if w == "after"
        && let Some((What::Date(DatePart { val: DateVal::Days(_, end), src: Src::Week, .. }), e)) =
            crate::spans::parse(p, i + 1, depth + 1)
        && end.weekday() == jiff::civil::Weekday::Monday
    {
        return days(end, cal::add_days(end, 7)?, e);
    }
    let (d, e) = single_day(p, i + 1, depth)?;
    match w {
        "before" => days(today, d, e),
        "by" => days(today, cal::add_days(d, 1)?, e),
        "after" => days(cal::add_days(d, 1)?, cal::add_days(d, 8)?, e),
        _ if markers::busy_before(p, i) => days(d, cal::add_days(d, 7)?, e),
        _ => days(today, cal::add_days(d, 1)?, e),
    }
}

/// A range of days whose month or year is said once: "22–23 Feb", "from the 10th to the 12th
/// of August", "Feb 22-23", "10 August – 12 September 2027".
fn shared(p: &P, i: usize) -> Hit<DatePart> {
    let between = p.is(i, "between");
    let j = i + usize::from(between || p.is(i, "from"));
    let sep = |k: usize| -> Option<usize> {
        let words: &[&[&str]] =
            if between { &[&["and"]] } else { &[&["to"], &["through"], &["until"], &["till"], &["and"]] };
        p.one_of(k, words).or_else(|| matches!(p.tok(k), Some(Tok::Dash)).then_some(k + 1))
    };
    // "Feb 22-23"
    if let Some((m, _)) = p.word(j).and_then(crate::words::month) {
        let (a, k) = day_num(p, j + 1)?;
        let (b, e) = day_num(p, sep(k)?)?;
        let (y, e) = year(p, e).map_or((None, e), |(y, e)| (Some(y), e));
        return span(p, (a, m), (b, m), y, e);
    }
    let (a, k) = day_num(p, j)?;
    // "10 August – 12 September 2027"
    if let Some((m1, _)) = p.word(k + usize::from(p.is(k, "of"))).and_then(crate::words::month) {
        let k = k + usize::from(p.is(k, "of")) + 1;
        let (b, k2) = day_num(p, sep(k)?)?;
        let k2 = k2 + usize::from(p.is(k2, "of"));
        let (m2, _) = p.word(k2).and_then(crate::words::month)?;
        let (y, e) = year(p, k2 + 1).map_or((None, k2 + 1), |(y, e)| (Some(y), e));
        return span(p, (a, m1), (b, m2), y, e);
    }
    // "22-23 Feb", "from the 10th to the 12th of August"
    let (b, k2) = day_num(p, sep(k)?)?;
    let k2 = k2 + usize::from(p.is(k2, "of"));
    let (m, _) = p.word(k2).and_then(crate::words::month)?;
    let (y, e) = year(p, k2 + 1).map_or((None, k2 + 1), |(y, e)| (Some(y), e));
    span(p, (a, m), (b, m), y, e)
}

/// A day of the month: "22", "the 22nd".
fn day_num(p: &P, i: usize) -> Hit<i8> {
    let j = i + usize::from(p.is(i, "the"));
    let n = p.num(j).filter(|n| (1..=31).contains(&n.val) && n.digits <= 2)?;
    Some((i8::try_from(n.val).ok()?, j + 1))
}

fn year(p: &P, i: usize) -> Hit<i16> {
    let i = i + usize::from(matches!(p.tok(i), Some(Tok::Comma)));
    let n = p.num(i).filter(|n| n.digits == 4 && !n.ord)?;
    Some((i16::try_from(n.val).ok()?, i + 1))
}

/// Days `a` to `b` (both inclusive) in year `y`, or the next such span not yet over.
fn span(p: &P, a: (i8, i8), b: (i8, i8), y: Option<i16>, e: usize) -> Hit<DatePart> {
    let today = p.env.today;
    let make = |y: i16| -> Option<(Date, Date)> {
        let y1 = if (a.1, a.0) > (b.1, b.0) { y.checked_sub(1)? } else { y };
        Some((Date::new(y1, a.1, a.0).ok()?, Date::new(y, b.1, b.0).ok()?))
    };
    let (start, last) = match y {
        Some(y) => make(y)?,
        None => {
            let this = make(today.year())?;
            if this.1 < today { make(today.year().checked_add(1)?)? } else { this }
        }
    };
    if last < start || cal::add_days(start, 366)? < last {
        return None;
    }
    let part = DatePart::new(DateVal::Days(start, cal::add_days(last, 1)?), Src::Explicit);
    Some((part, e))
}
