//! Groups parts into mentions ("next Tuesday" + "afternoon"), reads the words between mentions
//! (corrections, alternatives, negations), carries a date or a time over to a correction
//! ("Tuesday at 3, no, 4"), and picks the mention the caller means.

use jiff::civil::Date;

use crate::cal;
use crate::lexer::Tok;
use crate::markers::{self, Relation};
use crate::parts::{DatePart, DateVal, P, Part, Src, TimePart, TimeVal, What};
use crate::resolve::{self, Resolved};
use crate::zones::ZoneRef;
use crate::{Mention, Refusal, Understanding};

/// Parts that make one mention.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub from: usize,
    pub to: usize,
    pub date: Option<DatePart>,
    pub times: Vec<TimePart>,
    pub relation: Relation,
    pub negated: bool,
    pub sometime: bool,
    pub supersedes: bool,
    /// The zone named with it.
    pub zone: Option<ZoneRef>,
}

pub(crate) fn understand(p: &P, parts: &[Part]) -> Understanding {
    let mut groups = group(p, parts);
    for k in 0..groups.len() {
        let (prev, next) = (k.checked_sub(1).map(|j| groups[j].to), groups.get(k + 1).map(|g| g.from));
        let g = &mut groups[k];
        g.relation = if k == 0 { Relation::First } else { markers::relation(p, prev.unwrap_or(0), g.from) };
        g.negated = markers::negated(p, g.from, g.to, prev.unwrap_or(0), next.unwrap_or(p.toks.len()));
        if let Some((from, to)) = markers::sometime(p, g.from, g.to, prev.unwrap_or(0)) {
            (g.sometime, g.from, g.to) = (true, from, to);
        }
        g.supersedes = markers::supersedes_after(p, g.to) || (k > 0 && markers::change_target(p, g.from));
    }
    inherit(&mut groups);
    let mut matches: Vec<(Mention, usize)> = Vec::new();
    let mut prev_day: Option<Date> = None;
    let mut refusal: Option<Refusal> = None;
    for (k, g) in groups.iter().enumerate() {
        let r = match resolve::resolve(p.env, g, prev_day) {
            Ok(r) => r,
            Err(why) => {
                refusal = refusal.or(why.filter(|_| !g.negated));
                continue;
            }
        };
        prev_day = r.day;
        matches.push((mention(p, g, &r), k));
    }
    let best = choose(&groups, &matches).map(|b| matches[b].0.clone());
    let refusal = if best.is_some() { None } else { refusal };
    Understanding { best, matches: matches.into_iter().map(|(m, _)| m).collect(), refusal }
}

fn mention(p: &P, g: &Group, r: &Resolved) -> Mention {
    let mut from = g.from;
    if g.to > from + 1 && p.any(from, &["at", "on", "for"]) {
        from += 1;
    }
    let start = p.toks.get(from).map_or(0, |t| t.start);
    let end = p.toks.get(g.to.saturating_sub(1)).map_or(start, |t| t.end).max(start);
    let text = p.text.get(start..end).unwrap_or_default().to_string();
    Mention { text, span: (start, end), kind: r.kind, start: r.start, end: r.end, zone: r.zone.clone() }
}

/// The mention the caller means: the first one, unless a later one corrects it, refines it, or
/// it was turned down ("not Tuesday").
fn choose(groups: &[Group], matches: &[(Mention, usize)]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, (m, k)) in matches.iter().enumerate() {
        let g = &groups[*k];
        if g.negated {
            // "Tuesday at 3 ... Tuesday doesn't work" drops it; "next week, not Monday" does not
            if best.is_some_and(|b| covers(m, &matches[b].0)) {
                best = None;
            }
            continue;
        }
        best = match best {
            None => Some(i),
            Some(b) => {
                let bm = &matches[b].0;
                let within = m.start >= bm.start
                    && m.end <= bm.end
                    && (m.start, m.end) != (bm.start, bm.end)
                    && g.relation != Relation::Alternative;
                if g.relation == Relation::Correction || g.supersedes || within { Some(i) } else { Some(b) }
            }
        };
    }
    best
}

/// `a` holds all of `b`.
fn covers(a: &Mention, b: &Mention) -> bool {
    a.start <= b.start && b.end <= a.end && (a.start < a.end || a.start == b.start)
}

