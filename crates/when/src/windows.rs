//! Time expressions with their prepositions and named parts of the day: "at 3", "after 4",
//! "before noon", "between 2 and 4", "around 3", "3ish", "morning", "late afternoon",
//! "tonight", "lunchtime", "after lunch", "first thing", "end of day".

use crate::lexer::Mer;
use crate::lexer::Tok;
use crate::parts::{P, TimePart, TimeVal};
use crate::times::{self, ClockHit};

/// A time part, the token after it, and whether it is a bare number still needing support.
pub(crate) type TimeHit = Option<(TimePart, usize, bool)>;

/// A clock time after a preposition other than "at": "about 123" is an address, not 1:23.
fn clock(p: &P, i: usize) -> Option<ClockHit> {
    times::clock(p, i).filter(|c| !c.compact)
}

fn range_start(p: &P, i: usize) -> Option<ClockHit> {
    times::range_start(p, i).filter(|c| !c.compact)
}

pub(crate) fn parse(p: &P, i: usize) -> TimeHit {
    let found = [prepositional(p, i), range(p, i), daypart(p, i), next_minute(p, i), bare(p, i)];
    found.into_iter().flatten().fold(None, |best: TimeHit, hit| match best {
        Some((_, be, _)) if be >= hit.1 => best,
        _ => Some(hit),
    })
}

fn part(val: TimeVal, e: usize, weak: bool) -> TimeHit {
    Some((TimePart { val, today: false, first: false }, e, weak))
}

fn fixed(from: u16, to: u16) -> TimeVal {
    TimeVal::Fixed { from, to, hint: true }
}

const AFTER: &[&[&str]] = &[
    &["no", "earlier", "than"],
    &["not", "earlier", "than"],
    &["not", "before"],
    &["later", "than"],
    &["as", "early", "as"],
    &["starting", "at"],
    &["starting", "from"],
    &["after"],
    &["past"],
];
const BEFORE: &[&[&str]] = &[
    &["no", "later", "than"],
    &["not", "later", "than"],
    &["not", "after"],
    &["earlier", "than"],
    &["up", "until"],
    &["up", "to"],
    &["before"],
    &["until"],
    &["by"],
];
const AROUND: &[&[&str]] = &[
    &["somewhere", "around"],
    &["sometime", "around"],
    &["some", "time", "around"],
    &["at", "around"],
    &["at", "about"],
    &["close", "to"],
    &["around"],
    &["about"],
    &["approximately"],
    &["roughly"],
    &["circa"],
];
const LOOSE: &[&[&str]] =
    &[&["any", "time"], &["anytime"], &["sometime"], &["some", "time"], &["preferably"]];

/// "after 4", "before noon", "around 3", "at 3", "between 2 and 4", "from 9 to 5", "by 3".
fn prepositional(p: &P, i: usize) -> TimeHit {
    let i = p.one_of(i, LOOSE).filter(|k| !p.is(*k, "at")).unwrap_or(i);
    if let Some(k) = p.seq(i, &["between"]) {
        let a = range_start(p, k)?;
        let j = p.one_of(a.end, &[&["and"], &["to"], &["until"]]).or_else(|| dash(p, a.end))?;
        let b = clock(p, j)?;
        return part(TimeVal::Between(a.clock, b.clock), b.end, false);
    }
    if let Some(k) = p.seq(i, &["from"]) {
        let a = range_start(p, k)?;
        if let Some(j) =
            p.one_of(a.end, &[&["to"], &["until"], &["through"], &["and"]]).or_else(|| dash(p, a.end))
            && let Some(b) = clock(p, j)
        {
            return part(TimeVal::Between(a.clock, b.clock), b.end, false);
        }
        let e = p.one_of(a.end, &[&["on"], &["onwards"], &["onward"], &["or", "later"], &["and", "later"]]);
        return part(TimeVal::After(a.clock), e.unwrap_or(a.end), false);
    }
    if let Some(k) = p.one_of(i, AFTER) {
        let special = match p.word(k) {
            Some("lunch" | "lunchtime") => Some((780, 1020)),
            Some("work") => Some((1020, 1260)),
            Some("school") => Some((900, 1080)),
            Some("dinner") => Some((1140, 1320)),
            _ => None,
        };
        if let Some((from, to)) = special.filter(|_| !p.is(i, "past")) {
            return part(fixed(from, to), k + 1, false);
        }
        let c = clock(p, k)?;
        return part(TimeVal::After(c.clock), c.end, false);
    }
    if let Some(k) = p.one_of(i, BEFORE) {
        match p.word(k) {
            Some("lunch" | "lunchtime") => return part(fixed(360, 660), k + 1, false),
            Some("work") => return part(fixed(360, 540), k + 1, false),
            _ => {}
        }
        let c = clock(p, k)?;
        let val =
            if p.is(i, "by") && p.any(i.wrapping_sub(1), &["come", "stop", "drop", "swing", "pop", "get"]) {
                TimeVal::At(c.clock)
            } else if p.is(i, "until") && crate::markers::busy_before(p, i) {
                TimeVal::After(c.clock) // "I'm at work until 5": free after 5
            } else {
                TimeVal::Before(c.clock)
            };
        return part(val, c.end, false);
    }
    if p.is(i, "about") && p.any(i.wrapping_sub(1), &["how", "what"]) {
        let c = clock(p, i + 1)?;
        return suffixed(p, c, false);
    }
    if let Some(k) = p.one_of(i, AROUND) {
        if let Some((d, e, _)) = daypart(p, k) {
            return Some((d, e, false));
        }
        let c = clock(p, k)?;
        let e = p.one_of(c.end, &[&["or", "so"], &["ish"]]).unwrap_or(c.end);
        return part(TimeVal::Around(c.clock), e, false);
    }
    if let Some(k) = p.one_of(i, &[&["at"], &["for"]]) {
        let c = times::clock(p, k).filter(|c| p.is(i, "at") || !c.compact)?;
        // "for 3" stays a bare number: "a table for 3"
        return suffixed(p, c, p.is(i, "for") && c.weak);
    }
    None
}

