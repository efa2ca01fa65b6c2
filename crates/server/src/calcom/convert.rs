//! Cal.com's records in Sked's terms: weekly hours and date overrides, event type slugs and
//! rules.

use std::collections::BTreeMap;

use sked_core::hours::{DateOverride, TimeRange, Weekly};

use super::client::{EventType, Schedule};
use crate::event_types::CreateEventType;
use crate::schedules::CreateSchedule;

/// Sked's weekday keys by Cal.com's day names.
const DAYS: [(&str, &str); 7] = [
    ("monday", "mon"),
    ("tuesday", "tue"),
    ("wednesday", "wed"),
    ("thursday", "thu"),
    ("friday", "fri"),
    ("saturday", "sat"),
    ("sunday", "sun"),
];

/// Minutes since midnight of `HH:MM`.
fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2).unwrap_or(m).parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1_440).then_some(h * 60 + m)
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An interval in minutes; an end of `00:00` after a later start is midnight (`00:00` to
/// `00:00` is no interval: Cal.com's closed date).
fn span(start: &str, end: &str) -> Option<(u32, u32)> {
    let (s, e) = (minutes(start)?, minutes(end)?);
    let e = if e == 0 && s > 0 { 1_440 } else { e };
    (e > s).then_some((s, e))
}

/// Sorted, overlapping and touching intervals joined.
fn merged(mut spans: Vec<(u32, u32)>) -> Vec<TimeRange> {
    spans.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out.into_iter().map(|(s, e)| TimeRange { start: hhmm(s), end: hhmm(e) }).collect()
}

/// A Cal.com schedule as a new Sked schedule: overrides of dates before `today` (`YYYY-MM-DD`)
/// are left behind; an override from `00:00` to `00:00` closes its date.
pub fn schedule(s: &Schedule, today: &str) -> CreateSchedule {
    let mut week: BTreeMap<&str, Vec<(u32, u32)>> = BTreeMap::new();
    for a in &s.availability {
        let Some(interval) = span(&a.start_time, &a.end_time) else { continue };
        for day in &a.days {
            if let Some((_, key)) = DAYS.iter().find(|(name, _)| day.eq_ignore_ascii_case(name)) {
                week.entry(key).or_default().push(interval);
            }
        }
    }
    let weekly: Weekly = week.into_iter().map(|(k, v)| (k.to_owned(), merged(v))).collect();
    let mut dates: BTreeMap<&str, Vec<(u32, u32)>> = BTreeMap::new();
    for o in s.overrides.iter().filter(|o| o.date.as_str() >= today) {
        let day = dates.entry(o.date.as_str()).or_default();
        if let Some(interval) = span(&o.start_time, &o.end_time) {
            day.push(interval);
        }
    }
    let overrides = dates
        .into_iter()
        .map(|(date, spans)| DateOverride { date: date.to_owned(), intervals: merged(spans) })
        .collect();
    let name: String = s.name.trim().chars().take(200).collect();
    CreateSchedule {
        name: if name.is_empty() { "Cal.com schedule".into() } else { name },
        time_zone: s.time_zone.clone(),
        weekly,
        overrides,
    }
}

/// A Cal.com slug as a Sked slug: lower-case letters, digits and dashes, at most 64.
pub fn slug(calcom: &str) -> String {
    let mut out = String::new();
    for c in calcom.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(64).collect();
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "calcom-event".into() } else { out }
}

/// A Cal.com event type as a new Sked event type of `host`, its rules clamped to Sked's.
pub fn event_type(e: &EventType, host: &str) -> CreateEventType {
    let clamp = |v: Option<i64>, max: i64| u32::try_from(v.unwrap_or(0).clamp(0, max)).unwrap_or(0);
    let title: String = e.title.trim().chars().take(200).collect();
    CreateEventType {
        slug: slug(&e.slug),
        title: if title.is_empty() { e.slug.clone() } else { title },
        description: e
            .description
            .as_ref()
            .map(|d| d.chars().take(5_000).collect())
            .filter(|d: &String| !d.trim().is_empty()),
        duration_minutes: clamp(Some(e.length_in_minutes), 10_080).max(1),
        slot_interval_minutes: e.slot_interval.filter(|i| *i > 0).map(|i| clamp(Some(i), 10_080)),
        buffer_before_minutes: clamp(e.before_event_buffer, 10_080),
        buffer_after_minutes: clamp(e.after_event_buffer, 10_080),
        min_notice_minutes: clamp(e.minimum_booking_notice, 527_040),
        max_days_ahead: 60,
        daily_limit: None,
        host_ids: vec![host.to_owned()],
        assignment: "round_robin".into(),
        location: None,
        send_updates: "all".into(),
        reminders: sked_core::notify::default_reminders(),
        questions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calcom::client::{Availability, Override};

    #[test]
    fn weekly_hours_and_overrides_read_as_sked_hours() {
        let s = Schedule {
            id: 1,
            name: " Office ".into(),
            time_zone: "Europe/Rome".into(),
            availability: vec![
                Availability {
                    days: vec!["Monday".into(), "Tuesday".into()],
                    start_time: "09:00".into(),
                    end_time: "12:00".into(),
                },
                Availability {
                    days: vec!["Monday".into()],
                    start_time: "11:00".into(),
                    end_time: "17:00".into(),
                },
                Availability {
                    days: vec!["Friday".into()],
                    start_time: "20:00".into(),
                    end_time: "00:00".into(),
                },
            ],
            is_default: true,
            overrides: vec![
                Override { date: "2020-01-01".into(), start_time: "10:00".into(), end_time: "11:00".into() },
                Override { date: "2030-05-20".into(), start_time: "00:00".into(), end_time: "00:00".into() },
                Override { date: "2030-05-21".into(), start_time: "14:00".into(), end_time: "15:00".into() },
            ],
        };
        let c = schedule(&s, "2026-03-02");
        assert_eq!(c.name, "Office");
        let range = |a: &str, b: &str| TimeRange { start: a.into(), end: b.into() };
        assert_eq!(c.weekly["mon"], [range("09:00", "17:00")]);
        assert_eq!(c.weekly["tue"], [range("09:00", "12:00")]);
        assert_eq!(c.weekly["fri"], [range("20:00", "24:00")]);
        assert_eq!(c.overrides.len(), 2, "the past one is left behind");
        assert!(c.overrides[0].intervals.is_empty(), "00:00-00:00 closes the date");
        assert!(sked_core::hours::validate(&c.time_zone, &c.weekly, &c.overrides).is_ok());
    }

    #[test]
    fn slugs_keep_to_sked_rules() {
        assert_eq!(slug("30min"), "30min");
        assert_eq!(slug("Intro Call!"), "intro-call");
        assert_eq!(slug("--"), "calcom-event");
        assert_eq!(slug(&"a".repeat(80)).len(), 64);
    }
}
