//! Feeds arbitrary bytes to `understand`: the first bytes pick the instant and the zone, the
//! rest (as lossy UTF-8) is the phrase. Beyond not panicking, every answer must keep the
//! crate's promises (start <= end, exact is an instant, a date is one local day), in English
//! and in Spanish.

#![no_main]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use sked_when::{Context, Kind, Language, understand};

const ZONES: &[&str] =
    &["America/New_York", "America/Toronto", "Europe/London", "Australia/Sydney", "Pacific/Chatham", "UTC"];

fuzz_target!(|data: &[u8]| {
    let (head, rest) = data.split_at(data.len().min(5));
    let mut seconds: i64 = 1_767_225_600; // 2026-01-01
    for (k, b) in head.iter().take(4).enumerate() {
        seconds += i64::from(*b) << (8 * k + 4); // up to ~2 years of spread, in 16 s steps
    }
    let zone = ZONES[usize::from(head.get(4).copied().unwrap_or(0)) % ZONES.len()];
    let (Ok(now), Ok(tz)) = (Timestamp::from_second(seconds), TimeZone::get(zone)) else { return };
    // the zone byte's high bit picks the language
    let spanish = head.get(4).is_some_and(|b| b & 0x80 != 0);
    let ctx = Context::new(now, tz.clone()).in_language(if spanish { Language::Es } else { Language::En });
    let text = String::from_utf8_lossy(rest);
    let u = understand(&text, &ctx);
    for m in &u.matches {
        assert!(m.start <= m.end);
        assert_eq!(text.get(m.span.0..m.span.1), Some(m.text.as_str()));
        match m.kind {
            Kind::Exact => assert_eq!(m.start, m.end),
            Kind::Date => {
                let day = m.start.to_zoned(tz.clone()).date();
                assert_eq!(day.to_zoned(tz.clone()).map(|z| z.timestamp()).ok(), Some(m.start));
            }
            Kind::Window => assert!(m.start < m.end),
        }
    }
    if let Some(best) = &u.best {
        assert!(u.matches.contains(best));
    }
});
