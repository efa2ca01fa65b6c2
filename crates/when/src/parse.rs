//! The scan: at each token, the longest date or time expression starting there becomes a part.
//! Bare numbers then stay only where their context makes them times.

use crate::lexer::Tok;
use crate::parts::{Clock, Mers, P, Part, TimeVal, What};
use crate::{dates, windows};

pub(crate) fn scan(p: &P) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut i = 0;
    while i < p.toks.len() {
        let date = dates::parse(p, i, 0);
        let time = windows::parse(p, i);
        let part = match (date, time) {
            (Some((_, de)), Some((t, te, weak))) if te > de => {
                Part { what: What::Time(t), from: i, to: te, weak, zone: None }
            }
            (Some((d, de)), _) => Part { what: d, from: i, to: de, weak: false, zone: stamp_zone(p, i) },
            (None, Some((t, te, weak))) => Part { what: What::Time(t), from: i, to: te, weak, zone: None },
            (None, None) => {
                i += 1;
                continue;
            }
        };
        let mut part = part;
        if part.zone.is_none()
            && !matches!(part.what, What::Ignored)
            && let Some((zone, e)) = crate::zones::parse(p, part.to)
        {
            (part.zone, part.to, part.weak) = (Some(zone), e, false);
        }
        i = part.to.max(i + 1);
        parts.push(part);
    }
    let mut keep: Vec<bool> = Vec::with_capacity(parts.len());
    for k in 0..parts.len() {
        let ok = !parts[k].weak || supported(p, &parts, k, &keep);
        keep.push(ok);
    }
    let mut k = 0;
    parts.retain(|_| {
        k += 1;
        keep[k - 1]
    });
    share_meridiem(p, &mut parts);
    parts
}

/// The offset written in an ISO timestamp at `i`.
fn stamp_zone(p: &P, i: usize) -> Option<crate::zones::ZoneRef> {
    match p.tok(i) {
        Some(Tok::Stamp { offset: Some(secs), .. }) => Some(crate::zones::ZoneRef::Fixed(*secs)),
        _ => None,
    }
}

/// "9 or 10 in the morning", "5 or 6 pm": a bare hour takes the meridiem of the option after it.
fn share_meridiem(p: &P, parts: &mut [Part]) {
    for k in 1..parts.len() {
        let (a, b) = (parts[k - 1], parts[k]);
        let (What::Time(mut ta), What::Time(tb)) = (a.what, b.what) else { continue };
        let (TimeVal::At(ca), TimeVal::At(cb)) = (ta.val, tb.val) else { continue };
        if ca.mer == Mers::Bare
            && cb.mer != Mers::Bare
            && cb.mer != Mers::H24
            && a.to + 1 == b.from
            && p.is(a.to, "or")
        {
            ta.val = TimeVal::At(Clock { mer: cb.mer, ..ca });
            parts[k - 1].what = What::Time(ta);
        }
    }
}

/// Words around a bare number that make it a time: "how about 3", "3 works", "Tuesday 3".
fn supported(p: &P, parts: &[Part], k: usize, kept: &[bool]) -> bool {
    let Part { from, to, .. } = parts[k];
    const AFTER: &[&[&str]] = &[
        &["works"],
        &["work"],
        &["would"],
        &["ok"],
        &["sounds"],
        &["please"],
        &["does"],
        &["should"],
        &["is", "good"],
        &["is", "fine"],
        &["is", "ok"],
        &["is", "better"],
        &["is", "great"],
        &["is", "perfect"],
        &["is", "best"],
        &["is", "possible"],
        &["is", "available"],
        &["is", "free"],
        &["is", "open"],
        &["if", "possible"],
        &["if", "you", "can"],
        &["if", "thats", "ok"],
        &["available"],
        &["free"],
        &["open"],
        &["good"],
        &["fine"],
        &["okay"],
        &["sound"],
    ];
    const BEFORE: &[&[&str]] = &[
        &["how", "about"],
        &["what", "about"],
        &["say"],
        &["lets", "do"],
        &["lets", "say"],
        &["maybe"],
        &["perhaps"],
        &["does"],
        &["do"],
        &["try"],
        &["is"],
        &["not"],
    ];
    if p.one_of(to, AFTER).is_some() {
        return true;
    }
    // "change it to 4", "move it to 3"
    if p.is(from.wrapping_sub(1), "to") && crate::markers::change_verb_before(p, from) {
        return true;
    }
    if BEFORE.iter().any(|ws| from >= ws.len() && p.seq(from - ws.len(), ws) == Some(from)) {
        // "is 3 ok" yes; "my son is 3" no
        return !p.is(from.wrapping_sub(1), "is") || p.one_of(to, AFTER).is_some();
    }
    // "9 or 10 in the morning"
    let next_time = parts.get(k + 1).is_some_and(|n| matches!(n.what, What::Time(_)) && !n.weak);
    if next_time && p.is(to, "or") && parts[k + 1].from == to + 1 {
        return true;
    }
    // "at 3 or 4", "at 3, no, 4", "at 10, actually make it 11"
    let prev_time = k > 0 && matches!(parts[k - 1].what, What::Time(_)) && kept[k - 1];
    if prev_time && from - parts[k - 1].to <= 6 && (parts[k - 1].to..from).all(|x| between_times(p, x)) {
        return true;
    }
    let near_date = |a: usize, b: usize| (a..b).all(|x| glue(p, x)) && b - a <= 2;
    let date_before = k > 0 && matches!(parts[k - 1].what, What::Date(_)) && near_date(parts[k - 1].to, from);
    let date_after =
        parts.get(k + 1).is_some_and(|n| matches!(n.what, What::Date(_)) && near_date(to, n.from));
    if date_before || date_after {
        return true;
    }
    // "8 tonight", "9 this morning"
    let daypart_after = parts.get(k + 1).is_some_and(|n| {
        n.from == to && matches!(n.what, What::Time(t) if matches!(t.val, TimeVal::Fixed { hint: true, .. }))
    });
    if daypart_after {
        return true;
    }
    // The whole answer is the number: "3", "um, 3?"
    p.alone(from, to)
}

/// Tokens allowed between a time and a bare number that is another option or a correction.
fn between_times(p: &P, x: usize) -> bool {
    const OK: &[&str] = &[
        "or",
        "and",
        "but",
        "no",
        "wait",
        "sorry",
        "i",
        "mean",
        "actually",
        "make",
        "it",
        "that",
        "maybe",
        "um",
        "uh",
        "oh",
        "rather",
        "how",
        "about",
        "say",
        "lets",
        "do",
        "instead",
        "hmm",
        "well",
        "ok",
        "even",
        "better",
        "perhaps",
        "possibly",
        "if",
        "not",
        "then",
        "otherwise",
        "else",
        "failing",
    ];
    match p.tok(x) {
        Some(Tok::Comma | Tok::Dash | Tok::Stop) => true,
        Some(Tok::Word(w)) => OK.contains(&w.as_str()),
        _ => false,
    }
}

/// Tokens allowed between a date and a bare number that belongs to it.
fn glue(p: &P, x: usize) -> bool {
    match p.tok(x) {
        Some(Tok::Comma | Tok::Dash) => true,
        Some(Tok::Word(w)) => {
            matches!(w.as_str(), "at" | "on" | "um" | "uh" | "er" | "maybe" | "say" | "like")
        }
        _ => false,
    }
}
