//! Clock times alone and with dates: meridiem rules, spelled numbers, fractions, 24-hour forms,
//! times already past today, and DST changes in four zones.

mod common;

use common::*;

#[test]
fn hours_and_meridiem() {
    run(&[
        ("at 3", TUE, NY, "exact 2026-03-10 15:00"),
        ("3pm", TUE, NY, "exact 2026-03-10 15:00"),
        ("3 pm", TUE, NY, "exact 2026-03-10 15:00"),
        ("3 p.m.", TUE, NY, "exact 2026-03-10 15:00"),
        ("3 PM", TUE, NY, "exact 2026-03-10 15:00"),
        ("3PM", TUE, CHI, "exact 2026-03-10 15:00"),
        ("3p", TUE, NY, "exact 2026-03-10 15:00"),
        ("3:30", TUE, NY, "exact 2026-03-10 15:30"),
        ("3:30pm", TUE, NY, "exact 2026-03-10 15:30"),
        ("3:30 P.M.", TUE, LON, "exact 2026-03-10 15:30"),
        ("15:30", TUE, NY, "exact 2026-03-10 15:30"),
        ("3.30pm", TUE, LON, "exact 2026-03-10 15:30"),
        ("at 9", TUE, NY, "exact 2026-03-10 09:00"),
        ("at 8", TUE, NY, "exact 2026-03-11 08:00"),
        ("at 10", TUE, NY, "exact 2026-03-10 10:00"),
        ("at 11", TUE, NY, "exact 2026-03-10 11:00"),
        ("at 12", TUE, NY, "exact 2026-03-10 12:00"),
        ("at 1", TUE, NY, "exact 2026-03-10 13:00"),
        ("at 7", TUE, NY, "exact 2026-03-10 19:00"),
        ("at 7:30", TUE, NY, "exact 2026-03-10 19:30"),
        ("07:30", TUE, NY, "exact 2026-03-11 07:30"),
        ("7am", TUE, NY, "exact 2026-03-11 07:00"),
        ("3 a.m.", TUE, NY, "exact 2026-03-11 03:00"),
        ("12am", TUE, NY, "exact 2026-03-11 00:00"),
        ("12pm", TUE, NY, "exact 2026-03-10 12:00"),
        ("10 in the morning", TUE, NY, "exact 2026-03-10 10:00"),
        ("6 in the morning", TUE, NY, "exact 2026-03-11 06:00"),
        ("two in the afternoon", TUE, NY, "exact 2026-03-10 14:00"),
        ("7 in the evening", TUE, NY, "exact 2026-03-10 19:00"),
        ("8 at night", TUE, NY, "exact 2026-03-10 20:00"),
        ("9 in the morning", TUE_PM, NY, "exact 2026-03-11 09:00"),
        ("at 930", TUE, NY, "exact 2026-03-10 09:30"),
        ("930am", TUE, NY, "exact 2026-03-10 09:30"),
        ("at 1530", TUE, NY, "exact 2026-03-10 15:30"),
        ("1500 hours", TUE, LON, "exact 2026-03-10 15:00"),
    ]);
}

#[test]
fn spoken_times() {
    run(&[
        ("half past ten", TUE, NY, "exact 2026-03-10 10:30"),
        ("quarter to five", TUE, NY, "exact 2026-03-10 16:45"),
        ("quarter to eight", TUE, NY, "exact 2026-03-11 07:45"),
        ("quarter past three", TUE, NY, "exact 2026-03-10 15:15"),
        ("a quarter past 3", TUE, NY, "exact 2026-03-10 15:15"),
        ("quarter after 3", TUE, NY, "exact 2026-03-10 15:15"),
        ("quarter of 5", TUE, NY, "exact 2026-03-10 16:45"),
        ("twenty past four", TUE, LON, "exact 2026-03-10 16:20"),
        ("ten to four", TUE, LON, "exact 2026-03-10 15:50"),
        ("five after three", TUE, NY, "exact 2026-03-10 15:05"),
        ("twenty-five past eleven", TUE, NY, "exact 2026-03-10 11:25"),
        ("half two", TUE, LON, "exact 2026-03-10 14:30"),
        ("noon", TUE, NY, "exact 2026-03-10 12:00"),
        ("twelve noon", TUE, NY, "exact 2026-03-10 12:00"),
        ("midday", TUE, LON, "exact 2026-03-10 12:00"),
        ("midnight", TUE, NY, "exact 2026-03-11 00:00"),
        ("at midnight", TUE, NY, "exact 2026-03-11 00:00"),
        ("four o'clock", TUE, NY, "exact 2026-03-10 16:00"),
        ("4 o'clock", TUE, NY, "exact 2026-03-10 16:00"),
        ("4 oclock", TUE, NY, "exact 2026-03-10 16:00"),
        ("eleven o'clock", TUE, NY, "exact 2026-03-10 11:00"),
        ("three thirty", TUE, NY, "exact 2026-03-10 15:30"),
        ("ten fifteen", TUE, NY, "exact 2026-03-10 10:15"),
        ("eleven", TUE, NY, "exact 2026-03-10 11:00"),
        ("eleven forty-five", TUE, NY, "exact 2026-03-10 11:45"),
        ("nine oh five", TUE, NY, "exact 2026-03-10 09:05"),
        ("twelve thirty", TUE, NY, "exact 2026-03-10 12:30"),
        ("two twenty five", TUE, NY, "exact 2026-03-10 14:25"),
        ("fifteen hundred", TUE, NY, "exact 2026-03-10 15:00"),
        ("at 3 30", TUE, NY, "exact 2026-03-10 15:30"),
        ("quarter past", TUE, NY, "exact 2026-03-10 09:15"),
        ("half past", "2026-03-10 09:40", NY, "exact 2026-03-10 10:30"),
        ("at quarter to", TUE, NY, "exact 2026-03-10 09:45"),
        ("first thing", "2026-03-10 05:00", NY, "window 2026-03-10 06:00 .. 2026-03-10 10:00"),
        ("first thing", TUE_PM, NY, "window 2026-03-11 06:00 .. 2026-03-11 10:00"),
    ]);
}

