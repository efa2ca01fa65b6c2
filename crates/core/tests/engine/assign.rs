//! Assignment: fairness of weighted round robin, determinism, and each strategy's tie-breaks.

use proptest::prelude::*;
use sked_core::assign::{AssignError, Assignment, Choice, HostStats, choose};

fn stats(weights: &[u32]) -> Vec<HostStats> {
    weights.iter().map(|&w| HostStats { weight: w, ..HostStats::default() }).collect()
}

/// Books `n` times with every host free, recording counts after each booking.
fn simulate(weights: &[u32], n: usize) -> (Vec<HostStats>, Vec<u32>) {
    let mut s = stats(weights);
    let free: Vec<u32> = (0..weights.len() as u32).collect();
    let mut picks = Vec::with_capacity(n);
    for t in 0..n {
        let Ok(Choice::One(i)) = choose(Assignment::RoundRobin, &free, &s) else { panic!("no choice") };
        s[i as usize].assigned += 1;
        s[i as usize].last_assigned_at = Some(t as i64);
        picks.push(i);
    }
    (s, picks)
}

proptest! {
    /// Over 1,000 bookings with every host free, each host stays within one booking of its
    /// weighted share after every single booking.
    #[test]
    fn round_robin_stays_within_one_of_the_weighted_share(weights in prop::collection::vec(1u32..=300, 1..=9)) {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut s = stats(&weights);
        let free: Vec<u32> = (0..weights.len() as u32).collect();
        for n in 1..=1_000u64 {
            let Ok(Choice::One(i)) = choose(Assignment::RoundRobin, &free, &s) else { panic!("no choice") };
            s[i as usize].assigned += 1;
            s[i as usize].last_assigned_at = Some(n as i64);
            for (h, st) in s.iter().enumerate() {
                // |c - n·w/W| <= 1, in integers.
                let lag = (i128::from(st.assigned) * i128::from(total) - i128::from(n) * i128::from(weights[h])).abs();
                prop_assert!(lag <= i128::from(total), "host {h} has {} after {n}, share {}", st.assigned, n as f64 * f64::from(weights[h]) / total as f64);
            }
        }
    }

    /// Same inputs, same choices, every run.
    #[test]
    fn round_robin_is_deterministic(weights in prop::collection::vec(0u32..=300, 1..=9), busy in prop::collection::vec(any::<bool>(), 200)) {
        let run = || {
            let mut s = stats(&weights);
            let mut picks = Vec::new();
            for (t, skip) in busy.iter().enumerate() {
                let free: Vec<u32> = (0..weights.len() as u32).filter(|&i| !(*skip && i as usize == t % weights.len())).collect();
                if let Ok(Choice::One(i)) = choose(Assignment::RoundRobin, &free, &s) {
                    s[i as usize].assigned += 1;
                    s[i as usize].last_assigned_at = Some(t as i64);
                    picks.push(i);
                }
            }
            picks
        };
        prop_assert_eq!(run(), run());
    }
}

#[test]
fn equal_weights_take_turns() {
    let (_, picks) = simulate(&[100, 100, 100], 9);
    assert_eq!(picks, vec![0, 1, 2, 0, 1, 2, 0, 1, 2]);
}

#[test]
fn weights_split_bookings_in_proportion() {
    let (s, _) = simulate(&[100, 200, 300, 400], 1_000);
    let counts: Vec<u64> = s.iter().map(|h| h.assigned).collect();
    assert_eq!(counts, vec![100, 200, 300, 400]);
}

#[test]
fn least_recently_booked_breaks_ties() {
    let mut s = stats(&[100, 100, 100]);
    for (i, at) in [(0, 30), (1, 10), (2, 20)] {
        s[i].assigned = 5;
        s[i].last_assigned_at = Some(at);
    }
    assert_eq!(choose(Assignment::RoundRobin, &[0, 1, 2], &s), Ok(Choice::One(1)));
    assert_eq!(choose(Assignment::RoundRobin, &[0, 2], &s), Ok(Choice::One(2)));
}

#[test]
fn a_busy_host_does_not_catch_up_all_at_once() {
    // Host 0 was busy for a while; when it is free again the others are not starved: it
    // is favoured, but each pick still goes to the smallest next share.
    let mut s = stats(&[100, 100]);
    s[1].assigned = 10;
    let free = [0, 1];
    let Ok(Choice::One(i)) = choose(Assignment::RoundRobin, &free, &s) else { panic!() };
    assert_eq!(i, 0);
}

#[test]
fn weight_zero_only_when_nobody_else_can() {
    let mut s = stats(&[0, 100]);
    s[1].assigned = 50;
    assert_eq!(choose(Assignment::RoundRobin, &[0, 1], &s), Ok(Choice::One(1)));
    assert_eq!(choose(Assignment::RoundRobin, &[0], &s), Ok(Choice::One(0)));
}

#[test]
fn least_busy_picks_the_lightest_week_then_round_robin() {
    let mut s = stats(&[100, 100, 100]);
    s[0].week_load = 3;
    s[1].week_load = 1;
    s[2].week_load = 1;
    s[1].assigned = 4;
    s[2].assigned = 2;
    assert_eq!(choose(Assignment::LeastBusy, &[0, 1, 2], &s), Ok(Choice::One(2)));
    assert_eq!(choose(Assignment::LeastBusy, &[0, 1], &s), Ok(Choice::One(1)));
}

#[test]
fn priority_picks_the_highest_then_round_robin() {
    let mut s = stats(&[100, 100, 100]);
    s[0].priority = 1;
    s[1].priority = 5;
    s[2].priority = 5;
    s[1].assigned = 3;
    s[2].assigned = 1;
    assert_eq!(choose(Assignment::Priority, &[0, 1, 2], &s), Ok(Choice::One(2)));
    assert_eq!(choose(Assignment::Priority, &[0], &s), Ok(Choice::One(0)));
}

#[test]
fn specific_needs_a_named_host_and_collective_takes_everyone() {
    let s = stats(&[100, 100]);
    assert_eq!(choose(Assignment::Specific, &[0, 1], &s), Err(AssignError::HostRequired));
    assert_eq!(choose(Assignment::Collective, &[0, 1], &s), Ok(Choice::All));
    assert_eq!(choose(Assignment::RoundRobin, &[], &s), Err(AssignError::NoFreeHost));
}

#[test]
fn strategies_round_trip_their_names() {
    for a in Assignment::ALL {
        assert_eq!(Assignment::parse(a.as_str()), Some(a));
    }
    assert_eq!(Assignment::parse("random"), None);
}
