//! Answers a voice can read: times on the business's clock, days as people say them, lists of
//! options grouped by day and part of day, and confirmation codes spelled out, in the agent's
//! language. What differs between languages is data: [`words`] (names and how times are said)
//! and [`lines`] (every sentence the tools speak).

pub(crate) mod lines;
pub(crate) mod words;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use sked_core::interval::timestamp;
use sked_when::Language;

use lines::Lines;
use words::{Words, fill};

/// How to speak times.
#[derive(Clone, Debug)]
pub struct Voice {
    /// The business's zone: times are said in it.
    pub tz: TimeZone,
    /// The caller's zone, when known: if it differs, the zone is named.
    pub caller_tz: Option<TimeZone>,
    /// 24-hour clock (`14:30`) instead of 12-hour (`2:30 in the afternoon`).
    pub clock_24h: bool,
    /// Most times in one answer.
    pub max_options: usize,
    /// The current instant, for "today" and "tomorrow".
    pub now: i64,
    /// The language spoken.
    pub language: Language,
}

impl Voice {
    pub(crate) fn words(&self) -> &'static Words {
        match self.language {
            Language::En => &words::ENGLISH,
            Language::Es => &words::SPANISH,
        }
    }

    /// The tools' sentences in this voice's language.
    pub(crate) fn lines(&self) -> &'static Lines {
        match self.language {
            Language::En => &lines::ENGLISH,
            Language::Es => &lines::SPANISH,
        }
    }

    /// A sentence from `template` with `values` filled in, finished as the language wants.
    pub(crate) fn say(&self, template: &str, values: &[(&str, &str)]) -> String {
        (self.words().polish)(fill(template, values))
    }

    fn local(&self, second: i64) -> jiff::civil::DateTime {
        self.tz.to_datetime(timestamp(second))
    }

    /// The clock time alone: `2`, `2:30`, `noon`, `midnight` (12-hour) or `14:30` (24-hour);
    /// in Spanish with its article (`las 2 y media`).
    pub fn clock(&self, second: i64) -> String {
        let t = self.local(second);
        let w = self.words();
        if self.clock_24h {
            return (w.clock_24)(t.hour(), t.minute());
        }
        match (t.hour(), t.minute()) {
            (12, 0) => w.noon.into(),
            (0, 0) => w.midnight.into(),
            (h, m) => (w.clock_12)(if h % 12 == 0 { 12 } else { h % 12 }, m),
        }
    }

    /// The part of the day said after the time at `second` (nothing for noon, midnight or a
    /// 24-hour clock).
    fn part(&self, second: i64) -> &'static str {
        let t = self.local(second);
        if self.clock_24h || matches!((t.hour(), t.minute()), (12, 0) | (0, 0)) {
            ""
        } else {
            (self.words().part_of_day)(t.hour())
        }
    }

    /// A time with its part of day: `2:30 in the afternoon`, `noon`, `14:30`.
    pub fn time(&self, second: i64) -> String {
        let (c, part) = (self.clock(second), self.part(second));
        if part.is_empty() { c } else { format!("{c} {part}") }
    }

    /// A day as people say it: `today`, `tomorrow`, `this Friday` (later this week), `Monday`
    /// (early next week, within six days), or `Tuesday, March 10th`.
    pub fn day(&self, second: i64) -> String {
        let date = self.local(second).date();
        let today = self.local(self.now).date();
        let w = self.words();
        let weekday = |d: Date| w.weekdays[d.weekday().to_monday_zero_offset() as usize];
        match (date - today).get_days() {
            0 => w.today.into(),
            1 => w.tomorrow.into(),
            2..=6 if date.weekday().to_monday_zero_offset() > today.weekday().to_monday_zero_offset() => {
                fill(w.this_week, &[("day", weekday(date))])
            }
            2..=6 => fill(w.next_week, &[("day", weekday(date))]),
            _ => self.full_date(date),
        }
    }

    /// `Tuesday, March 10th`.
    pub fn full_date(&self, date: Date) -> String {
        words::full_date(self.words(), date)
    }

    /// A day and time: `tomorrow at 2:30 in the afternoon`, with the zone named if the caller's
    /// differs.
    pub fn when(&self, second: i64) -> String {
        let (day, time, zone) = (self.day(second), self.time(second), self.zone_note(second));
        self.say(self.words().day_at_time, &[("day", &day), ("time", &time), ("zone", &zone)])
    }

    /// [`Voice::when`], and the same time in `said` when the caller named that zone and its
    /// clock differs from the business's: `tomorrow at noon (3 in the afternoon Eastern time)`.
    pub fn when_also(&self, second: i64, said: Option<&TimeZone>) -> String {
        let when = self.when(second);
        match said {
            Some(z) if z.to_offset(timestamp(second)) != self.tz.to_offset(timestamp(second)) => {
                let there = Voice { tz: z.clone(), caller_tz: None, ..self.clone() };
                let w = self.words();
                let time = there.time(second);
                format!("{when}{}", fill(w.also_in, &[("time", &time), ("zone", &(w.zone_name)(z))]))
            }
            _ => when,
        }
    }

    /// ` Eastern time` when the caller is in another zone, else nothing.
    pub fn zone_note(&self, second: i64) -> String {
        match &self.caller_tz {
            Some(c) if c.to_offset(timestamp(second)) != self.tz.to_offset(timestamp(second)) => {
                let w = self.words();
                fill(w.zone_note, &[("zone", &(w.zone_name)(&self.tz))])
            }
            _ => String::new(),
        }
    }

    /// Options grouped by day: `Tuesday I have 1:30, 2, or 3:30 in the afternoon and Wednesday
    /// 9 in the morning`. At most `max_options` times.
    pub fn options(&self, starts: &[i64]) -> String {
        let starts = &starts[..starts.len().min(self.max_options)];
        let mut days: Vec<(String, Vec<i64>)> = Vec::new();
        for &s in starts {
            let d = self.day(s);
            match days.last_mut() {
                Some((last, v)) if *last == d => v.push(s),
                _ => days.push((d, vec![s])),
            }
        }
        let w = self.words();
        let parts: Vec<String> = days
            .iter()
            .enumerate()
            .map(|(i, (day, times))| {
                let template = if i == 0 { w.first_options } else { w.more_options };
                fill(template, &[("day", &capitalize_first(day, i == 0)), ("times", &self.times_list(times))])
            })
            .collect();
        let zone = starts.first().map(|&s| self.zone_note(s)).unwrap_or_default();
        (w.polish)(format!("{}{zone}", self.join(&parts, w.and)))
    }

    /// Times of one day, each part of day named once: `9 or 9:30 in the morning, or 2 in the
    /// afternoon`.
    pub fn times_list(&self, times: &[i64]) -> String {
        let or = self.words().or;
        let mut groups: Vec<(&'static str, Vec<String>)> = Vec::new();
        for &t in times {
            let (c, part) = (self.clock(t), self.part(t));
            match groups.last_mut() {
                Some((p, v)) if *p == part => v.push(c),
                _ => groups.push((part, vec![c])),
            }
        }
        let spoken: Vec<String> = groups
            .into_iter()
            .map(|(part, v)| {
                let list = self.join(&v, or);
                if part.is_empty() { list } else { format!("{list} {part}") }
            })
            .collect();
        self.join(&spoken, or)
    }

    /// A confirmation code spelled for speech: `K 7 M 2 Q 9`, `ka siete eme dos cu nueve`.
    pub fn spell(&self, code: &str) -> String {
        (self.words().spell)(code)
    }

    /// `a`, `a or b`, `a, b, or c` (`word`: this language's "or" or "and").
    pub fn join(&self, items: &[String], word: &str) -> String {
        (self.words().join)(items, word)
    }

    /// This language's word for "or".
    pub fn or(&self) -> &'static str {
        self.words().or
    }
}

