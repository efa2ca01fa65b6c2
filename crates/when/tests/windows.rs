//! Windows: parts of the day, after/before/between/around, weeks, weekends, months, and windows
//! combined with dates.

mod common;

use common::*;

#[test]
fn parts_of_the_day() {
    run(&[
        ("morning", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 12:00"),
        ("in the morning", TUE_PM, NY, "window 2026-03-11 06:00 .. 2026-03-11 12:00"),
        ("tomorrow morning", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 12:00"),
        ("this afternoon", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("this afternoon", "2026-03-10 14:10", NY, "window 2026-03-10 14:10 .. 2026-03-10 17:00"),
        ("afternoon", TUE_PM, NY, "window 2026-03-10 16:30 .. 2026-03-10 17:00"),
        ("afternoon", "2026-03-10 18:00", NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("this afternoon", "2026-03-10 18:00", NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("evening", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-10 21:00"),
        ("this evening", TUE, LON, "window 2026-03-10 17:00 .. 2026-03-10 21:00"),
        ("tonight", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("tonight", "2026-03-10 22:00", NY, "window 2026-03-10 22:00 .. 2026-03-11 00:00"),
        ("tomorrow night", TUE, NY, "window 2026-03-11 17:00 .. 2026-03-12 00:00"),
        ("Tuesday night", MON, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("lunchtime", TUE, NY, "window 2026-03-10 11:00 .. 2026-03-10 14:00"),
        ("at lunch", TUE, NY, "window 2026-03-10 11:00 .. 2026-03-10 14:00"),
        ("lunch time tomorrow", TUE, NY, "window 2026-03-11 11:00 .. 2026-03-11 14:00"),
        ("after lunch", TUE, NY, "window 2026-03-10 13:00 .. 2026-03-10 17:00"),
        ("after lunch tomorrow", TUE, NY, "window 2026-03-11 13:00 .. 2026-03-11 17:00"),
        ("end of day", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-10 18:00"),
        ("end of day Friday", TUE, NY, "window 2026-03-13 15:00 .. 2026-03-13 18:00"),
        ("by end of day", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-10 18:00"),
        ("first thing tomorrow", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 10:00"),
        ("first thing Monday morning", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        // on a span of days, "first thing" is its first morning still ahead
        ("first thing next week", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        ("next week first thing", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        ("first thing this week", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 10:00"),
        ("late afternoon", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-10 17:00"),
        ("early afternoon", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 14:00"),
        ("early morning", TUE_PM, NY, "window 2026-03-11 06:00 .. 2026-03-11 09:00"),
        ("mid-morning", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("late morning", TUE, NY, "window 2026-03-10 10:00 .. 2026-03-10 12:00"),
        ("early evening", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-10 19:00"),
        ("late evening", TUE, NY, "window 2026-03-10 19:00 .. 2026-03-10 21:00"),
        ("after work", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-10 21:00"),
        ("later today", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-11 00:00"),
        ("in the p.m.", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 17:00"),
        ("Saturday morning", TUE, NY, "window 2026-03-14 06:00 .. 2026-03-14 12:00"),
        ("next tues arvo", TUE, SYD, "window 2026-03-17 12:00 .. 2026-03-17 17:00"),
    ]);
}

#[test]
fn around_after_before_between() {
    run(&[
        ("after 4", TUE, NY, "window 2026-03-10 16:00 .. 2026-03-11 00:00"),
        ("after 4pm", TUE, NY, "window 2026-03-10 16:00 .. 2026-03-11 00:00"),
        ("anytime after 4", TUE, NY, "window 2026-03-10 16:00 .. 2026-03-11 00:00"),
        ("after 10", TUE, NY, "window 2026-03-10 10:00 .. 2026-03-11 00:00"),
        ("after 6", TUE, NY, "window 2026-03-10 18:00 .. 2026-03-11 00:00"),
        ("3 or later", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-11 00:00"),
        ("before noon", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 12:00"),
        ("before 11", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("before 5", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 17:00"),
        ("before 10am tomorrow", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 10:00"),
        ("no later than 3", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 15:00"),
        ("tomorrow by 3", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 15:00"),
        ("I'm at work until 5", TUE, NY, "window 2026-03-10 17:00 .. 2026-03-11 00:00"),
        ("between 2 and 4", TUE, NY, "window 2026-03-10 14:00 .. 2026-03-10 16:00"),
        ("between 10 and 2", TUE, NY, "window 2026-03-10 10:00 .. 2026-03-10 14:00"),
        ("between 9 and 11", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("between 6 and 8", TUE, NY, "window 2026-03-10 18:00 .. 2026-03-10 20:00"),
        ("between noon and 2", TUE, NY, "window 2026-03-10 12:00 .. 2026-03-10 14:00"),
        ("between 10:30 and 11:30", TUE, NY, "window 2026-03-10 10:30 .. 2026-03-10 11:30"),
        ("from 9 to 5", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 17:00"),
        ("from ten to four", TUE, LON, "window 2026-03-10 10:00 .. 2026-03-10 16:00"),
        ("2-4pm", TUE, NY, "window 2026-03-10 14:00 .. 2026-03-10 16:00"),
        ("2 to 4", TUE, NY, "window 2026-03-10 14:00 .. 2026-03-10 16:00"),
        ("8 to 10am", TUE_PM, NY, "window 2026-03-11 08:00 .. 2026-03-11 10:00"),
        ("around 3", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("around 10am", TUE, NY, "window 2026-03-10 09:30 .. 2026-03-10 10:30"),
        ("about 3", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("3ish", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("3-ish", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("threeish", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("around noon", TUE, NY, "window 2026-03-10 11:30 .. 2026-03-10 12:30"),
        ("around 3:30", TUE, NY, "window 2026-03-10 15:00 .. 2026-03-10 16:00"),
        ("around lunchtime", TUE, NY, "window 2026-03-10 11:00 .. 2026-03-10 14:00"),
        ("at 3 or so", TUE, NY, "window 2026-03-10 14:30 .. 2026-03-10 15:30"),
        ("evening around 7", TUE, NY, "window 2026-03-10 18:30 .. 2026-03-10 19:30"),
    ]);
}

#[test]
fn windows_on_dates() {
    run(&[
        ("sometime Friday", TUE, NY, "window 2026-03-13 00:00 .. 2026-03-14 00:00"),
        ("any time Friday", TUE, NY, "window 2026-03-13 00:00 .. 2026-03-14 00:00"),
        ("Friday, all day", TUE, NY, "window 2026-03-13 00:00 .. 2026-03-14 00:00"),
        ("sometime today", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-11 00:00"),
        ("sometime tomorrow afternoon", TUE, NY, "window 2026-03-11 12:00 .. 2026-03-11 17:00"),
        ("Friday afternoon", TUE, NY, "window 2026-03-13 12:00 .. 2026-03-13 17:00"),
        ("next Tuesday afternoon", TUE, NY, "window 2026-03-17 12:00 .. 2026-03-17 17:00"),
        ("next Tuesday afternoon", FRI, CHI, "window 2026-03-17 12:00 .. 2026-03-17 17:00"),
        ("Friday between 2 and 4", TUE, NY, "window 2026-03-13 14:00 .. 2026-03-13 16:00"),
        ("tomorrow after 3", TUE, NY, "window 2026-03-11 15:00 .. 2026-03-12 00:00"),
        ("tomorrow afternoon after 3", TUE, NY, "window 2026-03-11 15:00 .. 2026-03-11 17:00"),
        ("Friday morning before 10", TUE, NY, "window 2026-03-13 06:00 .. 2026-03-13 10:00"),
        (
            "the second Tuesday of next month around 10",
            TUE,
            NY,
            "window 2026-04-14 09:30 .. 2026-04-14 10:30",
        ),
        ("the afternoon of the 15th", TUE, NY, "window 2026-03-15 12:00 .. 2026-03-15 17:00"),
        ("Wednesday between 1 and 3", TUE, LON, "window 2026-03-11 13:00 .. 2026-03-11 15:00"),
        ("Saturday morning", TUE, SYD, "window 2026-03-14 06:00 .. 2026-03-14 12:00"),
        ("any afternoon next week", TUE, NY, "window 2026-03-16 12:00 .. 2026-03-22 17:00"),
        ("next week at 3", TUE, NY, "exact 2026-03-16 15:00"),
    ]);
}

#[test]
fn weeks_and_weekends() {
    run(&[
        ("this weekend", TUE, NY, "window 2026-03-14 00:00 .. 2026-03-16 00:00"),
        ("this weekend", SAT, NY, "window 2026-03-14 09:00 .. 2026-03-16 00:00"),
        ("this weekend", SUN, NY, "window 2026-03-15 09:00 .. 2026-03-16 00:00"),
        ("over the weekend", TUE, NY, "window 2026-03-14 00:00 .. 2026-03-16 00:00"),
        ("at the weekend", TUE, LON, "window 2026-03-14 00:00 .. 2026-03-16 00:00"),
        ("next weekend", TUE, NY, "window 2026-03-21 00:00 .. 2026-03-23 00:00"),
        ("next weekend", SAT, NY, "window 2026-03-21 00:00 .. 2026-03-23 00:00"),
        ("the weekend after next", TUE, NY, "window 2026-03-28 00:00 .. 2026-03-30 00:00"),
        ("next week", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("next week", SUN, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("this week", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-16 00:00"),
        ("the week after next", TUE, NY, "window 2026-03-23 00:00 .. 2026-03-30 00:00"),
        ("early next week", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-18 00:00"),
        ("late next week", TUE, NY, "window 2026-03-19 00:00 .. 2026-03-21 00:00"),
        ("mid next week", TUE, NY, "window 2026-03-17 00:00 .. 2026-03-20 00:00"),
        ("later this week", TUE, NY, "window 2026-03-11 00:00 .. 2026-03-16 00:00"),
        ("any time next week", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("sometime next week", FRI, LON, "window 2026-03-16 00:00 .. 2026-03-23 00:00"),
        ("the week of the 23rd", TUE, NY, "window 2026-03-23 00:00 .. 2026-03-30 00:00"),
        ("end of the week", TUE, NY, "date 2026-03-13"),
        ("end of the week", FRI, NY, "date 2026-03-13"),
        ("end of the week", SAT, NY, "date 2026-03-20"),
        ("by the end of the week", WED, NY, "date 2026-03-13"),
        ("end of next week", TUE, NY, "date 2026-03-20"),
        ("next week", "2026-03-30 10:00", NY, "window 2026-04-06 00:00 .. 2026-04-13 00:00"),
        ("next week", "2026-12-30 10:00", NY, "window 2027-01-04 00:00 .. 2027-01-11 00:00"),
    ]);
}

#[test]
fn months() {
    run(&[
        ("next month", TUE, NY, "window 2026-04-01 00:00 .. 2026-05-01 00:00"),
        ("next month", "2026-12-15 10:00", NY, "window 2027-01-01 00:00 .. 2027-02-01 00:00"),
        ("this month", TUE, NY, "window 2026-03-10 09:00 .. 2026-04-01 00:00"),
        ("end of the month", TUE, NY, "window 2026-03-25 00:00 .. 2026-04-01 00:00"),
        ("early April", TUE, NY, "window 2026-04-01 00:00 .. 2026-04-11 00:00"),
        ("in April", TUE, NY, "window 2026-04-01 00:00 .. 2026-05-01 00:00"),
        ("sometime in May", TUE, NY, "window 2026-05-01 00:00 .. 2026-06-01 00:00"),
        ("late March", TUE, NY, "window 2026-03-21 00:00 .. 2026-04-01 00:00"),
        ("mid-April", TUE, LON, "window 2026-04-11 00:00 .. 2026-04-21 00:00"),
        ("in January", "2026-12-01 10:00", NY, "window 2027-01-01 00:00 .. 2027-02-01 00:00"),
    ]);
}

#[test]
fn ranges_of_days() {
    run(&[
        ("Monday through Wednesday", TUE, NY, "window 2026-03-16 00:00 .. 2026-03-19 00:00"),
        (
            "I'm available Monday to Wednesday next week",
            TUE,
            NY,
            "window 2026-03-16 00:00 .. 2026-03-19 00:00",
        ),
        ("between Tuesday and Thursday", MON, NY, "window 2026-03-10 00:00 .. 2026-03-13 00:00"),
        ("Friday to Monday", TUE, NY, "window 2026-03-13 00:00 .. 2026-03-17 00:00"),
        ("from the 20th to the 24th", TUE, NY, "window 2026-03-20 00:00 .. 2026-03-25 00:00"),
        ("Thursday-Friday", TUE, NY, "window 2026-03-12 00:00 .. 2026-03-14 00:00"),
        ("before Friday", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-13 00:00"),
        ("by Friday", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-14 00:00"),
        ("after Wednesday", TUE, NY, "window 2026-03-12 00:00 .. 2026-03-19 00:00"),
        ("any time until Friday", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-14 00:00"),
        ("I'm out of town until the 20th", TUE, NY, "window 2026-03-20 00:00 .. 2026-03-27 00:00"),
        ("can you stop by Friday", TUE, NY, "date 2026-03-13"),
        ("early in the week", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-11 00:00"),
        ("early in the week", THU, NY, "window 2026-03-16 00:00 .. 2026-03-18 00:00"),
        ("later in the week", MON, NY, "window 2026-03-10 00:00 .. 2026-03-16 00:00"),
        ("the first of the month", "2026-06-07 16:00", LON, "date 2026-07-01"),
        ("the last Friday of the month", "2026-06-27 10:00", LON, "date 2026-07-31"),
        ("the long weekend", TUE, LON, "window 2026-04-03 00:00 .. 2026-04-07 00:00"),
    ]);
}

#[test]
fn options_share_a_date_or_meridiem() {
    run(&[
        ("around 2 or 3 on Friday", TUE, NY, "window 2026-03-13 13:30 .. 2026-03-13 14:30"),
        ("5 or 6 pm", TUE, NY, "exact 2026-03-10 17:00"),
        ("6 or 7 in the morning", TUE, NY, "exact 2026-03-11 06:00"),
        ("late Friday afternoon", TUE, NY, "window 2026-03-13 15:00 .. 2026-03-13 17:00"),
        ("early tomorrow morning", TUE, NY, "window 2026-03-11 06:00 .. 2026-03-11 09:00"),
        ("1st thing Monday", TUE, NY, "window 2026-03-16 06:00 .. 2026-03-16 10:00"),
        ("within the hour", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 10:00"),
        ("in the next couple of hours", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-10 11:00"),
        ("today at some point", TUE, NY, "window 2026-03-10 09:00 .. 2026-03-11 00:00"),
    ]);
}
