//! Dates: named days, weekdays from every day of the week, days of the month, month names,
//! numeric dates, ordinal weekdays, month and year rollover.

mod common;

use common::*;

#[test]
fn named_days() {
    run(&[
        ("today", TUE, NY, "date 2026-03-10"),
        ("tomorrow", TUE, NY, "date 2026-03-11"),
        ("the day after tomorrow", TUE, NY, "date 2026-03-12"),
        ("day after tomorrow", TUE, NY, "date 2026-03-12"),
        ("Tomorrow.", TUE, CHI, "date 2026-03-11"),
        ("tomorrow", "2026-03-10 23:59", LON, "date 2026-03-11"),
        ("today", "2026-03-10 00:01", SYD, "date 2026-03-10"),
        ("can you see me today", TUE, NY, "date 2026-03-10"),
    ]);
}

#[test]
fn bare_weekday_from_each_day() {
    run(&[
        ("Friday", MON, NY, "date 2026-03-13"),
        ("Friday", TUE, NY, "date 2026-03-13"),
        ("Friday", WED, NY, "date 2026-03-13"),
        ("Friday", THU, NY, "date 2026-03-13"),
        ("Friday", FRI, NY, "date 2026-03-13"),
        ("Friday", SAT, NY, "date 2026-03-20"),
        ("Friday", SUN, NY, "date 2026-03-20"),
        ("Monday", MON, NY, "date 2026-03-09"),
        ("Monday", TUE, NY, "date 2026-03-16"),
        ("Wednesday", TUE, NY, "date 2026-03-11"),
        ("Sunday", SAT, NY, "date 2026-03-15"),
        ("Saturday", SUN, NY, "date 2026-03-21"),
        ("on Thursday", MON, LON, "date 2026-03-12"),
        ("this Tuesday", TUE, NY, "date 2026-03-10"),
        ("this Friday", TUE, NY, "date 2026-03-13"),
        ("this Monday", WED, NY, "date 2026-03-16"),
        ("this coming Tuesday", TUE, NY, "date 2026-03-17"),
        ("coming Monday", SUN, NY, "date 2026-03-16"),
        ("Mondays", TUE, NY, "date 2026-03-16"),
    ]);
}

#[test]
fn next_weekday_from_each_day() {
    run(&[
        ("next Tuesday", MON, NY, "date 2026-03-17"),
        ("next Tuesday", TUE, NY, "date 2026-03-17"),
        ("next Tuesday", WED, NY, "date 2026-03-17"),
        ("next Tuesday", THU, NY, "date 2026-03-17"),
        ("next Tuesday", FRI, NY, "date 2026-03-17"),
        ("next Tuesday", SAT, NY, "date 2026-03-17"),
        ("next Tuesday", SUN, NY, "date 2026-03-17"),
        ("next Monday", MON, NY, "date 2026-03-16"),
        ("next Monday", FRI, NY, "date 2026-03-16"),
        ("next Monday", SUN, NY, "date 2026-03-16"),
        ("next Wednesday", TUE, NY, "date 2026-03-18"),
        ("next Wednesday", FRI, NY, "date 2026-03-18"),
        ("next Thursday", WED, NY, "date 2026-03-19"),
        ("next Friday", MON, NY, "date 2026-03-20"),
        ("next Friday", THU, NY, "date 2026-03-20"),
        ("next Friday", FRI, NY, "date 2026-03-20"),
        ("next Saturday", THU, NY, "date 2026-03-21"),
        ("next Saturday", FRI, NY, "date 2026-03-14"),
        ("next Saturday", SAT, NY, "date 2026-03-21"),
        ("next Sunday", MON, NY, "date 2026-03-22"),
        ("next Sunday", FRI, NY, "date 2026-03-15"),
        ("next Sunday", SAT, NY, "date 2026-03-15"),
        ("next Sunday", SUN, NY, "date 2026-03-22"),
        ("Monday next", TUE, LON, "date 2026-03-16"),
        ("the following Tuesday", TUE, NY, "date 2026-03-17"),
    ]);
}

#[test]
fn weeks_around_weekdays() {
    run(&[
        ("Tuesday week", TUE, LON, "date 2026-03-17"),
        ("a week from Monday", TUE, NY, "date 2026-03-23"),
        ("a week on Friday", TUE, LON, "date 2026-03-20"),
        ("a week Friday", TUE, LON, "date 2026-03-20"),
        ("a week from today", TUE, NY, "date 2026-03-17"),
        ("a week today", TUE, LON, "date 2026-03-17"),
        ("a week tomorrow", TUE, LON, "date 2026-03-18"),
        ("two weeks from Friday", TUE, NY, "date 2026-03-27"),
        ("Tuesday after next", TUE, NY, "date 2026-03-24"),
        ("the Tuesday after next", MON, NY, "date 2026-03-24"),
        ("next week Tuesday", TUE, NY, "date 2026-03-17"),
        ("Tuesday next week", FRI, NY, "date 2026-03-17"),
        ("Thursday of next week", TUE, NY, "date 2026-03-19"),
        // a week said once after two days holds both: the first is the answer
        ("Tuesday or Wednesday next week", TUE, NY, "date 2026-03-17"),
        ("tues or weds next week", TUE, NY, "date 2026-03-17"),
        ("Monday, or Friday of next week", TUE, NY, "date 2026-03-16"),
        ("Tuesday or Wednesday", MON, NY, "date 2026-03-10"),
        ("Friday this week", TUE, NY, "date 2026-03-13"),
        ("next week on Wednesday", TUE, NY, "date 2026-03-18"),
        ("Saturday this weekend", TUE, NY, "date 2026-03-14"),
        ("Sunday of the week after next", TUE, NY, "date 2026-03-29"),
    ]);
}

