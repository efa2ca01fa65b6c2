//! Holidays by country: fixed, rule-based and Easter-based, with their next occurrence.

mod common;

use common::*;

#[test]
fn united_states() {
    run(&[
        ("Christmas", TUE, NY, "date 2026-12-25"),
        ("Christmas Day", TUE, CHI, "date 2026-12-25"),
        ("xmas", TUE, NY, "date 2026-12-25"),
        ("Christmas Eve", TUE, NY, "date 2026-12-24"),
        ("New Year's Eve", TUE, NY, "date 2026-12-31"),
        ("New Year's Day", TUE, NY, "date 2027-01-01"),
        ("new years", TUE, NY, "date 2027-01-01"),
        ("Thanksgiving", TUE, NY, "date 2026-11-26"),
        ("the day after Thanksgiving", TUE, NY, "date 2026-11-27"),
        ("Black Friday", TUE, NY, "date 2026-11-27"),
        ("Memorial Day", TUE, NY, "date 2026-05-25"),
        ("Labor Day", TUE, NY, "date 2026-09-07"),
        ("Fourth of July", TUE, NY, "date 2026-07-04"),
        ("the 4th of July", TUE, CHI, "date 2026-07-04"),
        ("Independence Day", TUE, NY, "date 2026-07-04"),
        ("Good Friday", TUE, NY, "date 2026-04-03"),
        ("Easter", TUE, NY, "date 2026-04-05"),
        ("Easter Monday", TUE, NY, "date 2026-04-06"),
        ("the day before Christmas", TUE, NY, "date 2026-12-24"),
        ("two days after Christmas", TUE, NY, "date 2026-12-27"),
        ("the Monday after Easter", TUE, NY, "date 2026-04-06"),
        ("MLK day", TUE, NY, "date 2027-01-18"),
        ("Presidents' Day", TUE, NY, "date 2027-02-15"),
        ("Veterans Day", TUE, NY, "date 2026-11-11"),
        ("Halloween", TUE, NY, "date 2026-10-31"),
        ("Valentine's Day", TUE, NY, "date 2027-02-14"),
        ("Juneteenth", TUE, NY, "date 2026-06-19"),
        ("Mother's Day", TUE, NY, "date 2026-05-10"),
        ("Father's Day", TUE, NY, "date 2026-06-21"),
        ("St. Patrick's Day", TUE, NY, "date 2026-03-17"),
        ("Christmas", "2026-12-25 10:00", NY, "date 2026-12-25"),
        ("Christmas", "2026-12-26 10:00", NY, "date 2027-12-25"),
        ("Thanksgiving", "2026-11-27 10:00", NY, "date 2027-11-25"),
        ("the week after Thanksgiving", TUE, NY, "window 2026-11-30 00:00 .. 2026-12-07 00:00"),
        ("Christmas Eve in the morning", TUE, NY, "window 2026-12-24 06:00 .. 2026-12-24 12:00"),
        ("New Year's Eve at 9pm", TUE, NY, "exact 2026-12-31 21:00"),
        ("Memorial Day weekend", TUE, NY, "window 2026-05-23 00:00 .. 2026-05-26 00:00"),
        ("Thanksgiving weekend", TUE, NY, "window 2026-11-26 00:00 .. 2026-11-30 00:00"),
        ("Thanksgiving weekend", "2026-11-28 10:00", NY, "window 2026-11-28 10:00 .. 2026-11-30 00:00"),
        ("Easter weekend", TUE, LON, "window 2026-04-03 00:00 .. 2026-04-07 00:00"),
        ("the long weekend", TUE, NY, "window 2026-05-23 00:00 .. 2026-05-26 00:00"),
    ]);
}

#[test]
fn canada() {
    run(&[
        ("Thanksgiving", TUE, TOR, "date 2026-10-12"),
        ("American Thanksgiving", TUE, TOR, "date 2026-11-26"),
        ("Canadian Thanksgiving", TUE, NY, "date 2026-10-12"),
        ("Canada Day", TUE, TOR, "date 2026-07-01"),
        ("Victoria Day", TUE, TOR, "date 2026-05-18"),
        ("Boxing Day", TUE, TOR, "date 2026-12-26"),
        ("Labour Day", TUE, TOR, "date 2026-09-07"),
        ("Family Day", TUE, TOR, "date 2027-02-15"),
        ("Remembrance Day", TUE, "America/Vancouver", "date 2026-11-11"),
        ("Civic Holiday", TUE, TOR, "date 2026-08-03"),
        ("the long weekend", TUE, TOR, "window 2026-04-03 00:00 .. 2026-04-07 00:00"),
        ("the long weekend", "2026-04-10 10:00", TOR, "window 2026-05-16 00:00 .. 2026-05-19 00:00"),
        ("over the long weekend", "2026-08-20 10:00", NY, "window 2026-09-05 00:00 .. 2026-09-08 00:00"),
    ]);
}

#[test]
fn uk_ireland_australia_new_zealand() {
    run(&[
        ("Boxing Day", TUE, LON, "date 2026-12-26"),
        ("Easter Monday", TUE, LON, "date 2026-04-06"),
        ("Mothering Sunday", TUE, LON, "date 2026-03-15"),
        ("Mother's Day", TUE, LON, "date 2026-03-15"),
        ("spring bank holiday", TUE, LON, "date 2026-05-25"),
        ("summer bank holiday", TUE, LON, "date 2026-08-31"),
        ("early May bank holiday", TUE, LON, "date 2026-05-04"),
        ("St Stephen's Day", TUE, "Europe/Dublin", "date 2026-12-26"),
        ("St. Patrick's Day", TUE, "Europe/Dublin", "date 2026-03-17"),
        ("August bank holiday", TUE, "Europe/Dublin", "date 2026-08-03"),
        ("Australia Day", TUE, SYD, "date 2027-01-26"),
        ("Anzac Day", TUE, SYD, "date 2026-04-25"),
        ("Labour Day", TUE, SYD, "date 2026-10-05"),
        ("Labour Day", TUE, "Australia/Melbourne", "date 2027-03-08"),
        ("King's Birthday", TUE, SYD, "date 2026-06-08"),
        ("Christmas", TUE, SYD, "date 2026-12-25"),
        ("Father's Day", TUE, SYD, "date 2026-09-06"),
        ("Labour Day", TUE, AKL, "date 2026-10-26"),
        ("Waitangi Day", TUE, AKL, "date 2027-02-06"),
        ("Good Friday", TUE, AKL, "date 2026-04-03"),
    ]);
}