#[test]
fn bare_numbers_in_context() {
    run(&[
        ("3", TUE, NY, "exact 2026-03-10 15:00"),
        ("um, 3?", TUE, NY, "exact 2026-03-10 15:00"),
        ("how about 3", TUE, NY, "exact 2026-03-10 15:00"),
        ("what about four", TUE, NY, "exact 2026-03-10 16:00"),
        ("3 works", TUE, NY, "exact 2026-03-10 15:00"),
        ("is 10 ok?", TUE, NY, "exact 2026-03-10 10:00"),
        ("say 4", TUE, NY, "exact 2026-03-10 16:00"),
        ("maybe 2", TUE, NY, "exact 2026-03-10 14:00"),
        ("Tuesday 3", MON, NY, "exact 2026-03-10 15:00"),
        ("Can I book for 3 on Friday?", TUE, NY, "exact 2026-03-13 15:00"),
        ("at 3 or 4", TUE, NY, "exact 2026-03-10 15:00"),
        ("I have 3 kids", TUE, NY, "none"),
        ("a table for 4", TUE, NY, "none"),
        ("my son is 3", TUE, NY, "none"),
    ]);
}

#[test]
fn times_already_past_today() {
    run(&[
        ("at 3", TUE_PM, NY, "exact 2026-03-11 15:00"),
        ("at 5", TUE_PM, NY, "exact 2026-03-10 17:00"),
        ("9am", TUE_PM, NY, "exact 2026-03-11 09:00"),
        ("today at 3", TUE_PM, NY, "exact 2026-03-10 15:00"),
        ("Tuesday at 3", TUE_PM, NY, "exact 2026-03-17 15:00"),
        ("Tuesday at 5", TUE_PM, NY, "exact 2026-03-10 17:00"),
        ("this Tuesday at 3", TUE_PM, NY, "exact 2026-03-10 15:00"),
        ("noon", TUE_PM, NY, "exact 2026-03-11 12:00"),
    ]);
}

#[test]
fn times_with_dates() {
    run(&[
        ("tomorrow at 3", TUE, NY, "exact 2026-03-11 15:00"),
        ("tomorrow at 3:30", TUE, NY, "exact 2026-03-11 15:30"),
        ("3pm tomorrow", TUE, NY, "exact 2026-03-11 15:00"),
        ("at 3 tomorrow", TUE, NY, "exact 2026-03-11 15:00"),
        ("Friday at noon", TUE, NY, "exact 2026-03-13 12:00"),
        ("Friday at 10am", TUE, NY, "exact 2026-03-13 10:00"),
        ("next Tuesday at 2", TUE, NY, "exact 2026-03-17 14:00"),
        ("Monday morning at 10", TUE, NY, "exact 2026-03-16 10:00"),
        ("tomorrow morning at 7", TUE, NY, "exact 2026-03-11 07:00"),
        ("tonight at 8", TUE, NY, "exact 2026-03-10 20:00"),
        ("tonight at 12", TUE, NY, "exact 2026-03-11 00:00"),
        ("tonight at 1am", TUE, NY, "exact 2026-03-11 01:00"),
        ("tomorrow night at 1", TUE, NY, "exact 2026-03-12 01:00"),
        ("tonight at 11", TUE, NY, "exact 2026-03-10 23:00"),
        ("this afternoon at 3", TUE, NY, "exact 2026-03-10 15:00"),
        ("this morning at 11", TUE, NY, "exact 2026-03-10 11:00"),
        ("Tuesday at midnight", TUE, NY, "exact 2026-03-11 00:00"),
        ("the 15th at 10", TUE, NY, "exact 2026-03-15 10:00"),
        ("March 20th at 4:30pm", TUE, NY, "exact 2026-03-20 16:30"),
        ("in 3 days at 2pm", TUE, NY, "exact 2026-03-13 14:00"),
        ("a week from Monday at 11", TUE, NY, "exact 2026-03-23 11:00"),
        ("Saturday at 9 in the morning", TUE, LON, "exact 2026-03-14 09:00"),
        ("tomorrow at 3", TUE, CHI, "exact 2026-03-11 15:00"),
        ("Friday at half past two", TUE, SYD, "exact 2026-03-13 14:30"),
        ("Tues. at 9 in the morning", MON, NY, "exact 2026-03-10 09:00"),
        ("tomorrow at quarter to nine", TUE, LON, "exact 2026-03-11 08:45"),
        ("Thursday evening at 6", TUE, NY, "exact 2026-03-12 18:00"),
        ("lunchtime tomorrow at 1", TUE, NY, "exact 2026-03-11 13:00"),
    ]);
}

