//! An event type's rules for slots, validated once and kept in seconds.

use crate::error::FieldError;
use crate::interval::{DAY, MINUTE};

/// The slot rules of an event type as the API states them, in minutes and days. Validate with
/// [`RulesSpec::validate`]; errors use these field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RulesSpec {
    /// Length of a booking.
    pub duration_minutes: u32,
    /// Step between candidate starts; `None` means the duration.
    pub slot_interval_minutes: Option<u32>,
    /// Time blocked before a booking.
    pub buffer_before_minutes: u32,
    /// Time blocked after a booking.
    pub buffer_after_minutes: u32,
    /// Earliest start is this long after now.
    pub min_notice_minutes: u32,
    /// Starts must be less than this many 24-hour days after now.
    pub max_days_ahead: u32,
    /// Most confirmed bookings of the event type per host per local date.
    pub daily_limit: Option<u32>,
    /// Whether every host must attend (collective) rather than any one of them.
    pub collective: bool,
}

/// Largest duration, interval or buffer: one week.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;
/// Furthest horizon: ten years.
pub const MAX_DAYS_AHEAD: u32 = 3_660;
/// Longest minimum notice: one year.
pub const MAX_NOTICE_MINUTES: u32 = 366 * 24 * 60;

impl RulesSpec {
    /// Checks ranges and converts to seconds.
    pub fn validate(&self) -> Result<EventRules, FieldError> {
        let in_range = |field: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(i64::from(v))
            } else {
                Err(FieldError::new(field, format!("must be between {lo} and {hi}, got {v}")))
            }
        };
        let duration = in_range("duration_minutes", self.duration_minutes, 1, MAX_MINUTES)?;
        let interval = match self.slot_interval_minutes {
            Some(v) => in_range("slot_interval_minutes", v, 1, MAX_MINUTES)?,
            None => duration,
        };
        let limit = match self.daily_limit {
            Some(v) => Some(in_range("daily_limit", v, 1, 10_000)? as u32),
            None => None,
        };
        Ok(EventRules {
            duration: duration * MINUTE,
            interval: interval * MINUTE,
            buffer_before: in_range("buffer_before_minutes", self.buffer_before_minutes, 0, MAX_MINUTES)?
                * MINUTE,
            buffer_after: in_range("buffer_after_minutes", self.buffer_after_minutes, 0, MAX_MINUTES)?
                * MINUTE,
            min_notice: in_range("min_notice_minutes", self.min_notice_minutes, 0, MAX_NOTICE_MINUTES)?
                * MINUTE,
            horizon: in_range("max_days_ahead", self.max_days_ahead, 1, MAX_DAYS_AHEAD)? * DAY,
            daily_limit: limit,
            collective: self.collective,
        })
    }
}

/// Validated slot rules, in seconds. Build with [`RulesSpec::validate`]: outside this crate
/// the fields can be read but not written into a new value, so every `EventRules` passed its
/// checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventRules {
    /// Length of a booking.
    pub duration: i64,
    /// Step between candidate starts (> 0).
    pub interval: i64,
    /// Blocked before a booking.
    pub buffer_before: i64,
    /// Blocked after a booking.
    pub buffer_after: i64,
    /// Earliest start is `now + min_notice`.
    pub min_notice: i64,
    /// Starts must be before `now + horizon`.
    pub horizon: i64,
    /// Most confirmed bookings of this event type per host per local date.
    pub daily_limit: Option<u32>,
    /// Every host must be free, and the booking occupies all of them.
    pub collective: bool,
}

impl EventRules {
    /// The blocked interval of a booking starting at `start` under these rules.
    pub const fn blocked(&self, start: i64) -> crate::interval::Interval {
        crate::interval::Interval::new(start - self.buffer_before, start + self.duration + self.buffer_after)
    }

    /// The instants where starts are allowed at all, given `now`: `[now + notice, now + horizon)`.
    pub const fn bookable(&self, now: i64) -> crate::interval::Interval {
        crate::interval::Interval::new(now + self.min_notice, now + self.horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RulesSpec {
        RulesSpec {
            duration_minutes: 30,
            slot_interval_minutes: None,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: 0,
            max_days_ahead: 60,
            daily_limit: None,
            collective: false,
        }
    }

    #[test]
    fn interval_defaults_to_duration() {
        let r = spec().validate().unwrap();
        assert_eq!((r.duration, r.interval, r.horizon), (1_800, 1_800, 60 * DAY));
    }

    #[test]
    fn errors_name_the_field() {
        let e = RulesSpec { duration_minutes: 0, ..spec() }.validate().unwrap_err();
        assert_eq!(e.field, "duration_minutes");
        let e = RulesSpec { slot_interval_minutes: Some(0), ..spec() }.validate().unwrap_err();
        assert_eq!(e.field, "slot_interval_minutes");
        let e = RulesSpec { max_days_ahead: 0, ..spec() }.validate().unwrap_err();
        assert_eq!(e.field, "max_days_ahead");
        let e = RulesSpec { daily_limit: Some(0), ..spec() }.validate().unwrap_err();
        assert_eq!(e.field, "daily_limit");
    }
}
