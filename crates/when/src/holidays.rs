//! Holidays by name, computed for the business's country: fixed dates (Christmas, Canada Day),
//! rule-based ones (US Thanksgiving is the 4th Thursday of November, Canadian Thanksgiving the
//! 2nd Monday of October, Victoria Day the Monday before 25 May) and Easter-based ones. A holiday
//! means its next occurrence on or after today.

use jiff::civil::{Date, Weekday};

use crate::Country;
use crate::cal;
use crate::parts::{DatePart, DateVal, Hit, P, Src, What};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum H {
    NewYear,
    NewYearsEve,
    Christmas,
    ChristmasEve,
    Boxing,
    Thanksgiving,
    ThanksgivingUs,
    ThanksgivingCa,
    BlackFriday,
    Memorial,
    Labor,
    Independence,
    CanadaDay,
    Victoria,
    GoodFriday,
    Easter,
    EasterMonday,
    Mlk,
    Presidents,
    Columbus,
    Veterans,
    Juneteenth,
    Valentines,
    Halloween,
    StPatricks,
    Mothers,
    Fathers,
    Family,
    Civic,
    AustraliaDay,
    Anzac,
    Waitangi,
    KingsBirthday,
    EarlyMay,
    SpringBank,
    SummerBank,
    JuneBank,
    OctoberBank,
    StBrigid,
}

const NAMES: &[(&[&str], H)] = &[
    (&["new", "years", "eve"], H::NewYearsEve),
    (&["new", "year", "eve"], H::NewYearsEve),
    (&["nye"], H::NewYearsEve),
    (&["new", "years", "day"], H::NewYear),
    (&["new", "year", "day"], H::NewYear),
    (&["new", "years"], H::NewYear),
    (&["new", "year"], H::NewYear),
    (&["christmas", "eve"], H::ChristmasEve),
    (&["christmas", "day"], H::Christmas),
    (&["christmas"], H::Christmas),
    (&["boxing", "day"], H::Boxing),
    (&["st", "stephens", "day"], H::Boxing),
    (&["saint", "stephens", "day"], H::Boxing),
    (&["american", "thanksgiving"], H::ThanksgivingUs),
    (&["us", "thanksgiving"], H::ThanksgivingUs),
    (&["canadian", "thanksgiving"], H::ThanksgivingCa),
    (&["thanksgiving", "monday"], H::ThanksgivingCa),
    (&["thanksgiving", "day"], H::Thanksgiving),
    (&["thanksgiving"], H::Thanksgiving),
    (&["black", "friday"], H::BlackFriday),
    (&["memorial", "day"], H::Memorial),
    (&["labor", "day"], H::Labor),
    (&["independence", "day"], H::Independence),
    (&["canada", "day"], H::CanadaDay),
    (&["victoria", "day"], H::Victoria),
    (&["good", "friday"], H::GoodFriday),
    (&["easter", "sunday"], H::Easter),
    (&["easter", "day"], H::Easter),
    (&["easter", "monday"], H::EasterMonday),
    (&["easter"], H::Easter),
    (&["mlk", "day"], H::Mlk),
    (&["martin", "luther", "king", "jr", "day"], H::Mlk),
    (&["martin", "luther", "king", "day"], H::Mlk),
    (&["presidents", "day"], H::Presidents),
    (&["president", "day"], H::Presidents),
    (&["washingtons", "birthday"], H::Presidents),
    (&["columbus", "day"], H::Columbus),
    (&["indigenous", "peoples", "day"], H::Columbus),
    (&["veterans", "day"], H::Veterans),
    (&["remembrance", "day"], H::Veterans),
    (&["armistice", "day"], H::Veterans),
    (&["juneteenth"], H::Juneteenth),
    (&["valentines", "day"], H::Valentines),
    (&["valentines"], H::Valentines),
    (&["halloween"], H::Halloween),
    (&["st", "patricks", "day"], H::StPatricks),
    (&["saint", "patricks", "day"], H::StPatricks),
    (&["st", "paddys", "day"], H::StPatricks),
    (&["paddys", "day"], H::StPatricks),
    (&["patricks", "day"], H::StPatricks),
    (&["mothers", "day"], H::Mothers),
    (&["mothering", "sunday"], H::Mothers),
    (&["fathers", "day"], H::Fathers),
    (&["family", "day"], H::Family),
    (&["civic", "holiday"], H::Civic),
    (&["australia", "day"], H::AustraliaDay),
    (&["anzac", "day"], H::Anzac),
    (&["waitangi", "day"], H::Waitangi),
    (&["kings", "birthday"], H::KingsBirthday),
    (&["queens", "birthday"], H::KingsBirthday),
    (&["early", "may", "bank", "holiday"], H::EarlyMay),
    (&["may", "bank", "holiday"], H::EarlyMay),
    (&["spring", "bank", "holiday"], H::SpringBank),
    (&["summer", "bank", "holiday"], H::SummerBank),
    (&["august", "bank", "holiday"], H::SummerBank),
    (&["june", "bank", "holiday"], H::JuneBank),
    (&["october", "bank", "holiday"], H::OctoberBank),
    (&["st", "brigids", "day"], H::StBrigid),
    (&["saint", "brigids", "day"], H::StBrigid),
];

