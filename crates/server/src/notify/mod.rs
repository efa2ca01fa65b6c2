//! Notifications: telling the attendee, the host and other systems about each booking change,
//! once, on the channels they chose, and never losing a message while a provider is down.
//!
//! A booking change's `booking.event` job (the outbox) hands it to the two consumers in [`plan`]
//! (notifications and webhooks); each turns the change into message rows with their `message.send`
//! jobs, keyed so a second run queues nothing new; reminders are message rows queued for
//! later. [`send`] sends one message: it re-reads the row, honours preferences and lateness,
//! records the attempt before asking the provider (so a crash is reconciled rather than sent
//! twice), and settles the row. [`links`] signs the manage and unsubscribe links; the routes
//! are in [`api`] (message log, preferences, unsubscribe), [`settings_api`] (branding and
//! templates), [`webhooks_api`] and [`twilio`].

pub mod alerts;
pub mod api;
pub mod deliver;
pub mod links;
pub mod plan;
pub mod send;
pub mod settings_api;
pub mod twilio;
pub mod webhooks_api;

use std::sync::Arc;

use secrecy::ExposeSecret;
use sked_jobs::Worker;
use sked_notify::Mailer;
use sked_store::Via;
use sked_webhooks::Deliverer;

use crate::config::Settings;
use crate::state::Services;

/// The job kind of the notification consumer of booking events.
pub const NOTIFY_KIND: &str = "booking.event.notify";
/// The job kind of the webhook consumer of booking events.
pub const WEBHOOK_KIND: &str = "booking.event.webhooks";

/// The channels this process can send on; a channel without settings is `None`.
#[derive(Clone, Debug)]
pub struct Channels {
    pub mailer: Option<Mailer>,
    pub twilio: Option<sked_twilio::Client>,
    pub webhooks: Deliverer,
}

impl Channels {
    /// The channels the settings describe, saying at start which are off.
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        let mailer = match (&s.smtp_url, &s.email_from) {
            (Some(url), Some(from)) => Some(Mailer::from_url(url.expose_secret(), from)?),
            (Some(_), None) => anyhow::bail!("SKED_SMTP_URL is set but SKED_EMAIL_FROM is not"),
            _ => {
                tracing::warn!("email is off: set SKED_SMTP_URL and SKED_EMAIL_FROM to send it");
                None
            }
        };
        let twilio = match (&s.twilio_account_sid, &s.twilio_auth_token) {
            (Some(sid), Some(token)) => {
                let sender = match (&s.twilio_from, &s.twilio_messaging_service_sid) {
                    (_, Some(service)) => sked_twilio::Sender::MessagingService(service.clone()),
                    (Some(from), None) => sked_twilio::Sender::From(from.clone()),
                    (None, None) => anyhow::bail!(
                        "SKED_TWILIO_ACCOUNT_SID is set but neither SKED_TWILIO_FROM nor SKED_TWILIO_MESSAGING_SERVICE_SID"
                    ),
                };
                let config = sked_twilio::Config::at(
                    s.twilio_api_base.clone(),
                    sid.clone(),
                    token.expose_secret().to_owned(),
                    sender,
                );
                Some(sked_twilio::Client::new(config)?)
            }
            _ => {
                tracing::warn!(
                    "SMS is off: set SKED_TWILIO_ACCOUNT_SID, SKED_TWILIO_AUTH_TOKEN and SKED_TWILIO_FROM to send it"
                );
                None
            }
        };
        Ok(Self { mailer, twilio, webhooks: Deliverer::new(s.webhook_allow_private)? })
    }
}

/// A provider took a message (the mail server, Twilio, a webhook endpoint): the messages `via`
/// it that wait out a backoff after failing run now rather than minutes or hours later, except
/// those it asked to wait (`Retry-After`). A failure here only delays them.
pub async fn provider_answers(s: &Services, via: Via) {
    match s.store.expedite_messages(via, s.clock.now_second()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(?via, messages = n, "provider answers again; retrying its messages now");
            s.wake_worker.notify_one();
        }
        Err(e) => tracing::warn!(?via, error = %e, "could not bring waiting messages forward"),
    }
}

/// Registers the consumers and jobs of notifications.
pub fn register(worker: &mut Worker, services: &Arc<Services>) {
    worker.handle::<send::SendMessage>(send::Sender::new(services.clone()));
}

/// The consumers of booking events that notifications add.
pub fn consumers(services: &Arc<Services>) -> Vec<Arc<dyn crate::events::EventConsumer>> {
    vec![Arc::new(plan::Notify(services.clone())), Arc::new(plan::Webhooks(services.clone()))]
}