#[test]
fn relative_times() {
    run(&[
        ("in 3 days", TUE, NY, "exact 2026-03-13 09:00"),
        ("in three days", TUE, NY, "exact 2026-03-13 09:00"),
        ("in two weeks", TUE, NY, "exact 2026-03-24 09:00"),
        ("in a week", TUE, NY, "exact 2026-03-17 09:00"),
        ("in a couple of days", TUE, NY, "exact 2026-03-12 09:00"),
        ("in a fortnight", TUE, LON, "exact 2026-03-24 09:00"),
        ("in a month", TUE, NY, "exact 2026-04-10 09:00"),
        ("in 2 hours", TUE, NY, "exact 2026-03-10 11:00"),
        ("in 90 minutes", TUE, NY, "exact 2026-03-10 10:30"),
        ("in half an hour", TUE, NY, "exact 2026-03-10 09:30"),
        ("in an hour and a half", TUE, NY, "exact 2026-03-10 10:30"),
        ("3 days from now", TUE, NY, "exact 2026-03-13 09:00"),
        ("in 3 days", "2026-03-30 09:00", NY, "exact 2026-04-02 09:00"),
        ("within the next 2 hours", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
    ]);
}

#[test]
fn across_dst_changes() {
    // New York springs forward on 8 March 2026 and falls back on 1 November.
    let ny_spring = "2026-03-07 10:00";
    let ny_fall = "2026-10-31 10:00";
    // London springs forward on 29 March; Sydney falls back on 5 April.
    run(&[
        ("in 24 hours", ny_spring, NY, "exact 2026-03-08 11:00"),
        ("in 1 day", ny_spring, NY, "exact 2026-03-08 10:00"),
        ("in 3 days", ny_spring, NY, "exact 2026-03-10 10:00"),
        ("in 72 hours", ny_spring, NY, "exact 2026-03-10 11:00"),
        ("tomorrow", ny_spring, NY, "date 2026-03-08"),
        ("tomorrow at 2:30am", ny_spring, NY, "exact 2026-03-08 03:30"),
        ("tomorrow at 10", ny_spring, NY, "exact @2026-03-08T14:00:00Z"),
        ("in 24 hours", ny_fall, NY, "exact 2026-11-01 09:00"),
        ("in 1 day", ny_fall, NY, "exact 2026-11-01 10:00"),
        ("tomorrow at 1:30am", ny_fall, NY, "exact @2026-11-01T05:30:00Z"),
        ("in 24 hours", "2026-03-28 12:00", LON, "exact 2026-03-29 13:00"),
        ("in 1 day", "2026-03-28 12:00", LON, "exact 2026-03-29 12:00"),
        ("tomorrow at 1:30am", "2026-03-28 12:00", LON, "exact 2026-03-29 02:30"),
        ("in 24 hours", "2026-04-04 12:00", SYD, "exact 2026-04-05 11:00"),
        ("in 1 day", "2026-04-04 12:00", SYD, "exact 2026-04-05 12:00"),
        ("tomorrow at 2:30am", "2026-04-04 12:00", SYD, "exact @2026-04-04T15:30:00Z"),
        ("in 3 days", "2026-03-07 10:00", CHI, "exact 2026-03-10 10:00"),
        ("in 24 hours", "2026-03-07 10:00", CHI, "exact 2026-03-08 11:00"),
    ]);
}

#[test]
#[should_panic(expected = "1 of 1 rows failed")]
fn harness_catches_a_wrong_row() {
    run(&[("at 3", TUE, NY, "exact 2026-03-10 16:00")]);
}