pub(crate) fn parse(p: &P, i: usize) -> Hit<What> {
    if let Some(hit) = long_weekend(p, i) {
        return Some(hit);
    }
    let w = p.word(i)?;
    let (h, e) = NAMES
        .iter()
        .filter(|(ws, _)| ws.first() == Some(&w))
        .filter_map(|(ws, h)| p.seq(i, ws).map(|e| (*h, e)))
        .max_by_key(|(_, e)| *e)?;
    // "merry Christmas", "happy new year": a greeting, not a date
    if p.any(i.wrapping_sub(1), &["merry", "happy"]) || p.is_name(i) {
        return Some((What::Ignored, e));
    }
    let today = p.env.today;
    let zone = p.env.tz.iana_name().unwrap_or("");
    let d = (0..2).find_map(|k| {
        let d = holiday_date(h, today.year().checked_add(k)?, p.env.country, zone)?;
        // "Thanksgiving weekend" is still ahead while its weekend is
        let last = weekend_around(h, d).map_or(d, |(_, end)| end);
        (d >= today || (p.any(e, &["weekend"]) && last > today)).then_some(d)
    })?;
    // "Labor Day weekend", "Easter long weekend"
    if let Some(end) = p.seq(e, &["weekend"]).or_else(|| p.seq(e, &["long", "weekend"])) {
        let (start, stop) = weekend_around(h, d)?;
        return Some((What::Date(DatePart::new(DateVal::Days(start, stop), Src::Other)), end));
    }
    Some((What::Date(DatePart::new(DateVal::Day(d), Src::Explicit)), e))
}

/// The days off around a holiday: Saturday to Monday for a Monday holiday, Thursday to Sunday
/// for Thanksgiving, Good Friday to Easter Monday, the weekend itself or the one after it.
fn weekend_around(h: H, d: Date) -> Option<(Date, Date)> {
    let span = |from: i64, to: i64| Some((cal::add_days(d, from)?, cal::add_days(d, to)?));
    match d.weekday() {
        _ if h == H::GoodFriday => span(0, 4),
        _ if h == H::Easter => span(-2, 2),
        _ if h == H::EasterMonday => span(-3, 1),
        Weekday::Monday => span(-2, 1),
        Weekday::Thursday | Weekday::Friday => span(0, i64::from(7 - d.weekday().to_monday_zero_offset())),
        Weekday::Saturday => span(0, 2),
        Weekday::Sunday => span(-1, 1),
        Weekday::Tuesday | Weekday::Wednesday => {
            let sat = cal::on_or_after(d, Weekday::Saturday)?;
            Some((sat, cal::add_days(sat, 2)?))
        }
    }
}

/// "the long weekend": the next weekend joined to a Monday or Friday holiday (Easter's runs
/// from Good Friday to Easter Monday).
fn long_weekend(p: &P, i: usize) -> Hit<What> {
    let prefixes: &[&[&str]] = &[&["over", "the"], &["this"], &["the"], &["next"]];
    let j = p.one_of(i, prefixes).unwrap_or(i);
    let e = p.seq(j, &["long", "weekend"])?;
    let country = p.env.country;
    let list: &[H] = match country {
        Country::Us => &[H::Mlk, H::Presidents, H::Memorial, H::Labor, H::Columbus, H::Thanksgiving],
        Country::Ca => &[H::Family, H::GoodFriday, H::Victoria, H::Civic, H::Labor, H::Thanksgiving],
        Country::Gb => &[H::GoodFriday, H::EarlyMay, H::SpringBank, H::SummerBank],
        Country::Ie => &[H::StBrigid, H::GoodFriday, H::EarlyMay, H::JuneBank, H::SummerBank, H::OctoberBank],
        Country::Au | Country::Nz => &[H::GoodFriday, H::KingsBirthday, H::Labor],
        Country::Other => &[H::GoodFriday],
    };
    let today = p.env.today;
    let zone = p.env.tz.iana_name().unwrap_or("");
    let window = |h: H, y: i16| {
        let d = holiday_date(h, y, country, zone)?;
        let long = matches!(d.weekday(), Weekday::Monday | Weekday::Thursday | Weekday::Friday);
        long.then(|| weekend_around(h, d)).flatten()
    };
    let year = today.year();
    let (start, end) = list
        .iter()
        .flat_map(|h| [year, year.saturating_add(1)].map(|y| window(*h, y)))
        .flatten()
        .filter(|(_, end)| *end > today)
        .min()?;
    Some((What::Date(DatePart::new(DateVal::Days(start, end), Src::Other)), e))
}

fn on(y: i16, m: i8, d: i8) -> Option<Date> {
    Date::new(y, m, d).ok()
}

