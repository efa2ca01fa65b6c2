//! Places a group on the time line: date plus time of day becomes instants in the zone, a time
//! without a date takes its next occurrence, windows under way start at `now`, and answers far
//! outside the present are dropped.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::cal::{self, DAY, instant};
use crate::combine::Group;
use crate::parts::{Clock, DateVal, Env, Mers, Src, TimePart, TimeVal};
use crate::{Kind, Refusal};

/// A mention's kind and instants, and the day it falls on (for "the day after").
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub kind: Kind,
    pub start: Timestamp,
    pub end: Timestamp,
    pub day: Option<Date>,
    /// The zone the caller named, as a zone.
    pub zone: Option<jiff::tz::TimeZone>,
}

/// A time of day in minutes (may pass 1440 into the next day).
#[derive(Clone, Copy, Debug)]
enum Tod {
    Exact(i32),
    Window(i32, i32),
    Next(u8),
}

/// Places a group; `Err` carries why a time that was said is refused (too far ahead, gone).
pub(crate) fn resolve(env: &Env, g: &Group, prev_day: Option<Date>) -> Result<Resolved, Option<Refusal>> {
    let timed = !g.times.is_empty() || matches!(g.date.map(|d| d.val), Some(DateVal::Moment { .. }));
    let zone = g.zone.filter(|_| timed).and_then(|z| z.zone(env.caller.as_ref(), &env.tz));
    let (kind, start, end) = match &zone {
        Some(tz) => place_group(&env.in_zone(tz.clone()), g, prev_day),
        None => place_group(env, g, prev_day),
    }
    .ok_or(None)?;
    let secs = exact_seconds(&g.times);
    let (start, end) = match kind {
        Kind::Exact if secs > 0 => {
            let s = start.checked_add(jiff::SignedDuration::from_secs(i64::from(secs))).map_err(|_| None)?;
            (s, s)
        }
        _ => (start, end),
    };
    let start = if kind == Kind::Window && start < env.now && env.now < end { env.now } else { start };
    let earliest = env.zoned.checked_sub(jiff::Span::new().days(1)).map_err(|_| None)?.timestamp();
    let latest = env.zoned.checked_add(jiff::Span::new().years(2)).map_err(|_| None)?.timestamp();
    let latest_end = latest.checked_add(jiff::SignedDuration::from_hours(24 * 62)).map_err(|_| None)?;
    let explicit = g.date.is_some_and(|d| matches!(d.src, Src::Explicit | Src::Month | Src::Other));
    if start > latest || end > latest_end {
        return Err(Some(Refusal::TooFar));
    }
    if start < earliest {
        return Err(explicit.then_some(Refusal::Past));
    }
    if end < start || (kind == Kind::Window && start == end) {
        return Err(None);
    }
    let day = Some(start.to_zoned(env.tz.clone()).date());
    Ok(Resolved { kind, start, end, day, zone })
}

/// Seconds written with the exact clock time ("20:32:13").
fn exact_seconds(times: &[TimePart]) -> u8 {
    times
        .iter()
        .find_map(|t| match t.val {
            TimeVal::At(c) => Some(c.s),
            _ => None,
        })
        .unwrap_or(0)
}

fn place_group(env: &Env, g: &Group, prev_day: Option<Date>) -> Option<Placed> {
    let date = match g.date.map(|d| d.val) {
        Some(DateVal::Prev(n)) => Some(DateVal::Day(cal::add_days(prev_day?, i64::from(n))?)),
        other => other,
    };
    let today_flag = g.times.iter().any(|t| t.today);
    let roll = g.date.is_some_and(|d| d.roll);
    let tod = time_of_day(&g.times);
    let tz = &env.tz;
    let (kind, start, end) = match (date, tod) {
        (None, None) => return None,
        (Some(DateVal::Day(d)), None) => {
            let (s, e) = (instant(d, 0, tz)?, instant(d, DAY, tz)?);
            (if g.sometime { Kind::Window } else { Kind::Date }, s, e)
        }
        (Some(DateVal::Days(a, b)), None) => (Kind::Window, instant(a, 0, tz)?, instant(b, 0, tz)?),
        (Some(DateVal::Instants(a, b)), _) => (Kind::Window, a, b),
        (Some(DateVal::Moment { at, day, .. }), t) => match (day, t) {
            (Some(d), Some(t)) => on_day(env, d, t, false)?,
            _ => (Kind::Exact, at, at),
        },
        (Some(DateVal::Day(d)), Some(t)) => on_day(env, d, t, roll)?,
        (Some(DateVal::Days(a, b)), Some(t)) => on_days(env, a, b, t, g.times.iter().any(|t| t.first))?,
        (Some(DateVal::Prev(_)), _) => return None,
        (None, Some(t)) => floating(env, t, today_flag)?,
    };
    Some((kind, start, end))
}

type Placed = (Kind, Timestamp, Timestamp);

fn place(env: &Env, d: Date, t: Tod) -> Option<Placed> {
    let tz = &env.tz;
    let at = |m: i32| instant(d, u16::try_from(m.max(0)).ok()?, tz);
    Some(match t {
        Tod::Exact(m) => {
            let s = at(m)?;
            (Kind::Exact, s, s)
        }
        Tod::Window(a, b) => (Kind::Window, at(a)?, at(b)?),
        Tod::Next(m) => {
            let now = i32::from(env.now_min);
            let mut c = now / 60 * 60 + i32::from(m);
            if c <= now {
                c += 60;
            }
            let s = instant(env.today, u16::try_from(c).ok()?, tz)?;
            (Kind::Exact, s, s)
        }
    })
}

