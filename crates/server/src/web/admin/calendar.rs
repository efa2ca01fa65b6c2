//! `/admin/calendar`: a day, week or month of bookings and busy time (blocks and connected
//! calendars), for one host, an event type's team, or everyone; a host user sees their own.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use sked_core::Interval;
use sked_core::booking::BookingStatus;
use sked_core::ids::{EventTypeId, HostId};
use sked_core::interval::timestamp;
use sked_store::{Booking, Host, Page};
use sked_web::admin::Choice;
use sked_web::calendar::{Calendar, DayColumn, Entry, Grid, MonthCell};

use super::session::Signed;
use super::{fail, page};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most hosts whose busy time one page reads.
const MAX_HOSTS: usize = 25;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(show))
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
struct Ask {
    view: Option<String>,
    date: Option<String>,
    host: Option<String>,
    team: Option<String>,
    tz: Option<String>,
}

async fn show(State(state): State<AppState>, who: Signed, Query(q): Query<Ask>) -> Response {
    let nav = Some(who.nav());
    match build(&state, &who, q).await {
        Ok(p) => page(&Calendar { nav, ..p }),
        Err(e) => fail(nav, e),
    }
}

/// The range a view covers around `date`.
fn range(view: &str, date: Date) -> (Date, Date) {
    match view {
        "day" => (date, date.tomorrow().unwrap_or(date)),
        "month" => {
            let first = date.first_of_month();
            (first, first.checked_add(1.month()).unwrap_or(first))
        }
        _ => {
            let monday =
                date.checked_sub((date.weekday().to_monday_zero_offset() as i32).days()).unwrap_or(date);
            (monday, monday.checked_add(7.days()).unwrap_or(monday))
        }
    }
}

struct Chosen {
    view: String,
    date: Date,
    host: Option<HostId>,
    team: Option<EventTypeId>,
    tz: TimeZone,
}

impl Chosen {
    fn href(&self, view: &str, date: Date) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("view", view).append_pair("date", &date.to_string());
        if let Some(h) = self.host {
            q.append_pair("host", &h.to_string());
        }
        if let Some(t) = self.team {
            q.append_pair("team", &t.to_string());
        }
        q.append_pair("tz", self.tz.iana_name().unwrap_or("UTC"));
        format!("/admin/calendar?{}", q.finish())
    }
}

fn parse<T: std::str::FromStr>(field: &str, v: Option<&str>) -> ApiResult<Option<T>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ApiError::field(field, "is not valid")),
    }
}

async fn build(state: &AppState, who: &Signed, q: Ask) -> ApiResult<Calendar> {
    let tenant = who.user.tenant_id;
    let hosts = state
        .store
        .list_hosts(tenant, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::store("host", e))?;
    let host = who.host_scope().or(parse("host", q.host.as_deref())?);
    let team: Option<EventTypeId> =
        if who.host_scope().is_some() { None } else { parse("team", q.team.as_deref())? };
    let tz = match q.tz.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => sked_core::local::parse_zone("tz", name)?,
        None => {
            let first = hosts.iter().find(|h| Some(h.id) == host).or(hosts.first());
            first.map_or(TimeZone::UTC, |h| h.time_zone.tz().clone())
        }
    };
    let today = state.clock.now().to_zoned(tz.clone()).date();
    let view = match q.view.as_deref() {
        Some(v @ ("day" | "week" | "month")) => v.to_owned(),
        _ => "week".to_owned(),
    };
    let date = parse("date", q.date.as_deref())?.unwrap_or(today);
    let c = Chosen { view, date, host, team, tz };
    let shown: Vec<&Host> = match (c.host, c.team) {
        (Some(h), _) => hosts.iter().filter(|x| x.id == h).collect(),
        (None, Some(t)) => {
            let e = state.store.event_type(tenant, t).await.map_err(|e| ApiError::store("event type", e))?;
            hosts.iter().filter(|x| e.host_ids.contains(&x.id)).collect()
        }
        (None, None) => hosts.iter().filter(|x| x.active).collect(),
    };
    let (from, to) = range(&c.view, c.date);
    let at = |d: Date| {
        d.to_zoned(c.tz.clone()).map(|z| z.timestamp().as_second()).map_err(|e| ApiError::Internal(e.into()))
    };
    let (from_s, to_s) = (at(from)?, at(to)?);
    let names: HashMap<HostId, &str> = hosts.iter().map(|h| (h.id, h.name.as_str())).collect();
    let ids: Vec<HostId> = shown.iter().map(|h| h.id).collect();
    let (bookings, _) = sked_app::analytics::bookings_in(&state.app, tenant, from_s, to_s, c.host).await?;
    let bookings: Vec<Booking> =
        bookings.into_iter().filter(|b| b.host_ids.iter().any(|h| ids.contains(h))).collect();
    let titles = event_titles(state, who).await?;
    let mut entries: Vec<(Timestamp, Timestamp, Entry)> =
        bookings.iter().map(|b| booking_entry(b, &names, &titles)).collect();
    for h in shown.iter().take(MAX_HOSTS) {
        let busy = crate::blocks::host_busy(state, tenant, h.id, Interval::new(from_s, to_s)).await?;
        for i in busy.data.iter().filter(|i| i.source != "booking") {
            let (Ok(s), Ok(e)) = (i.start.parse::<Timestamp>(), i.end.parse::<Timestamp>()) else { continue };
            let what = if i.source == "block" { "block" } else { "calendar" };
            let entry = Entry {
                title: "Busy".into(),
                detail: format!("{} ({what})", h.name),
                kind: "busy".into(),
                ..Entry::default()
            };
            entries.push((s, e, entry));
        }
    }
    entries.sort_by_key(|(s, e, _)| (*s, *e));
    let days = by_day(&c, from, to, entries);
    let (grid, weeks, agenda) = if c.view == "month" {
        (None, month(&c, from, &days), vec![])
    } else {
        let first =
            days.iter().flat_map(|d| &d.entries).map(|e| e.from_minute / 60).min().unwrap_or(8).min(8);
        let last = days
            .iter()
            .flat_map(|d| &d.entries)
            .map(|e| e.to_minute.div_ceil(60))
            .max()
            .unwrap_or(18)
            .max(18);
        let svg = Grid::new(&days, first, last).render().map_err(|e| ApiError::Internal(e.into()))?;
        (Some(svg), vec![], days)
    };
    let step = match c.view.as_str() {
        "day" => 1.day(),
        "month" => 1.month(),
        _ => 1.week(),
    };
    Ok(Calendar {
        title: match c.view.as_str() {
            "day" => c.date.strftime("%A %-d %B %Y").to_string(),
            "month" => c.date.strftime("%B %Y").to_string(),
            _ => format!("Week of {}", from.strftime("%A %-d %B %Y")),
        },
        prev: c.href(&c.view, c.date.checked_sub(step).unwrap_or(c.date)),
        next: c.href(&c.view, c.date.checked_add(step).unwrap_or(c.date)),
        views: ["day", "week", "month"]
            .iter()
            .map(|v| ((*v).to_owned(), c.href(v, c.date), *v == c.view))
            .collect(),
        hosts: hosts
            .iter()
            .map(|h| Choice {
                value: h.id.to_string(),
                label: h.name.clone(),
                selected: Some(h.id) == c.host,
            })
            .collect(),
        teams: titles
            .iter()
            .map(|(id, t)| Choice { value: id.to_string(), label: t.clone(), selected: Some(*id) == c.team })
            .collect(),
        host_locked: who.host_scope().is_some(),
        tz: c.tz.iana_name().unwrap_or("UTC").to_owned(),
        view: c.view.clone(),
        date: c.date.to_string(),
        grid,
        days: agenda,
        weeks,
        ..Calendar::default()
    })
}

