//! Spanish (`Language::Es`): the same breadth as English. Said on Tuesday 10 March 2026 at
//! 09:00 (New York, or Madrid where a row says so) unless a row says otherwise.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use jiff::tz::TimeZone;
use sked_when::{Language, Refusal, understand};

const MAD: &str = "Europe/Madrid";

/// Table rows read in Spanish.
fn run_es(rows: &[Row]) {
    run_in(rows, Language::Es);
}

#[test]
fn days_and_weekdays() {
    run_es(&[
        ("hoy", TUE, NY, "date 2026-03-10"),
        ("mañana", TUE, NY, "date 2026-03-11"),
        ("manana", TUE, NY, "date 2026-03-11"),
        ("pasado mañana", TUE, NY, "date 2026-03-12"),
        ("el martes", MON, NY, "date 2026-03-10"),
        ("el martes que viene", TUE, NY, "date 2026-03-17"),
        ("el martes que viene", MON, NY, "date 2026-03-10"),
        ("el próximo martes", TUE, NY, "date 2026-03-17"),
        ("el proximo martes", SAT, NY, "date 2026-03-17"),
        ("miercoles", TUE, NY, "date 2026-03-11"),
        ("el miércoles", TUE, NY, "date 2026-03-11"),
        ("sabado", TUE, NY, "date 2026-03-14"),
        ("el sábado", TUE, NY, "date 2026-03-14"),
        ("el domingo", TUE, NY, "date 2026-03-15"),
        ("el jueves de la semana que viene", TUE, NY, "date 2026-03-19"),
        ("el martes 17", TUE, NY, "date 2026-03-17"),
        ("para el jueves", TUE, NY, "date 2026-03-12"),
    ]);
}

