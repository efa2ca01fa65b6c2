//! Clock times: "3", "3pm", "3:30", "15:30", "half past ten", "quarter to five", "noon",
//! "four o'clock", "three thirty", "nine oh five", "fifteen hundred", "9 in the morning".
//! A bare number is returned as weak: the caller decides whether its context makes it a time.

use crate::lexer::{Mer, Num, Tok};
use crate::parts::{Clock, Mers, P};
use crate::words;

/// A clock time found over tokens `[.., end)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockHit {
    pub clock: Clock,
    pub end: usize,
    /// A bare number ("3", "930"): a time only where the context says so.
    pub weak: bool,
    /// Hour and minutes run together ("930"): a time after "at" or before am/pm only.
    pub compact: bool,
}

pub(crate) fn clock(p: &P, i: usize) -> Option<ClockHit> {
    fraction(p, i, true).or_else(|| core(p, i))
}

/// A clock time that starts a range: "ten to four" there means 10 until 4.
pub(crate) fn range_start(p: &P, i: usize) -> Option<ClockHit> {
    fraction(p, i, false).or_else(|| core(p, i))
}

/// "noon", "midnight", "12 noon".
fn named(p: &P, i: usize) -> Option<(Clock, usize)> {
    match p.word(i)? {
        "noon" | "midday" | "noontime" => Some((Clock::new(12, 0, Mers::H24), i + 1)),
        "midnight" => Some((Clock::new(24, 0, Mers::H24), i + 1)),
        _ => None,
    }
}

/// An hour named after "past"/"to": a number 1–12, noon or midnight.
fn hour(p: &P, i: usize) -> Option<(Clock, usize)> {
    if let Some(n) = named(p, i) {
        return Some(n);
    }
    let n = p.num(i).filter(|n| !n.ord && (1..=12).contains(&n.val) && n.digits <= 2)?;
    Some((Clock::new(u8::try_from(n.val).ok()?, 0, Mers::Bare), i + 1))
}

/// "half past ten", "quarter to five", "twenty past three", "ten after four", "half two".
fn fraction(p: &P, i: usize, to_ok: bool) -> Option<ClockHit> {
    let j = i + usize::from(p.is(i, "a"));
    let (mins, spelled, k) = match (p.word(j), p.num(j)) {
        (Some("quarter"), _) => (15, true, j + 1),
        (Some("half"), _) => (30, true, j + 1),
        (_, Some(n)) if !n.ord && (1..=29).contains(&n.val) && n.digits <= 2 && j == i => {
            (n.val, n.digits == 0, j + 1 + usize::from(p.any(j + 1, &["minutes", "minute"])))
        }
        _ => return None,
    };
    let said_minutes = k > j + 1;
    let dir = p.word(k).unwrap_or("");
    let sign: i32 = match dir {
        "past" | "after" => 1,
        "to" | "of" | "til" | "until" | "before" => -1,
        // British "half two" = 2:30
        _ if mins == 30 && p.is(j, "half") && j == i => {
            let (c, e) = hour(p, k).filter(|(c, _)| c.mer == Mers::Bare)?;
            if p.word(e).is_some_and(words::is_count_noun) {
                return None;
            }
            return finish(p, Clock { m: 30, ..c }, e, false);
        }
        _ => return None,
    };
    // "10 to 4" in digits is a range; "10 after 3" only for the usual fives.
    if (!spelled && !said_minutes && (sign < 0 || mins % 5 != 0) && dir != "past")
        || (sign < 0 && !to_ok && mins != 15)
    {
        return None;
    }
    let (c, e) = hour(p, k + 1)?;
    let clock = if sign > 0 {
        Clock { m: u8::try_from(mins).ok()?, ..c }
    } else {
        Clock { delta: -i8::try_from(mins).ok()?, ..c }
    };
    if c.h == 24 && sign > 0 {
        return None; // "ten past midnight" is tomorrow's 00:10; rare enough to leave
    }
    finish(p, clock, e, false)
}

