//! The language seam. The grammar reads one canonical vocabulary (English words: "tomorrow",
//! "at", "quarter", "to", ...); each language is a [`Lexicon`] of data that turns its words into
//! that vocabulary: single words, number words, and phrases with a small pattern language that
//! also reorders ("las cuatro menos cuarto" → "quarter to four", "el martes que viene" →
//! "coming tuesday"). English is the canonical vocabulary itself, so its lexicon is empty and
//! its path does no rewriting. A new language is a new table here, plus grammar only for what
//! the canonical words cannot say.
//!
//! Phrase patterns, source side (matched against lower-cased, accent-folded words):
//! - a word matches itself (not a word an earlier table already wrote); `#` any number token;
//!   `#h` an hour (a number or clock up to 24); `#m` minutes after an hour (spelled 1–59, or
//!   written 13–59); a `2` after a class (`#2`, `#h2`, `#m2`) captures a second number; `@wd` a
//!   weekday word of the language; `@mo` a month word of the language.
//!
//! Target side: words are canonical words (number words become numbers, "am"/"pm" meridiems);
//! `#`, `#2` copy the captured numbers, `#th` the first as an ordinal; `#:MM` is a clock at the
//! first number's hour and minute MM, `#:#m2` the clock "first:second"; `@wd` and `@mo` the
//! weekday or month matched, in canonical form.

mod en;
mod es;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::Language;
use crate::lexer::{Num, Tok, Token};

/// A phrase and what it stands for.
pub(crate) type Phrase = (&'static [&'static str], &'static [&'static str]);

/// Everything language-specific the reader needs.
#[derive(Debug)]
pub(crate) struct Lexicon {
    pub language: Language,
    /// Numeric dates read day first ("10/8" is 10 August) whatever the country.
    pub day_first: bool,
    /// Fold accents before matching ("miércoles" → "miercoles").
    pub fold: bool,
    /// Decimals are written with a comma ("1,5 horas").
    pub decimal_comma: bool,
    /// Phrase tables applied one after another (clock phrases first, so later phrases can take
    /// a clock as an hour), longest match first within a table.
    pub passes: &'static [&'static [Phrase]],
    /// Single words (after phrases) and their canonical word.
    pub words: &'static [(&'static str, &'static str)],
    /// Weekday words, Monday first, several spellings each.
    pub weekdays: &'static [&'static [&'static str]; 7],
    /// Number words: (word, value, ordinal).
    pub numbers: &'static [(&'static str, u32, bool)],
    /// The word joining spelled tens and units ("treinta y uno"), if the language has one.
    pub tens_joiner: Option<&'static str>,
    /// Refusal reasons: too far ahead, already past.
    pub too_far: &'static str,
    pub past: &'static str,
    /// The tables indexed by first word, built on first use.
    pub index: OnceLock<Index>,
}

/// One pass's phrases by what they start with: a word, a number (`#…`), a weekday (`@wd`) or a
/// month (`@mo`). A token is tried only against the phrases that can start with it.
#[derive(Debug, Default)]
struct PassIndex {
    by_word: HashMap<&'static str, Vec<usize>>,
    numbers: Vec<usize>,
    weekdays: Vec<usize>,
    months: Vec<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    passes: Vec<PassIndex>,
    words: HashMap<&'static str, &'static str>,
}

impl Index {
    fn build(lex: &Lexicon) -> Index {
        let passes = lex
            .passes
            .iter()
            .map(|phrases| {
                let mut pass = PassIndex::default();
                for (k, (src, _)) in phrases.iter().enumerate() {
                    match src.first().copied().unwrap_or_default() {
                        "@wd" => pass.weekdays.push(k),
                        "@mo" => pass.months.push(k),
                        w if w.starts_with('#') => pass.numbers.push(k),
                        w => pass.by_word.entry(w).or_default().push(k),
                    }
                }
                pass
            })
            .collect();
        // the first entry for a word wins, as in a scan
        let mut words = HashMap::new();
        for (w, c) in lex.words.iter().rev() {
            words.insert(*w, *c);
        }
        Index { passes, words }
    }
}

/// The lexicon of a language.
pub(crate) fn lexicon(language: Language) -> &'static Lexicon {
    match language {
        Language::En => &en::LEXICON,
        Language::Es => &es::LEXICON,
    }
}

impl Lexicon {
    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(self))
    }

    /// A number word of this language.
    pub(crate) fn number(&self, w: &str) -> Option<(u32, bool)> {
        self.numbers.iter().find(|(n, _, _)| *n == w).map(|(_, v, o)| (*v, *o))
    }

    fn weekday(&self, w: &str) -> Option<usize> {
        self.weekdays.iter().position(|names| names.contains(&w))
    }

    fn word(&self, w: &str) -> Option<&'static str> {
        self.index().words.get(w).copied()
    }
}

