//! Caller phrases: any UTF-8 text, said at any moment to a business in one of a few zones.
//!
//! Input: 6 bytes of parameters (zone, country override, `now` as seconds after 2000-01-01 or
//! one of the ends of time), then the phrase. Properties, as `sked_when` documents them:
//! nothing panics; `best` is one of the matches; every mention starts no earlier than a day
//! before `now` and no later than two years after it; its span points at its text in the input;
//! an `Exact` mention is an instant, a `Date` one whole local day, a `Window` not empty.

#![no_main]

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use libfuzzer_sys::fuzz_target;
use sked_when::{Context, Country, Kind, understand};

const ZONES: &[&str] = &[
    "America/New_York",
    "America/Toronto",
    "America/St_Johns",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Asia/Kolkata",
    "UTC",
];

const COUNTRIES: &[Country] =
    &[Country::Us, Country::Ca, Country::Gb, Country::Ie, Country::Au, Country::Nz, Country::Other];

/// 2000-01-01T00:00:00Z.
const Y2K: i64 = 946_684_800;

fn context(head: &[u8; 6]) -> Option<Context> {
    let tz = TimeZone::get(ZONES[usize::from(head[0]) % ZONES.len()]).ok()?;
    let seconds = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
    // A few inputs in 256 are said at the ends of jiff's time line.
    let now = match seconds % 256 {
        0 => Timestamp::MIN,
        1 => Timestamp::MAX,
        _ => Timestamp::from_second(Y2K + i64::from(seconds)).ok()?,
    };
    let mut ctx = Context::new(now, tz);
    if let Some(&country) = COUNTRIES.get(usize::from(head[1]) % (COUNTRIES.len() + 1)) {
        ctx.country = country;
    }
    Some(ctx)
}

fuzz_target!(|data: &[u8]| {
    let Some((head, text)) = data.split_first_chunk::<6>() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let Some(ctx) = context(head) else { return };
    let u = understand(text, &ctx);

    let now = ctx.now.to_zoned(ctx.tz.clone());
    let (Ok(earliest), Ok(latest)) =
        (now.checked_sub(Span::new().days(1)), now.checked_add(Span::new().years(2)))
    else {
        assert!(u.matches.is_empty() && u.best.is_none(), "placed at the end of time: {u:?}");
        return;
    };
    let (earliest, latest) = (earliest.timestamp(), latest.timestamp());
    // The longest mention (a month, a range of days) ends at most 62 days after its start.
    let last_end = latest.checked_add(Span::new().hours(24 * 62)).unwrap_or(Timestamp::MAX);
    if let Some(best) = &u.best {
        assert!(u.matches.contains(best), "best is not one of the matches: {u:?}");
    }
    for m in &u.matches {
        assert!(m.start <= m.end, "ends before it starts: {m:?}");
        assert!(m.start >= earliest, "more than a day before {now}: {m:?}");
        assert!(m.start <= latest, "more than two years after {now}: {m:?}");
        assert!(m.end <= last_end, "ends too late: {m:?}");
        assert_eq!(text.get(m.span.0..m.span.1), Some(m.text.as_str()), "span off its text: {m:?}");
        match m.kind {
            Kind::Exact => assert_eq!(m.start, m.end, "an exact mention is an instant: {m:?}"),
            Kind::Date => {
                let day = m.start.to_zoned(ctx.tz.clone()).date();
                let start = day.to_zoned(ctx.tz.clone()).map(|z| z.timestamp());
                let end = day.tomorrow().and_then(|d| d.to_zoned(ctx.tz.clone())).map(|z| z.timestamp());
                assert!(
                    start.is_ok_and(|s| s == m.start) && end.is_ok_and(|e| e == m.end),
                    "a date is not one whole local day: {m:?}"
                );
            }
            Kind::Window => assert!(m.start < m.end, "an empty window: {m:?}"),
        }
    }
});
