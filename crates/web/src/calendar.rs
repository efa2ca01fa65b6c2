//! `/admin/calendar`: a day, a week or a month of bookings and busy time, for one host or a
//! team. Days and weeks are drawn as an SVG time grid (positions as attributes, so no inline
//! style is needed under the pages' CSP), with the same entries listed as text below it: the
//! grid is one image to assistive technology, and the list holds the links.

use askama::Template;

use crate::admin::{Choice, Nav};

/// One thing on the calendar.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// "09:00–09:30".
    pub time: String,
    /// The attendee's name, or what keeps the host busy.
    pub title: String,
    /// The event type and host.
    pub detail: String,
    /// The booking's page.
    pub href: Option<String>,
    /// `booking`, `cancelled` or `busy`.
    pub kind: String,
    /// Minutes from the day's start to the entry's start and end, clamped to the day.
    pub from_minute: u32,
    pub to_minute: u32,
}

/// One day of a day or week view.
#[derive(Clone, Debug, Default)]
pub struct DayColumn {
    /// "Tue 3 Mar".
    pub title: String,
    /// The day view of this day.
    pub href: String,
    pub entries: Vec<Entry>,
}

/// A drawn rectangle of the grid.
#[derive(Clone, Debug)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub kind: String,
    pub title: String,
}

/// The SVG time grid of a day or a week.
#[derive(Clone, Debug, Template)]
#[template(path = "charts/grid.svg")]
pub struct Grid {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub top: f64,
    /// (y, "09:00") for each hour line.
    pub hours: Vec<(f64, String)>,
    /// (x, width, title) of each day column.
    pub columns: Vec<(f64, f64, String)>,
    pub rects: Vec<Rect>,
}

const WIDTH: f64 = 980.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 24.0;
/// Height of one hour.
const HOUR: f64 = 28.0;

impl Grid {
    /// The grid of `days`, showing hours `first..last` (local).
    pub fn new(days: &[DayColumn], first: u32, last: u32) -> Self {
        let (first, last) = (first.min(23), last.clamp(first + 1, 24));
        let n = days.len().max(1) as f64;
        let col = (WIDTH - LEFT) / n;
        let y_of = |minute: u32| TOP + (f64::from(minute) / 60.0 - f64::from(first)).max(0.0) * HOUR;
        let mut rects = Vec::new();
        for (i, d) in days.iter().enumerate() {
            let x = LEFT + i as f64 * col;
            for e in &d.entries {
                let (y0, y1) = (y_of(e.from_minute), y_of(e.to_minute.min(last * 60)));
                if y1 <= y0 {
                    continue;
                }
                // Busy time sits behind bookings, a little narrower so both show.
                let (dx, w) = if e.kind == "busy" { (2.0, col * 0.35) } else { (col * 0.3, col * 0.68) };
                rects.push(Rect {
                    x: x + dx,
                    y: y0,
                    width: w,
                    height: (y1 - y0).max(3.0),
                    kind: e.kind.clone(),
                    title: format!("{} {} — {}", e.time, e.title, e.detail),
                });
            }
        }
        Self {
            width: WIDTH,
            height: TOP + f64::from(last - first) * HOUR + 4.0,
            left: LEFT,
            top: TOP,
            hours: (first..=last)
                .map(|h| (TOP + f64::from(h - first) * HOUR, format!("{h:02}:00")))
                .collect(),
            columns: days
                .iter()
                .enumerate()
                .map(|(i, d)| (LEFT + i as f64 * col, col, d.title.clone()))
                .collect(),
            rects,
        }
    }
}

/// One day of the month view.
#[derive(Clone, Debug, Default)]
pub struct MonthCell {
    /// Day of the month, empty outside it.
    pub label: String,
    pub href: Option<String>,
    /// Confirmed bookings starting that day.
    pub bookings: u64,
    /// Whether the host is busy (blocks, calendars) some of that day.
    pub busy: bool,
}

/// The calendar page.
#[derive(Template, Debug, Default)]
#[template(path = "admin/calendar.html")]
pub struct Calendar {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    /// `day`, `week` or `month`.
    pub view: String,
    /// The day the view is around, `YYYY-MM-DD`.
    pub date: String,
    /// "Week of Monday 2 March 2026".
    pub title: String,
    pub prev: String,
    pub next: String,
    /// The same range in each view: (view, href, current).
    pub views: Vec<(String, String, bool)>,
    /// Hosts to choose from (empty value: everyone, or the team of `team`).
    pub hosts: Vec<Choice>,
    /// Teams (event types) to choose from.
    pub teams: Vec<Choice>,
    /// A host user sees only their own calendar.
    pub host_locked: bool,
    pub tz: String,
    /// The SVG grid of a day or week view.
    pub grid: Option<String>,
    /// The entries as text, by day.
    pub days: Vec<DayColumn>,
    /// The weeks of a month view.
    pub weeks: Vec<Vec<MonthCell>>,
}
