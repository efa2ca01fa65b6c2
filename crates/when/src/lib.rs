//! Caller phrases to times. [`understand`] reads what a phone caller says ("do you have
//! anything Tuesday afternoon?") and answers with the instants they mean, in the business's
//! zone. Pure: no I/O, no clock (`now` comes in the [`Context`]), never panics.
//!
//! # What comes back
//!
//! Every time mention, in the order said ([`Understanding::matches`]), and the one the caller
//! means overall ([`Understanding::best`]). A mention is one of three [`Kind`]s:
//! - `Exact`: an instant, `end == start` ("tomorrow at 3").
//! - `Date`: one whole local day, `[00:00, next 00:00)` ("next Tuesday").
//! - `Window`: `[start, end)` ("Friday between 2 and 4", "this weekend", "sometime Friday").
//!
//! A date and a time said together are one mention: "next Tuesday afternoon" is a window on
//! Tuesday, "tomorrow at 3" an exact time, "3pm tomorrow" too. Words in between are fine
//! ("Friday, um, in the afternoon"); "or", "and" and corrections keep mentions apart.
//!
//! # Conventions
//!
//! **Clock times.**
//! - A bare hour 1–7 is pm, 8–11 am, 12 noon: "3" is 15:00, "9" is 09:00, "7:30" is 19:30.
//!   Explicit am/pm wins ("3 a.m.", "3p", "3 PM"), and so do "in the morning", "in the
//!   afternoon", "in the evening", "at night" ("12 at night" is midnight).
//! - A part of the day said with the time picks the reading that falls inside it: "this
//!   morning at 7" is 07:00, "tonight at 8" 20:00, "tonight at 12" midnight, "tonight at 1"
//!   and "tomorrow night at 1am" the small hours after that night's midnight.
//! - 24-hour forms are taken as written: "15:30", "07:30" (a leading zero means 24-hour),
//!   "fifteen hundred", "1500 hours".
//! - "noon"/"midday" is 12:00; "midnight" is the midnight that *ends* the day it is said with
//!   ("Tuesday at midnight" is Wednesday 00:00; alone, the coming midnight).
//! - "half past ten", "quarter to five" (4:45 pm: the named hour decides am/pm), "quarter
//!   of five" (US), "ten past three", "half two" (British, 2:30), "three thirty", "nine oh
//!   five", "930" (after "at" or before am/pm). "half past" or "quarter to" with no hour is the
//!   next time the clock shows it.
//! - A bare number is a time only where its context makes it one: after "at", "around",
//!   "after", "before", "by", "until", "between", "from", "how about", "say", "maybe"; before
//!   am/pm, "o'clock", "works", "is good"; next to a date ("Tuesday 3"); after another time
//!   with "or" ("at 3 or 4"); or when the number is the whole answer ("3", "um, 3?"). Counts,
//!   labels and phone numbers are not times: "I have 3 kids", "for 2 people", "room 12",
//!   "555 1234", "a table for 4", "those two", "45 Elm Street". "for 3" alone stays a count
//!   ("book me for 3" is `None`); "for 3 on Friday" is a time.
//!
//! **Windows of the day** (`[from, to)`, local wall time):
//! morning 06:00–12:00; early morning 06–09; mid-morning 09–11; late morning 10–12;
//! afternoon 12–17; early afternoon 12–14; mid-afternoon 14–16; late afternoon 15–17;
//! evening 17–21; early evening 17–19; late evening 19–21; tonight and night 17–24;
//! late night/late tonight 21–24; lunchtime 11–14; after lunch 13–17; before lunch 06–11;
//! first thing 06–10; end of day (close of business, EOD) 15–18; after work 17–21; before
//! work 06–09; after school 15–18; after dinner 19–22; "later today" now–24:00. An "early",
//! "mid" or "late" before a day word applies to the part after it ("late Friday afternoon").
//! - "after X" is `[X, 24:00)`; "before X" (and "by X", "until X", "no later than X") is
//!   `[06:00, X)`, or `[00:00, X)` when X is 06:00 or earlier; "around X" (and "X-ish",
//!   "about X", "X or so") is `X ± 30 min`; "between X and Y", "from X to Y", "X-Y" is
//!   `[X, Y)`, where an unqualified start takes the end's am/pm ("2 to 4pm") and an end that
//!   would come first moves to pm ("between 6 and 8" is 18:00–20:00).
//! - "I'm at work until 5" means free *after* 5; "come by at 3" / "stop by 3" is 3:00.
//! - Windows together intersect: "tomorrow afternoon after 3" is 15:00–17:00.
//!
//! **Which day.**
//! - A time without a date is its next occurrence: today if it is still ahead (at or after
//!   `now`), else tomorrow. A window without a date is today's while it has not ended, else
//!   tomorrow's. "this morning", "this afternoon", "tonight", "later today" are always today.
//! - A window under way starts at `now` (clipped), whatever made it: "this afternoon" said at
//!   14:10 is 14:10–17:00; "this weekend" said on Saturday starts now. Dates are never clipped.
//! - Weeks run Monday to Sunday.
//! - "Tuesday", "this Tuesday", "on Tuesday": the first Tuesday on or after today. A bare
//!   weekday that is today, with a time already past, means next week's ("Tuesday at 3" said
//!   on a Tuesday at 5 pm). "this coming Tuesday" / "coming Tuesday": the first one after today.
//! - "next Tuesday": said on a Friday, Saturday or Sunday, the coming Tuesday (the first after
//!   today); said Monday to Thursday, the Tuesday of next week. So "next Friday" said on a
//!   Monday is 11 days away, and "next Tuesday" said on a Friday is 4 days away.
//! - "Tuesday week", "a week from Tuesday", "a week on Tuesday": a week after "Tuesday".
//!   "Tuesday after next": a week after "next Tuesday". "Tuesday next week", "next week
//!   Tuesday", "Tuesday of next week": the Tuesday in next week's Monday–Sunday.
//! - "this weekend" (and "the weekend", "over the weekend"): Saturday 00:00 to Monday 00:00,
//!   the current one when said on a Saturday or Sunday; "next weekend" the one after that.
//! - "this week": Monday to next Monday (clipped to now); "next week": next Monday 00:00 to
//!   the Monday after; "the week after next" a week later. "early next week" Mon–Tue, "mid
//!   next week"/"midweek" Tue–Thu, "late next week"/"later next week" Thu–Fri, "later this
//!   week" tomorrow to Sunday, "the rest of the week" today to Sunday.
//! - "end of the week" is its Friday (a `Date`); said on a Saturday or Sunday, next Friday.
//!   "end of next week" is next week's Friday.
//! - "next month": its 1st to the 1st after. "early/mid/late March": days 1–10, 11–20, 21–end;
//!   "the beginning of" days 1–7; "the end of the month"/"end of March" its last 7 days;
//!   "in March"/"sometime in March" the whole month (the next March not yet over).
//! - A month and day without a year is its next occurrence on or after today ("January 3rd"
//!   said in December is next year's); "the 15th" is the next 15th on or after today (a month
//!   without a 31st is skipped for "the 31st"). "3/14" is month/day in the US and Canada and
//!   day/month elsewhere (an impossible reading is swapped: "14/3" is always 14 March).
//! - "the second Tuesday of next month", "the last Friday of March", "the first Monday" (this
//!   month's if still ahead, else next month's).
//! - "Tuesday the 15th": the next 15th that is a Tuesday within six months, else the 15th.
//! - "in N days/weeks/months" keeps the clock time (calendar arithmetic in the zone) and is an
//!   `Exact` instant: "in 3 days" said at 10:15 is 10:15 three days on, across a DST change
//!   too. "in N hours/minutes" is elapsed time ("in 24 hours" across a spring-forward lands at
//!   a wall time one hour later). "within the next 2 hours", "in the next few days" are
//!   windows from now. "a couple" is 2, "a few" 3, "a fortnight" 2 weeks.
//! - "3 days from now" = "in 3 days"; "a week from Monday", "two days after Christmas", "the
//!   day after tomorrow", "the day before Christmas", "the Monday after Easter" are dates.
//!   "the day after" / "the next day" alone count from the mention before ("tomorrow or the day
//!   after").
//! - Ranges of days: "Monday through Wednesday", "between Tuesday and Thursday", "from the
//!   20th to the 24th", "Thu-Fri" are windows over whole days (after a reschedule verb, "from
//!   Monday to Wednesday" is a move, not a range). "before Friday" is now until Friday 00:00;
//!   "by Friday" and "until Friday" now until the end of Friday; "after Wednesday" the seven
//!   days after it; "I'm away until the 20th" the seven days from the 20th. "by the end of the
//!   week" stays the Friday.
//! - "early in the week" / "later in the week" are this week's (next week's once past).
//! - "the 1st of the month", "the last Friday of the month": this month's, or next month's once
//!   past. "the long weekend": the next weekend joined to a Monday or Friday holiday of the
//!   country (Good Friday through Easter Monday where Easter Monday is a holiday). "Labor Day
//!   weekend", "Thanksgiving weekend" (Thursday–Sunday), "Easter weekend" (Friday–Monday): the
//!   days off around the holiday.
//! - "sometime Friday", "any time Friday", "Friday, all day", "whenever on Friday", "today at
//!   some point": the whole day as a `Window`.
//!   A multi-day range with a time of day ("any afternoon next week") is one window from the
//!   first afternoon still open to the last one; with an exact time ("next week at 3"), the
//!   first day whose 3 pm is still ahead.
//! - Holidays of [`Country`] (the next occurrence on or after today): New Year's Day and Eve,
//!   Christmas Eve/Day, Boxing Day (St Stephen's Day), Thanksgiving (US: 4th Thursday of
//!   November; Canada: 2nd Monday of October; "American"/"Canadian Thanksgiving" say which),
//!   Black Friday, Memorial Day, Labor/Labour Day (US/Canada 1st Monday of September; NZ 4th
//!   Monday of October; Australia by state from the zone), Independence Day, Canada Day,
//!   Victoria Day (Monday before 25 May), Good Friday, Easter, Easter Monday, MLK Day,
//!   Presidents' Day, Family Day, Columbus Day, Veterans/Remembrance Day, Juneteenth,
//!   Valentine's Day, St Patrick's Day, Halloween, Mother's Day (UK/Ireland: Mothering Sunday),
//!   Father's Day, Civic Holiday, Australia Day, Anzac Day, Waitangi Day, King's Birthday, UK
//!   and Irish bank holidays, St Brigid's Day. "Merry Christmas" is a greeting, not a date.
//!
//! **Durations, now, and from now.**
//! - "in 1.5 hours", "in 90 minutes", "in an hour and a half", "in a quarter of an hour", "in
//!   about half an hour", "in 1d 2h", "in 2 hours and 15 minutes", "+15 min" are elapsed time;
//!   "2 days later", "three weeks out", "a week hence" are "in 2 days" and so on; "in 2 years"
//!   counts years. "next 2 days", "the next few hours", "next hour" (the coming 60 minutes),
//!   "within the week" (to Monday 00:00) and "within the month" are windows from now.
//! - "now", "right now", "ASAP", "immediately", "right away" are `now`, an `Exact` instant;
//!   "now" only when it is the answer or asked for ("are you free now"), not "now, about
//!   Friday". "as soon as possible" spelled out stays a wish (`None`): the first free slot.
//! - "the next weekday", "next business day", "next working day": the first Monday to Friday
//!   after today.
//!
//! **Months, years, quarters, seasons** (windows).
//! - A month named alone is one when it is the whole answer ("May"; not "May I book"), has its
//!   year ("September 2027", "9/2027", "march next year") or a preposition ("in September").
//! - "next year", "this year", "in 2027"; "early/mid/late next year" are its first, middle and
//!   last four months, "the beginning/end of the year" its first/last two weeks.
//! - "next quarter", "this quarter", "Q3", "Q3 2027", "the third quarter": calendar quarters.
//! - "this summer", "next winter", "summer 2027", "in the spring": March–May, June–August,
//!   September–November, December–February (the other way round in Australia and New Zealand);
//!   without a year, the season not yet over.
//! - "the first week of April" (days 1–7; the second 8–14, ...), "the last week of April" (its
//!   last seven days), "the last day of February", "the first day of next month".
//!
//! **Written dates and times.** "2027/8/10", "2027-08-10", "2026.04.02"; "8/10" (month first
//! in the US and Canada, else day first; always day first in Spanish); "10.8.2027" (dots are
//! day first); "Aug 10th '27"; "10-AUG-2027"; ISO timestamps ("2027-01-05T13:15:30Z",
//! "…+02:00"; without an offset, the business's zone) read exactly, seconds kept; "20:32:13";
//! "15h30". Scores and decimals are not times ("12.53%", "12.53 out of 20", "101 points").
//!
//! **Zones.** A zone named after a time is where that time is read: "3pm eastern", "10:30 PST",
//! "noon Pacific", "2 o'clock central time", "14:00 CET", "8am AEST", "noon GMT", "10:00
//! UTC+2", "4pm London time". Region words and abbreviations name the region's zone ("PST" in
//! July is Pacific time). "my time" is [`Context::caller_tz`] (the business's zone when unknown),
//! "your time" and "local time" the business's. [`Mention::zone`] is the zone named; the
//! instants are already right, so converting is only showing them in `ctx.tz`. A date said
//! without a time keeps the business's days.
//!
//! **Ranges with shared parts**: "22–23 Feb", "Feb 22-23", "from the 10th to the 12th of
//! August", "10 August – 12 September 2027" (a year said once holds for both ends) are windows
//! over whole days; "22–23 Feb at 7pm" is the first of those 7 pms still ahead. "10 to 11 at
//! night" shares "at night" (22:00–23:00).
//!
//! **Refusals.** A time said but out of reach is not moved: "Jan 1 3000" (more than two years
//! ahead) and "March 3rd 2020" (a written date already gone) give no `best` and an
//! [`Understanding::refusal`], whose [`Refusal::reason`] is a short sentence in the language.
//!
//! **All instants** are computed in the context's zone: a wall time in a DST gap moves forward
//! by the gap, a wall time in a fold takes the earlier instant (jiff's `compatible`).
//! Mentions starting more than a day before `now` ("earlier this week" said on Friday) or more
//! than two years after it are dropped. Past references ("yesterday", "last Tuesday", "2 days
//! ago") are recognised and set aside. Only the first 10,000 bytes of the text are read.
//!
//! **Several mentions and corrections.**
//! - "or", "and", "but", "except", "not" and corrections keep parts apart; a date and a time
//!   otherwise join across filler and punctuation ("Tuesday. At 3.").
//! - `best` is the first mention, unless a later one corrects it ("no wait", "no", "sorry",
//!   "I mean", "actually", "make that", "rather", "scratch that", "on second thought", "how
//!   about", "instead", "would be better", "move it to"), refines it (lies inside it: "next
//!   week, maybe Tuesday afternoon"), or it is turned down ("not Tuesday", "I can't do Tuesday",
//!   "Tuesday doesn't work"): "Tuesday — no wait, Thursday" is Thursday.
//! - Alternatives keep the first: "Tuesday or Wednesday" matches both, `best` is Tuesday (a
//!   caller offering alternatives usually means the first works).
//! - Options share what is said once: "around 2 or 3 on Friday" puts both on Friday; "9 or 10
//!   in the morning" and "5 or 6 pm" give the first option the second's am/pm.
//! - A correction that names only a time keeps the date before it ("Tuesday at 3 — no, 4" is
//!   Tuesday 16:00; "Tuesday at 3 or 4" matches Tuesday 15:00 and Tuesday 16:00); one that
//!   names only a day keeps the time ("Tuesday at 3 — no, Thursday" is Thursday 15:00).
//! - A refusal drops the mention it covers ("Tuesday at 3 ... actually Tuesday doesn't work"),
//!   not a larger one around it ("next week, but not Monday" is still next week).
//! - When every mention is turned down, `best` is `None`; it is also `None` when nothing in the
//!   text is a time. Names and ordinary words are not times: "my name is April", "May I book",
//!   "Mr Sunday", "just a second", "one more thing", "good morning".
//!
//! The country comes from the zone ([`Context::new`]); set [`Context::country`] to override it
//! (a business in Paris that wants US holidays and month-first dates).
//!
//! **Spelling.** Case and punctuation do not matter; abbreviations and common misspellings do
//! what a reader expects ("Tues.", "thurs", "tmrw", "tomorow", "wensday", "2moro", "tonite",
//! "arvo"), and long time words one typo off are corrected.
//!
//! # Languages
//!
//! [`Context::language`] picks the words. Spanish reads the same breadth: "hoy", "mañana",
//! "pasado mañana", "el martes que viene" and "el próximo martes" (the first Tuesday after
//! today), "la semana que viene", "el 15 de marzo", "dentro de dos horas", "en media hora", "a
//! las diez y media", "a las cuatro menos cuarto", "a eso de las cuatro", "sobre las cinco",
//! "por/de la mañana, tarde, noche", "mañana temprano", "mediodía", "medianoche", "entre las 2
//! y las 4", "del 10 al 12 de agosto", numbers in words ("treinta y uno"), corrections and
//! refusals ("no, mejor el viernes", "el martes no puedo", "o el miércoles"), "ahora", "lo
//! antes posible", with or without accents. "mañana" is tomorrow, and the morning after an
//! article or a preposition: "mañana por la mañana" is tomorrow morning. Numeric dates are day
//! first. English words a Spanish caller mixes in are read too.
//!
//! # How it works
//!
//! `lang` holds a lexicon per language: data (words, number words, weekday names, phrases with
//! a small pattern language that also reorders, refusal sentences) that rewrites the language's
//! words into the one vocabulary the grammar reads, English's. English needs no rewriting; a
//! third language is a new table there, plus grammar only for what that vocabulary cannot say.
//!
//! `lexer` splits the text into words, numbers (with "3pm", "15th", "twenty-first" taken
//! apart), clock times and punctuation, keeping byte spans. `parse` then takes, at each token,
//! the longest date expression (`dates`, `numbered`, `months`, `spans`, `ranges`, `relative`,
//! `holidays`) or time expression (`times` for clock times, `windows` for their prepositions
//! and parts of the day); bare numbers stay only where their context makes them times.
//! `combine` joins neighbouring date and time parts into mentions and reads the words between
//! them (`markers`: corrections, alternatives, refusals), and `resolve` places each mention on
//! the time line in the zone (`cal` holds the calendar arithmetic), in the zone the caller
//! named (`zones`) when they named one. `years` reads years, quarters and seasons.

#![forbid(unsafe_code)]

mod api;
mod cal;
mod combine;
mod country;
mod dates;
mod holidays;
mod lang;
mod lexer;
mod markers;
mod months;
mod numbered;
mod parse;
mod parts;
mod ranges;
mod relative;
mod resolve;
mod spans;
mod times;
mod windows;
mod words;
mod years;
mod zones;

pub use country::Country;

pub use api::{Context, Kind, Language, Mention, Refusal, Understanding};

/// Longest input read, in bytes; a caller's phrase is far shorter.
const MAX_INPUT: usize = 10_000;

/// Reads `text` as said at `ctx.now` to a business in `ctx.tz`.
pub fn understand(text: &str, ctx: &Context) -> Understanding {
    let mut cut = text.len().min(MAX_INPUT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = text.get(..cut).unwrap_or_default();
    let lex = lang::lexicon(ctx.language);
    let env = parts::Env::new(ctx.now, ctx.tz.clone(), ctx.country, ctx.caller_tz.clone(), lex);
    let toks = lang::rewrite(lexer::lex(text, lex), lex);
    let p = parts::P::new(&toks, &env, text);
    let found = parse::scan(&p);
    combine::understand(&p, &found)
}
