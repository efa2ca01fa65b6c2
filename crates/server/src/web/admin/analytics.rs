//! `/admin/analytics`: bookings per day, by source and by host, cancellation and no-show
//! rates, lead time and the busiest hours, drawn as SVG on the server with the numbers beside
//! each chart. A host user sees their own bookings only.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sked_app::analytics::{self, Report};
use sked_core::ids::TenantId;
use sked_store::Page;
use sked_web::analytics::{Analytics, Figure};
use sked_web::charts::BarChart;

use super::session::Signed;
use super::{fail, page};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest range one page reports on.
const MAX_DAYS: i64 = 366;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/analytics", get(show))
}

#[derive(Debug, Default, serde::Deserialize)]
struct Range {
    from: Option<String>,
    to: Option<String>,
    tz: Option<String>,
}

async fn show(State(state): State<AppState>, who: Signed, Query(q): Query<Range>) -> Response {
    let nav = Some(who.nav());
    match build(&state, &who, q).await {
        Ok(p) => page(&Analytics { nav, ..p }),
        Err(e) => fail(nav, e),
    }
}

/// The zone asked for, or the first host's, or UTC.
async fn zone(state: &AppState, tenant: TenantId, asked: Option<&str>) -> ApiResult<TimeZone> {
    if let Some(name) = asked.filter(|n| !n.trim().is_empty()) {
        return Ok(sked_core::local::parse_zone("tz", name.trim())?);
    }
    let hosts = state
        .store
        .list_hosts(tenant, Page { limit: 1, after: None })
        .await
        .map_err(|e| ApiError::store("host", e))?;
    Ok(hosts.first().map_or(TimeZone::UTC, |h| h.time_zone.tz().clone()))
}

async fn build(state: &AppState, who: &Signed, q: Range) -> ApiResult<Analytics> {
    let tenant = who.user.tenant_id;
    let tz = zone(state, tenant, q.tz.as_deref()).await?;
    let today = state.clock.now().to_zoned(tz.clone()).date();
    let day = |field: &str, v: Option<&str>, default: Date| -> ApiResult<Date> {
        match v.filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse::<Date>().map_err(|_| ApiError::field(field, "must be a date (YYYY-MM-DD)")),
        }
    };
    let to = day("to", q.to.as_deref(), today.tomorrow().unwrap_or(today))?;
    let from = day("from", q.from.as_deref(), to.checked_sub(30.days()).unwrap_or(to))?;
    let span = (to - from).get_days() as i64;
    if span <= 0 || span > MAX_DAYS {
        return Err(ApiError::field(
            "to",
            format!("must be after from, and at most {MAX_DAYS} days after it"),
        ));
    }
    let instant = |d: Date| {
        d.to_zoned(tz.clone()).map(|z| z.timestamp().as_second()).map_err(|e| ApiError::Internal(e.into()))
    };
    let (bookings, cut) =
        analytics::bookings_in(&state.app, tenant, instant(from)?, instant(to)?, who.host_scope()).await?;
    let mut report = analytics::summarize(&bookings, &tz, from, to);
    report.cut_short = cut;
    let names = host_names(state, tenant).await?;
    Ok(Analytics {
        from: from.to_string(),
        to: to.to_string(),
        tz: tz.iana_name().unwrap_or("UTC").to_owned(),
        total: report.total,
        cancelled: report.cancelled,
        cancelled_percent: report.percent(report.cancelled),
        no_shows: report.no_shows,
        no_show_percent: report.percent(report.no_shows),
        cut_short: report.cut_short,
        figures: figures(&report, &names)?,
        ..Analytics::default()
    })
}

async fn host_names(state: &AppState, tenant: TenantId) -> ApiResult<HashMap<String, String>> {
    let hosts = state
        .store
        .list_hosts(tenant, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::store("host", e))?;
    Ok(hosts.into_iter().map(|h| (h.id.to_string(), h.name)).collect())
}

fn figure(id: &str, title: &str, label_header: &str, rows: Vec<(String, u64)>) -> ApiResult<Figure> {
    let labels: Vec<String> = rows.iter().map(|(l, _)| l.clone()).collect();
    let values: Vec<u64> = rows.iter().map(|(_, v)| *v).collect();
    let svg =
        BarChart::new(id, title, &labels, &values).render().map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Figure { svg, title: title.into(), label_header: label_header.into(), rows })
}

fn figures(r: &Report, names: &HashMap<String, String>) -> ApiResult<Vec<Figure>> {
    let per_day = r.per_day.iter().map(|(d, n)| (d.strftime("%b %-d").to_string(), *n)).collect();
    let by_source = r.by_source.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect();
    let by_host = r
        .by_host
        .iter()
        .map(|(h, n)| (names.get(&h.to_string()).cloned().unwrap_or_else(|| h.to_string()), *n))
        .collect();
    let lead = r.lead_times.iter().map(|(l, n)| ((*l).to_owned(), *n)).collect();
    let hours = r.hours.iter().enumerate().map(|(h, n)| (format!("{h:02}:00"), *n)).collect();
    Ok(vec![
        figure("per-day", "Bookings per day (by start)", "Day", per_day)?,
        figure("by-source", "By source", "Source", by_source)?,
        figure("by-host", "By host", "Host", by_host)?,
        figure("lead", "Lead time (booked ahead of the start)", "Lead time", lead)?,
        figure("hours", "Busiest hours (local start)", "Hour", hours)?,
    ])
}