const CANONICAL_WEEKDAYS: [&str; 7] =
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// Folds the accents of Latin letters ("mañana" → "manana").
pub(crate) fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        _ => c,
    }
}

/// What a source pattern element captured.
#[derive(Clone, Copy)]
enum Cap {
    None,
    Num(Num),
    Clock(u32, u32),
    Weekday(usize),
    Month(&'static str),
}

/// Minutes said after an hour: spelled 1–59, or written 13–59 ("las 2 y 4" is two hours).
fn is_minute(n: Num) -> bool {
    !n.ord && ((n.digits == 0 && (1..=59).contains(&n.val)) || (n.digits == 2 && (13..=59).contains(&n.val)))
}

/// Rewrites the tokens of a non-canonical language into canonical tokens, keeping spans.
pub(crate) fn rewrite(toks: Vec<Token>, lex: &Lexicon) -> Vec<Token> {
    if lex.passes.is_empty() && lex.words.is_empty() {
        return toks;
    }
    let toks = join_tens(toks, lex);
    // each token, and whether it is already canonical (written by a phrase)
    let mut toks: Vec<(Token, bool)> = toks.into_iter().map(|t| (t, false)).collect();
    for (k, phrases) in lex.passes.iter().enumerate() {
        toks = apply(toks, phrases, k, lex);
    }
    let mut out = Vec::with_capacity(toks.len());
    for (t, canonical) in toks {
        match &t.tok {
            Tok::Word(_) if canonical => out.push(t),
            Tok::Word(w) => {
                if let Some(c) = lex.word(w) {
                    if !c.is_empty()
                        && let Some(tok) = emit(c, &[Cap::None; 3])
                    {
                        out.push(Token { tok, start: t.start, end: t.end });
                    }
                } else if let Some(k) = lex.weekday(w) {
                    out.push(Token {
                        tok: Tok::Word(CANONICAL_WEEKDAYS[k].into()),
                        start: t.start,
                        end: t.end,
                    });
                } else {
                    out.push(t);
                }
            }
            _ => out.push(t),
        }
    }
    out
}

/// One table of phrases over the tokens.
fn apply(mut toks: Vec<(Token, bool)>, phrases: &[Phrase], pass: usize, lex: &Lexicon) -> Vec<(Token, bool)> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let Some((n, target, caps)) = best_phrase(&toks, i, phrases, pass, lex) {
            let (start, end) = (toks[i].0.start, toks[i + n - 1].0.end);
            for t in target {
                if let Some(tok) = emit(t, &caps) {
                    out.push((Token { tok, start, end }, true));
                }
            }
            i += n;
            continue;
        }
        // Phrases only look ahead: a token passed over is moved out, not copied.
        let spent = (Token { tok: Tok::Comma, start: 0, end: 0 }, true);
        out.push(std::mem::replace(&mut toks[i], spent));
        i += 1;
    }
    out
}

/// "treinta y uno" → 31.
fn join_tens(mut toks: Vec<Token>, lex: &Lexicon) -> Vec<Token> {
    let Some(joiner) = lex.tens_joiner else { return toks };
    let mut i = 0;
    while i + 2 < toks.len() {
        let tens = matches!(&toks[i].tok, Tok::Num(n) if n.digits == 0 && !n.ord && n.val >= 20 && n.val % 10 == 0 && n.val <= 90);
        let joined = matches!(&toks[i + 1].tok, Tok::Word(w) if w == joiner);
        let unit = match &toks[i + 2].tok {
            Tok::Num(n) if n.digits == 0 && (1..=9).contains(&n.val) => Some(*n),
            _ => None,
        };
        if let (true, true, Some(u), Tok::Num(t)) = (tens, joined, unit, &toks[i].tok) {
            let merged = Num { val: t.val + u.val, digits: 0, ord: u.ord, zero: false };
            let end = toks[i + 2].end;
            toks[i] = Token { tok: Tok::Num(merged), start: toks[i].start, end };
            toks.drain(i + 1..i + 3);
        }
        i += 1;
    }
    toks
}

