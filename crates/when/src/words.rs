//! Word tables: spelling variants, number words, weekday and month names, and the small word
//! classes the grammar asks about (count nouns, fillers).

use jiff::civil::Weekday;

/// Maps a variant spelling or abbreviation to the one form the grammar knows.
pub(crate) fn alias(w: &str) -> Option<&'static str> {
    Some(match w {
        "tmrw" | "tmr" | "tmrow" | "tmw" | "tmrrw" | "tomo" | "tomoz" | "tomorow" | "tommorow"
        | "tommorrow" | "tomorrrow" | "tomarrow" | "tomorro" | "tomoro" | "tommorro" | "tomrw"
        | "tomrrow" | "tomorrw" | "morrow" => "tomorrow",
        "tdy" => "today",
        "tonite" | "tonght" | "tonigh" | "toniht" | "tnight" => "tonight",
        "tues" | "tue" | "tuseday" | "teusday" | "tuesdy" | "tusday" | "tuesay" | "tuesdays" => "tuesday",
        "wednes" | "wednsday" | "wensday" | "wendsday" | "wedensday" | "wednesay" | "wedsday" | "weds"
        | "wedneday" | "wednseday" | "wednesdays" | "wenesday" => "wednesday",
        "thur" | "thurs" | "thu" | "thursdy" | "thrusday" | "thurday" | "thursay" | "thurdsay" | "thrus"
        | "thursdays" | "thurdsday" => "thursday",
        "fri" | "fryday" | "firday" | "fridy" | "frday" | "fridays" => "friday",
        "monady" | "mondy" | "mondays" | "monay" => "monday",
        "saterday" | "satuday" | "saturady" | "satday" | "satruday" | "saturdays" | "satur" => "saturday",
        "sundy" | "sundays" | "sunay" => "sunday",
        "jan" => "january",
        "feb" | "febuary" | "febrary" | "feburary" => "february",
        "apr" => "april",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" | "sept" => "september",
        "oct" => "october",
        "nov" => "november",
        "dec" => "december",
        "arvo" | "aft" | "afternoons" | "afternon" | "aftenoon" => "afternoon",
        "morn" | "mornin" | "mornings" | "mornng" | "moring" => "morning",
        "evenings" | "evning" | "eveing" | "evenin" => "evening",
        "nite" | "nights" => "night",
        "xmas" | "chrismas" | "christmass" | "cristmas" | "crimbo" => "christmas",
        "labour" => "labor",
        "hr" | "hrs" => "hours",
        "min" | "mins" => "minutes",
        "wk" | "wks" => "weeks",
        "approx" | "abt" => "about",
        "b4" => "before",
        "til" | "till" | "untill" => "until",
        "thru" => "through",
        "pls" | "plz" => "please",
        "okay" | "k" => "ok",
        "weekends" => "weekend",
        "midmorning" => "midmorning",
        "nxt" => "next",
        "dinnertime" => "dinner",
        "suppertime" | "supper" => "dinner",
        _ => return None,
    })
}

/// Words known to the grammar (after aliasing) that fuzzy matching may correct towards.
const FUZZY_TARGETS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "tomorrow",
    "tonight",
    "morning",
    "afternoon",
    "evening",
    "january",
    "february",
    "september",
    "october",
    "november",
    "december",
    "christmas",
    "thanksgiving",
    "lunchtime",
    "weekend",
];

/// Real words that sit one edit away from a target and must not be corrected.
const FUZZY_KEEP: &[&str] =
    &["sundae", "mourning", "moaning", "mooring", "tonights", "weekday", "evenings", "opening"];

/// Corrects a misspelling of a long time word (one edit, or two for long words).
pub(crate) fn fuzzy(w: &str) -> Option<&'static str> {
    let n = w.len();
    if !(6..=14).contains(&n) || !w.bytes().all(|b| b.is_ascii_lowercase()) || FUZZY_KEEP.contains(&w) {
        return None;
    }
    FUZZY_TARGETS.iter().copied().find(|t| {
        let limit = if n >= 9 && t.len() >= 9 { 2 } else { 1 };
        t.len().abs_diff(n) <= limit && t.as_bytes()[0] == w.as_bytes()[0] && within(w, t, limit)
    })
}

/// Damerau–Levenshtein distance (optimal string alignment) is at most `limit`.
fn within(a: &str, b: &str, limit: usize) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 16 || b.len() > 16 {
        return false;
    }
    let mut d = [[0usize; 17]; 17];
    for (i, row) in d.iter_mut().enumerate().take(a.len() + 1) {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()] <= limit
}

