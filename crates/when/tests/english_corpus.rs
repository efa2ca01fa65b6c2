//! A broad corpus of everyday English date and time expressions, in the spirit of the public
//! test corpora of dateparser, duckling, chrono-node and natty, each with the answer a booking
//! agent should get, all said on Tuesday 10 March 2026 at 09:00 in New York.
//!
//! Measured share of in-horizon expressions read right: 796 of 796 on 2026-12-06 (the last two,
//! "tues or weds next week" and "first thing next week", were fixed after a first count of 794).
//! How a new user fares is better told by first runs: the last three batches (108, 100
//! and 64 expressions) were written before their fixes and read 92%, 91% and 97% right on the
//! first run; the first batch, before this round of work, read about 87%.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use sked_when::Refusal;

const NOW: &str = TUE;

/// The corpus: one expression and its answer a line (`phrase<TAB>answer`), `#` for comments.
const CORPUS: &str = include_str!("data/english_corpus.tsv");

fn corpus() -> Vec<(&'static str, &'static str)> {
    CORPUS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect()
}

/// At least 97% of the corpus reads right (the measured share is in the module comment).
#[test]
fn corpus_share() {
    let rows = corpus();
    assert!(rows.len() >= 600, "the corpus file is read whole");
    let mut misses = Vec::new();
    for &(phrase, want) in &rows {
        let got = run_at(phrase, NOW, NY);
        let have = got.best.as_ref().map(|m| (m.kind, m.start, m.end));
        if have != expected(want, NY) {
            let shown = got.best.as_ref().map_or("none".to_string(), |m| show(m, NY));
            misses.push(format!("{phrase:?}: want {want}, got {shown}"));
        }
    }
    let read = rows.len() - misses.len();
    let share = read as f64 / rows.len() as f64;
    println!("corpus: {read} of {} read right ({:.1}%)", rows.len(), share * 100.0);
    assert!(share >= 0.97, "only {read} of {} read right:\n{}", rows.len(), misses.join("\n"));
}

/// Outside the horizon or not times at all: refused with a reason, or nothing.
#[test]
fn outside_the_horizon_and_not_times() {
    for (phrase, refusal) in [
        ("Jan 1 3000", Some(Refusal::TooFar)),
        ("in 3 years", Some(Refusal::TooFar)),
        ("March 3 2015", Some(Refusal::Past)),
        ("yesterday", None),
        ("last week", None),
        ("2 days ago", None),
        ("101 points", None),
        ("12.53%", None),
        ("room 2012", None),
        ("9h", None),
    ] {
        let got = run_at(phrase, NOW, NY);
        assert_eq!(got.best, None, "{phrase:?}");
        assert_eq!(got.refusal, refusal, "{phrase:?}");
    }
}
