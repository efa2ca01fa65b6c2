//! Numbered days: "the 15th", "the fifteenth of next month", "the second Tuesday of next
//! month", "the last Friday in March", "3/14", "14/3/2027", "2026-03-14".

use jiff::civil::Date;

use crate::cal;
use crate::lexer::Tok;
use crate::months;
use crate::parts::{DatePart, DateVal, Hit, P, Src};
use crate::{Country, words};

/// Words that may follow "the 15th" when it is a date ("the second one" is not).
pub(crate) fn date_follows(p: &P, j: usize) -> bool {
    const OK: &[&str] = &[
        "at",
        "in",
        "on",
        "around",
        "about",
        "by",
        "or",
        "and",
        "then",
        "please",
        "works",
        "work",
        "is",
        "would",
        "if",
        "for",
        "before",
        "after",
        "between",
        "sometime",
        "any",
        "anytime",
        "maybe",
        "perhaps",
        "instead",
        "no",
        "actually",
        "sorry",
        "i",
        "we",
        "morning",
        "afternoon",
        "evening",
        "night",
        "tonight",
        "this",
        "next",
        "ok",
        "good",
        "fine",
        "um",
        "uh",
        "from",
        "to",
        "through",
        "until",
        "could",
        "should",
        "will",
        "possibly",
        "lunchtime",
        "lunch",
        "noon",
        "midnight",
        "that",
        "it",
        "when",
        "right",
        "though",
        "too",
        "as",
        "also",
        "either",
        "both",
        "wait",
        "would",
        "shall",
        "can",
        "sounds",
        "does",
        "do",
        "first",
        "early",
        "late",
        "ish",
        "either",
        "already",
        "again",
        "hmm",
        "let",
        "lets",
        "so",
        "because",
        "cause",
        "since",
        "looking",
        "look",
        "looks",
        "free",
        "available",
        "open",
        "full",
        "busy",
        "suit",
        "suits",
        "great",
        "better",
        "best",
        "possible",
        "only",
        "still",
        "there",
        "ok",
        "okay",
    ];
    match p.tok(j) {
        None | Some(Tok::Comma | Tok::Stop | Tok::Dash | Tok::Clock { .. } | Tok::Mer(_)) => true,
        Some(Tok::Num(n)) => n.digits > 0,
        Some(Tok::Word(w)) => OK.contains(&w.as_str()) || words::weekday(w).is_some(),
        _ => false,
    }
}

/// "the 15th", "the fifteenth", "15th", "the 15th of next month".
pub(crate) fn day_of_month(p: &P, i: usize) -> Hit<DatePart> {
    let the = p.is(i, "the");
    let j = i + usize::from(the);
    let n = p.num(j)?;
    let strong = n.ord && (n.digits > 0 || the || p.is(i.wrapping_sub(1), "on"));
    if !(1..=31).contains(&n.val) || !(strong || (the && (1..=2).contains(&n.digits))) {
        return None;
    }
    let day = i8::try_from(n.val).ok()?;
    if let Some((mr, e)) = months::month_ref(p, j + 1) {
        let mut d = Date::new(mr.year, mr.month, day).ok()?;
        if let Some((y, m)) = mr.after_past().filter(|_| d < p.env.today) {
            d = Date::new(y, m, day).ok()?;
        }
        return Some((DatePart::new(DateVal::Day(d), Src::Explicit), e));
    }
    if !date_follows(p, j + 1) {
        return None; // "the 2nd floor", "the first time"
    }
    let d = cal::next_day_of_month(p.env.today, day)?;
    let mut part = DatePart::new(DateVal::Day(d), Src::DayOfMonth);
    part.dom = Some(day);
    Some((part, j + 1))
}

