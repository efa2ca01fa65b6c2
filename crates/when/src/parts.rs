//! What the parsers produce: date parts and time parts over token ranges, plus the cursor the
//! parsers read tokens through.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::Country;
use crate::lexer::{Mer, Num, Tok, Token};

/// The context, digested once: `now` in the zone, today's date, the minute of the day.
#[derive(Debug)]
pub(crate) struct Env {
    pub now: Timestamp,
    pub zoned: Zoned,
    pub today: Date,
    pub tz: TimeZone,
    pub country: Country,
    pub now_min: u16,
    /// The caller's own zone, when known ("5pm my time").
    pub caller: Option<TimeZone>,
    /// The language the words are read in.
    pub lang: &'static crate::lang::Lexicon,
}

impl Env {
    pub(crate) fn new(
        now: Timestamp,
        tz: TimeZone,
        country: Country,
        caller: Option<TimeZone>,
        lang: &'static crate::lang::Lexicon,
    ) -> Env {
        let zoned = now.to_zoned(tz.clone());
        let now_min = u16::try_from(i32::from(zoned.hour()) * 60 + i32::from(zoned.minute())).unwrap_or(0);
        Env { now, today: zoned.date(), zoned, tz, country, now_min, caller, lang }
    }

    /// The same moment seen from another zone (a time said in "eastern").
    pub(crate) fn in_zone(&self, tz: TimeZone) -> Env {
        Env::new(self.now, tz, self.country, self.caller.clone(), self.lang)
    }
}

/// How an hour was qualified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mers {
    /// Explicit am, or "in the morning".
    Am,
    /// Explicit pm, or "in the afternoon/evening".
    Pm,
    /// "at night": pm, and 12 is midnight.
    Night,
    /// A bare hour: the 1–7 pm / 8–11 am / 12 noon rule applies unless a window hints.
    Bare,
    /// 24-hour notation ("15:30", "07:30"), noon and midnight.
    H24,
}

/// A clock time as said: hour, minute, meridiem, and minutes to subtract ("quarter to five").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clock {
    pub h: u8,
    pub m: u8,
    /// Seconds, when written ("20:32:13").
    pub s: u8,
    pub delta: i8,
    pub mer: Mers,
}

impl Clock {
    pub(crate) fn new(h: u8, m: u8, mer: Mers) -> Clock {
        Clock { h, m, s: 0, delta: 0, mer }
    }

    pub(crate) fn with(self, mer: Option<Mer>) -> Clock {
        match mer {
            Some(Mer::Am) => Clock { mer: Mers::Am, ..self },
            Some(Mer::Pm) => Clock { mer: Mers::Pm, ..self },
            None => self,
        }
    }
}

/// A time of day, or a window of the day, not yet placed on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeVal {
    At(Clock),
    Around(Clock),
    After(Clock),
    Before(Clock),
    Between(Clock, Clock),
    /// A named window in minutes of the day; `hint` when it tells am from pm ("morning").
    Fixed {
        from: u16,
        to: u16,
        hint: bool,
    },
    /// "half past" with no hour: the next time the clock shows this minute.
    NextMinute(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimePart {
    pub val: TimeVal,
    /// Said with "this"/"tonight"/"later today": today, even when already past.
    pub today: bool,
    /// "first thing": on a span of days, the first of them that is still ahead.
    pub first: bool,
}

/// A resolved date, range of dates or instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateVal {
    Day(Date),
    /// Days `[start, end)`.
    Days(Date, Date),
    /// An instant from "in 3 days" (keeps the clock, `day` set) or "in 2 hours" (elapsed).
    Moment {
        at: Timestamp,
        day: Option<Date>,
        weeks: bool,
    },
    /// Instants `[from, to)`: "within the next 2 hours".
    Instants(Timestamp, Timestamp),
    /// Days after the previous mention's date: "the day after", "the next day".
    Prev(i8),
}

