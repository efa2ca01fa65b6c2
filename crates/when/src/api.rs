//! The public types: what comes back ([`Mention`], [`Understanding`], [`Refusal`]) and what goes
//! in ([`Context`], [`Language`]).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::Country;
use crate::lang;

/// What a mention is: an instant, a whole local day, or a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Exact,
    Date,
    Window,
}

impl Kind {
    /// `"exact"`, `"date"` or `"window"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::Date => "date",
            Kind::Window => "window",
        }
    }
}

/// One time mention in the caller's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The words of the input this mention came from (as written).
    pub text: String,
    /// Byte range of `text` in the input.
    pub span: (usize, usize),
    pub kind: Kind,
    pub start: Timestamp,
    /// `Exact`: equal to `start`. `Date`: the next local midnight. `Window`: exclusive end.
    pub end: Timestamp,
    /// The zone the caller named ("3pm eastern", "10:30 PST", an ISO offset; "5pm my time" when
    /// [`Context::caller_tz`] is known), `None` when they named none. `start` and `end` are
    /// already the right instants: show them in the business's zone to convert.
    pub zone: Option<TimeZone>,
}

/// Every mention found, in order, and the one the caller means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Understanding {
    pub best: Option<Mention>,
    pub matches: Vec<Mention>,
    /// Why a time that was said cannot be offered ("Jan 1 3000"); set only when `best` is
    /// `None`.
    pub refusal: Option<Refusal>,
}

/// Why a time the caller said is refused rather than read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// More than two years ahead.
    TooFar,
    /// A dated day already gone ("March 3rd 2020").
    Past,
}

impl Refusal {
    /// A short plain sentence saying why, in `language`.
    pub fn reason(&self, language: Language) -> String {
        let lex = lang::lexicon(language);
        match self {
            Refusal::TooFar => lex.too_far,
            Refusal::Past => lex.past,
        }
        .to_string()
    }

    /// `"too_far"` or `"past"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::TooFar => "too_far",
            Refusal::Past => "past",
        }
    }
}

/// The language a phrase is said in (and answers are spoken in).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (the default).
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Language {
    /// Every language, in the order they were added.
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    /// Its ISO 639-1 code: `"en"`, `"es"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    /// The language of an ISO 639-1 code (case-insensitive; a region such as `es-MX` is
    /// ignored), if it is one Sked speaks.
    pub fn from_code(code: &str) -> Option<Language> {
        let base = code.trim().split(['-', '_']).next().unwrap_or_default();
        Language::ALL.into_iter().find(|l| l.as_str().eq_ignore_ascii_case(base))
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Exactly a code Sked speaks (`en`, `es`), as stored and as the API takes it.
impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a known language"))
    }
}

/// How the store reads a stored code back (an unknown one is an error, never the default).
impl TryFrom<String> for Language {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// When and where the phrase is heard.
#[derive(Clone, Debug)]
pub struct Context {
    pub now: Timestamp,
    pub tz: TimeZone,
    pub country: Country,
    /// The language the phrase is read in.
    pub language: Language,
    /// The caller's own zone, when the agent knows it: what "my time" means. `None`: unknown,
    /// and "my time" is read in the business's zone.
    pub caller_tz: Option<TimeZone>,
}

impl Context {
    /// A context whose country comes from the zone ([`Country::from_zone`]), in English, with
    /// the caller's zone unknown.
    pub fn new(now: Timestamp, tz: TimeZone) -> Context {
        let country = Country::from_zone(&tz);
        Context { now, tz, country, language: Language::En, caller_tz: None }
    }

    /// The same context, knowing the caller's own zone.
    pub fn with_caller_tz(self, caller_tz: TimeZone) -> Context {
        Context { caller_tz: Some(caller_tz), ..self }
    }

    /// The same context, reading phrases in `language`.
    pub fn in_language(self, language: Language) -> Context {
        Context { language, ..self }
    }
}
