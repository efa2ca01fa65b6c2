//! The words of each spoken language: names of days and months, how a clock time, a date and
//! a list are said. A new language is one more [`Words`] (and its [`super::lines::Lines`]),
//! with small functions only where its grammar differs.

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// How one language says times.
pub(crate) struct Words {
    /// Monday first.
    pub weekdays: [&'static str; 7],
    pub months: [&'static str; 12],
    pub today: &'static str,
    pub tomorrow: &'static str,
    /// A day later this week (`{day}`: its weekday).
    pub this_week: &'static str,
    /// A day early next week, within six days.
    pub next_week: &'static str,
    /// A date further off (`{weekday}`, `{month}`, `{day}`: the day of the month, as said).
    pub full_date: &'static str,
    /// The day of the month as said in [`Words::full_date`] (`10th`, `10`).
    pub day_of_month: fn(i8) -> String,
    /// A 12-hour clock time (hour 1–12, minute), as said in a list of times.
    pub clock_12: fn(i8, i8) -> String,
    /// A 24-hour clock time.
    pub clock_24: fn(i8, i8) -> String,
    pub noon: &'static str,
    pub midnight: &'static str,
    /// The part of the day said after a 12-hour time (by the hour, 0–23).
    pub part_of_day: fn(i8) -> &'static str,
    /// A day and a time (`{day}`, `{time}`, `{zone}`: the zone note or nothing).
    pub day_at_time: &'static str,
    /// The note naming the business's zone (`{zone}`).
    pub zone_note: &'static str,
    /// How the zone is named in the note.
    pub zone_name: fn(&TimeZone) -> String,
    /// The same time on the clock of the zone the caller named (`{time}`, `{zone}`).
    pub also_in: &'static str,
    /// The first day of a list of options (`{day}`, `{times}`).
    pub first_options: &'static str,
    /// Each further day (`{day}`, `{times}`).
    pub more_options: &'static str,
    pub or: &'static str,
    pub and: &'static str,
    /// `a`, `a or b`, `a, b, or c` (`word`: [`Words::or`] or [`Words::and`]).
    pub join: fn(&[String], &str) -> String,
    /// A confirmation code, one character at a time.
    pub spell: fn(&str) -> String,
    /// The last touch on a finished sentence (contractions).
    pub polish: fn(String) -> String,
}

/// `template` with each `{name}` replaced by its value.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A US zone by its everyday name, else `None`.
fn us_zone(tz: &TimeZone) -> Option<usize> {
    match tz.iana_name().unwrap_or("UTC") {
        "America/New_York" | "America/Detroit" | "America/Toronto" | "US/Eastern" => Some(0),
        "America/Chicago" | "America/Winnipeg" | "US/Central" => Some(1),
        "America/Denver" | "America/Edmonton" | "America/Phoenix" | "US/Mountain" => Some(2),
        "America/Los_Angeles" | "America/Vancouver" | "US/Pacific" => Some(3),
        _ => None,
    }
}

/// The city of a zone (`London`, `Mexico City`).
fn city(tz: &TimeZone) -> String {
    let name = tz.iana_name().unwrap_or("UTC");
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

pub(crate) static ENGLISH: Words = Words {
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: [
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
    ],
    today: "today",
    tomorrow: "tomorrow",
    this_week: "this {day}",
    next_week: "{day}",
    full_date: "{weekday}, {month} {day}",
    day_of_month: en_ordinal,
    clock_12: |h, m| if m == 0 { format!("{h}") } else { format!("{h}:{m:02}") },
    clock_24: |h, m| format!("{h:02}:{m:02}"),
    noon: "noon",
    midnight: "midnight",
    part_of_day: |hour| match hour {
        0..=11 => "in the morning",
        12..=16 => "in the afternoon",
        _ => "in the evening",
    },
    day_at_time: "{day} at {time}{zone}",
    zone_note: " {zone} time",
    also_in: " ({time} {zone} time)",
    zone_name: |tz| match us_zone(tz) {
        Some(i) => ["Eastern", "Central", "Mountain", "Pacific"][i].into(),
        None => city(tz),
    },
    first_options: "{day} I have {times}",
    more_options: "{day} {times}",
    or: "or",
    and: "and",
    join: en_join,
    spell: |code| code.chars().map(String::from).collect::<Vec<_>>().join(" "),
    polish: |s| s,
};

fn en_ordinal(n: i8) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `a`, `a or b`, `a, b, or c`.
fn en_join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} {word} {b}"),
        [init @ .., last] => format!("{}, {word} {last}", init.join(", ")),
    }
}

