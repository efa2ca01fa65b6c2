//! What the dashboard's analytics show: bookings per local day, by source and by host,
//! cancellation and no-show rates, lead time and the busiest hours, over a range of starts.
//!
//! The numbers come from the same booking list the API answers (page by page, at most
//! [`MAX_BOOKINGS`]), counted in the business's zone; [`summarize`] is pure so it is tested on
//! its own.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use sked_core::booking::{BookingSource, BookingStatus};
use sked_core::ids::{BookingId, HostId, TenantId};
use sked_core::interval::timestamp;
use sked_store::{Booking, BookingFilter};

use crate::App;
use crate::error::{AppError, AppResult};

/// Most bookings one report reads; a report over more says it was cut short.
pub const MAX_BOOKINGS: usize = 20_000;

/// Lead time buckets: (label, up to this many seconds between booking and start).
pub const LEAD_TIMES: [(&str, i64); 6] = [
    ("same day", 86_400),
    ("1–3 days", 3 * 86_400),
    ("3–7 days", 7 * 86_400),
    ("1–2 weeks", 14 * 86_400),
    ("2–4 weeks", 28 * 86_400),
    ("over 4 weeks", i64::MAX),
];

/// A report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every local day of the range with the bookings starting on it (cancelled ones included).
    pub per_day: Vec<(Date, u64)>,
    /// Bookings by the door they came through.
    pub by_source: Vec<(&'static str, u64)>,
    /// Bookings by their (first) host, most first.
    pub by_host: Vec<(HostId, u64)>,
    /// Bookings in the range.
    pub total: u64,
    /// Of which cancelled.
    pub cancelled: u64,
    /// Of which marked as no-shows.
    pub no_shows: u64,
    /// Bookings per lead-time bucket ([`LEAD_TIMES`]).
    pub lead_times: Vec<(&'static str, u64)>,
    /// Bookings by local starting hour, 0–23.
    pub hours: [u64; 24],
    /// Whether more bookings matched than were read.
    pub cut_short: bool,
}

impl Report {
    /// A share of the total, as a whole percentage.
    pub fn percent(&self, n: u64) -> u64 {
        (n * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Counts `bookings` (those starting in `[from, to)` local days, in `tz`).
pub fn summarize(bookings: &[Booking], tz: &TimeZone, from: Date, to: Date) -> Report {
    let mut days: BTreeMap<Date, u64> = BTreeMap::new();
    let mut d = from;
    while d < to {
        days.insert(d, 0);
        d = match d.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    let mut r = Report { lead_times: LEAD_TIMES.iter().map(|(l, _)| (*l, 0)).collect(), ..Report::default() };
    let mut sources: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut hosts: BTreeMap<HostId, u64> = BTreeMap::new();
    for b in bookings {
        let local = timestamp(b.start_at).to_zoned(tz.clone());
        let Some(n) = days.get_mut(&local.date()) else { continue };
        *n += 1;
        r.total += 1;
        if b.status == BookingStatus::Cancelled {
            r.cancelled += 1;
        } else if b.no_show_at.is_some() {
            r.no_shows += 1;
        }
        *sources.entry(b.source.as_str()).or_default() += 1;
        *hosts.entry(b.host_id).or_default() += 1;
        r.hours[local.hour().clamp(0, 23) as usize] += 1;
        let lead = (b.start_at - b.created_at).max(0);
        if let Some(i) = LEAD_TIMES.iter().position(|(_, max)| lead < *max) {
            r.lead_times[i].1 += 1;
        }
    }
    r.per_day = days.into_iter().collect();
    for s in [BookingSource::Api, BookingSource::Widget, BookingSource::Voice] {
        r.by_source.push((s.as_str(), sources.get(s.as_str()).copied().unwrap_or(0)));
    }
    // Bookings mirrored from Cal.com show only where a business has them.
    if let Some(n) = sources.get(BookingSource::Calcom.as_str()) {
        r.by_source.push((BookingSource::Calcom.as_str(), *n));
    }
    r.by_host = hosts.into_iter().collect();
    r.by_host.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    r
}

/// The bookings of `tenant` starting in `[from, to)` (Unix seconds), optionally of one host:
/// at most [`MAX_BOOKINGS`], and whether there were more.
pub async fn bookings_in(
    app: &App,
    tenant: TenantId,
    from: i64,
    to: i64,
    host: Option<HostId>,
) -> AppResult<(Vec<Booking>, bool)> {
    let mut out = Vec::new();
    let mut after: Option<(i64, BookingId)> = None;
    loop {
        let filter = BookingFilter {
            from: Some(from),
            to: Some(to),
            host_id: host,
            after,
            limit: 500,
            ..Default::default()
        };
        let page =
            app.store.list_bookings(tenant, &filter).await.map_err(|e| AppError::store("booking", e))?;
        let full = page.len() == 500;
        after = page.last().map(|b| (b.start_at, b.id));
        out.extend(page.into_iter().filter(|b| b.start_at >= from));
        if out.len() >= MAX_BOOKINGS {
            out.truncate(MAX_BOOKINGS);
            return Ok((out, true));
        }
        if !full {
            return Ok((out, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sked_core::ids::EventTypeId;
    use sked_store::Ids;

    fn booking(
        start: &str,
        created: &str,
        status: BookingStatus,
        source: BookingSource,
        host: HostId,
    ) -> Booking {
        let ts = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_second();
        Booking {
            id: BookingId::new(),
            tenant_id: TenantId::new(),
            uid: String::new(),
            confirmation_code: String::new(),
            status,
            event_type_id: EventTypeId::new(),
            host_id: host,
            start_at: ts(start),
            end_at: ts(start) + 1800,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            attendee_name: "x".into(),
            attendee_email: None,
            attendee_phone: None,
            attendee_time_zone: None,
            notes: None,
            metadata: "{}".into(),
            source,
            external_ref: None,
            sequence: 0,
            cancel_reason: None,
            created_at: ts(created),
            updated_at: ts(created),
            answers: "{}".into(),
            no_show_at: (source == BookingSource::Widget).then_some(0),
            host_ids: Ids(vec![host]),
        }
    }

    #[test]
    fn counts_by_local_day_source_host_hour_and_lead_time() {
        let (a, b) = (HostId::new(), HostId::new());
        let tz = TimeZone::get("America/New_York").unwrap();
        let list = [
            // 9:00 and 23:30 in New York on 3 March; the second is 4 March in UTC.
            booking(
                "2026-03-03T14:00:00Z",
                "2026-03-03T10:00:00Z",
                BookingStatus::Confirmed,
                BookingSource::Api,
                a,
            ),
            booking(
                "2026-03-04T04:30:00Z",
                "2026-03-01T10:00:00Z",
                BookingStatus::Cancelled,
                BookingSource::Widget,
                b,
            ),
            booking(
                "2026-03-05T15:00:00Z",
                "2026-02-01T10:00:00Z",
                BookingStatus::Confirmed,
                BookingSource::Widget,
                b,
            ),
            // Outside the range: not counted.
            booking(
                "2026-03-09T15:00:00Z",
                "2026-03-01T10:00:00Z",
                BookingStatus::Confirmed,
                BookingSource::Voice,
                a,
            ),
        ];
        let from: Date = "2026-03-02".parse().unwrap();
        let to: Date = "2026-03-06".parse().unwrap();
        let r = summarize(&list, &tz, from, to);
        assert_eq!(r.per_day.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [0, 2, 0, 1]);
        assert_eq!((r.total, r.cancelled, r.no_shows), (3, 1, 1));
        assert_eq!(r.by_source, [("api", 1), ("widget", 2), ("voice", 0)]);
        assert_eq!(r.by_host, [(b, 2), (a, 1)]);
        assert_eq!((r.hours[9], r.hours[23], r.hours[10]), (1, 1, 1));
        assert_eq!(r.lead_times.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 1, 0, 0, 0, 1]);
        assert_eq!(r.percent(r.cancelled), 33);
        assert_eq!(Report::default().percent(0), 0);
    }
}
