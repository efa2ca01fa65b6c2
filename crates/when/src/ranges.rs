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
    let found = [range(p, i, depth), bounded(p, i, depth)];
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
    let w = p.word(i)?;
    if !matches!(w, "before" | "by" | "after" | "until")
        || p.is(i + 1, "end")
        || p.seq(i + 1, &["the", "end"]).is_some()
    {
        return None;
    }
    if w == "by" && p.any(i.wrapping_sub(1), &["come", "stop", "drop", "swing", "pop", "get", "go"]) {
        return None;
    }
    let (d, e) = single_day(p, i + 1, depth)?;
    let today = p.env.today;
    match w {
        "before" => days(today, d, e),
        "by" => days(today, cal::add_days(d, 1)?, e),
        "after" => days(cal::add_days(d, 1)?, cal::add_days(d, 8)?, e),
        _ if markers::busy_before(p, i) => days(d, cal::add_days(d, 7)?, e),
        _ => days(today, cal::add_days(d, 1)?, e),
    }
}
