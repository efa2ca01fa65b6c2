//! Times `understand` on typical caller phrases, per language (target: under 20 µs each).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_when::{Context, Language, understand};

const ENGLISH: &[&str] = &[
    "next tuesday afternoon",
    "tomorrow at 3:30",
    "the second Tuesday of next month around 10",
    "um, Friday — no wait, Monday morning",
    "in an hour and a half",
    "3pm eastern on the 22nd",
    "10 August – 12 September 2027",
    "2027-01-05T13:15:30Z",
];

const SPANISH: &[&str] = &[
    "el martes que viene por la tarde",
    "mañana a las tres y media",
    "el segundo martes del mes que viene a eso de las 10",
    "eh, el viernes, no, mejor el lunes por la mañana",
    "dentro de una hora y media",
    "a las cuatro menos cuarto hora del este",
    "del 10 al 12 de agosto",
    "mañana por la mañana temprano",
];

fn phrases(c: &mut Criterion) {
    let now: Timestamp = "2026-03-10T14:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
    for (language, set) in [(Language::En, ENGLISH), (Language::Es, SPANISH)] {
        let ctx = Context::new(now, tz.clone()).in_language(language);
        let mut group = c.benchmark_group(language.as_str());
        for phrase in set {
            group.bench_function(*phrase, |b| b.iter(|| understand(black_box(phrase), black_box(&ctx))));
        }
        // the whole set, once per iteration: divide by its length for the mean phrase time
        group.bench_function("all phrases", |b| {
            b.iter(|| {
                for phrase in set {
                    black_box(understand(black_box(phrase), black_box(&ctx)));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, phrases);
criterion_main!(benches);