/// Where a date came from; decides which dates may merge ("Tuesday the 15th").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Src {
    Weekday,
    DayOfMonth,
    Explicit,
    Week,
    Month,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DatePart {
    pub val: DateVal,
    pub src: Src,
    /// The weekday named without a week ("Tuesday", "this Tuesday").
    pub weekday: Option<Weekday>,
    /// The day of the month named without a month ("the 15th").
    pub dom: Option<i8>,
    /// A bare weekday that fell on today: move a week on if its time is already past.
    pub roll: bool,
}

impl DatePart {
    pub(crate) fn new(val: DateVal, src: Src) -> DatePart {
        DatePart { val, src, weekday: None, dom: None, roll: false }
    }

    pub(crate) fn day(d: Date) -> DatePart {
        DatePart::new(DateVal::Day(d), Src::Other)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    Date(DatePart),
    Time(TimePart),
    /// Recognised and set aside: past references ("last Tuesday") and greetings ("merry
    /// Christmas"). It keeps its words from being read as a mention.
    Ignored,
}

/// A part over tokens `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    pub what: What,
    pub from: usize,
    pub to: usize,
    /// A bare number with nothing yet saying it is a time.
    pub weak: bool,
    /// The zone named with it ("3pm eastern", an ISO offset).
    pub zone: Option<crate::zones::ZoneRef>,
}

/// A parse result: the value and the index of the first token after it.
pub(crate) type Hit<T> = Option<(T, usize)>;

/// Which part of a week or month a phrase asks for ("early", "the end of", "the rest of").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Whole,
    /// "the beginning of": a month's first week; a week's early part.
    Begin,
    Early,
    Mid,
    Late,
    End,
    Later,
    Rest,
}

/// The phrases that pick a piece of a week or a month, longest first.
pub(crate) const PIECES: &[(&[&str], Piece)] = &[
    (&["the", "end", "of"], Piece::End),
    (&["end", "of"], Piece::End),
    (&["the", "beginning", "of"], Piece::Begin),
    (&["beginning", "of"], Piece::Begin),
    (&["the", "start", "of"], Piece::Begin),
    (&["start", "of"], Piece::Begin),
    (&["the", "middle", "of"], Piece::Mid),
    (&["middle", "of"], Piece::Mid),
    (&["the", "rest", "of"], Piece::Rest),
    (&["rest", "of"], Piece::Rest),
    (&["early"], Piece::Early),
    (&["mid"], Piece::Mid),
    (&["late"], Piece::Late),
    (&["later"], Piece::Later),
];

/// Read-only view of the tokens for the parsers.
#[derive(Debug)]
pub(crate) struct P<'a> {
    pub toks: &'a [Token],
    pub env: &'a Env,
    pub text: &'a str,
    /// First and last tokens that are not filler or punctuation.
    pub content: Option<(usize, usize)>,
    /// The first reschedule verb ("move", "change", ...).
    pub first_change: Option<usize>,
    /// The last token that could join the two ends of a range ("to", "through", "and", a dash,
    /// or a hyphen before it): no range starts at or after it.
    pub last_joiner: Option<usize>,
}

impl<'a> P<'a> {
    pub(crate) fn new(toks: &'a [Token], env: &'a Env, text: &'a str) -> P<'a> {
        let filler = |t: &Token| match &t.tok {
            Tok::Word(w) => crate::words::is_filler(w),
            Tok::Comma | Tok::Stop | Tok::Dash => true,
            _ => false,
        };
        let first = toks.iter().position(|t| !filler(t));
        let last = toks.iter().rposition(|t| !filler(t));
        let first_change =
            toks.iter().position(|t| matches!(&t.tok, Tok::Word(w) if crate::markers::is_change_verb(w)));
        let hyphen_before = |k: usize| {
            let gap = k.checked_sub(1).and_then(|j| text.get(toks.get(j)?.end..toks.get(k)?.start));
            gap.is_some_and(|g| g.contains(['-', '\u{2013}']))
        };
        let last_joiner = toks.iter().enumerate().rev().find_map(|(k, t)| {
            let joins = match &t.tok {
                Tok::Word(w) => matches!(w.as_str(), "to" | "through" | "until" | "till" | "and"),
                Tok::Dash => true,
                _ => false,
            };
            (joins || hyphen_before(k)).then_some(k)
        });
        P { toks, env, text, content: first.zip(last), first_change, last_joiner }
    }

    /// Everything outside `[from, to)` is filler: "um, 3?", "sat".
    pub(crate) fn alone(&self, from: usize, to: usize) -> bool {
        self.content.is_none_or(|(a, b)| a >= from && b < to)
    }
}

impl P<'_> {
    pub(crate) fn tok(&self, i: usize) -> Option<&Tok> {
        self.toks.get(i).map(|t| &t.tok)
    }