fn dash(p: &P, i: usize) -> Option<usize> {
    matches!(p.tok(i), Some(Tok::Dash)).then_some(i + 1)
}

/// A clock time with "ish", "or so", "or later", "at the latest" after it.
fn suffixed(p: &P, c: ClockHit, weak: bool) -> TimeHit {
    let around: &[&[&str]] = &[&["ish"], &["or", "so"], &["give", "or", "take"]];
    let after: &[&[&str]] = &[
        &["or", "later"],
        &["onwards"],
        &["onward"],
        &["and", "later"],
        &["or", "after"],
        &["at", "the", "earliest"],
    ];
    let before: &[&[&str]] = &[&["or", "earlier"], &["at", "the", "latest"], &["or", "before"]];
    if let Some(e) = p.one_of(c.end, around) {
        return part(TimeVal::Around(c.clock), e, false);
    }
    if let Some(e) = p.one_of(c.end, after) {
        return part(TimeVal::After(c.clock), e, false);
    }
    if let Some(e) = p.one_of(c.end, before) {
        return part(TimeVal::Before(c.clock), e, false);
    }
    part(TimeVal::At(c.clock), c.end, weak)
}

/// "2 to 4", "2-4pm", "9 till 5" (no preposition in front).
fn range(p: &P, i: usize) -> TimeHit {
    let a = range_start(p, i)?;
    let j = p.one_of(a.end, &[&["to"], &["until"], &["through"]]).or_else(|| dash(p, a.end))?;
    let b = clock(p, j)?;
    if times::clock(p, i).is_some_and(|c| c.clock.delta < 0 && c.end >= b.end) {
        return None; // "ten to four" is 3:50
    }
    part(TimeVal::Between(a.clock, b.clock), b.end, false)
}

/// A clock time on its own.
fn bare(p: &P, i: usize) -> TimeHit {
    let c = times::clock(p, i)?;
    suffixed(p, c, c.weak)
}

/// "half past", "quarter to" with no hour: the next time the clock shows it.
fn next_minute(p: &P, i: usize) -> TimeHit {
    let i = p.seq(i, &["at"]).unwrap_or(i);
    let forms: [(&[&str], u8); 5] = [
        (&["half", "past"], 30),
        (&["quarter", "past"], 15),
        (&["quarter", "after"], 15),
        (&["quarter", "to"], 45),
        (&["quarter", "of"], 45),
    ];
    let (e, m) = forms.iter().find_map(|(ws, m)| p.seq(i, ws).map(|e| (e, *m)))?;
    if matches!(p.tok(e), Some(Tok::Num(_))) || p.any(e, &["noon", "midnight"]) {
        return None;
    }
    part(TimeVal::NextMinute(m), e, false)
}

