//! What Sked's messages say, and how email leaves.
//!
//! A message carries a [`Notice`]: the facts it tells about, as of the change it tells about,
//! so every attempt at sending it says the same thing. [`render`] turns a notice into a
//! subject, plain text, HTML and an SMS text, from built-in templates or a tenant's own
//! ([`Templates`]); [`mail`] builds the MIME message (with its iMIP invitation, a `Message-ID`
//! derived from the message's key, and unsubscribe headers) and sends it over SMTP.

#![forbid(unsafe_code)]

pub mod mail;
mod notice;
pub mod render;
mod when;

pub use mail::{MailError, Mailer, Outgoing};
pub use notice::Notice;
pub use render::{Brand, Rendered, TemplateError, Templates};
pub use when::local_time;
