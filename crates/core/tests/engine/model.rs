//! A brute-force model of the slot rules (docs/API.md, Slots), written from the text of the rules and
//! sharing no code with the engine: windows come straight from jiff's `to_zoned` (which is
//! "compatible" disambiguation), and every minute of the range is tried against every window and
//! every busy interval.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// One host as the model sees it.
#[derive(Clone, Debug)]
pub struct MHost {
    pub tz: TimeZone,
    /// Monday first; (start, end) minutes of the day, end may be 1440.
    pub weekly: [Vec<(u16, u16)>; 7],
    pub overrides: BTreeMap<Date, Vec<(u16, u16)>>,
    /// Raw busy intervals (seconds), overlapping and unsorted.
    pub busy: Vec<(i64, i64)>,
    /// Starts of confirmed bookings of the event type.
    pub booked: Vec<i64>,
}

#[derive(Clone, Copy, Debug)]
pub struct MRules {
    pub duration: i64,
    pub interval: i64,
    pub before: i64,
    pub after: i64,
    pub notice: i64,
    pub horizon: i64,
    pub limit: Option<u32>,
    pub collective: bool,
}

fn at(tz: &TimeZone, date: Date, minutes: u16) -> i64 {
    let (date, minutes) = if minutes == 1440 { (date.tomorrow().unwrap(), 0) } else { (date, minutes) };
    let t = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).unwrap();
    date.to_datetime(t).to_zoned(tz.clone()).unwrap().timestamp().as_second()
}

pub fn local_date(tz: &TimeZone, s: i64) -> Date {
    Timestamp::from_second(s).unwrap().to_zoned(tz.clone()).date()
}

/// Rule 1, for every local date from two days before `from` to one after `to`.
pub fn windows(h: &MHost, from: i64, to: i64) -> Vec<(Date, i64, i64)> {
    let mut out = Vec::new();
    let mut d = local_date(&h.tz, from).checked_sub(2.days()).unwrap();
    let last = local_date(&h.tz, to).checked_add(1.days()).unwrap();
    while d <= last {
        let hours = h.overrides.get(&d).unwrap_or(&h.weekly[d.weekday().to_monday_zero_offset() as usize]);
        for &(s, e) in hours {
            out.push((d, at(&h.tz, d, s), at(&h.tz, d, e)));
        }
        d = d.tomorrow().unwrap();
    }
    out
}

fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Whether host `h` can take a booking starting at `s` (rules 2–5), ignoring the query range.
pub fn host_free(
    r: &MRules,
    h: &MHost,
    wins: &[(Date, i64, i64)],
    now: i64,
    s: i64,
    check_busy: bool,
) -> bool {
    if s < now + r.notice || s >= now + r.horizon {
        return false;
    }
    let on_grid =
        wins.iter().any(|&(_, ws, we)| s >= ws && (s - ws) % r.interval == 0 && s + r.duration <= we);
    if !on_grid {
        return false;
    }
    if !check_busy {
        return true;
    }
    let blocked = (s - r.before, s + r.duration + r.after);
    if h.busy.iter().any(|&b| b.1 > b.0 && overlaps(blocked, b)) {
        return false;
    }
    if let Some(limit) = r.limit {
        let day = local_date(&h.tz, s);
        let n = h.booked.iter().filter(|&&b| local_date(&h.tz, b) == day).count();
        if n as u32 >= limit {
            return false;
        }
    }
    true
}

/// Rules 2–7: every minute of `[from, to)`, the hosts free for it.
pub fn slots(
    r: &MRules,
    hosts: &[MHost],
    from: i64,
    to: i64,
    now: i64,
    only: Option<usize>,
) -> Vec<(i64, Vec<u32>)> {
    let wins: Vec<_> = hosts.iter().map(|h| windows(h, from, to)).collect();
    let mut out = Vec::new();
    let mut s = from.div_euclid(60) * 60;
    if s < from {
        s += 60;
    }
    while s < to {
        let free: Vec<u32> = (0..hosts.len())
            .filter(|&i| r.collective || only.is_none_or(|o| o == i))
            .filter(|&i| host_free(r, &hosts[i], &wins[i], now, s, true))
            .map(|i| i as u32)
            .collect();
        if r.collective {
            if free.len() == hosts.len() {
                out.push((s, free));
            }
        } else if !free.is_empty() {
            out.push((s, free));
        }
        s += 60;
    }
    out
}
