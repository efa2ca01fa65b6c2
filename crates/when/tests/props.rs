//! Properties over any input: no panics, answers inside sane bounds, kinds that mean what they
//! say, spans that point into the input.

#![allow(clippy::unwrap_used)]

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use proptest::prelude::*;
use sked_when::{Context, Kind, Language, Understanding, understand};

const ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Toronto",
    "America/St_Johns",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "UTC",
];

/// Words and pieces callers use, mixed at random to reach the grammar's corners.
#[rustfmt::skip]
const VOCAB: &[&str] = &[
    "next", "this", "coming", "last", "the", "a", "an", "of", "on", "at", "in", "by", "after",
    "before", "between", "and", "or", "to", "from", "around", "about", "until", "no", "wait",
    "actually", "not", "sometime", "any", "time", "day", "days", "week", "weeks", "weekend",
    "month", "hours", "minutes", "monday", "tuesday", "Tues.", "wed", "thursday", "friday", "sat",
    "sunday", "today", "tomorrow", "tonight", "morning", "afternoon", "evening", "night", "noon",
    "midnight", "lunch", "first", "thing", "second", "third", "last", "end", "early", "late", "mid",
    "half", "quarter", "past", "o'clock", "pm", "a.m.", "3", "12", "0", "24", "31", "3:30", "15:30",
    "930", "2026", "3/14", "14/3", "2026-02-29", "15th", "twenty-first", "three", "thirty",
    "eleven", "march", "may", "april", "december", "feb", "christmas", "thanksgiving", "easter",
    "boxing", "new", "year's", "eve", "long", "ish", "or so", ",", ".", "—", "-", "?", "!", "...",
    "um", "like", "999999999999", "0:00", "24:00", "29", "30", "february", "leap", "from", "now",
    "ago", "within", "fortnight", "couple", "few", "week's", "eastern", "PST", "my", "your",
    "UTC+2", "2027-01-05T13:15:30Z", "2026-03-08T02:30:00-05:00", "20:32:13", "10.8.2027", "9/2027",
    "'27", "1.5", "+15", "1d", "2h", "asap", "quarter", "year", "Q3", "summer", "3000", "later",
    "out", "–",
];

/// Spanish words and pieces, mixed the same way.
#[rustfmt::skip]
const VOCAB_ES: &[&str] = &[
    "el",
    "la",
    "las",
    "los",
    "de",
    "del",
    "a",
    "al",
    "en",
    "y",
    "o",
    "no",
    "mejor",
    "puedo",
    "hoy",
    "mañana",
    "manana",
    "pasado",
    "ayer",
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
    "domingo",
    "que",
    "viene",
    "próximo",
    "proxima",
    "semana",
    "mes",
    "año",
    "fin",
    "finde",
    "por",
    "tarde",
    "noche",
    "madrugada",
    "temprano",
    "mediodía",
    "medianoche",
    "entre",
    "sobre",
    "eso",
    "hacia",
    "antes",
    "después",
    "hasta",
    "desde",
    "dentro",
    "media",
    "hora",
    "horas",
    "minutos",
    "días",
    "semanas",
    "cuarto",
    "menos",
    "en punto",
    "y media",
    "y cuarto",
    "uno",
    "una",
    "dos",
    "tres",
    "cuatro",
    "diez",
    "doce",
    "quince",
    "veinte",
    "treinta",
    "treinta y uno",
    "primero",
    "marzo",
    "mayo",
    "agosto",
    "diciembre",
    "3",
    "12",
    "31",
    "15:30",
    "10/8",
    "1,5",
    "2027",
    "3000",
    "ahora",
    "mismo",
    "lo",
    "posible",
    "principios",
    "finales",
    "mi",
    "hora del este",
    ",",
    ".",
    "-",
    "?",
];

fn contexts() -> impl Strategy<Value = Context> {
    // 2000-01-01 .. 2099-12-31, any zone above, either language, the caller's zone known or not
    (946_684_800i64..4_102_444_800i64, 0..ZONES.len(), 0..Language::ALL.len(), 0..ZONES.len() + 1).prop_map(
        |(s, z, l, c)| {
            let tz = TimeZone::get(ZONES[z]).unwrap();
            let ctx = Context::new(Timestamp::from_second(s).unwrap(), tz).in_language(Language::ALL[l]);
            match ZONES.get(c) {
                Some(name) => ctx.with_caller_tz(TimeZone::get(name).unwrap()),
                None => ctx,
            }
        },
    )
}

