//! `/admin/analytics`: charts drawn on the server, each with its numbers in a table beside it.

use askama::Template;

use crate::admin::Nav;

/// One chart and its table.
#[derive(Clone, Debug, Default)]
pub struct Figure {
    /// The chart as SVG markup (already rendered and escaped by its own template).
    pub svg: String,
    /// What it shows.
    pub title: String,
    /// Header of the label column.
    pub label_header: String,
    /// (label, value) rows.
    pub rows: Vec<(String, u64)>,
}

/// The analytics page.
#[derive(Template, Debug, Default)]
#[template(path = "admin/analytics.html")]
pub struct Analytics {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    /// The range shown, `YYYY-MM-DD`, `to` exclusive.
    pub from: String,
    pub to: String,
    /// The zone days and hours are counted in.
    pub tz: String,
    pub total: u64,
    pub cancelled: u64,
    pub cancelled_percent: u64,
    pub no_shows: u64,
    pub no_show_percent: u64,
    /// Set when there were more bookings than one report reads.
    pub cut_short: bool,
    pub figures: Vec<Figure>,
}