/// Joins neighbouring parts into groups while they fit together.
fn group(p: &P, parts: &[Part]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut fresh = true;
    for part in parts {
        let new = Group {
            from: part.from,
            to: part.to,
            date: None,
            times: Vec::new(),
            relation: Relation::Plain,
            negated: false,
            sometime: false,
            supersedes: false,
            zone: part.zone,
        };
        match part.what {
            What::Ignored => {
                fresh = true;
                continue;
            }
            What::Date(d) => {
                if let Some(g) = out.last_mut().filter(|g| !fresh && joinable(p, g.to, part.from)) {
                    match g.date {
                        None => {
                            g.date = Some(d);
                            g.to = part.to;
                            g.zone = g.zone.or(part.zone);
                            continue;
                        }
                        Some(old) => {
                            if let Some(merged) = merge(old, d) {
                                g.date = Some(merged);
                                g.to = part.to;
                                g.zone = g.zone.or(part.zone);
                                continue;
                            }
                        }
                    }
                }
                out.push(Group { date: Some(d), ..new });
            }
            What::Time(t) => {
                if let Some(g) = out.last_mut().filter(|g| !fresh && joinable(p, g.to, part.from)) {
                    let exact = |t: &TimePart| matches!(t.val, TimeVal::At(_) | TimeVal::NextMinute(_));
                    if !(exact(&t) && g.times.iter().any(exact)) && g.times.len() < 3 {
                        g.times.push(t);
                        g.to = part.to;
                        g.zone = g.zone.or(part.zone);
                        continue;
                    }
                }
                out.push(Group { times: vec![t], ..new });
            }
        }
        fresh = false;
    }
    out
}

/// Nothing between two parts keeps them apart: no "or", no correction, not too far.
fn joinable(p: &P, a: usize, b: usize) -> bool {
    let gap = b.saturating_sub(a);
    let stop = (a..b).any(|x| matches!(p.tok(x), Some(Tok::Stop)));
    gap <= 8 && !(stop && gap > 2) && !(a..b).any(|x| markers::blocks(p, x))
}

/// Two dates said together: "Tuesday the 15th", "next week Tuesday", "next month on the 3rd".
fn merge(a: DatePart, b: DatePart) -> Option<DatePart> {
    merge_ordered(a, b)
        .or_else(|| merge_ordered(b, a))
        .or_else(|| month_day(a, b))
        .or_else(|| month_day(b, a))
}

fn merge_ordered(a: DatePart, b: DatePart) -> Option<DatePart> {
    let wd = a.weekday?;
    let day = match (b.src, b.val) {
        (Src::Week, DateVal::Days(start, _)) => cal::in_week(cal::monday_of(start)?, wd)?,
        (_, DateVal::Moment { day: Some(d), weeks: true, .. }) => cal::in_week(cal::monday_of(d)?, wd)?,
        (Src::DayOfMonth, DateVal::Day(d)) => {
            let dom = b.dom?;
            let first = d.first_of_month();
            (0..6)
                .filter_map(|k| cal::add_months(first, k))
                .filter_map(|m| Date::new(m.year(), m.month(), dom).ok())
                .find(|x| x.weekday() == wd && *x >= d)
                .unwrap_or(d)
        }
        (Src::Explicit, DateVal::Day(d)) => d,
        _ => return month_day(a, b),
    };
    Some(DatePart::new(DateVal::Day(day), Src::Explicit))
}

/// "next month" + "the 15th".
fn month_day(a: DatePart, b: DatePart) -> Option<DatePart> {
    match (a.val, b.dom) {
        (DateVal::Days(first, _), Some(dom)) if a.src == Src::Month && first.day() == 1 => {
            let d = Date::new(first.year(), first.month(), dom).ok()?;
            Some(DatePart::new(DateVal::Day(d), Src::Explicit))
        }
        _ => None,
    }
}

/// A correction that names only a time keeps the date said before it ("Tuesday at 3 — no, 4"),
/// and one that names only a day keeps the time ("Tuesday at 3 — no, Thursday").
fn inherit(groups: &mut [Group]) {
    for k in 1..groups.len() {
        let prev = groups[k - 1].clone();
        let g = &mut groups[k];
        if g.date.is_none() && !g.times.is_empty() && !(prev.negated && prev.times.is_empty()) {
            g.date = prev.date;
        }
        let single_day = matches!(g.date.map(|d| d.val), Some(DateVal::Day(_)));
        if g.times.is_empty() && single_day && g.relation == Relation::Correction && prev.date.is_some() {
            g.times.clone_from(&prev.times);
        }
    }
    // "around 2 or 3 on Friday": the date said with the last option holds for the first
    for k in (0..groups.len().saturating_sub(1)).rev() {
        let next = groups[k + 1].clone();
        let g = &mut groups[k];
        if g.date.is_none()
            && !g.times.is_empty()
            && next.relation == Relation::Alternative
            && !next.times.is_empty()
        {
            g.date = next.date;
        }
    }
}
