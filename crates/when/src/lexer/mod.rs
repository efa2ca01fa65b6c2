//! Tokenizer: lower-cases words, splits numbers from their suffixes ("3pm" → 3, pm;
//! "15th" → ordinal 15), reads clock times ("3:30", "3.30"), slash and ISO dates, spelled
//! numbers ("twenty-first"), and keeps the byte span of every token in the input.

mod numbers;

use crate::lang::{self, Lexicon};
use crate::words;

/// Before or after noon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mer {
    Am,
    Pm,
}

/// A number as written: value, digit count (0 when spelled out), ordinal, leading zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    pub val: u32,
    pub digits: u8,
    pub ord: bool,
    pub zero: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Word(String),
    Num(Num),
    /// "3:30", "15.30", "20:32:13"; `zero` when the hour has a leading zero ("07:30" is 24-hour).
    Clock {
        h: u32,
        m: u32,
        s: u32,
        zero: bool,
    },
    /// "10.8.2027": day, month, year (dots are always day first).
    Dmy {
        d: u32,
        m: u32,
        y: u32,
    },
    /// "1.5": a decimal, in hundredths.
    Dec(u32),
    /// An ISO 8601 timestamp ("2027-01-05T13:15:30Z"): the wall time, and its UTC offset in
    /// seconds when one is written.
    Stamp {
        at: jiff::civil::DateTime,
        offset: Option<i32>,
    },
    /// "3/14", "14/3/2026".
    Slash {
        a: u32,
        b: u32,
        c: Option<(u32, u8)>,
    },
    /// "2026-03-14".
    Iso {
        y: u32,
        m: u32,
        d: u32,
    },
    Mer(Mer),
    Comma,
    Stop,
    Dash,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Abbreviations whose trailing period is not the end of a sentence.
const ABBREV: &[&str] = &[
    "mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat", "sun", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mr", "mrs", "ms", "dr", "st", "approx",
    "appt", "no", "vs", "min", "mins", "hr", "hrs", "ish",
];

struct Lexer<'a> {
    text: &'a str,
    lang: &'static Lexicon,
    chars: Vec<(usize, char)>,
    out: Vec<Token>,
}

/// Splits `text` into tokens.
pub(crate) fn lex(text: &str, lang: &'static Lexicon) -> Vec<Token> {
    let mut lx = Lexer { text, lang, chars: text.char_indices().collect(), out: Vec::new() };
    let mut i = 0;
    while i < lx.chars.len() {
        i = lx.step(i);
    }
    merge_tens(text, &mut lx.out);
    lx.out
}