/// Named parts of the day.
pub(crate) fn daypart(p: &P, i: usize) -> TimeHit {
    if p.any(i.wrapping_sub(1), &["good"]) || greeting(p, i) {
        return None;
    }
    let prefixes: &[&[&str]] = &[
        &["later", "this"],
        &["this"],
        &["in", "the"],
        &["during", "the"],
        &["during"],
        &["over"],
        &["the"],
        &["in"],
        &["at"],
        &["for"],
        &["any"],
    ];
    let (mut j, mut today) = match p.one_of(i, prefixes) {
        Some(e) => (e, p.any(i, &["this", "later"])),
        None => (i, false),
    };
    if let Some(e) = p.seq(i, &["later", "today"]) {
        let val = TimeVal::Fixed { from: p.env.now_min, to: crate::cal::DAY, hint: false };
        return Some((TimePart { val, today: true, first: false }, e, false));
    }
    if let Some(e) = p.seq(i, &["tonight"]).or_else(|| p.seq(i, &["later", "tonight"])) {
        return Some((TimePart { val: fixed(1020, 1440), today: true, first: false }, e, false));
    }
    let first_thing = |k: usize| match (p.num(k), p.word(k + 1)) {
        (Some(n), Some("thing")) if n.ord && n.val == 1 => Some(k + 2),
        _ => None,
    };
    if let Some(e) = first_thing(i) {
        let e = p.one_of(e, &[&["in", "the", "morning"], &["in", "the", "am"]]).unwrap_or(e);
        return Some((TimePart { val: fixed(360, 600), today: false, first: true }, e, false));
    }
    let eod: &[&[&str]] = &[
        &["end", "of", "the", "business", "day"],
        &["end", "of", "the", "day"],
        &["end", "of", "day"],
        &["end", "of", "business"],
        &["close", "of", "business"],
        &["eod"],
        &["cob"],
    ];
    if let Some(e) = p.one_of(i, eod).or_else(|| p.seq(i, &["by"]).and_then(|k| p.one_of(k, eod))) {
        return part(fixed(900, 1080), e, false);
    }
    let size = match p.word(j) {
        Some(w @ ("early" | "late" | "mid")) => {
            j += 1;
            // "early this evening", "late this afternoon"
            if p.is(j, "this") && p.any(j + 1, &["morning", "afternoon", "evening"]) {
                j += 1;
                today = true;
            }
            // "early in the morning"
            if p.seq(j, &["in", "the"]).is_some() && p.any(j + 2, &["morning", "afternoon", "evening"]) {
                j += 2;
            }
            Some(w)
        }
        _ if p.seq(j, &["middle", "of", "the"]).is_some() => {
            j += 3;
            Some("mid")
        }
        // "late Friday afternoon", "early tomorrow morning"
        _ if j == i && is_day_word(p, i.wrapping_sub(1)) => match p.word(i.wrapping_sub(2)) {
            Some(w @ ("early" | "late" | "mid")) => Some(w),
            _ => None,
        },
        _ => None,
    };
    let the_before = j >= i + 2 && p.is(j - 1, "the");
    let base = match (p.word(j), p.mer(j)) {
        (_, Some(Mer::Am)) if the_before => "morning",
        (_, Some(Mer::Pm)) if the_before => "afternoon",
        (Some("am"), _) if the_before => "morning",
        (Some("lunchtime"), _) => "lunch",
        (Some("night"), _) if p.any(j + 1, &["shift", "before", "owl"]) => return None,
        // "this eve", "Thursday eve" (holiday eves are read as holidays before this)
        (Some("eve"), _)
            if (j == i + 1 && p.is(i, "this")) || (j == i && is_day_word(p, i.wrapping_sub(1))) =>
        {
            "evening"
        }
        (Some(w), _) => w,
        _ => return None,
    };
    let (from, to) = day_window(size, base)?;
    let mut e = j + 1;
    if base == "lunch" || base == "dinner" {
        e = p.one_of(e, &[&["time"], &["hour"], &["break"]]).unwrap_or(e);
    }
    Some((TimePart { val: fixed(from, to), today: today || base == "tonight", first: false }, e, false))
}

/// The minutes `[from, to)` of a named part of the day, perhaps early, mid or late.
fn day_window(size: Option<&str>, base: &str) -> Option<(u16, u16)> {
    Some(match (size, base) {
        (None, "morning") => (360, 720),
        (Some("early"), "morning") => (360, 540),
        (Some("mid"), "morning") | (None, "midmorning") => (540, 660),
        (Some("late"), "morning") => (600, 720),
        (None, "afternoon") => (720, 1020),
        (Some("early"), "afternoon") => (720, 840),
        (Some("mid"), "afternoon") | (None, "midafternoon") => (840, 960),
        (Some("late"), "afternoon") => (900, 1020),
        (None, "evening") => (1020, 1260),
        (Some("early"), "evening") => (1020, 1140),
        (Some("mid"), "evening") => (1080, 1200),
        (Some("late"), "evening") => (1140, 1260),
        (None, "night" | "tonight") => (1020, 1440),
        (Some("early"), "night" | "tonight") => (1020, 1200),
        (Some(_), "night" | "tonight") => (1260, 1440),
        (None, "lunch") => (660, 840),
        (None, "dinner") => (1080, 1200),
        (Some("early"), "lunch") => (660, 720),
        (Some("mid"), "lunch") => (720, 780),
        (Some("late"), "lunch") => (780, 840),
        _ => return None,
    })
}

/// A one-word day: a weekday name, today, tomorrow.
fn is_day_word(p: &P, k: usize) -> bool {
    p.word(k).is_some_and(|w| matches!(w, "today" | "tomorrow") || crate::words::weekday(w).is_some())
}

/// "Morning, this is Pat": a greeting at the start, not a time.
fn greeting(p: &P, i: usize) -> bool {
    i == 0
        && p.any(0, &["morning", "afternoon", "evening"])
        && matches!(p.tok(1), Some(Tok::Comma | Tok::Stop))
        && p.any(2, &["this", "i", "im", "my", "its", "hi", "hello", "yes", "yeah", "id", "calling", "um"])
}
