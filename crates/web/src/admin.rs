//! The admin dashboard's pages: one struct per template in `templates/admin/`, filled by the
//! server's handlers. Every page shares the layout (navigation, sign-out form, notices).

use askama::Template;

/// The signed-in user, for the layout's navigation and sign-out form.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub email: String,
    pub role: String,
    /// The session's CSRF token, carried by every form.
    pub csrf: String,
    /// A host user sees only bookings.
    pub is_host: bool,
}

/// One choice in a `<select>` (or a link in a list).
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// `GET /admin/login`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/login.html")]
pub struct Login {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    /// The address typed before, shown again.
    pub email: String,
    /// Ask for the workspace: the address has accounts in several.
    pub ask_tenant: bool,
    pub tenant: String,
}

/// `GET /admin/forgot`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/forgot.html")]
pub struct Forgot {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub sent: bool,
}

/// `GET /admin/reset?token=...`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/reset.html")]
pub struct Reset {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub token: String,
}

/// A page with a heading and a sentence (errors, refusals).
#[derive(Template, Debug, Default)]
#[template(path = "admin/message.html")]
pub struct Message {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub heading: String,
    pub text: String,
}

/// The bookings list's filters as typed.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub from: String,
    pub to: String,
    pub q: String,
}

/// One booking in a list.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub id: String,
    pub start: String,
    pub attendee: String,
    pub contact: String,
    pub event_type: String,
    pub host: String,
    pub status: String,
    pub no_show: bool,
    pub source: String,
    pub code: String,
}

/// `GET /admin`: the bookings list.
#[derive(Template, Debug, Default)]
#[template(path = "admin/bookings.html")]
pub struct Bookings {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub f: Filters,
    /// A host user's list is always their own host's.
    pub host_locked: bool,
    pub hosts: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub event_types: Vec<Choice>,
    pub sources: Vec<Choice>,
    /// The filters as a query string (for the CSV link).
    pub query: String,
    pub rows: Vec<Row>,
    /// The next page's query string.
    pub next: Option<String>,
}

/// One booking in full.
#[derive(Clone, Debug, Default)]
pub struct Detail {
    pub id: String,
    pub code: String,
    pub status: String,
    pub confirmed: bool,
    pub no_show: bool,
    pub start: String,
    pub end: String,
    pub attendee: String,
    pub contact: String,
    pub event_type: String,
    pub host: String,
    pub source: String,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
}

/// One history entry.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub reason: String,
}

/// One message of the delivery log.
#[derive(Clone, Debug, Default)]
pub struct Sent {
    /// The message's id (a webhook delivery can be sent again by it).
    pub id: String,
    pub created_at: String,
    pub channel: String,
    pub kind: String,
    pub to: String,
    pub status: String,
    pub attempts: i64,
    pub error: String,
}

/// `GET /admin/bookings/{id}`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/booking.html")]
pub struct Booking {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub b: Detail,
    /// The zone times are shown and typed in.
    pub zone: String,
    pub csrf: String,
    pub history: Vec<Change>,
    pub messages: Vec<Sent>,
}

/// `GET /admin/schedules`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/schedules.html")]
pub struct Schedules {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub schedules: Vec<Choice>,
}

/// A weekday's hours as typed (`09:00-12:00, 13:00-17:00`).
#[derive(Clone, Debug, Default)]
pub struct Day {
    /// `mon`, `tue`, ...
    pub value: String,
    pub label: String,
    pub hours: String,
}

/// `GET /admin/schedules/{id}`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/schedule.html")]
pub struct Schedule {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub days: Vec<Day>,
    /// One override a line.
    pub overrides: String,
    pub csrf: String,
}

/// One calendar connection.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    pub id: String,
    pub host: String,
    pub provider: String,
    pub account: String,
    /// `healthy`, `expiring`, `revoked` or `error`.
    pub status: String,
    pub last_checked: String,
    /// The latest sync of any of its calendars.
    pub last_sync: String,
    /// What the last check or call found wrong.
    pub reason: String,
    /// A new authorization can be started from here (Google).
    pub can_reconnect: bool,
}

/// `GET /admin/connections`.
#[derive(Template, Debug, Default)]
#[template(path = "admin/connections.html")]
pub struct Connections {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub rows: Vec<Connection>,
    pub csrf: String,
}

/// `GET /admin/password`: a signed-in user chooses a new password.
#[derive(Template, Debug, Default)]
#[template(path = "admin/password.html")]
pub struct Password {
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub csrf: String,
}
