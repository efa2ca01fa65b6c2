//! The words between and around mentions: corrections ("no wait", "actually", "make that"),
//! alternatives ("or"), negations ("not Tuesday", "Tuesday doesn't work"), "sometime", and
//! reschedule targets ("move it to Thursday").

use crate::lexer::Tok;
use crate::parts::P;

/// How a mention relates to the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    First,
    Plain,
    /// "or", "and": another option; the first one still stands.
    Alternative,
    /// "no wait", "actually", "how about": this one replaces the one before.
    Correction,
}

const CORRECTIONS: &[&[&str]] = &[
    &["no", "wait"],
    &["oh", "wait"],
    &["wait"],
    &["no"],
    &["nope"],
    &["sorry"],
    &["i", "mean"],
    &["i", "meant"],
    &["actually"],
    &["make", "that"],
    &["make", "it"],
    &["rather"],
    &["scratch", "that"],
    &["correction"],
    &["change", "that"],
    &["oops"],
    &["my", "bad"],
    &["strike", "that"],
    &["hold", "on"],
    &["hang", "on"],
    &["better", "yet"],
    &["even", "better"],
    &["instead"],
    &["how", "about"],
    &["what", "about"],
    &["can", "we", "do"],
    &["could", "we", "do"],
    &["can", "you", "do"],
    &["could", "you", "do"],
    &["lets", "do"],
    &["lets", "say"],
    &["lets", "make", "it"],
    &["prefer"],
    &["id", "prefer"],
    &["move", "it", "to"],
    &["change", "it", "to"],
    &["switch", "it", "to"],
    &["push", "it", "to"],
    &["bump", "it", "to"],
    &["moved", "to"],
];

/// A correction phrase starts at `x`.
fn correction_at(p: &P, x: usize) -> bool {
    if p.is(x, "on")
        && p.num(x + 1).is_some_and(|n| n.ord && n.val == 2 && n.digits == 0)
        && p.any(x + 2, &["thought", "thoughts"])
    {
        return true; // "on second thought"
    }
    if p.one_of(x, CORRECTIONS).is_none() {
        return false;
    }
    const NOT_AFTER_NO: &[&str] = &[
        "problem",
        "problems",
        "worries",
        "worry",
        "rush",
        "one",
        "good",
        "more",
        "longer",
        "thanks",
        "thank",
        "idea",
        "later",
        "earlier",
        "sooner",
        "way",
        "big",
        "need",
        "matter",
        "preference",
    ];
    match p.word(x) {
        Some("no") => !p.any(x + 1, NOT_AFTER_NO),
        Some("wait") => {
            !p.any(x.wrapping_sub(1), &["cant", "can", "to", "the"]) && !p.any(x + 1, &["list", "time"])
        }
        _ => true,
    }
}

/// Token `x` keeps the parts on either side from being one mention.
pub(crate) fn blocks(p: &P, x: usize) -> bool {
    const WORDS: &[&str] = &[
        "or",
        "and",
        "nor",
        "vs",
        "versus",
        "than",
        "either",
        "instead",
        "but",
        "except",
        "excluding",
        "not",
    ];
    p.any(x, WORDS) || correction_at(p, x)
}

/// The relation of a mention starting at token `b` to the one ending at `a`.
pub(crate) fn relation(p: &P, a: usize, b: usize) -> Relation {
    if (a..b).any(|x| correction_at(p, x)) {
        return Relation::Correction;
    }
    if (a..b).any(|x| p.any(x, &["or", "and", "either", "nor"])) {
        return Relation::Alternative;
    }
    Relation::Plain
}