    pub(crate) fn word(&self, i: usize) -> Option<&str> {
        match self.tok(i) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    pub(crate) fn is(&self, i: usize, w: &str) -> bool {
        self.word(i) == Some(w)
    }

    pub(crate) fn any(&self, i: usize, ws: &[&str]) -> bool {
        self.word(i).is_some_and(|w| ws.contains(&w))
    }

    /// The words `ws` start at `i`: the index after them.
    pub(crate) fn seq(&self, i: usize, ws: &[&str]) -> Option<usize> {
        ws.iter().enumerate().all(|(k, w)| self.is(i + k, w)).then_some(i + ws.len())
    }

    /// The first of `phrases` that starts at `i`: the index after it.
    pub(crate) fn one_of(&self, i: usize, phrases: &[&[&str]]) -> Option<usize> {
        phrases.iter().find_map(|ph| self.seq(i, ph))
    }

    pub(crate) fn num(&self, i: usize) -> Option<Num> {
        match self.tok(i) {
            Some(Tok::Num(n)) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn mer(&self, i: usize) -> Option<Mer> {
        match self.tok(i) {
            Some(Tok::Mer(m)) => Some(*m),
            _ => None,
        }
    }

    /// The word before `i`, if `i - 1` is a word.
    pub(crate) fn prev(&self, i: usize, back: usize) -> Option<&str> {
        i.checked_sub(back).and_then(|k| self.word(k))
    }

    /// The token at `i` ends at a clause boundary (punctuation) or the end of the text.
    pub(crate) fn boundary(&self, i: usize) -> bool {
        matches!(self.tok(i), None | Some(Tok::Comma | Tok::Stop | Tok::Dash))
    }

    /// The original text of token `i` ends with a period ("Tues.").
    pub(crate) fn dotted(&self, i: usize) -> bool {
        self.toks.get(i).and_then(|t| self.text.get(t.start..t.end)).is_some_and(|s| s.ends_with('.'))
    }

    /// Token `i` is written with a capital letter.
    pub(crate) fn capitalized(&self, i: usize) -> bool {
        let first = self.toks.get(i).and_then(|t| self.text.get(t.start..)).and_then(|s| s.chars().next());
        first.is_some_and(char::is_uppercase)
    }

    /// The word before `i` names a person ("Mr Sunday", "my name is April").
    pub(crate) fn is_name(&self, i: usize) -> bool {
        const TITLES: &[&str] =
            &["mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "mister", "named", "called"];
        self.prev(i, 1).is_some_and(|w| TITLES.contains(&w))
            || (self.is(i.wrapping_sub(1), "is") && self.is(i.wrapping_sub(2), "name"))
            || self.is(i.wrapping_sub(1), "names")
            || (self.any(i.wrapping_sub(1), &["im"]) && self.boundary(i + 1))
            || (self.is(i.wrapping_sub(1), "is")
                && self.is(i.wrapping_sub(2), "this")
                && (self.boundary(i + 1) || self.capitalized(i + 1)))
            || (self.boundary(i.wrapping_sub(1)) && self.any(i + 1, &["here", "speaking", "calling"]))
    }
}