fn phrases() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..14).prop_map(|w| w.join(" "))
}

fn spanish_phrases() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB_ES), 0..14).prop_map(|w| w.join(" "))
}

/// Every property the answer must hold.
fn check(text: &str, ctx: &Context, u: &Understanding) {
    let now = ctx.now.to_zoned(ctx.tz.clone());
    let (Ok(earliest), Ok(latest)) =
        (now.checked_sub(Span::new().days(1)), now.checked_add(Span::new().years(2)))
    else {
        // At the ends of time nothing can be placed.
        assert!(u.matches.is_empty() && u.best.is_none());
        return;
    };
    let (earliest, latest) = (earliest.timestamp(), latest.timestamp());
    if let Some(best) = &u.best {
        assert!(u.matches.contains(best), "best is one of the matches");
        assert!(u.refusal.is_none(), "a refusal comes only without an answer");
    }
    for m in &u.matches {
        assert!(m.start <= m.end, "start <= end: {m:?}");
        assert!(m.start >= earliest, "not before now minus a day: {m:?} at {now}");
        assert!(m.start <= latest, "within two years: {m:?} at {now}");
        assert!(m.end <= latest.checked_add(Span::new().hours(24 * 62)).unwrap(), "end bounded: {m:?}");
        assert_eq!(text.get(m.span.0..m.span.1), Some(m.text.as_str()), "span points at the text");
        match m.kind {
            Kind::Exact => assert_eq!(m.start, m.end),
            Kind::Date => {
                let day = m.start.to_zoned(ctx.tz.clone()).date();
                let start = day.to_zoned(ctx.tz.clone()).unwrap().timestamp();
                let end = day.tomorrow().unwrap().to_zoned(ctx.tz.clone()).unwrap().timestamp();
                assert_eq!((m.start, m.end), (start, end), "a date is one whole local day: {m:?}");
            }
            Kind::Window => assert!(m.start < m.end, "a window is not empty: {m:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn caller_like_phrases(text in phrases(), ctx in contexts()) {
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }

    #[test]
    fn spanish_caller_like_phrases(text in spanish_phrases(), ctx in contexts()) {
        let ctx = ctx.in_language(Language::Es);
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn any_string(text in any::<String>(), ctx in contexts()) {
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }

    #[test]
    fn odd_unicode(text in "[\\PC\\p{M}\\u{200B}-\\u{200F}\\u{2028}\\u{FEFF}0-9:/.,'’ -]{0,200}", ctx in contexts()) {
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }

    #[test]
    fn extreme_instants(text in phrases(), s in prop::sample::select(vec![
        Timestamp::MIN.as_second(), Timestamp::MAX.as_second(), -62_135_596_800, 253_402_207_200, 0,
    ]), z in 0..ZONES.len()) {
        let tz = TimeZone::get(ZONES[z]).unwrap();
        let ctx = Context::new(Timestamp::from_second(s).unwrap(), tz);
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, ..ProptestConfig::default() })]

    #[test]
    fn long_inputs(words in prop::collection::vec(prop::sample::select(VOCAB), 2000..6000), ctx in contexts()) {
        let text = words.join(" ");
        let u = understand(&text, &ctx);
        check(&text, &ctx, &u);
    }
}

#[test]
fn pathological_inputs_do_not_panic() {
    let tz = TimeZone::get("America/New_York").unwrap();
    let ctx = Context::new("2026-03-10T14:00:00Z".parse().unwrap(), tz);
    let nested = "the day after ".repeat(5000) + "tomorrow";
    let numbers = "9 ".repeat(20_000);
    let dots = ".".repeat(50_000);
    let multibyte = "é".repeat(30_000) + " tomorrow";
    let words = "nine ".repeat(3000);
    let weak_days = "sat ".repeat(3000);
    let options = "Tuesday at 3 or ".repeat(500);
    let corrections = "no wait, ".repeat(1000) + "Thursday";
    let many = [nested, numbers, dots, multibyte, words, weak_days, options, corrections];
    let odd = ["\u{0}", "3:", "3:6", "/3", "3//4", "24:00", "2026-13-45", "99/99", "0/0/0"];
    let spanish = ["a las ".repeat(3000), "y media ".repeat(3000), "treinta y ".repeat(3000) + "uno"];
    for lang in Language::ALL {
        let ctx = ctx.clone().in_language(lang);
        for text in many.iter().chain(&spanish).map(String::as_str).chain(odd) {
            let u = understand(text, &ctx);
            check(text, &ctx, &u);
        }
    }
}