#[test]
fn weeks_months_and_dates() {
    run_es(&[
        ("la semana que viene", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("la próxima semana", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("esta semana", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-16 00:00"),
        ("este fin de semana", TUE, NY, "window 2026-03-14 00:00 .. 2026-03-16 00:00"),
        ("el fin de semana que viene", TUE, NY, "window 2026-03-21 00:00 .. 2026-03-23 00:00"),
        ("el mes que viene", TUE, NY, "window 2026-04-01 00:00 .. 2026-05-01 00:00"),
        ("el año que viene", TUE, NY, "window 2027-01-01 00:00 .. 2028-01-01 00:00"),
        ("a principios de la semana que viene", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-18 00:00"),
        ("a finales de mes", TUE, NY, "window 2026-03-25 00:00 .. 2026-04-01 00:00"),
        ("a principios de mayo", TUE, NY, "window 2026-05-01 00:00 .. 2026-05-11 00:00"),
        ("en septiembre", TUE, NY, "window 2026-09-01 00:00 .. 2026-10-01 00:00"),
        ("septiembre de 2027", TUE, NY, "window 2027-09-01 00:00 .. 2027-10-01 00:00"),
        ("el 15 de marzo", TUE, NY, "date 2026-03-15"),
        ("el quince de marzo", TUE, NY, "date 2026-03-15"),
        ("el primero de mayo", TUE, NY, "date 2026-05-01"),
        ("el treinta y uno de diciembre", TUE, NY, "date 2026-12-31"),
        ("veintidós de abril", TUE, NY, "date 2026-04-22"),
        ("martes, 17 de marzo de 2026", TUE, NY, "date 2026-03-17"),
        ("el 20", TUE, NY, "date 2026-03-20"),
        ("el 25 de diciembre", TUE, MAD, "date 2026-12-25"),
    ]);
}

#[test]
fn numeric_dates_are_day_first() {
    run_es(&[
        ("10/8/2027", TUE, NY, "date 2027-08-10"),
        ("10/08", TUE, NY, "date 2026-08-10"),
        ("15/3", TUE, NY, "date 2026-03-15"),
        ("el 15/3 a las 9", TUE, NY, "exact 2026-03-15 09:00"),
        ("2027-08-10", TUE, NY, "date 2027-08-10"),
        ("10.8.2027", TUE, MAD, "date 2027-08-10"),
    ]);
}

#[test]
fn clock_times() {
    run_es(&[
        ("a las diez y media", TUE, NY, "exact 2026-03-10 10:30"),
        ("a las cuatro menos cuarto", TUE, NY, "exact 2026-03-10 15:45"),
        ("mañana a la una menos cuarto", TUE, NY, "exact 2026-03-11 12:45"),
        ("las seis menos diez", TUE, NY, "exact 2026-03-10 17:50"),
        ("las cinco y diez", TUE, NY, "exact 2026-03-10 17:10"),
        ("mañana a las diez y cuarto", TUE, NY, "exact 2026-03-11 10:15"),
        ("la una y media", TUE, NY, "exact 2026-03-10 13:30"),
        ("a las tres en punto", TUE, NY, "exact 2026-03-10 15:00"),
        ("a las 15:00", TUE, NY, "exact 2026-03-10 15:00"),
        ("a las 8 de la mañana", TUE, NY, "exact 2026-03-11 08:00"),
        ("a las 5 de la tarde", TUE, NY, "exact 2026-03-10 17:00"),
        ("a las 10 de la noche", TUE, NY, "exact 2026-03-10 22:00"),
        ("a las doce del mediodía", TUE, NY, "exact 2026-03-10 12:00"),
        ("mediodía", TUE, NY, "exact 2026-03-10 12:00"),
        ("a mediodía", TUE, NY, "exact 2026-03-10 12:00"),
        ("medianoche", TUE, NY, "exact 2026-03-11 00:00"),
        ("a eso de las cuatro", TUE, NY, "window 2026-03-10 15:30 .. 2026-03-10 16:30"),
        ("sobre las cinco", TUE, NY, "window 2026-03-10 16:30 .. 2026-03-10 17:30"),
        ("hacia las 6", TUE, NY, "window 2026-03-10 17:30 .. 2026-03-10 18:30"),
        ("a las cinco más o menos", TUE, NY, "window 2026-03-10 16:30 .. 2026-03-10 17:30"),
        ("el viernes a las nueve y cuarto", TUE, NY, "exact 2026-03-13 09:15"),
        ("el jueves a las cinco y media de la tarde", TUE, NY, "exact 2026-03-12 17:30"),
        ("el 10 de agosto a las 9 y media", TUE, NY, "exact 2026-08-10 09:30"),
    ]);
}

#[test]
fn parts_of_the_day_and_the_two_mananas() {
    run_es(&[
        ("por la mañana", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 12:00"),
        ("por la tarde", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("por la noche", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("esta tarde", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("esta noche", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("mañana por la mañana", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 12:00"),
        ("manana por la manana", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 12:00"),
        ("mañana por la tarde", TUE, NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("mañana temprano", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 09:00"),
        ("el sábado por la mañana", TUE, NY, "window 2026-03-14 06:00 .. 2026-03-14 12:00"),
        ("el viernes por la noche", TUE, NY, "window 2026-03-13 17:00 .. 2026-03-14 00:00"),
        ("el lunes a primera hora", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        ("a primera hora la semana que viene", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        ("el martes o el miércoles de la semana que viene", TUE, NY, "date 2026-03-17"),
        ("martes o miércoles la semana que viene", TUE, NY, "date 2026-03-17"),
        ("a última hora de la tarde", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-10 17:00"),
        ("esta noche a las 9", TUE, NY, "exact 2026-03-10 21:00"),
        ("el miércoles todo el día", TUE, NY, "window 2026-03-11 00:00 .. 2026-03-12 00:00"),
    ]);
}

#[test]
fn ranges() {
    run_es(&[
        ("entre las 2 y las 4", TUE, NY, "window 2026-03-10 14:00 .. 2026-03-10 16:00"),
        ("entre las 9 y las 11 de la mañana", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("de 2 a 4", TUE, NY, "window 2026-03-10 14:00 .. 2026-03-10 16:00"),
        ("de las 9 a las 11", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("del 10 al 12 de agosto", TUE, NY, "window 2026-08-10 00:00 .. 2026-08-13 00:00"),
        ("del 22 al 23 de febrero", TUE, NY, "window 2027-02-22 00:00 .. 2027-02-24 00:00"),
        ("del lunes al miércoles", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-19 00:00"),
        ("de lunes a viernes", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-21 00:00"),
        ("antes de las 12", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 12:00"),
        ("después de las 5", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("a partir de las 5", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("antes del viernes", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-13 00:00"),
    ]);
}

#[test]
fn durations_and_now() {
    run_es(&[
        ("dentro de dos horas", TUE, NY, "exact 2026-03-10 11:00"),
        ("en media hora", TUE, NY, "exact 2026-03-10 09:30"),
        ("dentro de una hora y media", TUE, NY, "exact 2026-03-10 10:30"),
        ("en 1,5 horas", TUE, NY, "exact 2026-03-10 10:30"),
        ("en 90 minutos", TUE, NY, "exact 2026-03-10 10:30"),
        ("en 3 días", TUE, NY, "exact 2026-03-13 09:00"),
        ("en un par de días", TUE, NY, "exact 2026-03-12 09:00"),
        ("dentro de una semana", TUE, NY, "exact 2026-03-17 09:00"),
        ("en dos semanas", TUE, NY, "exact 2026-03-24 09:00"),
        ("en un mes", TUE, NY, "exact 2026-04-10 09:00"),
        ("ahora", TUE, NY, "exact 2026-03-10 09:00"),
        ("ahora mismo", TUE, NY, "exact 2026-03-10 09:00"),
        ("lo antes posible", TUE, NY, "exact 2026-03-10 09:00"),
    ]);
}

#[test]
fn corrections_alternatives_and_refusals() {
    run_es(&[
        ("no, mejor el viernes", TUE, NY, "date 2026-03-13"),
        ("el martes no puedo", MON, NY, "none"),
        ("no puedo el martes", MON, NY, "none"),
        ("el martes no puedo, mejor el jueves", MON, NY, "date 2026-03-12"),
        ("el lunes no me viene bien, mejor el martes", WED, NY, "date 2026-03-17"),
        ("el martes o el miércoles", MON, NY, "date 2026-03-10"),
        ("el viernes, no, el sábado", TUE, NY, "date 2026-03-14"),
        ("a las 3, no, a las 4", TUE, NY, "exact 2026-03-10 16:00"),
        ("hoy no, mañana", TUE, NY, "date 2026-03-11"),
        ("el martes no, el miércoles", MON, NY, "date 2026-03-11"),
        ("el jueves imposible", TUE, NY, "none"),
        ("el jueves no me va", TUE, NY, "none"),
        ("hoy no puedo", TUE, NY, "none"),
        ("ayer", TUE, NY, "none"),
        ("hace dos días", TUE, NY, "none"),
        ("tengo 3 hijos", TUE, NY, "none"),
        ("sala 12", TUE, NY, "none"),
    ]);
    let ctx = context(TUE, NY).in_language(Language::Es);
    let u = understand("el 1 de enero de 3000", &ctx);
    assert_eq!((u.best, u.refusal), (None, Some(Refusal::TooFar)));
    assert_eq!(
        Refusal::TooFar.reason(ctx.language),
        "Esa fecha está demasiado lejos; puedo reservar hasta dos años por delante."
    );
}

#[test]
fn zones() {
    run_es(&[
        ("a las 3 de la tarde hora de Madrid", TUE, NY, "exact 2026-03-10 10:00"),
        ("a las 3 hora del este", TUE, CHI, "exact 2026-03-10 14:00"),
    ]);
    let mex = TimeZone::get("America/Mexico_City").unwrap();
    let ctx = context(TUE, MAD).in_language(Language::Es).with_caller_tz(mex.clone());
    let m = understand("mañana a las 10 mi hora", &ctx).best.unwrap();
    assert_eq!(m.zone, Some(mex));
    assert_eq!(show(&m, MAD), "exact 2026-03-11 17:00 (text \"mañana a las 10 mi hora\")");
}

/// Spanish words are not read in English. English words a Spanish caller mixes in are still
/// read: they are the vocabulary the Spanish table is read into.
#[test]
fn languages_stay_apart() {
    run(&[
        ("mañana", TUE, NY, "none"),
        ("el martes", TUE, NY, "none"),
        ("tomorrow", TUE, NY, "date 2026-03-11"),
    ]);
    run_es(&[("el martes at 3pm", TUE, NY, "exact 2026-03-10 15:00")]);
}

/// A broad corpus of everyday Spanish expressions (`data/spanish_corpus.tsv`), said on Tuesday
/// 10 March 2026 at 09:00 in New York. Measured on 2026-12-06: 325 of 325 read right. The last
/// two batches (88 and 59 expressions, Latin American forms in the second) were written before
/// their fixes and read about 82% and 77% right on the first run.
#[test]
fn spanish_corpus() {
    let rows: Vec<(&str, &str)> = include_str!("data/spanish_corpus.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    assert!(rows.len() >= 250, "the corpus file is read whole");
    let ctx = context(TUE, NY).in_language(Language::Es);
    let misses: Vec<String> = rows
        .iter()
        .filter_map(|&(phrase, want)| {
            let got = understand(phrase, &ctx).best;
            let have = got.as_ref().map(|m| (m.kind, m.start, m.end));
            (have != expected(want, NY)).then(|| format!("{phrase:?}: want {want}, got {have:?}"))
        })
        .collect();
    let share = (rows.len() - misses.len()) as f64 / rows.len() as f64;
    println!("spanish corpus: {} of {} read right", rows.len() - misses.len(), rows.len());
    assert!(share >= 0.97, "{} misses:\n{}", misses.len(), misses.join("\n"));
}