async fn event_titles(state: &AppState, who: &Signed) -> ApiResult<Vec<(EventTypeId, String)>> {
    let list = state
        .store
        .list_event_types(who.user.tenant_id, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::store("event type", e))?;
    Ok(list.into_iter().map(|e| (e.id, e.title)).collect())
}

fn booking_entry(
    b: &Booking,
    names: &HashMap<HostId, &str>,
    titles: &[(EventTypeId, String)],
) -> (Timestamp, Timestamp, Entry) {
    let event = titles.iter().find(|(id, _)| *id == b.event_type_id).map_or("", |(_, t)| t.as_str());
    let hosts: Vec<&str> = b.host_ids.iter().filter_map(|h| names.get(h).copied()).collect();
    let (s, e) = (timestamp(b.start_at), timestamp(b.end_at));
    let entry = Entry {
        title: b.attendee_name.clone(),
        detail: format!("{event} with {}", hosts.join(", ")),
        href: Some(format!("/admin/bookings/{}", b.id)),
        kind: if b.status == BookingStatus::Cancelled { "cancelled".into() } else { "booking".into() },
        ..Entry::default()
    };
    (s, e, entry)
}

/// The entries by local day, with their times and minutes in that day.
fn by_day(c: &Chosen, from: Date, to: Date, entries: Vec<(Timestamp, Timestamp, Entry)>) -> Vec<DayColumn> {
    let mut days = Vec::new();
    let mut d = from;
    while d < to {
        days.push(DayColumn {
            title: d.strftime("%a %-d %b").to_string(),
            href: c.href("day", d),
            entries: vec![],
        });
        d = d.tomorrow().unwrap_or(to);
    }
    for (s, e, mut entry) in entries {
        let (zs, ze) = (s.to_zoned(c.tz.clone()), e.to_zoned(c.tz.clone()));
        let index = (zs.date() - from).get_days();
        let Some(day) = usize::try_from(index).ok().and_then(|i| days.get_mut(i)) else { continue };
        let minute =
            |z: &jiff::Zoned| u32::try_from(i32::from(z.hour()) * 60 + i32::from(z.minute())).unwrap_or(0);
        entry.from_minute = minute(&zs);
        entry.to_minute = if ze.date() > zs.date() { 24 * 60 } else { minute(&ze).max(entry.from_minute) };
        entry.time = format!("{}–{}", zs.strftime("%H:%M"), ze.strftime("%H:%M"));
        day.entries.push(entry);
    }
    days
}

fn month(c: &Chosen, first: Date, days: &[DayColumn]) -> Vec<Vec<MonthCell>> {
    let mut weeks = Vec::new();
    let mut week: Vec<MonthCell> =
        (0..first.weekday().to_monday_zero_offset()).map(|_| MonthCell::default()).collect();
    for (i, d) in days.iter().enumerate() {
        let date = first.checked_add((i as i32).days()).unwrap_or(first);
        week.push(MonthCell {
            label: date.day().to_string(),
            href: Some(c.href("day", date)),
            bookings: d.entries.iter().filter(|e| e.kind == "booking").count() as u64,
            busy: d.entries.iter().any(|e| e.kind == "busy"),
        });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
    }
    if !week.is_empty() {
        week.resize(7, MonthCell::default());
        weeks.push(week);
    }
    weeks
}