/// Numbers and clock tokens: "3", "3pm", "3:30", "three thirty", "nine oh five", "930".
fn core(p: &P, i: usize) -> Option<ClockHit> {
    if let Some((c, e)) = named(p, i) {
        return finish(p, c, e, false);
    }
    if let Some(Tok::Clock { h, m, s, zero }) = p.tok(i) {
        let (h, m, s) = (u8::try_from(*h).ok()?, u8::try_from(*m).ok()?, u8::try_from(*s).ok()?);
        let mer = if *zero || h == 0 || h > 12 || s > 0 { Mers::H24 } else { Mers::Bare };
        // "12.53 out of 20", "3.45 points": a score, not a time
        if p.word(i + 1).is_some_and(|w| w == "out" || words::is_count_noun(w)) {
            return None;
        }
        return finish(p, Clock { s, ..Clock::new(h, m, mer) }, i + 1, false);
    }
    let n = p.num(i).filter(|n| !n.ord)?;
    if counted_before(p, i) || (n.digits > 0 && (phone_like(p, i) || address(p, i))) {
        return None;
    }
    if n.digits >= 3 {
        return compact(p, i, n);
    }
    if n.val > 24 {
        return None;
    }
    let h = u8::try_from(n.val).ok()?;
    let mer = if n.zero || h == 0 || h > 12 { Mers::H24 } else { Mers::Bare };
    let base = Clock::new(h, 0, mer);
    // "three thirty", "3 30", "nine oh five", "fifteen hundred"
    if p.is(i + 1, "hundred") && (n.digits > 0 || h <= 23) {
        let mer = if h > 12 || n.zero { Mers::H24 } else { Mers::Bare };
        return finish(p, Clock::new(h, 0, mer), i + 2, false);
    }
    if let Some((m, e)) = minutes(p, i + 1).filter(|_| h <= 23 && (h <= 12 || n.digits > 0)) {
        if p.word(e).is_some_and(words::is_count_noun) {
            return None;
        }
        return finish(p, Clock { m, ..base }, e, false);
    }
    if n.digits == 0 && h > 12 {
        return None; // "fifteen" alone is not an hour
    }
    // "one evening next week", "one morning": a count of days, not one o'clock
    if n.digits == 0 && h == 1 && p.any(i + 1, &["morning", "afternoon", "evening", "night", "day", "week"]) {
        return None;
    }
    finish(p, base, i + 1, true)
}

/// The minutes after a spoken hour: "thirty", "30", "oh five", "05".
fn minutes(p: &P, i: usize) -> Option<(u8, usize)> {
    if p.any(i, &["oh", "o"]) {
        let n = p.num(i + 1).filter(|n| !n.ord && (1..=9).contains(&n.val) && n.digits <= 1)?;
        return Some((u8::try_from(n.val).ok()?, i + 2));
    }
    let n = p.num(i).filter(|n| !n.ord)?;
    let ok = if n.digits == 0 { (10..=59).contains(&n.val) } else { n.digits == 2 && n.val <= 59 };
    ok.then_some((u8::try_from(n.val).ok()?, i + 1))
}

/// "930", "1530": hour and minutes run together.
fn compact(p: &P, i: usize, n: Num) -> Option<ClockHit> {
    let (h, m) = (n.val / 100, n.val % 100);
    if n.digits > 4 || h > 23 || m > 59 {
        return None;
    }
    let (h, m) = (u8::try_from(h).ok()?, u8::try_from(m).ok()?);
    let mer = if n.zero || h == 0 || h > 12 { Mers::H24 } else { Mers::Bare };
    if let Some(e) = p.seq(i + 1, &["hours"]).or_else(|| p.seq(i + 1, &["hrs"])) {
        return finish(p, Clock::new(h, m, Mers::H24), e, false);
    }
    let next_capital = p.toks.get(i + 1).and_then(|t| p.text.get(t.start..)).and_then(|s| s.chars().next());
    if next_capital.is_some_and(char::is_uppercase) {
        return None; // "123 Main Street"
    }
    let hit = finish(p, Clock::new(h, m, mer), i + 1, true)?;
    Some(ClockHit { compact: hit.weak, ..hit })
}

/// The number follows a word that makes it a label or a count ("room 12", "party of 4").
fn counted_before(p: &P, i: usize) -> bool {
    p.prev(i, 1).is_some_and(words::is_count_cue)
}

