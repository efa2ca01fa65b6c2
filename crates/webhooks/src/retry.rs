//! When to try a message again, and when to give up on an endpoint. The schedule is the one the
//! Standard Webhooks spec suggests: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
//! and 10 h, about 27.6 hours in all.

/// Seconds to wait before each attempt, counted from the end of the one before (the first from
/// the event).
pub const SCHEDULE: [u64; 8] = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// Attempts per message.
pub const ATTEMPTS: u32 = SCHEDULE.len() as u32;

/// An endpoint whose deliveries have all failed for this long (5 days) is disabled.
pub const DISABLE_AFTER_SECS: i64 = 5 * 24 * 3600;

/// The wait before the next attempt, given how many attempts were made already: `Some(0)` for
/// the first, `Some(5)` after one failure, ..., `None` after the last ([`ATTEMPTS`]).
pub fn retry_delay(attempt: u32) -> Option<u64> {
    SCHEDULE.get(usize::try_from(attempt).ok()?).copied()
}

/// [`retry_delay`] stretched by up to a tenth, by an amount fixed by `msg_id`, so that messages
/// which failed together (an endpoint that was down) do not all come back in the same second.
/// The same message and attempt always get the same delay.
pub fn retry_delay_jittered(attempt: u32, msg_id: &str) -> Option<u64> {
    let base = retry_delay(attempt)?;
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let hash = msg_id
        .bytes()
        .chain(attempt.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Some(base + hash % (base / 10 + 1))
}

/// True when an endpoint that has failed without a success since `failing_since` (Unix
/// seconds) has failed long enough at `now` to be disabled.
pub fn should_disable(failing_since: i64, now: i64) -> bool {
    now.saturating_sub(failing_since) >= DISABLE_AFTER_SECS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_covers_a_day_and_ends() {
        let delays: Vec<u64> = (0..).map_while(retry_delay).collect();
        assert_eq!(delays.len(), ATTEMPTS as usize);
        assert_eq!(delays[..3], [0, 5, 300]);
        let total: u64 = delays.iter().sum();
        assert!(total >= 24 * 3600, "{total}");
        assert_eq!(total, 99_305);
        assert_eq!(retry_delay(ATTEMPTS), None);
        assert_eq!(retry_delay(u32::MAX), None);
    }

    #[test]
    fn jitter_is_small_and_deterministic() {
        for attempt in 0..ATTEMPTS {
            let base = retry_delay(attempt).unwrap();
            let j = retry_delay_jittered(attempt, "msg_abc").unwrap();
            assert!(j >= base && j <= base + base / 10, "{attempt}: {j}");
            assert_eq!(retry_delay_jittered(attempt, "msg_abc"), Some(j));
        }
        assert_eq!(retry_delay_jittered(0, "msg_abc"), Some(0));
        assert_eq!(retry_delay_jittered(ATTEMPTS, "msg_abc"), None);
        let spread: std::collections::HashSet<_> =
            (0..50).map(|i| retry_delay_jittered(7, &format!("msg_{i}"))).collect();
        assert!(spread.len() > 10);
    }

    #[test]
    fn endpoints_are_disabled_after_five_days() {
        let since = 1_700_000_000;
        assert!(!should_disable(since, since));
        assert!(!should_disable(since, since + DISABLE_AFTER_SECS - 1));
        assert!(should_disable(since, since + DISABLE_AFTER_SECS));
        assert!(!should_disable(since, since - 10));
        assert!(should_disable(i64::MIN, i64::MAX));
    }
}
