//! Years, quarters and seasons as windows: "next year", "early next year", "in 2027", "the end
//! of the year", "next quarter", "Q3 2027", "this summer", "summer 2027", and a month with its
//! year said alone ("September 2027", "March next year").

use jiff::civil::Date;

use crate::Country;
use crate::cal;
use crate::lexer::Tok;
use crate::parts::{DatePart, DateVal, Hit, P, PIECES, Piece, Src, What};

pub(crate) fn parse(p: &P, i: usize) -> Hit<What> {
    // most tokens start none of these: look for a word they all need before trying them
    let needed = (i..(i + 6).min(p.toks.len())).any(|k| match p.tok(k) {
        Some(Tok::Word(w)) => {
            matches!(w.as_str(), "year" | "quarter" | "spring" | "summer" | "fall" | "autumn" | "winter")
                || (w.len() == 2 && w.starts_with('q'))
        }
        Some(Tok::Num(n)) => n.digits == 4,
        _ => false,
    });
    if !needed {
        return None;
    }
    let found = [year(p, i), quarter(p, i), season(p, i)];
    found.into_iter().flatten().max_by_key(|(_, e)| *e).map(|(d, e)| (What::Date(d), e))
}

/// A piece said before the period ("early", "the end of", "sometime in"), and where it ends.
fn piece_at(p: &P, i: usize) -> (Piece, usize) {
    const WHOLE: &[&[&str]] =
        &[&["sometime", "in"], &["some", "time", "in"], &["anytime", "in"], &["in"], &["during"], &["for"]];
    if let Some((pc, e)) = PIECES.iter().find_map(|(ws, pc)| p.seq(i, ws).map(|e| (*pc, e))) {
        // "early in 2027", "late in the year"
        return (pc, e + usize::from(p.is(e, "in")));
    }
    match p.one_of(i, WHOLE) {
        Some(e) => (Piece::Whole, e),
        None => (Piece::Whole, i),
    }
}

/// A piece of the `months` months from `first`: early, mid and late are thirds.
fn window(first: Date, months: i64, piece: Piece, today: Date, e: usize) -> Hit<DatePart> {
    let next = cal::add_months(first, months)?;
    let at = |frac: i64| cal::add_months(first, months * frac / 3);
    let (start, end) = match piece {
        Piece::Whole => (first, next),
        Piece::Begin => (first, cal::add_days(first, 14)?),
        Piece::Early => (first, at(1)?),
        Piece::Mid => (at(1)?, at(2)?),
        Piece::Late => (at(2)?, next),
        Piece::End => (cal::add_days(next, -14)?.max(first), next),
        Piece::Later => (cal::add_days(today, 1)?.max(first), next),
        Piece::Rest => (today.max(first), next),
    };
    (start < end).then_some((DatePart::new(DateVal::Days(start, end), Src::Other), e))
}

/// "next year", "this year", "early next year", "the end of the year", "in 2027".
fn year(p: &P, i: usize) -> Hit<DatePart> {
    let (piece, k) = piece_at(p, i);
    let today = p.env.today;
    let rel: &[(&[&str], i16)] = &[
        (&["the", "year", "after", "next"], 2),
        (&["next", "year"], 1),
        (&["the", "following", "year"], 1),
        (&["the", "coming", "year"], 1),
        (&["this", "year"], 0),
        (&["the", "year"], 0),
    ];
    let (y, e) = match rel.iter().find_map(|(ws, n)| p.seq(k, ws).map(|e| (*n, e))) {
        Some((0, _)) if k == i && p.is(i, "the") => return None,
        Some((n, e)) => (today.year().checked_add(n)?, e),
        None if k > i => match p.num(k) {
            // "in 2027": a year only after a word that makes it one
            Some(n) if n.digits == 4 && !n.ord && (1000..=9999).contains(&n.val) => {
                (i16::try_from(n.val).ok()?, k + 1)
            }
            _ => return None,
        },
        None => return None,
    };
    let m_at = e + usize::from(p.is(e, "in"));
    if let Some(m) = p.word(m_at).and_then(month_after).filter(|_| piece == Piece::Whole) {
        return month_of(m, y, m_at + 1);
    }
    let first = Date::new(y, 1, 1).ok()?;
    window(first, 12, piece, today, e)
}

