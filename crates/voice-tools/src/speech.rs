//! Answers a voice can read: times on the business's clock, days as people say them, lists of
//! options grouped by day and part of day, and confirmation codes spelled out.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use sked_core::interval::timestamp;

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
}

const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn part_of_day(hour: i8) -> &'static str {
    match hour {
        0..=11 => "in the morning",
        12..=16 => "in the afternoon",
        _ => "in the evening",
    }
}

fn ordinal(n: i8) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

impl Voice {
    fn local(&self, second: i64) -> jiff::civil::DateTime {
        self.tz.to_datetime(timestamp(second))
    }

    /// The clock time alone: `2`, `2:30`, `noon`, `midnight` (12-hour) or `14:30` (24-hour).
    pub fn clock(&self, second: i64) -> String {
        let t = self.local(second);
        if self.clock_24h {
            return format!("{:02}:{:02}", t.hour(), t.minute());
        }
        match (t.hour(), t.minute()) {
            (12, 0) => "noon".into(),
            (0, 0) => "midnight".into(),
            (h, m) => {
                let h12 = if h % 12 == 0 { 12 } else { h % 12 };
                if m == 0 { format!("{h12}") } else { format!("{h12}:{m:02}") }
            }
        }
    }

    /// A time with its part of day: `2:30 in the afternoon`, `noon`, `14:30`.
    pub fn time(&self, second: i64) -> String {
        let c = self.clock(second);
        if self.clock_24h || c == "noon" || c == "midnight" {
            c
        } else {
            format!("{c} {}", part_of_day(self.local(second).hour()))
        }
    }

    /// A day as people say it: `today`, `tomorrow`, `this Friday` (later this week), `Monday`
    /// (early next week, within six days), or `Tuesday, March 10th`.
    pub fn day(&self, second: i64) -> String {
        let date = self.local(second).date();
        let today = self.local(self.now).date();
        let ahead = (date - today).get_days();
        match ahead {
            0 => "today".into(),
            1 => "tomorrow".into(),
            2..=6 if weekday_index(date.weekday()) > weekday_index(today.weekday()) => {
                format!("this {}", WEEKDAYS[weekday_index(date.weekday())])
            }
            2..=6 => WEEKDAYS[weekday_index(date.weekday())].into(),
            _ => self.full_date(date),
        }
    }

    /// `Tuesday, March 10th`.
    pub fn full_date(&self, date: Date) -> String {
        format!(
            "{}, {} {}",
            WEEKDAYS[weekday_index(date.weekday())],
            MONTHS[(date.month() - 1) as usize],
            ordinal(date.day())
        )
    }

    /// A day and time: `tomorrow at 2:30 in the afternoon`, with the zone named if the caller's
    /// differs.
    pub fn when(&self, second: i64) -> String {
        format!("{} at {}{}", self.day(second), self.time(second), self.zone_note(second))
    }

    /// ` Eastern time` when the caller is in another zone, else nothing.
    pub fn zone_note(&self, second: i64) -> String {
        match &self.caller_tz {
            Some(c) if c.to_offset(timestamp(second)) != self.tz.to_offset(timestamp(second)) => {
                format!(" {} time", zone_name(&self.tz))
            }
            _ => String::new(),
        }
    }

    /// Options grouped by day: `Tuesday I have 1:30, 2, or 3:30 in the afternoon; and Wednesday
    /// 9 in the morning.` At most `max_options` times.
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
        let parts: Vec<String> = days
            .iter()
            .enumerate()
            .map(|(i, (day, times))| {
                let day = capitalize_first(day, i == 0);
                if i == 0 {
                    format!("{day} I have {}", self.times_list(times))
                } else {
                    format!("{day} {}", self.times_list(times))
                }
            })
            .collect();
        let zone = starts.first().map(|&s| self.zone_note(s)).unwrap_or_default();
        format!("{}{zone}", join(&parts, "and"))
    }

    /// Times of one day, each part of day named once: `9 or 9:30 in the morning, or 2 in the
    /// afternoon`.
    pub fn times_list(&self, times: &[i64]) -> String {
        if self.clock_24h {
            let v: Vec<String> = times.iter().map(|&t| self.clock(t)).collect();
            return join(&v, "or");
        }
        let mut groups: Vec<(&'static str, Vec<String>)> = Vec::new();
        for &t in times {
            let c = self.clock(t);
            let part = if c == "noon" || c == "midnight" { "" } else { part_of_day(self.local(t).hour()) };
            match groups.last_mut() {
                Some((p, v)) if *p == part => v.push(c),
                _ => groups.push((part, vec![c])),
            }
        }
        let spoken: Vec<String> = groups
            .into_iter()
            .map(
                |(part, v)| {
                    if part.is_empty() { join(&v, "or") } else { format!("{} {part}", join(&v, "or")) }
                },
            )
            .collect();
        join(&spoken, "or")
    }
}

/// A confirmation code spelled for speech: `K 7 M 2 Q 9`.
pub fn spell(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

/// `a`, `a or b`, `a, b, or c`.
pub fn join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} {word} {b}"),
        [init @ .., last] => format!("{}, {word} {last}", init.join(", ")),
    }
}

fn capitalize_first(s: &str, yes: bool) -> String {
    if !yes {
        return s.to_owned();
    }
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// How people name a zone: `Eastern`, `Central`, `Mountain`, `Pacific` for the US zones, else
/// the city (`London`).
pub fn zone_name(tz: &TimeZone) -> String {
    let name = tz.iana_name().unwrap_or("UTC");
    match name {
        "America/New_York" | "America/Detroit" | "America/Toronto" | "US/Eastern" => "Eastern".into(),
        "America/Chicago" | "America/Winnipeg" | "US/Central" => "Central".into(),
        "America/Denver" | "America/Edmonton" | "America/Phoenix" | "US/Mountain" => "Mountain".into(),
        "America/Los_Angeles" | "America/Vancouver" | "US/Pacific" => "Pacific".into(),
        other => other.rsplit('/').next().unwrap_or(other).replace('_', " "),
    }
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
        assert_eq!(spell("K7M2Q9"), "K 7 M 2 Q 9");
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
}
