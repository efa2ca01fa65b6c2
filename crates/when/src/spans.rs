//! Weeks and weekends: "this weekend", "next week", "early next week", "end of the week",
//! "the week of the 15th", "midweek". Weeks run Monday to Sunday.

use jiff::civil::{Date, Weekday};

use crate::cal;
use crate::parts::{DatePart, DateVal, Hit, P, PIECES, Piece, Src, What};

pub(crate) fn parse(p: &P, i: usize, depth: u8) -> Hit<What> {
    let found = [weekend(p, i), week(p, i, depth)];
    found.into_iter().flatten().max_by_key(|(_, e)| *e).map(|(d, e)| (What::Date(d), e))
}

/// "this weekend" (Saturday 00:00 to Monday 00:00; the current one on a Saturday or Sunday),
/// "next weekend" (the one after), "the weekend after next".
fn weekend(p: &P, i: usize) -> Hit<DatePart> {
    const PREFIXES: &[(&[&str], i64)] = &[
        (&["this", "coming"], 0),
        (&["the", "coming"], 0),
        (&["over", "the"], 0),
        (&["on", "the"], 0),
        (&["at", "the"], 0),
        (&["the", "following"], 1),
        (&["following"], 1),
        (&["this"], 0),
        (&["the"], 0),
        (&["next"], 1),
    ];
    let (k, j) = PREFIXES.iter().find_map(|(ws, k)| p.seq(i, ws).map(|e| (*k, e))).unwrap_or((0, i));
    // "week-end" is read as two words
    let j1 = if p.is(j, "weekend") { j + 1 } else { p.seq(j, &["week", "end"])? };
    let (k, e) = match p.seq(j1, &["after", "next"]) {
        Some(e) => (2, e),
        None => (k, j1),
    };
    let today = p.env.today;
    let sat = if today.weekday() == Weekday::Sunday {
        cal::add_days(today, -1)?
    } else {
        cal::on_or_after(today, Weekday::Saturday)?
    };
    let sat = cal::add_days(sat, 7 * k)?;
    Some((DatePart::new(DateVal::Days(sat, cal::add_days(sat, 2)?), Src::Week), e))
}

const WEEKS: &[(&[&str], i64)] = &[
    (&["the", "week", "after", "next"], 2),
    (&["week", "after", "next"], 2),
    (&["the", "following", "week"], 1),
    (&["the", "coming", "week"], 1),
    (&["the", "upcoming", "week"], 1),
    (&["coming", "week"], 1),
    (&["upcoming", "week"], 1),
    (&["next", "week"], 1),
    (&["this", "week"], 0),
    (&["the", "week"], 0),
];

/// "this week", "next week", "early next week", "end of the week", "the week of the 15th".
fn week(p: &P, i: usize, depth: u8) -> Hit<DatePart> {
    let today = p.env.today;
    if p.is(i, "midweek") {
        let mon = cal::monday_of(today)?;
        let mon = if today.weekday().to_monday_zero_offset() <= 2 { mon } else { cal::add_days(mon, 7)? };
        return days(cal::add_days(mon, 1)?, cal::add_days(mon, 4)?, i + 1);
    }
    let (piece, k) =
        PIECES.iter().find_map(|(ws, pc)| p.seq(i, ws).map(|e| (*pc, e))).unwrap_or((Piece::Whole, i));
    // "early in the week", "later in the week"
    let k = if piece != Piece::Whole && p.is(k, "in") { k + 1 } else { k };
    let this_monday = cal::monday_of(today)?;
    let mut implicit = false;
    let (mut monday, e) = if let Some(e) = p.one_of(k, &[&["the", "week", "of"], &["week", "of"]]) {
        let (d, e) = crate::dates::single_day(p, e, depth)?;
        (cal::monday_of(d)?, e)
    } else {
        let (ws, n, e) = WEEKS.iter().find_map(|(ws, n)| p.seq(k, ws).map(|e| (*ws, *n, e)))?;
        // "the week" alone is too vague; "end of the week" is not.
        if n == 0 && k == i && p.is(i, "the") {
            return None;
        }
        implicit = ws == ["the", "week"];
        (cal::add_days(this_monday, 7 * n)?, e)
    };
    // "early in the week" said on a Thursday: next week's
    let last_day = match piece {
        Piece::Early | Piece::Begin => 1,
        Piece::Mid => 3,
        Piece::Late | Piece::End => 4,
        _ => 6,
    };
    if implicit && cal::add_days(monday, last_day)? < today {
        monday = cal::add_days(monday, 7)?;
    }
    let at = |n: i64| cal::add_days(monday, n);
    // "later next week" is its late part; "later this week" runs from tomorrow
    let piece = if piece == Piece::Later && monday != this_monday { Piece::Late } else { piece };
    match piece {
        Piece::Whole => Some((DatePart::new(DateVal::Days(monday, at(7)?), Src::Week), e)),
        // A week's beginning is its early part.
        Piece::Early | Piece::Begin => days(monday, at(2)?, e),
        Piece::Mid => days(at(1)?, at(4)?, e),
        Piece::Late => days(at(3)?, at(5)?, e),
        Piece::Later => days(cal::add_days(today, 1)?.max(monday), at(7)?, e),
        Piece::Rest => days(today.max(monday), at(7)?, e),
        Piece::End => {
            // "the end of the week" is its Friday; said on a weekend, next week's Friday.
            let mut fri = cal::in_week(monday, Weekday::Friday)?;
            if fri < today && monday == this_monday {
                fri = cal::add_days(fri, 7)?;
            }
            Some((DatePart::new(DateVal::Day(fri), Src::Other), e))
        }
    }
}

fn days(start: Date, end: Date, e: usize) -> Hit<DatePart> {
    if start >= end {
        return None;
    }
    Some((DatePart::new(DateVal::Days(start, end), Src::Other), e))
}
