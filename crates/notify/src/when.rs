//! Times as a reader reads them: in their zone, with the zone named.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `Tuesday 10 March 2026, 11:00 EDT (America/New_York)`; a zone that does not parse is written
/// in UTC and named so.
pub fn local_time(second: i64, zone: &str) -> String {
    let Ok(t) = Timestamp::from_second(second) else {
        return "an unknown time".to_owned();
    };
    let (tz, name) = match TimeZone::get(zone) {
        Ok(tz) => (tz, zone),
        Err(_) => (TimeZone::UTC, "UTC"),
    };
    let z = t.to_zoned(tz);
    format!("{} ({name})", z.strftime("%A %-d %B %Y, %H:%M %Z"))
}

/// `Tue 10 Mar 11:00 EDT`, for SMS.
pub fn short(second: i64, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    Timestamp::from_second(second)
        .map(|t| t.to_zoned(tz).strftime("%a %-d %b %H:%M %Z").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_the_readers_zone_and_name_it() {
        // 2026-03-10T15:00:00Z: after the US change to summer time, before Europe's.
        let t = 1_773_154_800;
        assert_eq!(local_time(t, "America/New_York"), "Tuesday 10 March 2026, 11:00 EDT (America/New_York)");
        assert_eq!(local_time(t, "Europe/Madrid"), "Tuesday 10 March 2026, 16:00 CET (Europe/Madrid)");
        assert_eq!(local_time(t, "Mars/Olympus"), "Tuesday 10 March 2026, 15:00 UTC (UTC)");
        assert_eq!(short(t, "America/Chicago"), "Tue 10 Mar 10:00 CDT");
    }
}
