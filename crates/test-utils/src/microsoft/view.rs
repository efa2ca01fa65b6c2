//! A calendar view as Graph computes one: the single events, series occurrences and exceptions
//! that overlap a window. Outlook's `patternedRecurrence` is turned into an RRULE and expanded
//! by Sked's own recurrence engine (the series' zone, its start as DTSTART); all-day series are
//! expanded on a UTC clock and read back as dates.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;
use sked_core::{Interval, RecurrenceRule, WorkBudget};

use super::shape::{Instance, occurrence_id};
use super::state::{Calendar, Span, Stored};
use super::times::{day_start, instants, zone};

/// Most occurrences one expansion visits.
const BUDGET: u64 = 50_000;

/// The RRULE of an Outlook `recurrence` object, and the zone it recurs in, if it has one.
pub(crate) fn rrule(recurrence: &Value) -> Option<(String, Option<String>)> {
    let p = recurrence.get("pattern")?;
    let r = recurrence.get("range")?;
    let interval = p.get("interval").and_then(Value::as_u64).unwrap_or(1).max(1);
    let days: Vec<&str> = p
        .get("daysOfWeek")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|d| match d.to_ascii_lowercase().as_str() {
            "monday" => Some("MO"),
            "tuesday" => Some("TU"),
            "wednesday" => Some("WE"),
            "thursday" => Some("TH"),
            "friday" => Some("FR"),
            "saturday" => Some("SA"),
            "sunday" => Some("SU"),
            _ => None,
        })
        .collect();
    let set_pos = match p.get("index").and_then(Value::as_str).unwrap_or("first") {
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        "last" => -1,
        _ => 1,
    };
    let num = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(1);
    let mut rule = match p.get("type")?.as_str()? {
        "daily" => format!("FREQ=DAILY;INTERVAL={interval}"),
        "weekly" if !days.is_empty() => format!("FREQ=WEEKLY;INTERVAL={interval};BYDAY={}", days.join(",")),
        "weekly" => format!("FREQ=WEEKLY;INTERVAL={interval}"),
        "absoluteMonthly" => format!("FREQ=MONTHLY;INTERVAL={interval};BYMONTHDAY={}", num("dayOfMonth")),
        "relativeMonthly" => {
            format!("FREQ=MONTHLY;INTERVAL={interval};BYDAY={};BYSETPOS={set_pos}", days.join(","))
        }
        "absoluteYearly" => {
            format!(
                "FREQ=YEARLY;INTERVAL={interval};BYMONTH={};BYMONTHDAY={}",
                num("month"),
                num("dayOfMonth")
            )
        }
        "relativeYearly" => {
            format!(
                "FREQ=YEARLY;INTERVAL={interval};BYMONTH={};BYDAY={};BYSETPOS={set_pos}",
                num("month"),
                days.join(",")
            )
        }
        _ => return None,
    };
    match r.get("type").and_then(Value::as_str) {
        Some("endDate") => {
            let end = r.get("endDate")?.as_str()?.parse::<jiff::civil::Date>().ok()?;
            rule.push_str(&format!(";UNTIL={}", end.strftime("%Y%m%d")));
        }
        Some("numbered") => {
            rule.push_str(&format!(";COUNT={}", r.get("numberOfOccurrences")?.as_u64()?.max(1)));
        }
        _ => {}
    }
    let tz = r.get("recurrenceTimeZone").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    Some((rule, tz))
}

/// The occurrences of series `ev` overlapping `[from, to)`: (original start, span).
pub(crate) fn occurrences(ev: &Stored, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Span)> {
    let Some((rule, rec_zone)) = ev.fields.get("recurrence").and_then(rrule) else { return Vec::new() };
    let Ok(rule) = RecurrenceRule::parse(&rule) else { return Vec::new() };
    let Some((s, e)) = instants(ev.span) else { return Vec::new() };
    let all_day = matches!(ev.span, Span::AllDay(..));
    let tz = if all_day {
        TimeZone::UTC
    } else {
        rec_zone.as_deref().and_then(zone).or_else(|| zone(&ev.start_zone)).unwrap_or(TimeZone::UTC)
    };
    let range = Interval::new(from.as_second(), to.as_second());
    let mut budget = WorkBudget::new(BUDGET);
    let Ok(found) = rule.occurrences(&tz, s.as_second(), e.as_second(), range, &mut budget) else {
        return Vec::new();
    };
    found
        .into_iter()
        .filter_map(|iv| {
            let (a, b) = (Timestamp::from_second(iv.start).ok()?, Timestamp::from_second(iv.end).ok()?);
            let span = if all_day {
                let utc = |t: Timestamp| TimeZone::UTC.to_datetime(t).date();
                Span::AllDay(utc(a), utc(b))
            } else {
                Span::Timed(a, b)
            };
            Some((a, span))
        })
        .collect()
}

/// True when `span` overlaps `[from, to)` (a zero-length event at `from` counts).
pub(crate) fn overlaps(span: Span, from: Timestamp, to: Timestamp) -> bool {
    match instants(span) {
        Some((s, e)) => s < to && (e > from || (e == s && s >= from)),
        None => false,
    }
}

/// Every instance of `cal` overlapping `[from, to)`, in start order: single events,
/// exceptions, and the occurrences of series not deleted or replaced.
pub(crate) fn instances(cal: &Calendar, from: Timestamp, to: Timestamp) -> Vec<(usize, Instance)> {
    let mut out = Vec::new();
    for (i, ev) in cal.events.iter().enumerate() {
        if ev.fields.get("recurrence").is_some_and(|r| !r.is_null()) && ev.master.is_none() {
            let replaced: Vec<Timestamp> = cal
                .events
                .iter()
                .filter_map(|x| x.master.as_ref().filter(|(m, _)| m == &ev.id).map(|(_, t)| *t))
                .chain(ev.cancelled.iter().copied())
                .collect();
            for (original, span) in occurrences(ev, from, to) {
                if replaced.contains(&original) {
                    continue;
                }
                let id = occurrence_id(&ev.id, original);
                out.push((i, Instance { id, span, occurrence_of: Some((ev.id.clone(), original)) }));
            }
        } else if overlaps(ev.span, from, to) {
            out.push((i, Instance { id: ev.id.clone(), span: ev.span, occurrence_of: None }));
        }
    }
    out.sort_by_key(|(_, inst)| instants(inst.span).map(|(s, _)| s));
    out
}

/// The occurrence of series `master` originally starting at `original`, if the series has one
/// there that is neither deleted nor replaced.
pub(crate) fn occurrence(cal: &Calendar, master: &str, original: Timestamp) -> Option<(usize, Instance)> {
    let from = day_start(TimeZone::UTC.to_datetime(original).date())?;
    let to = super::times::plus(from, 2 * 86_400);
    instances(cal, super::times::plus(from, -86_400), to)
        .into_iter()
        .find(|(_, i)| i.occurrence_of.as_ref().is_some_and(|(m, t)| m == master && *t == original))
}
