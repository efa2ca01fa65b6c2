//! Recurring events as Google stores them (a master with `recurrence` lines, modified and
//! cancelled instances as their own events) expanded into instances, for `singleEvents=true`,
//! for time-filtering masters, for free/busy, and for addressing an instance by its id
//! (`{masterId}_{20260310T140000Z}`, or `{masterId}_{20260310}` all day).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use sked_core::RecurrenceRule;
use sked_core::interval::Interval;

use super::state::Calendar;
use super::times::{When, format_in, plus, read_when, zone};

/// Expansion never looks outside these years (keeps the engine's arithmetic in range).
const FLOOR: i64 = -2_208_988_800; // 1900-01-01
const CEILING: i64 = 7_258_118_400; // 2200-01-01

/// One occurrence of a series.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    /// Its span as instants (all-day ones at midnight in the calendar's zone).
    pub start: Timestamp,
    pub end: Timestamp,
    /// The id suffix: UTC `YYYYMMDDTHHMMSSZ`, or `YYYYMMDD` all day.
    pub stamp: String,
    pub start_edt: Value,
    pub end_edt: Value,
}

/// The recurrence lines of an event, if it is a master.
pub(crate) fn recurrence(ev: &Value) -> Option<Vec<&str>> {
    let lines: Vec<&str> = ev.get("recurrence")?.as_array()?.iter().filter_map(Value::as_str).collect();
    (!lines.is_empty()).then_some(lines)
}

/// The stamp identifying an instance by its original start (an EventDateTime).
pub(crate) fn stamp_of(edt: &Value) -> Option<String> {
    match read_when(edt).ok()? {
        When::At(t) => Some(t.strftime("%Y%m%dT%H%M%SZ").to_string()),
        When::Day(d) => Some(d.strftime("%Y%m%d").to_string()),
    }
}

