//! Builds the no-JavaScript time picker: which days of a month have free times, the free times
//! of the chosen day, in the visitor's zone, from the same slots the API answers.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use sked_core::ids::{EventTypeId, TenantId};
use sked_web::picker::{Day, Month, Picker, Time, Zone};

use super::page::Reader;
use crate::error::ApiResult;
use crate::slots::SlotsQuery;
use crate::state::AppState;

/// What the visitor asked to see (query fields `tz`, `month`, `date`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct View {
    pub tz: Option<String>,
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// RFC 3339: a chosen time.
    pub start: Option<String>,
    /// Set right after a booking (the manage page says so).
    pub booked: Option<String>,
    /// Set right after a move.
    pub moved: Option<String>,
}

/// The picker for one event type, linking back to `path` with the visitor's choices.
pub async fn build(
    state: &AppState,
    tenant: TenantId,
    event_type: EventTypeId,
    max_days_ahead: i64,
    reader: &Reader,
    view: &View,
    path: &str,
) -> ApiResult<Picker> {
    let now = state.clock.now();
    let today = now.to_zoned(reader.tz.clone()).date();
    let horizon = today.checked_add((max_days_ahead.clamp(0, 3660) as i32).days()).unwrap_or(today);
    let first_of = |d: Date| d.first_of_month();
    let month = view
        .month
        .as_deref()
        .and_then(|m| format!("{m}-01").parse::<Date>().ok())
        .map(first_of)
        .filter(|m| *m >= first_of(today) && *m <= first_of(horizon))
        .unwrap_or_else(|| first_of(today));
    let next_month = month.checked_add(1.month()).unwrap_or(month);
    let zone = reader.zone();
    let link = |month: Date, date: Option<Date>| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("tz", &zone).append_pair("month", &month.strftime("%Y-%m").to_string());
        if let Some(d) = date {
            q.append_pair("date", &d.to_string());
        }
        format!("{path}?{}", q.finish())
    };
    let query = SlotsQuery {
        from: month.max(today).to_string(),
        to: next_month.to_string(),
        time_zone: Some(zone.clone()),
        host_id: None,
    };
    let slots = if month.max(today) < next_month {
        crate::slots::answer(state, tenant, event_type, query).await?.slots_by_date
    } else {
        Default::default()
    };
    let selected =
        view.date.as_deref().and_then(|d| d.parse::<Date>().ok()).filter(|d| first_of(*d) == month);
    let mut weeks = Vec::new();
    let mut week: Vec<Day> = (0..month.weekday().to_monday_zero_offset()).map(|_| Day::default()).collect();
    let mut day = month;
    while day < next_month {
        let free = slots.contains_key(&day.to_string());
        let name = day.strftime("%A %-d %B").to_string();
        week.push(Day {
            label: day.day().to_string(),
            href: free.then(|| link(month, Some(day))),
            aria_label: if free { format!("{name}, free times") } else { format!("{name}, none free") },
            selected: selected == Some(day),
        });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        day = day.tomorrow().unwrap_or(next_month);
    }
    if !week.is_empty() {
        week.resize(7, Day::default());
        weeks.push(week);
    }
    let times = selected
        .and_then(|d| slots.get(&d.to_string()))
        .map(|list| {
            list.iter()
                .filter_map(|s| s.start.parse::<Timestamp>().ok().map(|t| (s.start.clone(), t)))
                .map(|(raw, t)| Time {
                    label: reader.time(t),
                    href: format!(
                        "{}&start={}",
                        link(month, selected),
                        url::form_urlencoded::byte_serialize(raw.as_bytes()).collect::<String>()
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut keep = vec![("month".to_owned(), month.strftime("%Y-%m").to_string())];
    if let Some(d) = selected {
        keep.push(("date".into(), d.to_string()));
    }
    Ok(Picker {
        heading: "Choose a time".into(),
        month: Month {
            title: month.strftime("%B %Y").to_string(),
            weeks,
            prev: (month > first_of(today))
                .then(|| link(month.checked_sub(1.month()).unwrap_or(month), None)),
            next: (next_month <= horizon).then(|| link(next_month, None)),
        },
        day_title: selected.map(|d| d.strftime("%A %-d %B").to_string()),
        times,
        zones: zones(&zone),
        zone,
        keep,
    })
}

/// Every zone a visitor may pick, the current one marked.
fn zones(current: &str) -> Vec<Zone> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        .collect();
    if !names.iter().any(|n| n == current) {
        names.push(current.to_owned());
    }
    names.sort();
    names.into_iter().map(|name| Zone { selected: name == current, name }).collect()
}
