//! Reads one phrase a number of times, for profilers and instruction counters:
//! `valgrind --tool=callgrind target/release/examples/understand es 1000 "mañana a las diez"`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_when::{Context, Language, understand};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(language), Some(times), Some(phrase)) = (
        args.get(1).and_then(|l| Language::from_code(l)),
        args.get(2).and_then(|n| n.parse::<u32>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: understand en|es TIMES PHRASE");
        std::process::exit(2);
    };
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
    let ctx = Context::new(now, tz).in_language(language);
    let mut found = 0;
    for _ in 0..times {
        found += usize::from(std::hint::black_box(understand(phrase, &ctx)).best.is_some());
    }
    println!("{found} of {times} read a time");
}
