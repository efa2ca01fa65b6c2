//! English breadth: durations from now, "now" and "ASAP", months and years alone, numeric
//! dates in every common shape, zones, ranges with shared parts, refusals, numbers that are not
//! times. Said on Tuesday 10 March 2026 at 09:00 unless a row says otherwise.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use jiff::tz::TimeZone;
use sked_when::{Context, Language, Refusal, understand};

#[test]
fn durations_from_now() {
    run(&[
        ("in an hour and a half", TUE, NY, "exact 2026-03-10 10:30"),
        ("in 1.5 hours", TUE, NY, "exact 2026-03-10 10:30"),
        ("in 2.5 hours", TUE, NY, "exact 2026-03-10 11:30"),
        ("in 90 minutes", TUE, NY, "exact 2026-03-10 10:30"),
        ("2 days later", TUE, NY, "exact 2026-03-12 09:00"),
        ("a week from today", TUE, NY, "date 2026-03-17"),
        ("three weeks out", TUE, NY, "exact 2026-03-31 09:00"),
        ("in 1d 2h", TUE, NY, "exact 2026-03-11 11:00"),
        ("in 2 hours and 15 minutes", TUE, NY, "exact 2026-03-10 11:15"),
        ("+15 min", TUE, NY, "exact 2026-03-10 09:15"),
        ("in a quarter of an hour", TUE, NY, "exact 2026-03-10 09:15"),
        ("in three-quarters of an hour", TUE, NY, "exact 2026-03-10 09:45"),
        ("in about half an hour", TUE, NY, "exact 2026-03-10 09:30"),
        ("5 minutes later", TUE, NY, "exact 2026-03-10 09:05"),
        ("7 days hence", TUE, NY, "exact 2026-03-17 09:00"),
        ("in 2 years", TUE, NY, "exact 2028-03-10 09:00"),
        ("next 2 days", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-12 09:00"),
        ("within the week", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-16 00:00"),
        ("within 20min", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 09:20"),
    ]);
}

#[test]
fn now_and_soon() {
    run(&[
        ("now", TUE, NY, "exact 2026-03-10 09:00"),
        ("right now", TUE, NY, "exact 2026-03-10 09:00"),
        ("ASAP", TUE, NY, "exact 2026-03-10 09:00"),
        ("are you free now", TUE, NY, "exact 2026-03-10 09:00"),
        ("now, about Friday", TUE, NY, "date 2026-03-13"),
        ("next hour", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 10:00"),
        ("the next weekday", TUE, NY, "date 2026-03-11"),
        ("the next weekday", FRI, NY, "date 2026-03-16"),
        ("next business day", SAT, NY, "date 2026-03-16"),
        ("next quarter", TUE, NY, "window 2026-04-01 00:00 .. 2026-07-01 00:00"),
        ("Q3 2026", TUE, NY, "window 2026-07-01 00:00 .. 2026-10-01 00:00"),
        ("this quarter", TUE, NY, "window 2026-03-10 09:00 .. 2026-04-01 00:00"),
    ]);
}

#[test]
fn months_and_years_alone() {
    run(&[
        ("May", TUE, NY, "window 2026-05-01 00:00 .. 2026-06-01 00:00"),
        ("in September", TUE, NY, "window 2026-09-01 00:00 .. 2026-10-01 00:00"),
        ("September 2027", TUE, NY, "window 2027-09-01 00:00 .. 2027-10-01 00:00"),
        ("9/2027", TUE, NY, "window 2027-09-01 00:00 .. 2027-10-01 00:00"),
        ("march next year", TUE, NY, "window 2027-03-01 00:00 .. 2027-04-01 00:00"),
        ("early next year", TUE, NY, "window 2027-01-01 00:00 .. 2027-05-01 00:00"),
        ("next year", TUE, NY, "window 2027-01-01 00:00 .. 2028-01-01 00:00"),
        ("late 2026", TUE, NY, "window 2026-09-01 00:00 .. 2027-01-01 00:00"),
        ("this summer", TUE, NY, "window 2026-06-01 00:00 .. 2026-09-01 00:00"),
        ("this summer", TUE, SYD, "window 2026-12-01 00:00 .. 2027-03-01 00:00"),
        ("the first week of april", TUE, NY, "window 2026-04-01 00:00 .. 2026-04-08 00:00"),
        ("last day of February", TUE, NY, "date 2027-02-28"),
        // a month name alone inside a sentence is not a date
        ("May I book a table", TUE, NY, "none"),
    ]);
}

#[test]
fn numeric_dates_in_every_shape() {
    run(&[
        ("2027/8/10", TUE, NY, "date 2027-08-10"),
        ("2027-08-10", TUE, NY, "date 2027-08-10"),
        ("2026.04.02", TUE, NY, "date 2026-04-02"),
        ("8/10", TUE, NY, "date 2026-08-10"),
        ("8/10", TUE, LON, "date 2026-10-08"),
        ("10.8.2027", TUE, NY, "date 2027-08-10"),
        ("Aug 10th '27", TUE, NY, "date 2027-08-10"),
        ("10-AUG-2027", TUE, NY, "date 2027-08-10"),
        ("2-apr-2026", TUE, NY, "date 2026-04-02"),
        ("2027-01-05T13:15:30Z", TUE, NY, "exact @2027-01-05T13:15:30Z"),
        ("2027-01-05T13:15:30+02:00", TUE, NY, "exact @2027-01-05T11:15:30Z"),
        ("2026-11-30T08:15:30-05:30", TUE, NY, "exact @2026-11-30T13:45:30Z"),
        ("2026-8-10T12:00", TUE, NY, "exact 2026-08-10 12:00"),
        ("2026-10-03 16:00", TUE, NY, "exact 2026-10-03 16:00"),
        ("20:32:13", TUE, NY, "exact 2026-03-10 20:32:13"),
        ("tomorrow at 07:05:09", TUE, NY, "exact 2026-03-11 07:05:09"),
        ("15h30", TUE, NY, "exact 2026-03-10 15:30"),
    ]);
}

#[test]
fn zones_are_converted_into_the_business_zone() {
    run(&[
        ("3pm eastern", TUE, CHI, "exact 2026-03-10 14:00"),
        ("10:30 PST", TUE, NY, "exact 2026-03-10 13:30"),
        ("noon Pacific", TUE, NY, "exact 2026-03-10 15:00"),
        ("2 o'clock central time", TUE, NY, "exact 2026-03-10 15:00"),
        ("14:00 CET", TUE, NY, "exact 2026-03-10 09:00"),
        ("4pm CET tomorrow", TUE, LON, "exact 2026-03-11 15:00"),
        ("Thursday 8:00 GMT", TUE, NY, "exact 2026-03-12 04:00"),
        ("10:00 UTC+2", TUE, LON, "exact 2026-03-11 08:00"),
        ("5pm your time", TUE, NY, "exact 2026-03-10 17:00"),
        // the caller's zone unknown: "my time" is the business's
        ("5pm my time", TUE, NY, "exact 2026-03-10 17:00"),
    ]);
}

#[test]
fn mentions_name_the_zone_said() {
    let ctx = context(TUE, NY);
    let zone = |phrase: &str, ctx: &Context| understand(phrase, ctx).best.and_then(|m| m.zone);
    assert_eq!(zone("3pm eastern", &ctx), Some(TimeZone::get("America/New_York").unwrap()));
    assert_eq!(zone("10:30 PST", &ctx), Some(TimeZone::get("America/Los_Angeles").unwrap()));
    assert_eq!(zone("14:00 CET", &ctx), Some(TimeZone::get("Europe/Paris").unwrap()));
    assert_eq!(zone("3pm", &ctx), None);
    assert_eq!(zone("5pm my time", &ctx), None);
    // the caller known to be in Los Angeles: "5pm my time" is 20:00 in New York
    let la = TimeZone::get("America/Los_Angeles").unwrap();
    let with_caller = context(TUE, NY).with_caller_tz(la.clone());
    let m = understand("5pm my time", &with_caller).best.unwrap();
    assert_eq!(m.zone, Some(la));
    assert_eq!(show(&m, NY), "exact 2026-03-10 20:00 (text \"5pm my time\")");
    let z = zone("2027-01-05T13:15:30+02:00", &ctx).unwrap();
    assert_eq!(z.to_offset("2027-01-05T11:15:30Z".parse().unwrap()).seconds(), 7200);
}

#[test]
fn ranges_with_shared_parts() {
    run(&[
        ("22–23 Feb at 7pm", TUE, NY, "exact 2027-02-22 19:00"),
        ("22-23 Feb", TUE, NY, "window 2027-02-22 00:00 .. 2027-02-24 00:00"),
        ("Aug 10-22", TUE, NY, "window 2026-08-10 00:00 .. 2026-08-23 00:00"),
        ("10 to 11 at night", TUE, NY, "window 2026-03-10 22:00 .. 2026-03-10 23:00"),
        ("between 2 and 4 on Thursday", TUE, NY, "window 2026-03-12 14:00 .. 2026-03-12 16:00"),
        ("10 August – 12 September 2027", TUE, NY, "window 2027-08-10 00:00 .. 2027-09-13 00:00"),
        ("from the 10th to the 12th of August", TUE, NY, "window 2026-08-10 00:00 .. 2026-08-13 00:00"),
    ]);
}

#[test]
fn far_years_are_refused_and_numbers_are_not_times() {
    let ctx = context(TUE, NY);
    let u = understand("Jan 1 3000", &ctx);
    assert_eq!((u.best, u.refusal), (None, Some(Refusal::TooFar)));
    let u = understand("can I come on March 3rd 2020", &ctx);
    assert_eq!((u.best, u.refusal), (None, Some(Refusal::Past)));
    assert_eq!(understand("tomorrow", &ctx).refusal, None);
    assert_eq!(
        Refusal::TooFar.reason(Language::En),
        "That date is too far ahead; I can book up to two years out."
    );
    assert!(Refusal::TooFar.reason(Language::Es).starts_with("Esa fecha está demasiado lejos"));
    assert_eq!(Refusal::Past.reason(Language::Es), "Esa fecha ya ha pasado.");
    run(&[
        ("101 points", TUE, NY, "none"),
        ("12.53%", TUE, NY, "none"),
        ("room 2012", TUE, NY, "none"),
        ("version 2.5", TUE, NY, "none"),
        ("I scored 12.53 out of 20", TUE, NY, "none"),
    ]);
}