/// Turned down: "not Tuesday", "I can't do Tuesday", "Tuesday doesn't work".
pub(crate) fn negated(p: &P, from: usize, to: usize, prev_end: usize, next_start: usize) -> bool {
    const PRE: &[&[&str]] = &[
        &["not"],
        &["cant"],
        &["cannot"],
        &["couldnt"],
        &["wont"],
        &["except"],
        &["besides"],
        &["busy"],
        &["unavailable"],
        &["dont"],
        &["other", "than"],
        &["anything", "but"],
        &["anytime", "but"],
        &["any", "time", "but"],
        &["any", "day", "but"],
        &["but", "not"],
    ];
    const NOT_NEGATING: &[&str] = &[
        "sure", "mind", "wait", "until", "before", "after", "only", "know", "care", "think", "too", "worry",
    ];
    let lo = from.saturating_sub(4).max(prev_end);
    let pre = (lo..from).any(|s| {
        p.one_of(s, PRE).is_some_and(|e| {
            // "Tuesday I can't, actually Thursday": the refusal is of what came before
            e <= from
                && !p.any(e, NOT_NEGATING)
                && !(e..from).any(|x| correction_at(p, x) || matches!(p.tok(x), Some(Tok::Comma | Tok::Stop)))
        }) && !p.any(s.wrapping_sub(1), &["why", "if", "whether"])
    });
    const POST: &[&[&str]] = &[
        &["doesnt", "work"],
        &["dont", "work"],
        &["wont", "work"],
        &["wont", "do"],
        &["wont", "be", "possible"],
        &["doesnt", "suit"],
        &["isnt", "good"],
        &["isnt", "great"],
        &["isnt", "possible"],
        &["isnt", "going", "to", "work"],
        &["is", "not", "good"],
        &["is", "not", "possible"],
        &["not", "good"],
        &["no", "good"],
        &["is", "no", "good"],
        &["is", "bad"],
        &["bad"],
        &["is", "out"],
        &["is", "tough"],
        &["is", "difficult"],
        &["is", "hard"],
        &["is", "busy"],
        &["is", "full"],
        &["is", "booked"],
        &["is", "taken"],
        &["is", "a", "no"],
        &["is", "impossible"],
        &["im", "busy"],
        &["i", "am", "busy"],
        &["im", "not", "available"],
        &["im", "not", "free"],
        &["i", "cant", "make", "it"],
        &["i", "cant", "do"],
        &["i", "cant"],
        &["i", "cannot"],
        &["cant", "make", "it"],
        &["no", "longer", "works"],
    ];
    let skip = matches!(p.tok(to), Some(Tok::Comma)) || p.any(to, &["um", "uh"]);
    let post = [to, to + usize::from(skip)]
        .into_iter()
        .filter(|s| *s < next_start.max(to + 1))
        .any(|s| p.one_of(s, POST).is_some_and(|e| !p.any(e, &["wait"])));
    pre || post
}

/// "sometime Friday", "any time next week", "Tuesday, all day": the token range the mention
/// covers with those words, when they are there.
pub(crate) fn sometime(p: &P, from: usize, to: usize, prev_end: usize) -> Option<(usize, usize)> {
    const WORDS: &[&[&str]] = &[
        &["sometime"],
        &["some", "time"],
        &["anytime"],
        &["any", "time"],
        &["any", "day"],
        &["whenever"],
        &["some", "point"],
        &["at", "some", "point"],
        &["all", "day"],
    ];
    let before =
        (from.saturating_sub(3).max(prev_end)..from).find(|s| p.one_of(*s, WORDS).is_some_and(|e| e <= from));
    if let Some(s) = before {
        return Some((s, to));
    }
    let k = to + usize::from(matches!(p.tok(to), Some(Tok::Comma)));
    p.one_of(k, WORDS).map(|e| (from, e))
}

/// "Thursday instead", "Thursday would be better".
pub(crate) fn supersedes_after(p: &P, to: usize) -> bool {
    const AFTER: &[&[&str]] = &[
        &["instead"],
        &["would", "be", "better"],
        &["would", "be", "best"],
        &["would", "work", "better"],
        &["works", "better"],
        &["is", "better"],
        &["is", "best"],
        &["better"],
        &["is", "preferable"],
        &["actually"],
    ];
    let k = to + usize::from(matches!(p.tok(to), Some(Tok::Comma)));
    p.one_of(k, AFTER).is_some()
}

/// Busy or away just before `i`: "I'm at work until 5", "out of town until the 20th".
pub(crate) fn busy_before(p: &P, i: usize) -> bool {
    const BUSY: &[&str] = &[
        "work",
        "working",
        "busy",
        "school",
        "class",
        "meeting",
        "meetings",
        "stuck",
        "office",
        "shift",
        "job",
        "away",
        "town",
        "traveling",
        "travelling",
        "vacation",
        "holiday",
        "holidays",
        "gone",
        "unavailable",
        "booked",
    ];
    (1..=5).any(|k| p.prev(i, k).is_some_and(|w| BUSY.contains(&w)))
}

/// A reschedule verb comes before token `i`.
pub(crate) fn change_verb_before(p: &P, i: usize) -> bool {
    p.first_change.is_some_and(|x| x < i)
}

pub(crate) fn is_change_verb(w: &str) -> bool {
    CHANGE_VERBS.contains(&w)
}

const CHANGE_VERBS: &[&str] = &[
    "reschedule",
    "rescheduling",
    "rescheduled",
    "move",
    "moving",
    "moved",
    "change",
    "changing",
    "switch",
    "switching",
    "push",
    "pushing",
    "bump",
    "postpone",
    "shift",
    "rebook",
];

/// The new time of a reschedule: "move my Tuesday appointment to Thursday".
pub(crate) fn change_target(p: &P, from: usize) -> bool {
    let to_before =
        (1..=2).any(|k| p.prev(from, k).is_some_and(|w| matches!(w, "to" | "for" | "until" | "into")));
    to_before && change_verb_before(p, from)
}
