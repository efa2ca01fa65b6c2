//! Month names: "March 3rd", "the 3rd of March", "3 March 2027", and month windows such as
//! "in March", "early next month", "the end of the month".

use jiff::civil::{Date, Weekday};

use crate::cal;
use crate::lexer::Tok;
use crate::parts::{DatePart, DateVal, Hit, P, PIECES, Piece, Src, What};
use crate::words;

/// A month named after a day or an ordinal weekday: "of March", "next month".
#[derive(Clone, Copy, Debug)]
pub(crate) struct MonthRef {
    pub year: i16,
    pub month: i8,
    /// Named by its name (so an already-past day in it means next year's).
    pub named: bool,
    pub year_given: bool,
    /// "of the month": this month, or next month once the day has passed.
    pub rolls: bool,
}

const RELATIVE: &[(&[&str], i64)] = &[
    (&["the", "month", "after", "next"], 2),
    (&["next", "month"], 1),
    (&["the", "following", "month"], 1),
    (&["the", "next", "month"], 1),
    (&["this", "month"], 0),
    (&["the", "month"], 0),
    (&["month"], 0),
];

/// "[of|in] March [2027]", "[of] next month", "[of] the month".
pub(crate) fn month_ref(p: &P, k: usize) -> Hit<MonthRef> {
    let of = p.any(k, &["of", "in"]);
    let k = k + usize::from(of);
    let today = p.env.today;
    for (ws, n) in RELATIVE {
        if let Some(e) = p.seq(k, ws) {
            let m = cal::add_months(today.first_of_month(), *n)?;
            let rolls = ws == &["the", "month"];
            return Some((
                MonthRef { year: m.year(), month: m.month(), named: false, year_given: false, rolls },
                e,
            ));
        }
    }
    let (month, weak) = words::month(p.word(k)?)?;
    if weak && !of && p.any(k + 1, &["i", "we", "you", "he", "she", "they", "it"]) {
        return None;
    }
    let (year, e) = match year_at(p, k + 1) {
        Some((y, e)) => (Some(y), e),
        None => (None, k + 1),
    };
    let next_year = today.year().checked_add(1)?;
    let y = year.unwrap_or(if month >= today.month() { today.year() } else { next_year });
    Some((MonthRef { year: y, month, named: true, year_given: year.is_some(), rolls: false }, e))
}

impl MonthRef {
    /// The month to use when the day found in this one is already past.
    pub(crate) fn after_past(self) -> Option<(i16, i8)> {
        if self.named && !self.year_given {
            Some((self.year.checked_add(1)?, self.month))
        } else if self.rolls {
            let next = cal::add_months(Date::new(self.year, self.month, 1).ok()?, 1)?;
            Some((next.year(), next.month()))
        } else {
            None
        }
    }
}

/// A four-digit year, perhaps after a comma.
fn year_at(p: &P, k: usize) -> Hit<i16> {
    let k = k + usize::from(matches!(p.tok(k), Some(Tok::Comma | Tok::Dash)));
    let n = p.num(k)?;
    (n.digits == 4 && !n.ord && (1000..=9999).contains(&n.val)).then_some((i16::try_from(n.val).ok()?, k + 1))
}

pub(crate) fn parse(p: &P, i: usize) -> Hit<What> {
    let found = [month_first(p, i), day_first(p, i), window(p, i), week_or_day_of(p, i)];
    found.into_iter().flatten().max_by_key(|(_, e)| *e).map(|(d, e)| (What::Date(d), e))
}

fn dated(p: &P, month: i8, day: i8, j: usize) -> Hit<DatePart> {
    let (d, e) = match year_at(p, j) {
        Some((y, e)) => (Date::new(y, month, day).ok()?, e),
        None => (cal::next_month_day(p.env.today, month, day)?, j),
    };
    Some((DatePart::new(DateVal::Day(d), Src::Explicit), e))
}

/// "March 3rd", "March the 3rd", "Mar 3, 2027".
fn month_first(p: &P, i: usize) -> Hit<DatePart> {
    let (month, weak) = words::month(p.word(i)?)?;
    if p.is_name(i) {
        return None;
    }
    let j = i + 1 + usize::from(p.is(i + 1, "the"));
    let n = p.num(j)?;
    if !(1..=31).contains(&n.val) || n.digits > 2 || (weak && !n.ord && n.digits == 0) {
        return None;
    }
    // "March 3pm", "June 2 people": not a day of the month
    if !n.ord
        && (matches!(p.tok(j + 1), Some(Tok::Mer(_)))
            || p.any(j + 1, &["oclock", "o"])
            || p.word(j + 1).is_some_and(words::is_count_noun))
    {
        return None;
    }
    dated(p, month, i8::try_from(n.val).ok()?, j + 1)
}

/// "3rd of March", "the 3rd of March", "3 March".
fn day_first(p: &P, i: usize) -> Hit<DatePart> {
    let j = i + usize::from(p.is(i, "the"));
    let n = p.num(j)?;
    if !(1..=31).contains(&n.val) || n.digits > 2 {
        return None;
    }
    let of = p.is(j + 1, "of");
    let k = j + 1 + usize::from(of);
    let (month, weak) = words::month(p.word(k)?)?;
    // "3 may" and "3 march" read as verbs too; "3 April" is a date
    let verb = weak
        && !of
        && matches!(month, 3 | 5)
        && (!crate::numbered::date_follows(p, k + 1) || p.any(k + 1, &["i", "we", "you", "it", "they"]))
        && year_at(p, k + 1).is_none();
    if !n.ord && (n.digits == 0 || verb) {
        return None;
    }
    dated(p, month, i8::try_from(n.val).ok()?, k + 1)
}

