//! How close together a rule's occurrences can come, read from the rule alone.
//!
//! A busy block repeating every minute is a mistake, and one repeating every second is an attack
//! on the expansion. The bound is conservative: it looks at the times of day the rule can produce
//! (BYHOUR × BYMINUTE × BYSECOND, or the hourly step) and takes the smallest gap between two of
//! them, including the wrap into the next period, whatever days the rule picks.

use rrule::{Frequency, RRule, Unvalidated};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// The smallest number of seconds that can separate two occurrences of `r`.
pub(super) fn min_gap(r: &RRule<Unvalidated>) -> i64 {
    // An absent BYMINUTE or BYSECOND takes one value from the start, so one value stands in.
    let minutes = or_one(r.get_by_minute());
    let seconds = or_one(r.get_by_second());
    let mut offsets: Vec<i64> =
        minutes.iter().flat_map(|&m| seconds.iter().map(move |&s| m * 60 + s)).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let hourly_every = (r.get_freq() == Frequency::Hourly && r.get_by_hour().is_empty())
        .then(|| i64::from(r.get_interval()).max(1) * HOUR);
    let (times, period) = match hourly_every {
        // Every INTERVAL hours, the same offsets in each hour.
        Some(period) => (offsets, period),
        // Some hours of a day (BYHOUR, or the start's hour), the same offsets in each.
        None => {
            let hours = or_one(r.get_by_hour());
            let mut t: Vec<i64> =
                hours.iter().flat_map(|&h| offsets.iter().map(move |&o| h * HOUR + o)).collect();
            t.sort_unstable();
            t.dedup();
            (t, DAY)
        }
    };
    let (Some(first), Some(last)) = (times.first(), times.last()) else { return period };
    let wrap = period - (last - first);
    times.windows(2).map(|w| w[1] - w[0]).fold(wrap, i64::min)
}

fn or_one(values: &[u8]) -> Vec<i64> {
    if values.is_empty() { vec![0] } else { values.iter().map(|&v| i64::from(v)).collect() }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn gap(text: &str) -> i64 {
        min_gap(&RRule::<Unvalidated>::from_str(text).unwrap())
    }

    #[test]
    fn gaps_of_common_and_dense_rules() {
        assert_eq!(gap("FREQ=WEEKLY;BYDAY=MO"), DAY);
        assert_eq!(gap("FREQ=DAILY;BYHOUR=9,17"), 8 * HOUR);
        assert_eq!(gap("FREQ=HOURLY"), HOUR);
        assert_eq!(gap("FREQ=HOURLY;INTERVAL=7"), 7 * HOUR);
        assert_eq!(gap("FREQ=HOURLY;BYMINUTE=0,30"), 30 * 60);
        // Every 4 minutes: 0, 4, ..., 56, then 4 minutes into the next hour.
        let every_four = (0..15).map(|i| (i * 4).to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(gap(&format!("FREQ=HOURLY;BYMINUTE={every_four}")), 4 * 60);
        // 23:59 and 00:01 the next day are two minutes apart.
        assert_eq!(gap("FREQ=DAILY;BYHOUR=0,23;BYMINUTE=1,59"), 2 * 60);
        assert_eq!(gap("FREQ=YEARLY;BYSECOND=0,1"), 1);
    }
}
