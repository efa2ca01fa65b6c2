//! Turns on a host's times, so concurrent bookings of the same time wait for each other instead
//! of deadlocking.
//!
//! PostgreSQL refuses overlapping occupancy with an exclusion constraint, which checks a new row
//! only after inserting it: two transactions inserting overlapping rows at once each wait for the
//! other, and the deadlock detector breaks the tie only after `deadlock_timeout` (a second by
//! default). Under a rush on one slot that is a second per pair, and the whole pool queues behind.
//! So every write that adds, moves or releases occupancy first takes turns on the times it
//! touches (transaction-scoped advisory locks, all in one statement, in one global order): a
//! write overlapping another waits for it before it touches anything, and then the constraint
//! sees a committed row and refuses at once. The constraint still decides; turns only order.
//! A new booking's one `WITH` statement takes them as its main query, which PostgreSQL runs
//! before the data-modifying parts it does not read (the store's conformance test
//! `an_overlapping_write_waits_for_its_turn_not_on_a_row` fails should that ever change); the
//! writes in a transaction take them first.
//!
//! A turn is a host's quarter hour, taken exclusively, under the host's whole turn taken shared.
//! A write that would need more than [`MOST`] turns (long or many-host occupancy) takes each of
//! its hosts' whole turns exclusively instead. Any two writes whose intervals overlap on a host
//! so share a turn that at least one holds exclusively. SQLite needs none of this: its write
//! transaction is the one turn there is.

use sked_core::Interval;
use sked_core::ids::HostId;

use super::script::{Stmt, stmt};
use super::{SqlDb, SqlStore};
use crate::{Backend, StoreResult};

/// Seconds of one turn.
const GRAIN: i64 = 900;
/// The most turns one write takes on its hosts' quarter hours.
const MOST: usize = 64;
/// The quarter-hour part of a host's whole turn (no quarter hour is numbered this).
const WHOLE: i32 = i32::MIN;

/// Takes the turns `$1`, `$2`, `$3` name (arrays as text: hosts, quarter hours, exclusive or
/// not) in order, held to the end of the transaction.
const TAKE_TURNS: &str = "SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(a, b) \
     ELSE pg_advisory_xact_lock_shared(a, b) END) \
     FROM unnest($1::text::int4[], $2::text::int4[], $3::text::bool[]) AS t(a, b, x)";

/// The turns one write takes, sorted (the global order), each once.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Turns {
    hosts: Vec<i32>,
    grains: Vec<i32>,
    exclusive: Vec<bool>,
}

impl Turns {
    /// The turns of occupancy on `touched` (each host with an interval it gains or loses).
    pub(super) fn of(touched: &[(HostId, Interval)]) -> Self {
        let fine: usize = touched.iter().map(|(_, iv)| 1 + count(iv)).sum();
        let mut keys: Vec<(i32, i32, bool)> = Vec::with_capacity(fine.min(MOST + touched.len()));
        for (h, iv) in touched {
            let host = fold(*h);
            if fine > MOST {
                keys.push((host, WHOLE, true));
                continue;
            }
            keys.push((host, WHOLE, false));
            if let Some((first, last)) = grains(iv) {
                keys.extend((first..=last).map(|g| (host, g, true)));
            }
        }
        Self::sorted(keys)
    }

    /// The turns of several writes made as one (a group of new bookings): each turn any of
    /// them takes, exclusive when any takes it so, in the global order.
    pub(super) fn merged<'a>(all: impl Iterator<Item = &'a Turns>) -> Self {
        let mut keys = Vec::new();
        for t in all {
            keys.extend((0..t.len()).map(|i| (t.hosts[i], t.grains[i], t.exclusive[i])));
        }
        Self::sorted(keys)
    }

    fn sorted(mut keys: Vec<(i32, i32, bool)>) -> Self {
        // The exclusive one of a turn taken both ways comes first, and is the one kept.
        keys.sort_unstable_by_key(|&(h, g, x)| (h, g, !x));
        keys.dedup_by_key(|&mut (h, g, _)| (h, g));
        let mut t = Turns::default();
        for (h, g, x) in keys {
            t.hosts.push(h);
            t.grains.push(g);
            t.exclusive.push(x);
        }
        t
    }

    /// How many turns there are.
    pub(super) fn len(&self) -> usize {
        self.hosts.len()
    }

    /// The statement that takes them (PostgreSQL).
    pub(super) fn stmt(&self) -> Stmt {
        let list = |v: Vec<String>| format!("{{{}}}", v.join(","));
        let ints = |v: &[i32]| list(v.iter().map(ToString::to_string).collect());
        let flags = list(self.exclusive.iter().map(|&x| if x { "t" } else { "f" }.to_owned()).collect());
        stmt!(TAKE_TURNS, ints(&self.hosts).as_str(), ints(&self.grains).as_str(), flags.as_str())
    }
}