/// A house number: "5 Elm Street", "12 Oak Lane", "45 Martin Luther King Blvd".
fn address(p: &P, i: usize) -> bool {
    const STREET: &[&str] = &[
        "street",
        "st",
        "avenue",
        "ave",
        "road",
        "rd",
        "lane",
        "ln",
        "drive",
        "dr",
        "boulevard",
        "blvd",
        "court",
        "ct",
        "place",
        "pl",
        "way",
        "terrace",
        "crescent",
        "parkway",
        "pkwy",
        "highway",
        "hwy",
        "circle",
        "cir",
        "square",
        "sq",
        "trail",
        "alley",
        "plaza",
    ];
    let capital = |k: usize| {
        p.toks
            .get(k)
            .and_then(|t| p.text.get(t.start..))
            .and_then(|s| s.chars().next())
            .is_some_and(char::is_uppercase)
    };
    (i + 1..i + 5)
        .take_while(|k| p.word(*k).is_some())
        .any(|k| p.any(k, STREET) && (k == i + 1 || capital(k - 1)))
        && (i + 1..i + 5).take_while(|k| !p.any(*k, STREET)).all(|k| capital(k) || p.word(k).is_none())
}

/// Part of a run of numbers, like a phone number read out ("555 1234", "4 1 5 5").
fn phone_like(p: &P, i: usize) -> bool {
    let digits = |k: usize| match p.tok(k) {
        Some(Tok::Num(n)) if n.digits > 0 && !n.ord => Some(n.digits),
        _ => None,
    };
    // "555-1234"; "2-4" is a range
    let own = digits(i).unwrap_or(0);
    let dashed = |dash: usize, other: usize| {
        matches!(p.tok(dash), Some(Tok::Dash)) && digits(other).is_some_and(|d| d >= 3 || own >= 3)
    };
    if dashed(i + 1, i + 2) || (i >= 2 && dashed(i - 1, i - 2)) {
        return true;
    }
    let mut lo = i;
    while lo > 0 && digits(lo - 1).is_some() {
        lo -= 1;
    }
    let mut hi = i;
    while digits(hi + 1).is_some() {
        hi += 1;
    }
    let longest = (lo..=hi).filter_map(digits).max().unwrap_or(0);
    hi - lo >= 2 || (hi > lo && longest >= 3)
}

/// Suffixes: am/pm, "o'clock", "in the morning", "at night", "sharp", "noon".
fn finish(p: &P, mut c: Clock, mut e: usize, mut weak: bool) -> Option<ClockHit> {
    if let Some(m) = p.mer(e) {
        if (1..=12).contains(&c.h) {
            c = c.with(Some(m));
        } else if m == Mer::Am && c.h > 12 {
            return None;
        }
        e += 1;
        weak = false;
    } else if c.h == 12 && c.m == 0 && c.delta == 0 && p.any(e, &["noon", "midnight"]) {
        if p.is(e, "midnight") {
            c = Clock::new(24, 0, Mers::H24);
        } else {
            c.mer = Mers::H24;
        }
        e += 1;
        weak = false;
    }
    if let Some(end) = p.one_of(e, &[&["oclock"], &["o", "clock"]]) {
        if !(1..=12).contains(&c.h) {
            return None;
        }
        e = end;
        weak = false;
    }
    let parts: [(&[&str], Mers); 6] = [
        (&["in", "the", "morning"], Mers::Am),
        (&["in", "the", "am"], Mers::Am),
        (&["in", "the", "afternoon"], Mers::Pm),
        (&["in", "the", "evening"], Mers::Pm),
        (&["in", "the", "pm"], Mers::Pm),
        (&["at", "night"], Mers::Night),
    ];
    if c.mer == Mers::Bare
        && let Some((end, mer)) = parts.iter().find_map(|(ws, m)| p.seq(e, ws).map(|end| (end, *m)))
    {
        c.mer = mer;
        e = end;
        weak = false;
    }
    if c.mer == Mers::Bare
        && let (Some(end), Some(m)) = (p.seq(e, &["in", "the"]), p.mer(e + 2))
    {
        c = c.with(Some(m));
        e = end + 1;
        weak = false;
    }
    if weak && p.word(e).is_some_and(words::is_count_noun) {
        return None;
    }
    if let Some(end) = p.one_of(e, &[&["sharp"], &["on", "the", "dot"]]) {
        e = end;
        weak = false;
    }
    Some(ClockHit { clock: c, end: e, weak, compact: false })
}