pub(crate) static SPANISH: Words = Words {
    weekdays: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    today: "hoy",
    tomorrow: "mañana",
    this_week: "este {day}",
    next_week: "el {day}",
    full_date: "el {weekday} {day} de {month}",
    day_of_month: |n| n.to_string(),
    clock_12: es_clock_12,
    clock_24: |h, m| format!("{} {h:02}:{m:02}", if h == 1 { "la" } else { "las" }),
    noon: "el mediodía",
    midnight: "la medianoche",
    part_of_day: |hour| match hour {
        1..=5 => "de la madrugada",
        0 | 6..=11 => "de la mañana",
        12..=19 => "de la tarde",
        _ => "de la noche",
    },
    day_at_time: "{day} a {time}{zone}",
    zone_note: " hora {zone}",
    also_in: " ({time} hora {zone})",
    zone_name: |tz| match us_zone(tz) {
        Some(i) => ["del Este", "del Centro", "de la Montaña", "del Pacífico"][i].into(),
        None => match tz.iana_name().unwrap_or("UTC") {
            "America/Mexico_City" => "de Ciudad de México".into(),
            "America/Bogota" => "de Bogotá".into(),
            "Atlantic/Canary" => "de Canarias".into(),
            _ => format!("de {}", city(tz)),
        },
    },
    first_options: "{day} tengo {times}",
    more_options: "{day} {times}",
    or: "o",
    and: "y",
    join: es_join,
    spell: es_spell,
    polish: |s| s.replace(" a el ", " al ").replace(" de el ", " del "),
};

/// `la 1`, `las 2`, `las 2 y cuarto`, `las 2 y media`, `las 3 menos cuarto`, `las 2:10`.
fn es_clock_12(h: i8, m: i8) -> String {
    let article = |h: i8| if h == 1 { "la" } else { "las" };
    match m {
        0 => format!("{} {h}", article(h)),
        15 => format!("{} {h} y cuarto", article(h)),
        30 => format!("{} {h} y media", article(h)),
        45 => {
            let next = if h == 12 { 1 } else { h + 1 };
            format!("{} {next} menos cuarto", article(next))
        }
        _ => format!("{} {h}:{m:02}", article(h)),
    }
}

/// `a`, `a o b`, `a, b o c`; "o" becomes "u" before an o sound and "y" becomes "e" before an
/// i sound, as Spanish requires.
fn es_join(items: &[String], word: &str) -> String {
    let word_before = |next: &str| {
        let n = next.to_lowercase();
        match word {
            "o" if n.starts_with('o') || n.starts_with("ho") || n.starts_with('8') || n.starts_with("11") => {
                "u"
            }
            "y" if (n.starts_with('i') || n.starts_with("hi")) && !n.starts_with("hie") => "e",
            w => w,
        }
    };
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), word_before(last)),
    }
}

/// `ka siete eme dos cu nueve`: letters and digits by their Spanish names.
fn es_spell(code: &str) -> String {
    code.chars()
        .map(|c| {
            let name = match c.to_ascii_uppercase() {
                'A' => "a",
                'B' => "be",
                'C' => "ce",
                'D' => "de",
                'E' => "e",
                'F' => "efe",
                'G' => "ge",
                'H' => "hache",
                'I' => "i",
                'J' => "jota",
                'K' => "ka",
                'L' => "ele",
                'M' => "eme",
                'N' => "ene",
                'O' => "o",
                'P' => "pe",
                'Q' => "cu",
                'R' => "erre",
                'S' => "ese",
                'T' => "te",
                'U' => "u",
                'V' => "uve",
                'W' => "uve doble",
                'X' => "equis",
                'Y' => "ye",
                'Z' => "zeta",
                '0' => "cero",
                '1' => "uno",
                '2' => "dos",
                '3' => "tres",
                '4' => "cuatro",
                '5' => "cinco",
                '6' => "seis",
                '7' => "siete",
                '8' => "ocho",
                '9' => "nueve",
                _ => return c.to_string(),
            };
            name.to_owned()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The date words of a full date.
pub(crate) fn full_date(w: &Words, date: Date) -> String {
    let weekday = w.weekdays[date.weekday().to_monday_zero_offset() as usize];
    let month = w.months[(date.month() - 1) as usize];
    fill(w.full_date, &[("weekday", weekday), ("month", month), ("day", &(w.day_of_month)(date.day()))])
}