impl<DB: SqlDb> SqlStore<DB> {
    /// Waits for `turns` inside the caller's transaction, on PostgreSQL (SQLite's write
    /// transaction is the one turn there is).
    pub(super) async fn take_turns(conn: &mut DB::Connection, turns: &Turns) -> StoreResult<()> {
        if DB::BACKEND == Backend::Sqlite || turns.len() == 0 {
            return Ok(());
        }
        turns.stmt().run::<DB>(conn).await.map(drop)
    }
}

/// The numbers of the first and last quarter hours `iv` touches (`None` when it is empty), kept
/// clear of [`WHOLE`] (two far-off times sharing a number only makes them take turns).
fn grains(iv: &Interval) -> Option<(i32, i32)> {
    let number = |s: i64| s.div_euclid(GRAIN).clamp(i64::from(WHOLE) + 1, i64::from(i32::MAX)) as i32;
    (iv.end > iv.start).then(|| (number(iv.start), number(iv.end - 1)))
}

/// How many quarter hours `iv` touches.
fn count(iv: &Interval) -> usize {
    grains(iv).map_or(0, |(first, last)| (i64::from(last) - i64::from(first) + 1) as usize)
}

/// A host's id folded to 32 bits (two hosts folding alike only take turns).
fn fold(h: HostId) -> i32 {
    let v = h.0.as_u128();
    (v ^ (v >> 32) ^ (v >> 64) ^ (v >> 96)) as u32 as i32
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn host(n: u8) -> HostId {
        HostId(Uuid::from_u128(u128::from(n) << 64 | 0x7000))
    }

    fn held(t: &Turns) -> Vec<((i32, i32), bool)> {
        (0..t.len()).map(|i| ((t.hosts[i], t.grains[i]), t.exclusive[i])).collect()
    }

    /// Some key both hold, at least one of them exclusively.
    fn collide(a: &Turns, b: &Turns) -> bool {
        held(a).iter().any(|(k, x)| held(b).iter().any(|(l, y)| k == l && (*x || *y)))
    }

    fn touched() -> impl Strategy<Value = Vec<(HostId, Interval)>> {
        // Starts within two days, lengths from a minute to three days, up to five hosts of 4.
        let one = (0u8..4, 0i64..172_800, 60i64..259_200)
            .prop_map(|(h, s, len)| (host(h), Interval::new(1_800_000_000 + s, 1_800_000_000 + s + len)));
        proptest::collection::vec(one, 1..5)
    }

    fn meet((h, i): &(HostId, Interval), (g, j): &(HostId, Interval)) -> bool {
        h == g && i.start < j.end && j.start < i.end
    }

    proptest! {
        #[test]
        fn overlapping_writes_on_a_host_share_a_turn(a in touched(), b in touched()) {
            let overlap = a.iter().any(|x| b.iter().any(|y| meet(x, y)));
            let (ta, tb) = (Turns::of(&a), Turns::of(&b));
            if overlap {
                prop_assert!(collide(&ta, &tb), "{a:?} / {b:?}");
            }
            // Bounded, sorted, each turn once.
            prop_assert!(ta.len() <= MOST.max(a.len()));
            let keys: Vec<_> = held(&ta).into_iter().map(|(k, _)| k).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }

        #[test]
        fn a_group_takes_every_turn_its_writes_take(a in touched(), b in touched(), c in touched()) {
            let (ta, tb) = (Turns::of(&a), Turns::of(&b));
            let group = Turns::merged([&ta, &tb].into_iter());
            let tc = Turns::of(&c);
            // Whatever would wait for either write waits for the group.
            if collide(&ta, &tc) || collide(&tb, &tc) {
                prop_assert!(collide(&group, &tc));
            }
            let keys: Vec<_> = held(&group).into_iter().map(|(k, _)| k).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        }
    }

    #[test]
    fn short_bookings_of_different_times_take_different_turns() {
        // 09:00-09:40 and 10:00-10:40: the host's whole turn shared, their quarter hours apart.
        let at = |m: i64| 1_800_000_000 + m * 60; // on the hour
        let a = Turns::of(&[(host(1), Interval::new(at(0), at(40)))]);
        let b = Turns::of(&[(host(1), Interval::new(at(60), at(100)))]);
        assert_eq!(a.len(), 4);
        assert_eq!(a.exclusive, [false, true, true, true]);
        assert!(!collide(&a, &b));
        assert!(collide(&a, &Turns::of(&[(host(1), Interval::new(at(30), at(45)))])));
        // A week-long block on the host waits for both, and they for it.
        let week = Turns::of(&[(host(1), Interval::new(at(0), at(7 * 1_440)))]);
        assert_eq!(week.len(), 1);
        assert!(collide(&week, &a) && collide(&week, &b));
        // Another host: no turn in common.
        assert!(!collide(&a, &Turns::of(&[(host(2), Interval::new(at(0), at(40)))])));
    }
}