/// What else introduces a month as a whole ("sometime in March", "during May").
const WHOLE: &[(&[&str], Piece)] = &[
    (&["sometime", "in"], Piece::Whole),
    (&["some", "time", "in"], Piece::Whole),
    (&["anytime", "in"], Piece::Whole),
    (&["any", "time", "in"], Piece::Whole),
    (&["in"], Piece::Whole),
    (&["during"], Piece::Whole),
    (&["next"], Piece::Whole),
    (&["this"], Piece::Whole),
];

/// "in March", "early next month", "the end of the month", "next month".
fn window(p: &P, i: usize) -> Hit<DatePart> {
    let prefixed = PIECES.iter().chain(WHOLE).filter_map(|(ws, pc)| p.seq(i, ws).map(|e| (*pc, e)));
    prefixed.chain(std::iter::once((Piece::Whole, i))).find_map(|(piece, k)| window_at(p, i, piece, k))
}

fn window_at(p: &P, i: usize, piece: Piece, k: usize) -> Hit<DatePart> {
    let today = p.env.today;
    let relative = RELATIVE.iter().find_map(|(ws, n)| {
        // "next month" needs no prefix; "the month" alone is too vague.
        let bare_ok = (*n != 0 || ws[0] == "this") && ws != &["month"];
        // "end of month": a bare "month" only after a piece
        let piece_ok = ws != &["month"] || piece != Piece::Whole;
        p.seq(k, ws).filter(|_| (k > i || bare_ok) && piece_ok).map(|e| (*n, e))
    });
    let (first, e) = match relative {
        Some((n, e)) => (cal::add_months(today.first_of_month(), n)?, e),
        // a bare month needs its name here
        None if k == i && p.word(k).is_none_or(|w| words::month(w).is_none()) => return None,
        None => {
            let (mr, end) = month_ref(p, k).filter(|(mr, _)| mr.named)?;
            if matches!(p.num(end), Some(n) if n.digits <= 2) {
                return None; // "in March 3rd ..." is a day
            }
            let mut y = mr.year;
            let mut end = end;
            if let Some(e) = p.seq(end, &["next", "year"]).filter(|_| !mr.year_given) {
                (y, end) = (today.year().checked_add(1)?, e);
            } else if k == i && !mr.year_given && !p.alone(i, end) {
                return None; // a bare month name needs its year, or to be the whole answer
            }
            if p.is(i, "next") && mr.month == today.month() && !mr.year_given {
                y = y.checked_add(1)?;
            }
            (Date::new(y, mr.month, 1).ok()?, end)
        }
    };
    let next = cal::add_months(first, 1)?;
    let day = |d: i8| Date::new(first.year(), first.month(), d).ok();
    let (start, end) = match piece {
        Piece::Whole => (first, next),
        Piece::Begin => (first, day(8)?),
        Piece::Early => (first, day(11)?),
        Piece::Mid => (day(11)?, day(21)?),
        Piece::Late => (day(21)?, next),
        Piece::End => (cal::add_days(next, -7)?, next),
        Piece::Later => (cal::add_days(today, 1)?.max(first), next),
        Piece::Rest => (today.max(first), next),
    };
    if start >= end {
        return None;
    }
    Some((DatePart::new(DateVal::Days(start, end), Src::Month), e))
}

/// "the first week of April", "the last week of next month", "the last day of February",
/// "the first day of next month".
fn week_or_day_of(p: &P, i: usize) -> Hit<DatePart> {
    let j = i + usize::from(p.is(i, "the"));
    let nth: i8 = match (p.num(j), p.word(j)) {
        (Some(n), _) if n.ord && (1..=4).contains(&n.val) => i8::try_from(n.val).ok()?,
        (_, Some("last" | "final")) => -1,
        _ => return None,
    };
    let (week, weekend) = match p.word(j + 1)? {
        "week" => (true, false),
        "weekend" => (true, true),
        "day" => (false, false),
        _ => return None,
    };
    if !p.any(j + 2, &["of", "in"]) {
        return None;
    }
    let (mr, e) = month_ref(p, j + 2)?;
    let mut first = Date::new(mr.year, mr.month, 1).ok()?;
    let next = |f: Date| cal::add_months(f, 1);
    // a month already over ("the last week of the month" said late) is next year's or month's
    if next(first)? <= p.env.today
        && let Some((y, m)) = mr.after_past()
    {
        first = Date::new(y, m, 1).ok()?;
    }
    let end = next(first)?;
    if weekend {
        // "the first weekend of April": its first Saturday and the Sunday after
        let sat = match nth {
            -1 => cal::add_days(cal::on_or_after(cal::add_days(end, -7)?, Weekday::Saturday)?, 0)?,
            n => cal::add_days(cal::on_or_after(first, Weekday::Saturday)?, 7 * i64::from(n - 1))?,
        };
        let sat = if sat >= end { cal::add_days(sat, -7)? } else { sat };
        return Some((DatePart::new(DateVal::Days(sat, cal::add_days(sat, 2)?), Src::Explicit), e));
    }
    let (start, stop) = match (week, nth) {
        (true, -1) => (cal::add_days(end, -7)?, end),
        (true, n) => {
            let s = cal::add_days(first, 7 * i64::from(n - 1))?;
            (s, cal::add_days(s, 7)?)
        }
        (false, -1) => (cal::add_days(end, -1)?, end),
        (false, n) => {
            let s = cal::add_days(first, i64::from(n - 1))?;
            (s, cal::add_days(s, 1)?)
        }
    };
    let val = if week { DateVal::Days(start, stop) } else { DateVal::Day(start) };
    Some((DatePart::new(val, Src::Explicit), e))
}
