//! Times `understand` on typical caller phrases (target: under 20 µs each).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_when::{Context, understand};

fn phrases(c: &mut Criterion) {
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
    let ctx = Context::new(now, tz);
    for phrase in [
        "next tuesday afternoon",
        "tomorrow at 3:30",
        "the second Tuesday of next month around 10",
        "um, Friday — no wait, Monday morning",
    ] {
        c.bench_function(phrase, |b| b.iter(|| understand(black_box(phrase), black_box(&ctx))));
    }
}

criterion_group!(benches, phrases);
criterion_main!(benches);
