//! The public pages: the booking page and the attendee's manage page.

use askama::Template;

pub use crate::picker::{Day, Month, Picker, Time, Zone};

/// What the booking page says about the event type.
#[derive(Clone, Debug, Default)]
pub struct Intro {
    /// The business's name.
    pub business: String,
    /// The event type's title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
    /// "30 minutes".
    pub duration: String,
    /// Where it happens.
    pub location: Option<String>,
}

/// A question of the booking form, with what was typed.
#[derive(Clone, Debug, Default)]
pub struct Question {
    /// The question's id (the field is `q_{id}`).
    pub id: String,
    /// What is asked.
    pub label: String,
    /// `text`, `choice` or `yes_no`.
    pub kind: String,
    /// Whether it must be answered.
    pub required: bool,
    /// What was typed or chosen (`yes`/`no` for yes/no).
    pub value: String,
    /// A choice's options.
    pub options: Vec<String>,
    /// Why the answer was refused.
    pub error: Option<String>,
}

/// A form field's value and error.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// What was typed.
    pub value: String,
    /// Why it was refused.
    pub error: Option<String>,
}

/// Another time offered when the chosen one was just taken.
#[derive(Clone, Debug)]
pub struct Alternative {
    /// RFC 3339.
    pub start: String,
    /// As the visitor reads it.
    pub label: String,
}

/// The booking form for a chosen time.
#[derive(Clone, Debug, Default)]
pub struct Form {
    /// The chosen start, RFC 3339.
    pub start: String,
    /// The chosen time as the visitor reads it, zone named.
    pub when: String,
    /// Back to the picker.
    pub change_href: String,
    /// The zone times are shown in.
    pub tz: String,
    pub name: Input,
    pub email: Input,
    pub phone: Input,
    pub notes: Input,
    pub questions: Vec<Question>,
    /// Set when the chosen time was taken meanwhile: the nearest free times.
    pub alternatives: Vec<Alternative>,
    /// A problem not tied to one field.
    pub problem: Option<String>,
}

/// `/book/{tenant}/{event_type}`.
#[derive(Debug, Template)]
#[template(path = "public/book.html")]
pub struct BookPage {
    pub intro: Intro,
    /// `{tenant_slug}/{event_type_slug}` (the widget mounts on it).
    pub booking_ref: String,
    /// The picker, before a time is chosen.
    pub picker: Option<Picker>,
    /// The form, once a time is chosen.
    pub form: Option<Form>,
}

/// Links that add a booking to a calendar.
#[derive(Clone, Debug, Default)]
pub struct CalendarLinks {
    /// The ICS file.
    pub ics: String,
    /// Google Calendar's event template.
    pub google: String,
    /// Outlook on the web's compose link.
    pub outlook: String,
}

/// `/m/{token}`.
#[derive(Debug, Template)]
#[template(path = "public/manage.html")]
pub struct ManagePage {
    pub intro: Intro,
    /// "Tuesday 3 March 2026, 9:30 AM – 10:00 AM (Europe/Paris)".
    pub when: String,
    pub code: String,
    /// `confirmed` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
    /// Shown right after booking or moving: what just happened.
    pub banner: Option<String>,
    pub calendar: CalendarLinks,
    /// This page's own path (`/m/{token}`), forms post under it.
    pub path: String,
    /// The picker for a new time (confirmed bookings only).
    pub picker: Option<Picker>,
    /// A new time chosen, waiting to be confirmed: (RFC 3339, as read).
    pub confirm_move: Option<Alternative>,
    /// Nearest free times when the chosen one was just taken.
    pub alternatives: Vec<Alternative>,
    /// A problem to show at the top.
    pub problem: Option<String>,
    /// The zone times are shown in.
    pub tz: String,
}

/// A page for a link that leads nowhere (expired, forged, or a page that does not exist).
#[derive(Debug, Template)]
#[template(path = "public/gone.html")]
pub struct GonePage {
    /// What to say.
    pub message: String,
}
