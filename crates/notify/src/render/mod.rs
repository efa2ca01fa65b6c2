//! A notice in words: subject, plain text, HTML and SMS, from templates.
//!
//! The built-in templates cover every kind; a tenant may replace any part of any kind
//! ([`Templates::set`]). Templates run sandboxed (MiniJinja) with a fuel limit, HTML is escaped
//! automatically, and what they produce is bounded, so a template can neither run long nor
//! inject markup from a booking's fields.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Value, context};
use sked_ics::{Imip, Invite, Method};

use crate::Notice;
use crate::when::{local_time, short};

/// The parts of a message a template writes.
pub const PARTS: [&str; 4] = ["subject", "text", "html", "sms"];
/// Most bytes a template's source may have.
pub const MAX_TEMPLATE_BYTES: usize = 32 * 1024;
/// Most bytes a rendered part may have.
const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// Work one rendering may do (MiniJinja fuel).
const FUEL: u64 = 200_000;
/// The colour of the header when the business chose none.
pub const DEFAULT_COLOR: &str = "#2f5bea";

const SUBJECT: &str = include_str!("../templates/subject.txt");
const TEXT: &str = include_str!("../templates/text.txt");
const HTML: &str = include_str!("../templates/html.html");
const SMS: &str = include_str!("../templates/sms.txt");

/// A template that does not compile, renders with an error, or writes too much.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

/// A rendered email and SMS text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sms: String,
}

/// Branding the HTML uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Brand {
    /// `#rrggbb`.
    pub color: Option<String>,
    pub logo_url: Option<String>,
}

/// A tenant's templates: overrides by (kind, part), the built-in ones for the rest.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    overrides: BTreeMap<(String, String), String>,
    brand: Brand,
}

impl Templates {
    /// The built-in templates.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// With the business's colour and logo.
    #[must_use]
    pub fn branded(mut self, brand: Brand) -> Self {
        self.brand = brand;
        self
    }

    /// Replaces one part of one kind, after checking that it compiles and renders a sample.
    pub fn set(&mut self, kind: &str, part: &str, source: &str) -> Result<(), TemplateError> {
        check(kind, part, source)?;
        self.overrides.insert((kind.to_owned(), part.to_owned()), source.to_owned());
        Ok(())
    }

    /// Uses `source` for a part of a kind as it is: for templates checked when they were saved.
    pub fn insert_checked(&mut self, kind: &str, part: &str, source: &str) {
        self.overrides.insert((kind.to_owned(), part.to_owned()), source.to_owned());
    }

    /// The source used for a part of a kind.
    pub fn source(&self, kind: &str, part: &str) -> &str {
        if let Some(s) = self.overrides.get(&(kind.to_owned(), part.to_owned())) {
            return s;
        }
        builtin(part)
    }

    /// Writes a notice.
    pub fn render(&self, n: &Notice) -> Result<Rendered, TemplateError> {
        let ctx = self.context(n);
        let subject = one_line(&render_one("subject.txt", self.source(&n.kind, "subject"), &ctx)?);
        let ctx = context! { subject => subject.clone(), ..ctx };
        Ok(Rendered {
            text: render_one("text.txt", self.source(&n.kind, "text"), &ctx)?,
            html: render_one("html.html", self.source(&n.kind, "html"), &ctx)?,
            sms: one_line(&render_one("sms.txt", self.source(&n.kind, "sms"), &ctx)?),
            subject,
        })
    }

    fn context(&self, n: &Notice) -> Value {
        let color = self.brand.color.clone().unwrap_or_else(|| DEFAULT_COLOR.to_owned());
        context! {
            when => local_time(n.start, &n.zone),
            when_short => short(n.start, &n.zone),
            previous_when => n.previous_start.map(|s| local_time(s, &n.zone)),
            is_booking => n.is_booking(),
            lead => lead(n),
            color => color,
            logo_url => self.brand.logo_url.clone(),
            ..Value::from_serialize(n)
        }
    }
}

/// The built-in source of a part.
pub fn builtin(part: &str) -> &'static str {
    match part {
        "subject" => SUBJECT,
        "html" => HTML,
        "sms" => SMS,
        _ => TEXT,
    }
}