impl Lexer<'_> {
    fn ch(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|c| c.1)
    }

    fn pos(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |c| c.0)
    }

    fn push(&mut self, tok: Tok, from: usize, to: usize) {
        let (start, end) = (self.pos(from), self.pos(to));
        self.out.push(Token { tok, start, end });
    }

    fn step(&mut self, i: usize) -> usize {
        let Some(c) = self.ch(i) else { return i + 1 };
        if c.is_ascii_digit() {
            return self.number(i);
        }
        if c.is_alphabetic() {
            return self.word(i);
        }
        match c {
            ',' => self.push(Tok::Comma, i, i + 1),
            '.' => {
                let mut j = i;
                while self.ch(j) == Some('.') {
                    j += 1;
                }
                let tok = if j - i > 1 { Tok::Comma } else { Tok::Stop };
                self.push(tok, i, j);
                return j;
            }
            '!' | '?' | ';' => self.push(Tok::Stop, i, i + 1),
            ':' => self.push(Tok::Comma, i, i + 1),
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {
                let prev = i.checked_sub(1).and_then(|p| self.ch(p));
                let next = self.ch(i + 1);
                // "twenty-one", "3-ish" and "mid-morning" are joined words, not ranges.
                let joined =
                    next.is_some_and(char::is_alphabetic) && prev.is_some_and(|p| p.is_alphanumeric());
                if !joined {
                    self.push(Tok::Dash, i, i + 1);
                }
            }
            '+' if self.ch(i + 1).is_some_and(|c| c.is_ascii_digit())
                && !i.checked_sub(1).and_then(|p| self.ch(p)).is_some_and(char::is_alphanumeric) =>
            {
                // "+15 min": from now
                self.push(Tok::Word("in".into()), i, i + 1);
            }
            c if Self::is_apostrophe(c) && self.short_year(i + 1) => {
                // "'27": a year
                let (y, _, e) = self.digits(i + 1);
                self.push(Tok::Num(Num { val: 2000 + y, digits: 4, ord: false, zero: false }), i, e);
                return e;
            }
            '&' => self.push(Tok::Word("and".into()), i, i + 1),
            '@' => self.push(Tok::Word("at".into()), i, i + 1),
            '~' => self.push(Tok::Word("around".into()), i, i + 1),
            '#' => self.push(Tok::Word("#".into()), i, i + 1),
            _ => {}
        }
        i + 1
    }

    fn is_apostrophe(c: char) -> bool {
        matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`')
    }

    fn word(&mut self, i: usize) -> usize {
        let mut j = i;
        let mut w = String::new();
        while let Some(c) = self.ch(j) {
            if c.is_alphanumeric() {
                if self.lang.fold {
                    w.extend(c.to_lowercase().map(lang::fold));
                } else {
                    w.extend(c.to_lowercase());
                }
            } else if Self::is_apostrophe(c) && self.ch(j + 1).is_some_and(char::is_alphabetic) && j > i {
                // "o'clock" → "oclock", "can't" → "cant"
            } else {
                break;
            }
            j += 1;
        }
        // "a.m." / "p.m." (and "a.m" without the final period)
        if (w == "a" || w == "p") && self.ch(j) == Some('.') && matches!(self.ch(j + 1), Some('m' | 'M')) {
            let mut end = j + 2;
            if self.ch(end) == Some('.') {
                end += 1;
            }
            self.push(Tok::Mer(if w == "a" { Mer::Am } else { Mer::Pm }), i, end);
            return end;
        }
        if w == "pm" || (w == "am" && self.after_number()) {
            self.push(Tok::Mer(if w == "pm" { Mer::Pm } else { Mer::Am }), i, j);
            return j;
        }
        let mut end = j;
        if self.ch(j) == Some('.') && ABBREV.contains(&w.as_str()) {
            end = j + 1;
        }
        // "threeish" → three, ish
        if let Some(stem) = w.strip_suffix("ish").filter(|s| words::number_word(s).is_some() || *s == "noon")
        {
            let stem_end = i + stem.chars().count();
            let stem = stem.to_string();
            self.push_word(stem, i, stem_end);
            self.push(Tok::Word("ish".into()), stem_end, end);
            return end;
        }
        self.push_word(w, i, end);
        end
    }

    /// Exactly two digits at `i`, not glued to a letter or another digit.
    fn short_year(&self, i: usize) -> bool {
        let digit = |k: usize| self.ch(k).is_some_and(|c| c.is_ascii_digit());
        digit(i) && digit(i + 1) && !self.ch(i + 2).is_some_and(char::is_alphanumeric)
    }

    fn after_number(&self) -> bool {
        matches!(
            self.out.last(),
            Some(Token { tok: Tok::Num(Num { ord: false, .. }) | Tok::Clock { .. }, .. })
        )
    }

    fn push_word(&mut self, w: String, from: usize, to: usize) {
        if self.lang.language != crate::Language::En {
            let tok = match self.lang.number(&w) {
                Some((val, ord)) => Tok::Num(Num { val, digits: 0, ord, zero: false }),
                None => Tok::Word(w),
            };
            self.push(tok, from, to);
            return;
        }
        let w = match words::alias(&w).or_else(|| words::fuzzy(&w)) {
            Some(a) => a.to_string(),
            None => w,
        };
        let tok = match words::number_word(&w) {
            Some((val, ord)) => Tok::Num(Num { val, digits: 0, ord, zero: false }),
            None => Tok::Word(w),
        };
        self.push(tok, from, to);
    }
}

/// Joins spelled tens and units ("twenty" "one" → 21, "thirty" "first" → 31st).
fn merge_tens(text: &str, out: &mut Vec<Token>) {
    let mut i = 0;
    while i + 1 < out.len() {
        let (a, b) = (&out[i], &out[i + 1]);
        if let (Tok::Num(x), Tok::Num(y)) = (&a.tok, &b.tok) {
            let gap = text.get(a.end..b.start).unwrap_or("x");
            let tens = x.digits == 0 && !x.ord && x.val >= 20 && x.val % 10 == 0 && x.val <= 90;
            if tens && y.digits == 0 && (1..=9).contains(&y.val) && gap.chars().all(|c| c == ' ' || c == '-')
            {
                let merged = Num { val: x.val + y.val, digits: 0, ord: y.ord, zero: false };
                let end = b.end;
                out[i] = Token { tok: Tok::Num(merged), start: a.start, end };
                out.remove(i + 1);
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s, crate::lang::lexicon(crate::Language::En)).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_and_suffixes() {
        let n = |val, digits, ord| Tok::Num(Num { val, digits, ord, zero: false });
        assert_eq!(kinds("3pm"), vec![n(3, 1, false), Tok::Mer(Mer::Pm)]);
        assert_eq!(kinds("3 p.m."), vec![n(3, 1, false), Tok::Mer(Mer::Pm)]);
        assert_eq!(kinds("15th"), vec![n(15, 2, true)]);
        assert_eq!(kinds("twenty-first"), vec![n(21, 0, true)]);
        assert_eq!(kinds("3:30"), vec![Tok::Clock { h: 3, m: 30, s: 0, zero: false }]);
        assert_eq!(kinds("I am"), vec![Tok::Word("i".into()), Tok::Word("am".into())]);
        assert_eq!(kinds("Tues. at"), vec![Tok::Word("tuesday".into()), Tok::Word("at".into())]);
        assert_eq!(kinds("o'clock"), vec![Tok::Word("oclock".into())]);
        assert_eq!(kinds("3p"), vec![n(3, 1, false), Tok::Mer(Mer::Pm)]);
    }
}