/// A time of day on a date. A bare weekday that fell on today moves a week on once its time
/// has passed ("Tuesday at 3" said on a Tuesday at 5 pm).
fn on_day(env: &Env, d: Date, t: Tod, roll: bool) -> Option<Placed> {
    let placed = place(env, d, t)?;
    let past = match placed.0 {
        Kind::Exact => placed.1 < env.now,
        _ => placed.2 <= env.now,
    };
    if roll && past { place(env, cal::add_days(d, 7)?, t) } else { Some(placed) }
}

/// A time of day over several days: an exact time on the first day it is still ahead; a window
/// from the first day it is still open to the last day.
/// A time of day on a span of days: from its first time still ahead to its last day; with
/// `first` ("first thing next week"), that first day only.
fn on_days(env: &Env, a: Date, b: Date, t: Tod, first: bool) -> Option<Placed> {
    let n = a.until(b).ok()?.get_days();
    let last = cal::add_days(b, -1)?;
    (0..i64::from(n.clamp(0, 62))).find_map(|k| {
        let d = cal::add_days(a, k)?;
        let (kind, s, e) = place(env, d, t)?;
        match kind {
            Kind::Exact => (s >= env.now).then_some((kind, s, e)),
            _ if first => (e > env.now).then_some((kind, s, e)),
            _ => (e > env.now).then(|| Some((kind, s, place(env, last, t)?.2))).flatten(),
        }
    })
}

/// A time with no date: today if it is still ahead (or said with "this"/"tonight"), else
/// tomorrow.
fn floating(env: &Env, t: Tod, today: bool) -> Option<Placed> {
    let placed = place(env, env.today, t)?;
    let ahead = match placed.0 {
        Kind::Exact => placed.1 >= env.now,
        _ => placed.2 > env.now,
    };
    if ahead || today { Some(placed) } else { place(env, cal::add_days(env.today, 1)?, t) }
}

fn time_of_day(times: &[TimePart]) -> Option<Tod> {
    let hint = times.iter().find_map(|t| match t.val {
        TimeVal::Fixed { from, to, hint: true } => Some((i32::from(from), i32::from(to))),
        _ => None,
    });
    let mut exact = None;
    let mut window: Option<(i32, i32)> = None;
    for t in times {
        let w = match t.val {
            TimeVal::At(c) => {
                exact = exact.or(Some(Tod::Exact(minutes(c, hint))));
                continue;
            }
            TimeVal::NextMinute(m) => {
                exact = exact.or(Some(Tod::Next(m)));
                continue;
            }
            TimeVal::Around(c) => {
                let m = minutes(c, hint);
                ((m - 30).max(0), m + 30)
            }
            TimeVal::After(c) => {
                let m = minutes(c, hint);
                (m, if m >= i32::from(DAY) { m + 360 } else { i32::from(DAY) })
            }
            TimeVal::Before(c) => {
                let m = minutes(c, hint);
                (if m > 360 { 360 } else { 0 }, m)
            }
            TimeVal::Between(a, b) => between(a, b, hint),
            TimeVal::Fixed { from, to, .. } => (i32::from(from), i32::from(to)),
        };
        window = Some(match window {
            Some((a, b)) if a.max(w.0) < b.min(w.1) => (a.max(w.0), b.min(w.1)),
            _ => w,
        });
    }
    exact.or(window.map(|(a, b)| Tod::Window(a, b)))
}

/// Minutes of the day for a clock time. A bare hour is pm for 1–7, am for 8–11, noon for 12,
/// unless a window said with it ("this morning", "tonight") holds only one reading.
pub(crate) fn minutes(c: Clock, hint: Option<(i32, i32)>) -> i32 {
    let (h, m) = (i32::from(c.h), i32::from(c.m));
    let base = match c.mer {
        Mers::H24 => h * 60 + m,
        Mers::Am => (h % 12) * 60 + m,
        Mers::Pm => (h % 12 + 12) * 60 + m,
        Mers::Night if h == 12 => 1440 + m,
        Mers::Night => (h % 12 + 12) * 60 + m,
        Mers::Bare => {
            let (am, pm) = if h == 12 { (720 + m, 1440 + m) } else { (h * 60 + m, (h + 12) * 60 + m) };
            let default = if (1..=7).contains(&h) { pm } else { am };
            match hint {
                Some((f, t)) => match ((f..=t).contains(&am), (f..=t).contains(&pm)) {
                    (true, false) => am,
                    (false, true) => pm,
                    (false, false) if t == 1440 && f >= 1020 && h <= 5 => am, // "tonight at 1"
                    _ => default,
                },
                None => default,
            }
        }
    };
    let m = base + i32::from(c.delta);
    // "tonight at 1", "tomorrow night at 1am": after midnight, so the next day's early hours
    match hint {
        Some((f, 1440)) if f >= 1020 && m < 360 => m + 1440,
        _ => m,
    }
}

/// "between 2 and 4", "2 to 4pm", "from 9 to 5", "between 6 and 8" (both pm).
fn between(a: Clock, b: Clock, hint: Option<(i32, i32)>) -> (i32, i32) {
    let mut ra = minutes(a, hint);
    let mut rb = minutes(b, hint);
    if a.mer == Mers::Bare && matches!(b.mer, Mers::Am | Mers::Pm | Mers::Night) {
        let mer = if b.mer == Mers::Night { Mers::Pm } else { b.mer };
        let shared = minutes(Clock { mer, ..a }, None);
        if shared < rb {
            ra = shared;
        }
    }
    if rb <= ra && b.mer == Mers::Bare && rb + 720 > ra && rb + 720 <= 1440 {
        rb += 720;
    } else if rb <= ra && a.mer == Mers::Bare && ra >= 720 && ra - 720 < rb {
        ra -= 720;
    }
    if rb <= ra { (ra, ra + 60) } else { (ra, rb) }
}