/// Checks a tenant's template: a known part, bounded size, compiles, and renders a sample
/// notice of its kind within the limits.
pub fn check(kind: &str, part: &str, source: &str) -> Result<(), TemplateError> {
    if !PARTS.contains(&part) {
        return Err(TemplateError(format!("`{part}` is not a part: one of subject, text, html, sms")));
    }
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError(format!("at most {MAX_TEMPLATE_BYTES} bytes")));
    }
    let name = if part == "html" { "t.html" } else { "t.txt" };
    let sample = Notice { kind: kind.to_owned(), ..sample() };
    let ctx = Templates::builtin().context(&sample);
    render_one(name, source, &ctx).map(|_| ())
}

fn render_one(name: &str, source: &str, ctx: &Value) -> Result<String, TemplateError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(
        |name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None },
    );
    env.set_fuel(Some(FUEL));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.add_template(name, source).map_err(|e| TemplateError(describe(&e)))?;
    let t = env.get_template(name).map_err(|e| TemplateError(describe(&e)))?;
    let out = t.render(ctx).map_err(|e| TemplateError(describe(&e)))?;
    if out.len() > MAX_OUTPUT_BYTES {
        return Err(TemplateError(format!("writes more than {MAX_OUTPUT_BYTES} bytes")));
    }
    Ok(out)
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("{} (line {line})", e.detail().unwrap_or("template error")),
        None => e.detail().map(str::to_owned).unwrap_or_else(|| e.to_string()),
    }
}

/// One line: white space runs (line breaks included) become one space; no control characters
/// (a subject is a header).
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first sentence of the HTML body.
fn lead(n: &Notice) -> String {
    let host = n.role == "host";
    match n.kind.as_str() {
        "confirmation" if host => format!("{} booked {} with you.", n.attendee_name, n.title),
        "confirmation" => format!("Your {} with {} is booked.", n.title, n.host_name),
        "reschedule" if host => format!("{}'s {} has moved.", n.attendee_name, n.title),
        "reschedule" => format!("Your {} with {} has moved.", n.title, n.host_name),
        "cancellation" if host => format!("{}'s {} is cancelled.", n.attendee_name, n.title),
        "cancellation" => format!("Your {} with {} is cancelled.", n.title, n.host_name),
        "reminder" if host => format!("A reminder: {} with {} is coming up.", n.title, n.attendee_name),
        "reminder" => format!("A reminder: your {} with {} is coming up.", n.title, n.host_name),
        "connection_alert" => "Sked can no longer reach your calendar. Please connect it again.".to_owned(),
        "forward" => format!("{} sent a text message:", n.attendee_phone.as_deref().unwrap_or("An attendee")),
        "webhook_disabled" => "A webhook endpoint failed for 5 days and was disabled.".to_owned(),
        "password_reset" => {
            "Someone asked to choose a new password for your dashboard account. If it was you, open this \
             link within an hour; if not, ignore this email."
                .to_owned()
        }
        _ => String::new(),
    }
}

/// A notice to try templates on.
fn sample() -> Notice {
    Notice {
        business: "Acme Dental".into(),
        title: "Cleaning".into(),
        uid: "sample@sked".into(),
        start: 1_773_154_800,
        end: 1_773_156_600,
        code: "ABC234".into(),
        host_name: "Dr. Hana".into(),
        host_email: Some("hana@example.com".into()),
        attendee_name: "Pat".into(),
        attendee_email: Some("pat@example.com".into()),
        reader_name: "Pat".into(),
        zone: "America/New_York".into(),
        role: "attendee".into(),
        manage_url: Some("https://sked.example/m/token".into()),
        ..Notice::default()
    }
}

/// The iMIP invitation a booking notice carries: `REQUEST`, or `CANCEL` once cancelled, sent by
/// `from` on behalf of the business. None for notices that are not about a booking.
pub fn invitation(n: &Notice, from: &str) -> Option<(Method, String)> {
    if !n.is_booking() {
        return None;
    }
    let method = if n.cancelled { Method::Cancel } else { Method::Request };
    let ics = sked_ics::render(&Invite {
        uid: &n.uid,
        sequence: u32::try_from(n.sequence).unwrap_or(0),
        stamp: n.stamp,
        start: n.start,
        end: n.end,
        cancelled: n.cancelled,
        title: &n.title,
        location: n.location.as_deref(),
        host_name: &n.host_name,
        host_email: n.host_email.as_deref(),
        attendee_name: &n.attendee_name,
        attendee_email: n.attendee_email.as_deref(),
        attendee_phone: None,
        notes: n.notes.as_deref(),
        confirmation_code: &n.code,
        imip: Some(Imip { method, organizer_email: from, organizer_name: &n.business }),
    });
    Some((method, ics))
}

#[cfg(test)]
mod tests;