/// The holiday's date in year `y`.
fn holiday_date(h: H, y: i16, country: Country, zone: &str) -> Option<Date> {
    use Weekday::{Monday as Mon, Sunday as Sun, Thursday as Thu};
    let nth = |m: i8, n: i8, wd: Weekday| cal::nth_of_month(y, m, n, wd);
    let easter = |days: i64| cal::easter(y).and_then(|e| cal::add_days(e, days));
    let us_thanksgiving = || nth(11, 4, Thu);
    match h {
        H::NewYear => on(y, 1, 1),
        H::NewYearsEve => on(y, 12, 31),
        H::Christmas => on(y, 12, 25),
        H::ChristmasEve => on(y, 12, 24),
        H::Boxing => on(y, 12, 26),
        H::Thanksgiving if country == Country::Ca => nth(10, 2, Mon),
        H::Thanksgiving | H::ThanksgivingUs => us_thanksgiving(),
        H::ThanksgivingCa => nth(10, 2, Mon),
        H::BlackFriday => cal::add_days(us_thanksgiving()?, 1),
        H::Memorial => nth(5, -1, Mon),
        H::Labor => match country {
            Country::Nz => nth(10, 4, Mon),
            Country::Au => australian_labour_day(y, zone),
            _ => nth(9, 1, Mon),
        },
        H::Independence => on(y, 7, 4),
        H::CanadaDay => on(y, 7, 1),
        // The Monday before 25 May.
        H::Victoria => victoria(y),
        H::KingsBirthday => match (country, zone) {
            (Country::Ca, _) => victoria(y),
            (Country::Nz, _) => nth(6, 1, Mon),
            (Country::Au, "Australia/Perth") => nth(9, -1, Mon),
            (Country::Au, "Australia/Brisbane" | "Australia/Lindeman") => nth(10, 1, Mon),
            _ => nth(6, 2, Mon),
        },
        H::GoodFriday => easter(-2),
        H::Easter => easter(0),
        H::EasterMonday => easter(1),
        H::Mlk => nth(1, 3, Mon),
        H::Presidents | H::Family => nth(2, 3, Mon),
        H::Columbus => nth(10, 2, Mon),
        H::Veterans => on(y, 11, 11),
        H::Juneteenth => on(y, 6, 19),
        H::Valentines => on(y, 2, 14),
        H::Halloween => on(y, 10, 31),
        H::StPatricks => on(y, 3, 17),
        H::Mothers if matches!(country, Country::Gb | Country::Ie) => easter(-21),
        H::Mothers => nth(5, 2, Sun),
        H::Fathers if matches!(country, Country::Au | Country::Nz) => nth(9, 1, Sun),
        H::Fathers => nth(6, 3, Sun),
        H::Civic => nth(8, 1, Mon),
        H::AustraliaDay => on(y, 1, 26),
        H::Anzac => on(y, 4, 25),
        H::Waitangi => on(y, 2, 6),
        H::EarlyMay => nth(5, 1, Mon),
        H::SpringBank => nth(5, -1, Mon),
        H::SummerBank if country == Country::Ie => nth(8, 1, Mon),
        H::SummerBank => nth(8, -1, Mon),
        H::JuneBank => nth(6, 1, Mon),
        H::OctoberBank => nth(10, -1, Mon),
        H::StBrigid => {
            let feb1 = on(y, 2, 1)?;
            if feb1.weekday() == Weekday::Friday { Some(feb1) } else { nth(2, 1, Mon) }
        }
    }
}

/// The Monday before 25 May.
fn victoria(y: i16) -> Option<Date> {
    let d = on(y, 5, 24)?;
    cal::add_days(d, -i64::from(d.weekday().to_monday_zero_offset()))
}

/// Labour Day differs by Australian state; the zone tells the state.
fn australian_labour_day(y: i16, zone: &str) -> Option<Date> {
    let nth = |m: i8, n: i8| cal::nth_of_month(y, m, n, Weekday::Monday);
    match zone {
        "Australia/Melbourne" | "Australia/Hobart" | "Australia/Currie" => nth(3, 2),
        "Australia/Perth" => nth(3, 1),
        "Australia/Brisbane" | "Australia/Lindeman" | "Australia/Darwin" => nth(5, 1),
        _ => nth(10, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn rules() {
        assert_eq!(holiday_date(H::Thanksgiving, 2026, Country::Us, ""), Some(date(2026, 11, 26)));
        assert_eq!(holiday_date(H::Thanksgiving, 2026, Country::Ca, ""), Some(date(2026, 10, 12)));
        assert_eq!(holiday_date(H::Victoria, 2026, Country::Ca, ""), Some(date(2026, 5, 18)));
        assert_eq!(holiday_date(H::Victoria, 2027, Country::Ca, ""), Some(date(2027, 5, 24)));
        assert_eq!(holiday_date(H::Memorial, 2026, Country::Us, ""), Some(date(2026, 5, 25)));
        assert_eq!(holiday_date(H::Labor, 2026, Country::Us, ""), Some(date(2026, 9, 7)));
        assert_eq!(holiday_date(H::GoodFriday, 2026, Country::Gb, ""), Some(date(2026, 4, 3)));
        assert_eq!(holiday_date(H::Mothers, 2026, Country::Gb, ""), Some(date(2026, 3, 15)));
    }
}
