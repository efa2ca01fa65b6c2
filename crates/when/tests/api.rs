//! The public API: country from zone, kinds, contexts, mention fields.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_when::{Context, Country, Kind, understand};

#[test]
fn country_from_zone() {
    let cases = [
        ("America/New_York", Country::Us),
        ("America/Chicago", Country::Us),
        ("America/Los_Angeles", Country::Us),
        ("America/Denver", Country::Us),
        ("America/Phoenix", Country::Us),
        ("America/Anchorage", Country::Us),
        ("US/Pacific", Country::Us),
        ("America/Toronto", Country::Ca),
        ("America/Vancouver", Country::Ca),
        ("America/Edmonton", Country::Ca),
        ("America/Winnipeg", Country::Ca),
        ("America/Halifax", Country::Ca),
        ("America/St_Johns", Country::Ca),
        ("America/Regina", Country::Ca),
        ("America/Montreal", Country::Ca),
        ("Canada/Eastern", Country::Ca),
        ("Europe/London", Country::Gb),
        ("Europe/Dublin", Country::Ie),
        ("Australia/Sydney", Country::Au),
        ("Australia/Perth", Country::Au),
        ("Pacific/Auckland", Country::Nz),
        ("Pacific/Chatham", Country::Nz),
        ("Europe/Paris", Country::Other),
        ("Asia/Tokyo", Country::Other),
        ("UTC", Country::Other),
    ];
    for (zone, want) in cases {
        assert_eq!(Country::from_zone(&TimeZone::get(zone).unwrap()), want, "{zone}");
    }
    assert_eq!(Country::from_zone(&TimeZone::fixed(jiff::tz::offset(-5))), Country::Other);
}

#[test]
fn context_takes_its_country_from_the_zone() {
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap();
    let ctx = Context::new(now, TimeZone::get("America/Toronto").unwrap());
    assert_eq!(ctx.country, Country::Ca);
    assert_eq!(ctx.now, now);
}

#[test]
fn kind_names() {
    assert_eq!(Kind::Exact.as_str(), "exact");
    assert_eq!(Kind::Date.as_str(), "date");
    assert_eq!(Kind::Window.as_str(), "window");
}

#[test]
fn the_country_can_be_overridden() {
    // A business in Paris that wants month-first dates and US holidays.
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap();
    let mut ctx = Context::new(now, TimeZone::get("Europe/Paris").unwrap());
    let day_first = understand("3/4", &ctx).best.unwrap();
    ctx.country = Country::Us;
    let month_first = understand("3/4", &ctx).best.unwrap();
    assert_eq!(day_first.start.to_zoned(ctx.tz.clone()).date().to_string(), "2026-04-03");
    assert_eq!(month_first.start.to_zoned(ctx.tz.clone()).date().to_string(), "2027-03-04");
    ctx.country = Country::Ca;
    let thanksgiving = understand("thanksgiving", &ctx).best.unwrap();
    assert_eq!(thanksgiving.start.to_zoned(ctx.tz.clone()).date().to_string(), "2026-10-12");
}

#[test]
fn nothing_is_nothing() {
    let ctx = Context::new(Timestamp::UNIX_EPOCH, TimeZone::UTC);
    let u = understand("", &ctx);
    assert!(u.best.is_none() && u.matches.is_empty());
}

#[test]
fn mentions_carry_text_span_and_kind() {
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap();
    let ctx = Context::new(now, TimeZone::get("America/New_York").unwrap());
    let text = "Um, tomorrow at 3 — or Friday morning?";
    let u = understand(text, &ctx);
    assert_eq!(u.matches.len(), 2);
    let (a, b) = (&u.matches[0], &u.matches[1]);
    assert_eq!((a.text.as_str(), a.kind), ("tomorrow at 3", Kind::Exact));
    assert_eq!((b.text.as_str(), b.kind), ("Friday morning", Kind::Window));
    assert_eq!(&text[a.span.0..a.span.1], "tomorrow at 3");
    assert_eq!(&text[b.span.0..b.span.1], "Friday morning");
    assert_eq!(u.best.as_ref(), Some(a));
    assert_eq!(a.start, a.end);
    assert_eq!(a.start.to_string(), "2026-03-11T19:00:00Z");
}
