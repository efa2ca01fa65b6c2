//! Numbers as written: digits with their suffixes ("3pm", "15th", "2h"), clock times with
//! seconds, slash, dotted and ISO dates, ISO timestamps with offsets, decimals.

use super::{Lexer, Mer, Num, Tok, Token};

impl Lexer<'_> {
    /// Reads a run of ASCII digits starting at `i`: (value, digit count, end).
    pub(super) fn digits(&self, i: usize) -> (u32, u8, usize) {
        let mut j = i;
        let mut val: u32 = 0;
        while let Some(d) = self.ch(j).and_then(|c| c.to_digit(10)) {
            val = val.saturating_mul(10).saturating_add(d);
            j += 1;
        }
        (val, u8::try_from(j - i).unwrap_or(u8::MAX), j)
    }

    pub(super) fn number(&mut self, i: usize) -> usize {
        let (val, n, j) = self.digits(i);
        let zero = n >= 2 && self.ch(i) == Some('0');
        let next_digit = |k: usize| self.ch(k).is_some_and(|c| c.is_ascii_digit());
        // clock: "3:30", "15.30"
        if matches!(self.ch(j), Some(':' | '.')) && next_digit(j + 1) {
            return self.dotted(i, val, n, zero, j);
        }
        if self.lang.decimal_comma && self.ch(j) == Some(',') && next_digit(j + 1) && n <= 3 {
            let (f, fn_, k) = self.digits(j + 1);
            if fn_ <= 2 && !self.ch(k).is_some_and(|c| c.is_ascii_digit() || c == ',') {
                let hundredths = if fn_ == 1 { f * 10 } else { f };
                self.push(Tok::Dec(val.saturating_mul(100).saturating_add(hundredths)), i, k);
                return k;
            }
        }
        if self.ch(j) == Some('/') && next_digit(j + 1) {
            let (b, _, k) = self.digits(j + 1);
            let (c, end) = if self.ch(k) == Some('/') && next_digit(k + 1) {
                let (c, cn, e) = self.digits(k + 1);
                (Some((c, cn)), e)
            } else {
                (None, k)
            };
            self.push(Tok::Slash { a: val, b, c }, i, end);
            return end;
        }
        if n == 4 && self.ch(j) == Some('-') && next_digit(j + 1) {
            let (m, mn, k) = self.digits(j + 1);
            if mn <= 2 && self.ch(k) == Some('-') && next_digit(k + 1) {
                let (d, dn, e) = self.digits(k + 1);
                if dn <= 2 {
                    if let Some(end) = self.stamp(i, e, (val, m, d)) {
                        return end;
                    }
                    self.push(Tok::Iso { y: val, m, d }, i, e);
                    return e;
                }
            }
        }
        // letters glued to the number: "15th", "3pm", "2moro"
        let mut k = j;
        let mut suf = String::new();
        while let Some(c) = self.ch(k).filter(|c| c.is_ascii_alphabetic()) {
            suf.push(c.to_ascii_lowercase());
            k += 1;
        }
        if val == 2 && n == 1 {
            let w = match suf.as_str() {
                "moro" | "morrow" | "morow" | "mrw" | "mro" | "mrow" | "mor" => Some("tomorrow"),
                "day" => Some("today"),
                "nite" | "night" | "nyt" => Some("tonight"),
                _ => None,
            };
            if let Some(w) = w {
                self.push(Tok::Word(w.into()), i, k);
                return k;
            }
        }
        // "15h30": a clock, the European way
        if suf == "h" && n <= 2 && val <= 24 && next_digit(k) {
            let (m, mn, e) = self.digits(k);
            if mn == 2 && m < 60 && !self.ch(e).is_some_and(|c| c.is_alphanumeric()) {
                self.push(Tok::Clock { h: val, m, s: 0, zero }, i, e);
                return self.suffix(e);
            }
        }
        let after_in = matches!(self.out.last(), Some(Token { tok: Tok::Word(w), .. }) if w == "in");
        let unit = match suf.as_str() {
            "h" | "hr" | "hrs" | "hour" | "hours" => Some("hours"),
            "m" | "min" | "mins" | "minute" | "minutes" => Some("minutes"),
            "d" if after_in || !matches!(val % 10, 2 | 3) || matches!(val % 100, 12 | 13) => Some("days"),
            "day" | "days" => Some("days"),
            "w" | "wk" | "wks" | "week" | "weeks" => Some("weeks"),
            "mo" | "mos" | "month" | "months" => Some("months"),
            "y" | "yr" | "yrs" | "year" | "years" => Some("years"),
            _ => None,
        };
        if let Some(u) = unit {
            self.push(Tok::Num(Num { val, digits: n, ord: false, zero }), i, j);
            self.push(Tok::Word(u.into()), j, k);
            return k;
        }
        let ord = matches!(suf.as_str(), "st" | "nd" | "rd" | "th" | "d");
        if ord {
            self.push(Tok::Num(Num { val, digits: n, ord: true, zero }), i, k);
            return k;
        }
        self.push(Tok::Num(Num { val, digits: n, ord: false, zero }), i, j);
        self.suffix(j)
    }

    /// After "3:" or "3.": a clock ("3:30", "20:32:13", "15.30"), a dotted date ("10.8.2027"),
    /// a decimal ("1.5"); versions and addresses are skipped.
    fn dotted(&mut self, i: usize, val: u32, n: u8, zero: bool, j: usize) -> usize {
        let next_digit = |k: usize| self.ch(k).is_some_and(|c| c.is_ascii_digit());
        let sep = self.ch(j);
        let (m, mn, k) = self.digits(j + 1);
        let third = (self.ch(k) == sep && next_digit(k + 1)).then(|| self.digits(k + 1));
        let trailing = |e: usize| matches!(self.ch(e), Some('.' | ':')) && next_digit(e + 1);
        match third {
            None if mn == 2 && n <= 2 && val <= 24 && m < 60 && self.ch(k) != Some('%') => {
                self.push(Tok::Clock { h: val, m, s: 0, zero }, i, k);
                return self.suffix(k);
            }
            Some((s, 2, e))
                if sep == Some(':') && mn == 2 && n <= 2 && val <= 24 && m < 60 && s < 60 && !trailing(e) =>
            {
                self.push(Tok::Clock { h: val, m, s, zero }, i, e);
                return self.suffix(e);
            }
            Some((d, 1 | 2, e)) if sep == Some('.') && n == 4 && mn <= 2 && !trailing(e) => {
                self.push(Tok::Iso { y: val, m, d }, i, e);
                return e;
            }
            Some((y, 2 | 4, e)) if sep == Some('.') && n <= 2 && mn <= 2 && !trailing(e) => {
                let y = if y < 100 { y + 2000 } else { y };
                self.push(Tok::Dmy { d: val, m, y }, i, e);
                return e;
            }
            None if sep == Some('.') && n <= 3 && mn <= 2 && self.ch(k) != Some('%') => {
                let hundredths = if mn == 1 { m * 10 } else { m };
                self.push(Tok::Dec(val.saturating_mul(100).saturating_add(hundredths)), i, k);
                return k;
            }
            _ => {}
        }
        // a percentage, a version or an IP address: not something we read
        let mut k = k;
        while self.ch(k).is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ':' || c == '%') {
            k += 1;
        }
        k
    }

    /// An ISO 8601 timestamp starting at `i` whose date `ymd` ends at `e`:
    /// "2027-01-05T13:15:30Z", "2027-01-05T13:15:30.25+02:00", "2026-8-10T12:00".
    fn stamp(&mut self, i: usize, e: usize, ymd: (u32, u32, u32)) -> Option<usize> {
        if !matches!(self.ch(e), Some('T' | 't')) {
            return None;
        }
        let digit = |k: usize| self.ch(k).is_some_and(|c| c.is_ascii_digit());
        let (h, hn, k) = self.digits(e + 1);
        if hn != 2 || self.ch(k) != Some(':') || !digit(k + 1) {
            return None;
        }
        let (mi, mn, mut k) = self.digits(k + 1);
        let mut s = 0;
        if mn != 2 {
            return None;
        }
        if self.ch(k) == Some(':') && digit(k + 1) {
            let (sv, sn, k2) = self.digits(k + 1);
            if sn != 2 {
                return None;
            }
            (s, k) = (sv, k2);
            if matches!(self.ch(k), Some('.' | ',')) && digit(k + 1) {
                k = self.digits(k + 1).2; // fractions of a second are dropped
            }
        }
        let offset = match self.ch(k) {
            Some('Z' | 'z') => {
                k += 1;
                Some(0)
            }
            Some(c @ ('+' | '-')) if digit(k + 1) => {
                let sign = if c == '-' { -1 } else { 1 };
                let (oh, ohn, k2) = self.digits(k + 1);
                let (oh, om, k2) = match ohn {
                    4 => (oh / 100, oh % 100, k2),
                    2 if self.ch(k2) == Some(':') && digit(k2 + 1) => {
                        let (om, _, k3) = self.digits(k2 + 1);
                        (oh, om, k3)
                    }
                    2 => (oh, 0, k2),
                    _ => return None,
                };
                if oh > 14 || om > 59 {
                    return None;
                }
                k = k2;
                Some(sign * i32::try_from(oh * 3600 + om * 60).ok()?)
            }
            _ => None,
        };
        let num = |v: u32| i8::try_from(v).ok();
        let date = jiff::civil::Date::new(i16::try_from(ymd.0).ok()?, num(ymd.1)?, num(ymd.2)?).ok()?;
        let time = jiff::civil::Time::new(num(h)?, num(mi)?, num(s)?, 0).ok()?;
        self.push(Tok::Stamp { at: date.to_datetime(time), offset }, i, k);
        Some(k)
    }

    /// Meridiem or "ish" glued to a number or clock ("3pm", "3p", "3:30p.m.", "3ish").
    fn suffix(&mut self, j: usize) -> usize {
        let lower = |c: Option<char>| c.map(|c| c.to_ascii_lowercase());
        let (a, b, c, d) =
            (lower(self.ch(j)), lower(self.ch(j + 1)), lower(self.ch(j + 2)), lower(self.ch(j + 3)));
        let mer = match a {
            Some('a') => Mer::Am,
            Some('p') => Mer::Pm,
            Some('i') if b == Some('s') && c == Some('h') && !d.is_some_and(char::is_alphabetic) => {
                self.push(Tok::Word("ish".into()), j, j + 3);
                return j + 3;
            }
            _ => return j,
        };
        let end = match (b, c, d) {
            (Some('m'), x, _) if !x.is_some_and(char::is_alphabetic) => j + 2,
            (Some('.'), Some('m'), Some('.')) => j + 4,
            (Some('.'), Some('m'), x) if !x.is_some_and(char::is_alphabetic) => j + 3,
            (x, _, _) if !x.is_some_and(char::is_alphabetic) => j + 1,
            _ => return j,
        };
        self.push(Tok::Mer(mer), j, end);
        end
    }
}