#[test]
fn days_of_the_month() {
    run(&[
        ("the 15th", TUE, NY, "date 2026-03-15"),
        ("the 5th", TUE, NY, "date 2026-04-05"),
        ("the 10th", TUE, NY, "date 2026-03-10"),
        ("on the 31st", TUE, NY, "date 2026-03-31"),
        ("the 31st", "2026-04-20 10:00", NY, "date 2026-05-31"),
        ("the 30th", "2026-02-10 10:00", NY, "date 2026-03-30"),
        ("the thirty-first", TUE, NY, "date 2026-03-31"),
        ("the twenty-first", TUE, NY, "date 2026-03-21"),
        ("the twenty first", TUE, CHI, "date 2026-03-21"),
        ("the 2nd", TUE, NY, "date 2026-04-02"),
        ("the second", TUE, NY, "date 2026-04-02"),
        ("on the twelfth", TUE, LON, "date 2026-03-12"),
        ("15th", TUE, NY, "date 2026-03-15"),
        ("the 15th of next month", TUE, NY, "date 2026-04-15"),
        ("the 1st of next month", TUE, NY, "date 2026-04-01"),
        ("the 3rd next month", TUE, NY, "date 2026-04-03"),
        ("Tuesday the 17th", TUE, NY, "date 2026-03-17"),
        ("Friday the 13th", TUE, NY, "date 2026-03-13"),
        ("Thursday the 16th", TUE, NY, "date 2026-04-16"),
        ("next month on the 3rd", TUE, NY, "date 2026-04-03"),
    ]);
}

#[test]
fn month_names() {
    run(&[
        ("March 3rd", TUE, NY, "date 2027-03-03"),
        ("March 14", TUE, NY, "date 2026-03-14"),
        ("March 14th, 2027", TUE, NY, "date 2027-03-14"),
        ("the 3rd of April", TUE, LON, "date 2026-04-03"),
        ("3 April", TUE, LON, "date 2026-04-03"),
        ("April 3", TUE, NY, "date 2026-04-03"),
        ("April the 3rd", TUE, NY, "date 2026-04-03"),
        ("Dec 25", TUE, NY, "date 2026-12-25"),
        ("Sept. 10", TUE, NY, "date 2026-09-10"),
        ("sept 10th", TUE, SYD, "date 2026-09-10"),
        ("the fifth of May", TUE, NY, "date 2026-05-05"),
        ("May 5th", TUE, NY, "date 2026-05-05"),
        ("June twenty-second", TUE, NY, "date 2026-06-22"),
        ("the fourth of July", TUE, NY, "date 2026-07-04"),
        ("July 4th", TUE, NY, "date 2026-07-04"),
        ("Feb 29", TUE, NY, "date 2028-02-29"),
        ("January 3rd", "2026-12-20 10:00", NY, "date 2027-01-03"),
        ("December 31st", "2026-12-31 10:00", NY, "date 2026-12-31"),
        ("Tuesday, March 17th", TUE, NY, "date 2026-03-17"),
    ]);
}

#[test]
fn numeric_dates() {
    run(&[
        ("3/14", TUE, NY, "date 2026-03-14"),
        ("3/4", TUE, NY, "date 2027-03-04"),
        ("3/4", TUE, LON, "date 2026-04-03"),
        ("14/3", TUE, LON, "date 2026-03-14"),
        ("12/25", TUE, LON, "date 2026-12-25"),
        ("25/12", TUE, SYD, "date 2026-12-25"),
        ("3/14/2027", TUE, NY, "date 2027-03-14"),
        ("3/14/27", TUE, CHI, "date 2027-03-14"),
        ("4/5", TUE, TOR, "date 2026-04-05"),
        ("2026-04-01", TUE, NY, "date 2026-04-01"),
        ("on 4/2 at 3pm", TUE, NY, "exact 2026-04-02 15:00"),
    ]);
}

#[test]
fn ordinal_weekdays() {
    run(&[
        ("the second Tuesday of next month", TUE, NY, "date 2026-04-14"),
        ("the first Monday of April", TUE, NY, "date 2026-04-06"),
        ("the last Friday of the month", TUE, NY, "date 2026-03-27"),
        ("the last Friday in March", TUE, NY, "date 2026-03-27"),
        ("the third Wednesday of May", TUE, NY, "date 2026-05-20"),
        ("the first Monday", TUE, NY, "date 2026-04-06"),
        ("second Tuesday of March", TUE, NY, "date 2026-03-10"),
        ("the first Friday in March", TUE, NY, "date 2027-03-05"),
        ("the 2nd Thursday next month", TUE, LON, "date 2026-04-09"),
    ]);
}

#[test]
fn rollovers() {
    run(&[
        ("the 5th", "2026-12-20 10:00", NY, "date 2027-01-05"),
        ("next Tuesday", "2026-12-30 10:00", NY, "date 2027-01-05"),
        ("Friday", "2026-12-30 10:00", NY, "date 2027-01-01"),
        ("New Year's Eve", "2026-12-31 10:00", NY, "date 2026-12-31"),
        ("tomorrow", "2026-12-31 10:00", NY, "date 2027-01-01"),
        ("the 2nd", "2026-03-31 10:00", NY, "date 2026-04-02"),
        ("Friday", "2026-03-30 10:00", NY, "date 2026-04-03"),
        ("the day after tomorrow", "2026-02-27 10:00", NY, "date 2026-03-01"),
        ("the day after tomorrow", "2028-02-28 10:00", NY, "date 2028-03-01"),
        ("next Monday", "2026-12-31 10:00", SYD, "date 2027-01-04"),
    ]);
}