/// The occurrences of master `ev` overlapping `[from, to)`, or `None` when its recurrence
/// cannot be read (then it counts as a single event).
pub(crate) fn occurrences(
    ev: &Value,
    cal_tz: &TimeZone,
    from: Timestamp,
    to: Timestamp,
) -> Option<Vec<Occurrence>> {
    let lines = recurrence(ev)?;
    let start = read_when(&ev["start"]).ok()?;
    let end = read_when(&ev["end"]).ok()?;
    let start_zone_name = ev["start"].get("timeZone").and_then(Value::as_str);
    let end_zone_name = ev["end"].get("timeZone").and_then(Value::as_str);
    // All-day series are expanded on a UTC clock and read back as dates.
    let (series_tz, s, e) = match (start, end) {
        (When::At(s), When::At(e)) => {
            (start_zone_name.and_then(zone).unwrap_or_else(|| cal_tz.clone()), s, e)
        }
        (When::Day(s), When::Day(e)) => {
            (TimeZone::UTC, day_start(s, &TimeZone::UTC)?, day_start(e, &TimeZone::UTC)?)
        }
        _ => return None,
    };
    let all_day = matches!(start, When::Day(_));
    let duration = (e.as_second() - s.as_second()).max(0);
    let pad = if all_day { 2 * 86_400 } else { 0 };
    let lo = (from.as_second() - pad).max(FLOOR);
    let hi = to.as_second().saturating_add(pad).min(CEILING);
    if lo >= hi {
        return Some(Vec::new());
    }
    let range = Interval::new(lo, hi);
    let mut starts: Vec<i64> = Vec::new();
    let mut excluded: Vec<i64> = Vec::new();
    for line in lines {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("RRULE:") {
            let rule = RecurrenceRule::parse(line).ok()?;
            // A zero-length event still occurs: expand it as one second long.
            let mut budget = sked_core::WorkBudget::new(u64::MAX);
            let end = s.as_second() + duration.max(1);
            let found = rule.occurrences(&series_tz, s.as_second(), end, range, &mut budget).ok()?;
            starts.extend(found.iter().map(|iv| iv.start));
        } else if upper.starts_with("RDATE") {
            starts.extend(line_dates(line, &series_tz));
        } else if upper.starts_with("EXDATE") {
            excluded.extend(line_dates(line, &series_tz));
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out = Vec::new();
    for start in starts.into_iter().filter(|t| !excluded.contains(t)) {
        let (st, en) = (Timestamp::from_second(start).ok()?, Timestamp::from_second(start + duration).ok()?);
        let occ = if all_day {
            let (d0, d1) = (st.to_zoned(TimeZone::UTC).date(), en.to_zoned(TimeZone::UTC).date());
            let (a, b) = (day_start(d0, cal_tz)?, day_start(d1, cal_tz)?);
            Occurrence {
                start: a,
                end: b,
                stamp: d0.strftime("%Y%m%d").to_string(),
                start_edt: json!({"date": d0.to_string()}),
                end_edt: json!({"date": d1.to_string()}),
            }
        } else {
            let edt = |t: Timestamp, z: Option<&str>| match z {
                Some(name) => json!({"dateTime": format_in(t, &series_tz), "timeZone": name}),
                None => json!({"dateTime": format_in(t, &series_tz)}),
            };
            Occurrence {
                start: st,
                end: en,
                stamp: st.strftime("%Y%m%dT%H%M%SZ").to_string(),
                start_edt: edt(st, start_zone_name),
                end_edt: edt(en, end_zone_name),
            }
        };
        if occ.end.max(plus(occ.start, 1)) > from && occ.start < to {
            out.push(occ);
        }
    }
    Some(out)
}

/// The instance of master `ev` at `occ`, as Google shows an unmodified instance.
pub(crate) fn instance(ev: &Value, occ: &Occurrence) -> Value {
    let mut inst = ev.as_object().cloned().unwrap_or_default();
    let master_id = inst.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    inst.remove("recurrence");
    inst.insert("id".into(), json!(format!("{master_id}_{}", occ.stamp)));
    inst.insert("recurringEventId".into(), json!(master_id));
    inst.insert("originalStartTime".into(), occ.start_edt.clone());
    inst.insert("start".into(), occ.start_edt.clone());
    inst.insert("end".into(), occ.end_edt.clone());
    Value::Object(inst)
}

/// The unmodified instance `id` (`{masterId}_{stamp}`) of a master on `cal`, if it exists.
pub(crate) fn instance_by_id(cal: &Calendar, id: &str) -> Option<Value> {
    let (master_id, stamp) = id.rsplit_once('_')?;
    let master = cal.events.iter().find(|e| e.id == master_id && !e.deleted)?;
    let tz = zone(&cal.time_zone).unwrap_or(TimeZone::UTC);
    let at = if stamp.len() == 8 {
        day_start(Date::strptime("%Y%m%d", stamp).ok()?, &tz)?
    } else {
        DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?.to_zoned(TimeZone::UTC).ok()?.timestamp()
    };
    let occs = occurrences(&master.json, &tz, plus(at, -86_400), plus(at, 2 * 86_400))?;
    occs.iter().find(|o| o.stamp == stamp).map(|o| instance(&master.json, o))
}

/// Midnight starting `d` in `tz`.
fn day_start(d: Date, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight())).compatible().ok()
}

/// The instants of an `RDATE`/`EXDATE` line: `EXDATE;TZID=Zone:20260310T100000,...`,
/// `EXDATE:20260310T140000Z`, `EXDATE;VALUE=DATE:20260310` (midnight on `tz`'s clock).
fn line_dates(line: &str, tz: &TimeZone) -> Vec<i64> {
    let Some((head, values)) = line.split_once(':') else { return Vec::new() };
    let line_tz =
        head.split(';').find_map(|p| p.strip_prefix("TZID=")).and_then(zone).unwrap_or_else(|| tz.clone());
    values
        .split(',')
        .filter_map(|v| {
            let v = v.trim();
            if let Some(utc) = v.strip_suffix('Z') {
                let dt = DateTime::strptime("%Y%m%dT%H%M%S", utc).ok()?;
                return dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp().as_second());
            }
            if v.len() == 8 {
                let d = Date::strptime("%Y%m%d", v).ok()?;
                return day_start(d, tz).map(|t| t.as_second());
            }
            let dt = DateTime::strptime("%Y%m%dT%H%M%S", v).ok()?;
            line_tz.to_ambiguous_timestamp(dt).compatible().ok().map(|t| t.as_second())
        })
        .collect()
}