/// "the second Tuesday of next month", "the last Friday in March", "first Monday".
pub(crate) fn nth_weekday(p: &P, i: usize) -> Hit<DatePart> {
    let j = i + usize::from(p.is(i, "the"));
    let nth: i8 = match (p.num(j), p.word(j)) {
        (Some(n), _) if n.ord && (1..=5).contains(&n.val) => i8::try_from(n.val).ok()?,
        (_, Some("last")) => -1,
        _ => return None,
    };
    let (wd, _) = words::weekday(p.word(j + 1)?)?;
    let today = p.env.today;
    if let Some((mr, e)) = months::month_ref(p, j + 2) {
        let mut d = cal::nth_of_month(mr.year, mr.month, nth, wd)?;
        if let Some((y, m)) = mr.after_past().filter(|_| d < today) {
            d = cal::nth_of_month(y, m, nth, wd)?;
        }
        return Some((DatePart::new(DateVal::Day(d), Src::Explicit), e));
    }
    if nth == -1 {
        return None;
    }
    let this = cal::nth_of_month(today.year(), today.month(), nth, wd);
    let d = match this.filter(|d| *d >= today) {
        Some(d) => d,
        None => {
            let m = cal::add_months(today.first_of_month(), 1)?;
            cal::nth_of_month(m.year(), m.month(), nth, wd)?
        }
    };
    Some((DatePart::new(DateVal::Day(d), Src::Explicit), j + 2))
}

/// "3/14", "14/3" (day first outside the US and Canada), "3/14/2026", "2026-03-14".
pub(crate) fn numeric(p: &P, i: usize) -> Hit<DatePart> {
    let env = p.env;
    let d = match p.tok(i)? {
        Tok::Iso { y, m, d } => {
            Date::new(i16::try_from(*y).ok()?, i8::try_from(*m).ok()?, i8::try_from(*d).ok()?).ok()?
        }
        Tok::Stamp { at, offset } => {
            let tz = match offset {
                Some(secs) => jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(*secs).ok()?),
                None => env.tz.clone(),
            };
            let z = at.to_zoned(tz).ok()?;
            let val = DateVal::Moment { at: z.timestamp(), day: None, weeks: false };
            return Some((DatePart::new(val, Src::Explicit), i + 1));
        }
        Tok::Dmy { d, m, y } => {
            Date::new(i16::try_from(*y).ok()?, i8::try_from(*m).ok()?, i8::try_from(*d).ok()?).ok()?
        }
        Tok::Slash { a, b, c: Some((c, _)) } if *a >= 1000 => {
            Date::new(i16::try_from(*a).ok()?, i8::try_from(*b).ok()?, i8::try_from(*c).ok()?).ok()?
        }
        Tok::Slash { a, b, c: None } if *b >= 1000 && (1..=12).contains(a) => {
            // "9/2027": the month
            let first = Date::new(i16::try_from(*b).ok()?, i8::try_from(*a).ok()?, 1).ok()?;
            let val = DateVal::Days(first, cal::add_months(first, 1)?);
            return Some((DatePart::new(val, Src::Month), i + 1));
        }
        Tok::Slash { a, b, c } => {
            if (*a, *b, *c) == (24, 7, None) || p.word(i + 1).is_some_and(words::is_count_noun) {
                return None;
            }
            let month_first = matches!(env.country, Country::Us | Country::Ca) && !env.lang.day_first;
            let (m, d) = if month_first { (*a, *b) } else { (*b, *a) };
            let (m, d) = if m > 12 && d <= 12 { (d, m) } else { (m, d) };
            let (m, d) = (i8::try_from(m).ok()?, i8::try_from(d).ok()?);
            match c {
                Some((y, 2)) => Date::new(2000 + i16::try_from(*y).ok()?, m, d).ok()?,
                Some((y, 4)) => Date::new(i16::try_from(*y).ok()?, m, d).ok()?,
                Some(_) => return None,
                None => cal::next_month_day(env.today, m, d)?,
            }
        }
        _ => return None,
    };
    Some((DatePart::new(DateVal::Day(d), Src::Explicit), i + 1))
}