/// A spelled number: its value and whether it is an ordinal ("third").
pub(crate) fn number_word(w: &str) -> Option<(u32, bool)> {
    const CARD: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ORD: [&str; 20] = [
        "zeroth",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ];
    if let Some(n) = CARD.iter().position(|c| *c == w) {
        return Some((n as u32, false));
    }
    if let Some(n) = ORD.iter().position(|c| *c == w).filter(|n| *n > 0) {
        return Some((n as u32, true));
    }
    Some(match w {
        "twenty" => (20, false),
        "thirty" => (30, false),
        "forty" | "fourty" => (40, false),
        "fifty" => (50, false),
        "sixty" => (60, false),
        "seventy" => (70, false),
        "eighty" => (80, false),
        "ninety" => (90, false),
        "twentieth" => (20, true),
        "thirtieth" => (30, true),
        "forth" => (4, true),
        _ => return None,
    })
}

/// A weekday name; `true` when the word is also an ordinary word ("sat", "sun", "mon").
pub(crate) fn weekday(w: &str) -> Option<(Weekday, bool)> {
    Some(match w {
        "monday" => (Weekday::Monday, false),
        "tuesday" => (Weekday::Tuesday, false),
        "wednesday" | "wed" => (Weekday::Wednesday, false),
        "thursday" => (Weekday::Thursday, false),
        "friday" => (Weekday::Friday, false),
        "saturday" => (Weekday::Saturday, false),
        "sunday" => (Weekday::Sunday, false),
        "mon" => (Weekday::Monday, true),
        "tu" => (Weekday::Tuesday, true),
        "sat" => (Weekday::Saturday, true),
        "sun" => (Weekday::Sunday, true),
        _ => return None,
    })
}

/// A month name (1–12); `true` when the word is also an ordinary word or a first name.
pub(crate) fn month(w: &str) -> Option<(i8, bool)> {
    Some(match w {
        "january" => (1, false),
        "february" => (2, false),
        "march" | "mar" => (3, true),
        "april" => (4, true),
        "may" => (5, true),
        "june" => (6, true),
        "july" => (7, false),
        "august" => (8, true),
        "september" => (9, false),
        "october" => (10, false),
        "november" => (11, false),
        "december" => (12, false),
        _ => return None,
    })
}

/// Words after a number that make it a count or an amount rather than a time.
pub(crate) fn is_count_noun(w: &str) -> bool {
    COUNT_NOUNS.contains(&w)
}

#[rustfmt::skip]
const COUNT_NOUNS: &[&str] = &[
    "people", "person", "persons", "guests", "guest", "adults", "adult", "kids", "kid", "children",
    "child", "of", "pets", "dogs", "cats", "rooms", "room", "bedrooms", "bedroom", "bed", "beds",
    "baths", "bathrooms", "bath", "units", "unit", "items", "times", "things", "questions", "minutes",
    "minute", "hours", "hour", "days", "day", "weeks", "week", "months", "month", "years", "year", "yr",
    "dollars", "bucks", "pounds", "euros", "cents", "percent", "miles", "km", "feet", "ft", "sq",
    "square", "floor", "floors", "storey", "stories", "cars", "boxes", "bags", "more", "extra", "total",
    "seconds", "secs", "sec", "appointments", "sessions", "session", "visits", "tickets", "seats",
    "spots", "slots", "options", "houses", "properties", "apartments", "offices", "doors", "blocks",
    "stops", "people's", "yo", "yrs", "kilos", "kg", "lbs", "k", "grand", "million", "thousand",
    "hundred", "points", "pts", "goals", "runs", "stars", "votes",
];

/// Words before a number that make it a label or a count ("room 12", "party of 4").
pub(crate) fn is_count_cue(w: &str) -> bool {
    COUNT_CUES.contains(&w)
}

#[rustfmt::skip]
const COUNT_CUES: &[&str] = &[
    "room", "suite", "unit", "apt", "apartment", "number", "no", "#", "floor", "lot", "building",
    "bldg", "of", "table", "have", "has", "had", "are", "were", "age", "aged", "ext", "extension",
    "option", "press", "zip", "code", "pin", "account", "bring", "need", "want", "buy", "plus", "minus",
    "page", "step", "level", "gate", "platform", "route", "highway", "interstate", "exit", "channel",
    "size", "version", "chapter", "line", "seat", "row", "lane", "street", "avenue", "ave", "box",
    "bus", "flight", "ticket", "order", "those", "these", "both", "all",
];

/// Words a caller says around a time that carry no meaning of their own.
pub(crate) fn is_filler(w: &str) -> bool {
    FILLERS.contains(&w)
}

#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "er", "erm", "hmm", "hm", "ah", "oh", "maybe", "perhaps", "like", "say",
    "lets", "let", "me", "see", "please", "i", "guess", "think", "so", "well", "ok", "yeah", "yes",
    "yep", "how", "about", "what", "then", "probably", "ideally", "preferably", "sure", "at", "around",
    "would", "be", "good", "great", "fine", "works", "work", "for", "is", "it", "that", "does", "do",
    "you", "can", "we", "could", "if", "possible", "o", "k",
];
