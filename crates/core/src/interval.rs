//! Half-open intervals of instants, in Unix seconds.

use jiff::Timestamp;

/// Seconds in a minute, for converting the minute-based settings of the API.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 3_600;
/// Seconds in 24 hours of elapsed time (not a calendar day).
pub const DAY: i64 = 86_400;

/// `[start, end)` in Unix seconds. Empty when `end <= start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// First second inside the interval.
    pub start: i64,
    /// First second after the interval.
    pub end: i64,
}

impl Interval {
    /// `[start, end)`.
    pub const fn new(start: i64, end: i64) -> Self {
        Self { start, end }
    }

    /// The interval between two timestamps (sub-second parts are dropped).
    pub fn from_timestamps(start: Timestamp, end: Timestamp) -> Self {
        Self::new(start.as_second(), end.as_second())
    }

    /// True when the interval holds no instant.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Length in seconds (0 when empty).
    pub const fn len(&self) -> i64 {
        if self.end > self.start { self.end - self.start } else { 0 }
    }

    /// True when the two intervals share at least one instant. Touching intervals do not overlap.
    pub const fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// True when `t` lies inside.
    pub const fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }
}

/// Converts Unix seconds to a timestamp, saturating at jiff's limits (which are far outside any
/// date the engine works with).
pub fn timestamp(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(if second < 0 { Timestamp::MIN } else { Timestamp::MAX })
}