/// "next year in March": the month word after a year.
fn month_after(w: &str) -> Option<i8> {
    crate::words::month(w).map(|(m, _)| m)
}

fn month_of(month: i8, y: i16, e: usize) -> Hit<DatePart> {
    let first = Date::new(y, month, 1).ok()?;
    Some((DatePart::new(DateVal::Days(first, cal::add_months(first, 1)?), Src::Month), e))
}

/// "next quarter", "this quarter", "Q3", "Q3 2027", "the third quarter".
fn quarter(p: &P, i: usize) -> Hit<DatePart> {
    let (piece, k) = piece_at(p, i);
    let today = p.env.today;
    let this_q = (today.month() - 1) / 3;
    let this_first = Date::new(today.year(), this_q * 3 + 1, 1).ok()?;
    let rel: &[(&[&str], i64)] = &[
        (&["next", "quarter"], 1),
        (&["the", "next", "quarter"], 1),
        (&["the", "following", "quarter"], 1),
        (&["this", "quarter"], 0),
        (&["the", "quarter"], 0),
        (&["the", "current", "quarter"], 0),
    ];
    let (first, e) = if let Some((n, e)) = rel.iter().find_map(|(ws, n)| p.seq(k, ws).map(|e| (*n, e))) {
        if n == 0 && k == i && p.is(i, "the") {
            return None;
        }
        (cal::add_months(this_first, 3 * n)?, e)
    } else {
        let (q, k) = match (p.word(k), p.num(k + usize::from(p.is(k, "the")))) {
            (Some(w), _) if w.starts_with('q') => {
                match w.strip_prefix('q').and_then(|d| d.parse::<i8>().ok()) {
                    Some(q @ 1..=4) => (q, k),
                    _ => return None,
                }
            }
            // "the third quarter"
            (_, Some(n)) if n.ord && (1..=4).contains(&n.val) => {
                let at = k + usize::from(p.is(k, "the")) + 1;
                if !p.is(at, "quarter") {
                    return None;
                }
                (i8::try_from(n.val).ok()?, at)
            }
            _ => return None,
        };
        let (y, e) = match p.num(k + 1) {
            Some(n) if n.digits == 4 && !n.ord => (i16::try_from(n.val).ok()?, k + 2),
            _ => {
                let y = if q - 1 < this_q { today.year().checked_add(1)? } else { today.year() };
                (y, k + 1)
            }
        };
        (Date::new(y, (q - 1) * 3 + 1, 1).ok()?, e)
    };
    window(first, 3, piece, today, e)
}

/// "this summer", "next winter", "summer 2027", "in the spring". Seasons by months, southern
/// ones for Australia and New Zealand.
fn season(p: &P, i: usize) -> Hit<DatePart> {
    let (piece, mut k) = piece_at(p, i);
    let mut shift = 0;
    if let Some(e) = p.one_of(k, &[&["this"], &["the"]]) {
        k = e;
    } else if let Some(e) = p.one_of(k, &[&["next"], &["the", "next"]]) {
        (shift, k) = (1, e);
    } else if k == i {
        // a bare season word needs a year after it
        if !matches!(p.tok(k + 1), Some(Tok::Num(n)) if n.digits == 4) {
            return None;
        }
    }
    let north = match p.word(k)? {
        "spring" => 3,
        "summer" => 6,
        "fall" | "autumn" => 9,
        "winter" => 12,
        _ => return None,
    };
    let south = matches!(p.env.country, Country::Au | Country::Nz);
    let start_month: i8 = if south { (north + 5) % 12 + 1 } else { north };
    let today = p.env.today;
    let (first, e) = match p.num(k + 1) {
        Some(n) if n.digits == 4 && !n.ord => {
            (Date::new(i16::try_from(n.val).ok()?, start_month, 1).ok()?, k + 2)
        }
        _ => {
            // the season not yet over
            let mut first = Date::new(today.year().checked_sub(1)?, start_month, 1).ok()?;
            while cal::add_months(first, 3)? <= today {
                first = cal::add_months(first, 12)?;
            }
            (cal::add_months(first, 12 * shift)?, k + 1)
        }
    };
    window(first, 3, piece, today, e)
}