/// The first letter in upper case, when `yes`.
pub(crate) fn capitalize_first(s: &str, yes: bool) -> String {
    if !yes {
        return s.to_owned();
    }
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(now: &str, clock_24h: bool) -> Voice {
        Voice {
            tz: TimeZone::get("America/New_York").unwrap(),
            caller_tz: None,
            clock_24h,
            max_options: 3,
            now: now.parse::<jiff::Timestamp>().unwrap().as_second(),
            language: Language::En,
        }
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn times_and_days_as_people_say_them() {
        let v = voice("2026-03-02T12:00:00Z", false); // Monday 07:00 New York
        assert_eq!(v.time(at("2026-03-03T18:30:00Z")), "1:30 in the afternoon");
        assert_eq!(v.time(at("2026-03-03T17:00:00Z")), "noon");
        assert_eq!(v.time(at("2026-03-03T14:00:00Z")), "9 in the morning");
        assert_eq!(v.day(at("2026-03-02T20:00:00Z")), "today");
        assert_eq!(v.day(at("2026-03-03T20:00:00Z")), "tomorrow");
        assert_eq!(v.day(at("2026-03-06T20:00:00Z")), "this Friday");
        let friday = voice("2026-03-06T15:00:00Z", false);
        assert_eq!(friday.day(at("2026-03-09T15:00:00Z")), "Monday", "early next week: no \"this\"");
        assert_eq!(v.day(at("2026-03-10T20:00:00Z")), "Tuesday, March 10th");
        assert_eq!(voice("2026-03-02T12:00:00Z", true).time(at("2026-03-03T18:30:00Z")), "13:30");
    }

    #[test]
    fn options_group_by_day_and_part_of_day() {
        let v = voice("2026-03-02T12:00:00Z", false);
        let s = ["2026-03-05T18:30:00Z", "2026-03-05T19:00:00Z", "2026-03-05T20:30:00Z"].map(at);
        assert_eq!(v.options(&s), "This Thursday I have 1:30, 2, or 3:30 in the afternoon");
        let s =
            ["2026-03-05T14:00:00Z", "2026-03-05T19:00:00Z", "2026-03-06T14:30:00Z", "2026-03-06T15:00:00Z"]
                .map(at);
        assert_eq!(
            v.options(&s),
            "This Thursday I have 9 in the morning or 2 in the afternoon and this Friday 9:30 in the morning"
        );
        assert_eq!(v.spell("K7M2Q9"), "K 7 M 2 Q 9");
    }

    #[test]
    fn the_zone_is_named_when_the_caller_is_elsewhere() {
        let mut v = voice("2026-03-02T12:00:00Z", false);
        assert_eq!(v.when(at("2026-03-03T19:00:00Z")), "tomorrow at 2 in the afternoon");
        v.caller_tz = Some(TimeZone::get("America/Los_Angeles").unwrap());
        assert_eq!(v.when(at("2026-03-03T19:00:00Z")), "tomorrow at 2 in the afternoon Eastern time");
        v.caller_tz = Some(TimeZone::get("America/Toronto").unwrap());
        assert_eq!(v.when(at("2026-03-03T19:00:00Z")), "tomorrow at 2 in the afternoon");
    }

    fn spanish(now: &str, clock_24h: bool) -> Voice {
        Voice { language: Language::Es, ..voice(now, clock_24h) }
    }

    #[test]
    fn spanish_times_and_days() {
        let v = spanish("2026-03-02T12:00:00Z", false); // lunes, 07:00 en Nueva York
        assert_eq!(v.time(at("2026-03-03T18:30:00Z")), "la 1 y media de la tarde");
        assert_eq!(v.time(at("2026-03-03T19:15:00Z")), "las 2 y cuarto de la tarde");
        assert_eq!(v.time(at("2026-03-03T19:45:00Z")), "las 3 menos cuarto de la tarde");
        assert_eq!(v.time(at("2026-03-03T19:10:00Z")), "las 2:10 de la tarde");
        assert_eq!(v.time(at("2026-03-03T17:00:00Z")), "el mediodía");
        assert_eq!(v.time(at("2026-03-03T14:00:00Z")), "las 9 de la mañana");
        assert_eq!(v.time(at("2026-03-04T01:00:00Z")), "las 8 de la noche");
        assert_eq!(v.day(at("2026-03-02T20:00:00Z")), "hoy");
        assert_eq!(v.day(at("2026-03-03T20:00:00Z")), "mañana");
        assert_eq!(v.day(at("2026-03-06T20:00:00Z")), "este viernes");
        let friday = spanish("2026-03-06T15:00:00Z", false);
        assert_eq!(friday.day(at("2026-03-09T15:00:00Z")), "el lunes");
        assert_eq!(v.day(at("2026-03-10T20:00:00Z")), "el martes 10 de marzo");
        assert_eq!(v.when(at("2026-03-03T17:00:00Z")), "mañana al mediodía");
        assert_eq!(v.when(at("2026-03-03T18:00:00Z")), "mañana a la 1 de la tarde");
        assert_eq!(v.when(at("2026-03-10T19:00:00Z")), "el martes 10 de marzo a las 3 de la tarde");
        assert_eq!(spanish("2026-03-02T12:00:00Z", true).time(at("2026-03-03T18:30:00Z")), "las 13:30");
    }

    #[test]
    fn spanish_options_lists_and_codes() {
        let v = spanish("2026-03-02T12:00:00Z", false);
        let s = ["2026-03-05T18:30:00Z", "2026-03-05T19:00:00Z", "2026-03-05T20:30:00Z"].map(at);
        assert_eq!(v.options(&s), "Este jueves tengo la 1 y media, las 2 o las 3 y media de la tarde");
        let s =
            ["2026-03-05T14:00:00Z", "2026-03-05T19:00:00Z", "2026-03-06T14:30:00Z", "2026-03-06T15:00:00Z"]
                .map(at);
        assert_eq!(
            v.options(&s),
            "Este jueves tengo las 9 de la mañana o las 2 de la tarde y este viernes las 9 y media de la mañana"
        );
        assert_eq!(v.spell("K7M2Q9"), "ka siete eme dos cu nueve");
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(v.join(&items(&["siete", "ocho"]), "o"), "siete u ocho");
        assert_eq!(v.join(&items(&["Ana", "Inés"]), "y"), "Ana e Inés");
        assert_eq!(v.join(&items(&["pan", "hielo"]), "y"), "pan y hielo");
    }

    #[test]
    fn spanish_names_the_zone_when_the_caller_is_elsewhere() {
        let mut v = spanish("2026-03-02T12:00:00Z", false);
        v.caller_tz = Some(TimeZone::get("America/Los_Angeles").unwrap());
        assert_eq!(v.when(at("2026-03-03T19:00:00Z")), "mañana a las 2 de la tarde hora del Este");
        v.tz = TimeZone::get("America/Mexico_City").unwrap();
        assert_eq!(v.when(at("2026-03-03T20:00:00Z")), "mañana a las 2 de la tarde hora de Ciudad de México");
    }

    #[test]
    fn spanish_sentences_contract_a_el_and_de_el() {
        let v = spanish("2026-03-02T12:00:00Z", false);
        let when = v.when(at("2026-03-10T19:00:00Z"));
        assert_eq!(
            v.say(v.lines().already_cancelled, &[("when", &when)]),
            "Su cita del martes 10 de marzo a las 3 de la tarde ya estaba cancelada."
        );
    }

    #[test]
    fn a_time_said_in_another_zone_is_said_back_in_both() {
        let v = voice("2026-03-02T12:00:00Z", false);
        let pacific = TimeZone::get("America/Los_Angeles").unwrap();
        let t = at("2026-03-03T15:00:00Z");
        assert_eq!(
            v.when_also(t, Some(&pacific)),
            "tomorrow at 10 in the morning (7 in the morning Pacific time)"
        );
        assert_eq!(
            v.when_also(t, Some(&v.tz.clone())),
            "tomorrow at 10 in the morning",
            "the business's own zone"
        );
        assert_eq!(v.when_also(t, None), "tomorrow at 10 in the morning");
        let es = spanish("2026-03-02T12:00:00Z", false);
        assert_eq!(
            es.when_also(t, Some(&pacific)),
            "mañana a las 10 de la mañana (las 7 de la mañana hora del Pacífico)"
        );
    }
}