/// The longest phrase at `i`: its length in tokens, its target and what it captured.
fn best_phrase(
    toks: &[(Token, bool)],
    i: usize,
    phrases: &[Phrase],
    pass: usize,
    lex: &Lexicon,
) -> Option<(usize, &'static [&'static str], [Cap; 3])> {
    let mut best: Option<(usize, &'static [&'static str], [Cap; 3])> = None;
    let index = lex.index().passes.get(pass)?;
    let (listed, classes): (&[usize], &[usize]) = match toks.get(i).map(|(t, c)| (&t.tok, *c)) {
        Some((Tok::Word(w), false)) => {
            let listed = index.by_word.get(w.as_str()).map(Vec::as_slice).unwrap_or_default();
            let classes: &[usize] = if lex.weekday(w).is_some() {
                &index.weekdays
            } else if index.months.is_empty() || lex.word(w).is_none_or(|c| crate::words::month(c).is_none())
            {
                &[]
            } else {
                &index.months
            };
            (listed, classes)
        }
        Some((Tok::Num(_) | Tok::Clock { .. }, _)) => (&[], &index.numbers),
        _ => return None,
    };
    for (src, target) in listed.iter().chain(classes).filter_map(|k| phrases.get(*k)) {
        if best.is_some_and(|(n, _, _)| n >= src.len()) {
            continue;
        }
        if let Some(caps) = matches(toks, i, src, lex) {
            best = Some((src.len(), target, caps));
        }
    }
    best
}

fn matches(toks: &[(Token, bool)], i: usize, src: &[&str], lex: &Lexicon) -> Option<[Cap; 3]> {
    let mut caps = [Cap::None; 3];
    for (k, pat) in src.iter().enumerate() {
        let (tok, canonical) = toks.get(i + k).map(|(t, c)| (&t.tok, *c))?;
        if canonical && matches!(tok, Tok::Word(_)) {
            return None;
        }
        let slot = usize::from(pat.ends_with('2'));
        match (*pat, tok) {
            ("#" | "#2", Tok::Num(n)) => caps[slot] = Cap::Num(*n),
            ("#h", Tok::Num(n)) if !n.ord && n.val <= 24 && n.digits <= 2 => caps[0] = Cap::Num(*n),
            ("#h2", Tok::Num(n)) if !n.ord && n.val <= 24 && n.digits <= 2 => caps[1] = Cap::Num(*n),
            ("#h", Tok::Clock { h, m, .. }) => caps[0] = Cap::Clock(*h, *m),
            ("#h2", Tok::Clock { h, m, .. }) => caps[1] = Cap::Clock(*h, *m),
            ("#m" | "#m2", Tok::Num(n)) if is_minute(*n) => caps[slot] = Cap::Num(*n),
            ("@wd", Tok::Word(w)) => caps[2] = Cap::Weekday(lex.weekday(w)?),
            ("@mo", Tok::Word(w)) => {
                caps[2] = Cap::Month(lex.word(w).filter(|c| crate::words::month(c).is_some())?)
            }
            (p, Tok::Word(w)) if p == w => {}
            _ => return None,
        }
    }
    Some(caps)
}

/// One target element as a token.
fn emit(t: &str, caps: &[Cap; 3]) -> Option<Tok> {
    let num = |c: Cap| match c {
        Cap::Num(n) => Some(Tok::Num(n)),
        Cap::Clock(h, m) => Some(Tok::Clock { h, m, s: 0, zero: false }),
        _ => None,
    };
    let hour = |c: Cap| match c {
        Cap::Num(n) => Some(n.val),
        Cap::Clock(h, _) => Some(h),
        _ => None,
    };
    match t {
        "#" | "#h" => num(caps[0]),
        "#2" | "#h2" => num(caps[1]),
        "#th" => match caps[0] {
            Cap::Num(n) => Some(Tok::Num(Num { ord: true, ..n })),
            _ => None,
        },
        "@mo" => match caps[2] {
            Cap::Month(m) => Some(Tok::Word(m.to_string())),
            _ => None,
        },
        "@wd" => match caps[2] {
            Cap::Weekday(k) => Some(Tok::Word(CANONICAL_WEEKDAYS.get(k)?.to_string())),
            _ => None,
        },
        "#:#2" | "#:#m2" => {
            let m = hour(caps[1]).filter(|m| *m < 60)?;
            Some(Tok::Clock { h: hour(caps[0])?, m, s: 0, zero: false })
        }
        "am" => Some(Tok::Mer(crate::lexer::Mer::Am)),
        "pm" => Some(Tok::Mer(crate::lexer::Mer::Pm)),
        _ => {
            if let Some(m) = t.strip_prefix("#:") {
                return Some(Tok::Clock { h: hour(caps[0])?, m: m.parse().ok()?, s: 0, zero: false });
            }
            if let Some((val, ord)) = crate::words::number_word(t) {
                return Some(Tok::Num(Num { val, digits: 0, ord, zero: false }));
            }
            Some(Tok::Word(t.to_string()))
        }
    }
}
