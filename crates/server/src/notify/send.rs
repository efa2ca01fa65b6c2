//! `message.send`: sends one queued message, once.
//!
//! The row is read again first: a settled message is done, a reminder whose booking moved or
//! was cancelled is skipped, one fallen due more than 15 minutes ago is skipped, and one to an
//! address that opted out is not sent. The attempt is recorded on the row before the provider is
//! asked; an SMS whose earlier attempt was recorded but never settled (the process died) is
//! looked up at Twilio before it is sent again. Email needs no lookup: its `Message-ID` is
//! derived from the message's key, so a copy sent after a crash is the same message to mail
//! systems.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sked_core::booking::BookingStatus;
use sked_core::ids::{MessageId, TenantId};
use sked_core::notify::{Channel, Kind, MessageStatus, reminder_due, reminder_too_late};
use sked_jobs::{Job, JobError, JobHandler};
use sked_notify::{Brand, MailError, Notice, Outgoing, Templates};
use sked_store::{Message, MessageOutcome, StoreError, Via};

use crate::state::Services;

/// Sends the message with this id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendMessage {
    pub message_id: MessageId,
}

impl Job for SendMessage {
    const KIND: &'static str = "message.send";
    /// More than any channel's own limit, so the handler settles the row itself.
    const MAX_ATTEMPTS: i64 = 20;
    const TIMEOUT: Duration = Duration::from_secs(60);
}

/// Attempts at an email or SMS before it is failed (about 14 hours of retries).
pub const MAX_SEND_ATTEMPTS: i64 = 10;

/// An SMS attempt whose answer never came is looked up at Twilio; if it is not listed, it is
/// sent again only once this long has passed since that attempt (the default of
/// `SKED_SMS_RECONCILE_SECONDS`).
pub const RECONCILE_AFTER_SECS: i64 = 120;

/// The handler of [`SendMessage`], with each tenant's templates and branding cached briefly (a
/// burst of reminders reads them once).
#[derive(Debug)]
pub struct Sender {
    services: Arc<Services>,
    looks: moka::sync::Cache<TenantId, Arc<Templates>>,
}

impl Sender {
    /// A handler over `services`.
    pub fn new(services: Arc<Services>) -> Self {
        let looks =
            moka::sync::Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(10)).build();
        Self { services, looks }
    }

    /// A tenant's templates, with its brand.
    async fn look(&self, tenant: TenantId) -> Result<Arc<Templates>, JobError> {
        if let Some(t) = self.looks.get(&tenant) {
            return Ok(t);
        }
        let s = &self.services;
        let settings = s.store.notify_settings(tenant).await.map_err(store_err)?;
        let mut t =
            Templates::builtin().branded(Brand { color: settings.brand_color, logo_url: settings.logo_url });
        for row in s.store.templates(tenant).await.map_err(store_err)? {
            t.insert_checked(&row.kind, &row.part, &row.source);
        }
        let t = Arc::new(t);
        self.looks.insert(tenant, t.clone());
        Ok(t)
    }
}

fn store_err(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Try again at `at` and not sooner, whoever answers meanwhile.
fn held(at: i64, message: String) -> JobError {
    JobError::Held { at: Some(at), hold_until: None, message }
}

fn settled(status: MessageStatus, error: Option<String>) -> MessageOutcome {
    MessageOutcome { status, provider_id: None, error, response_code: None, next_attempt_at: None }
}

#[async_trait]
impl JobHandler<SendMessage> for Sender {
    async fn run(&self, job: SendMessage, _row: &sked_store::Job) -> Result<(), JobError> {
        let s = &self.services;
        let m = match s.store.message(job.message_id).await {
            Ok(m) => m,
            // Dropped (a reminder of a booking that moved): nothing to send.
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(store_err(e)),
        };
        if m.status.is_settled() {
            return Ok(());
        }
        let now = s.clock.now_second();
        if let Some(skip) = self.skip(&m, now).await? {
            s.store.settle_message(m.id, &skip, now).await.map_err(store_err)?;
            metrics::counter!("sked_messages_total", "channel" => m.channel.as_str(), "kind" => m.kind.clone(), "status" => skip.status.as_str()).increment(1);
            return Ok(());
        }
        let result = match m.channel {
            Channel::Email => self.email(&m, now).await,
            Channel::Sms => self.sms(&m, now).await,
            Channel::Webhook => super::deliver::deliver(s, &m, now).await,
        };
        let (Ok(status) | Err((status, _))) = &result;
        metrics::counter!("sked_messages_total", "channel" => m.channel.as_str(), "kind" => m.kind.clone(), "status" => status.as_str()).increment(1);
        match result {
            Ok(_) => Ok(()),
            // Failed for good: the message log says so (and `message.failed` webhooks); the job
            // itself is done, not a dead letter for an operator.
            Err((MessageStatus::Failed, e)) => {
                tracing::warn!(message = %m.id, channel = m.channel.as_str(), error = %e, "message failed");
                self.failed(&m).await;
                Ok(())
            }
            Err((_, e)) => Err(e),
        }
    }
}

/// Marks a link sealed at rest in a message's payload.
const SEALED: &str = "sealed:";

/// A link that is a credential (a password reset), as kept in a message's payload: sealed with
/// the secret key, so the database alone never holds a working link.
pub fn sealed_link(sealer: &crate::secrets::Sealer, link: &str) -> anyhow::Result<String> {
    Ok(format!("{SEALED}{}", sealer.seal(link).map_err(|e| anyhow::anyhow!("sealing a link: {e:?}"))?))
}

/// The link a payload carries, opened when it was sealed.
fn open_link(s: &Services, link: Option<String>) -> Result<Option<String>, String> {
    match link.as_deref().and_then(|l| l.strip_prefix(SEALED)) {
        None => Ok(link),
        Some(sealed) => {
            let sealer = s.sealer.as_ref().ok_or("a sealed link, and no secret key to open it")?;
            sealer.open(sealed).map(Some).map_err(|e| format!("a sealed link that does not open: {e:?}"))
        }
    }
}

impl Sender {
    /// Why a message is not sent at all, if it is not.
    async fn skip(&self, m: &Message, now: i64) -> Result<Option<MessageOutcome>, JobError> {
        let s = &self.services;
        if m.channel == Channel::Webhook {
            return Ok(None);
        }
        let n: Notice = serde_json::from_str(&m.payload).map_err(|e| JobError::Permanent(e.to_string()))?;
        if m.kind == Kind::Reminder.as_str() {
            let Some(booking) = m.booking_id else { return Ok(None) };
            let b = s.store.booking(m.tenant_id, booking).await.map_err(store_err)?;
            if b.status != BookingStatus::Confirmed || b.start_at != n.start {
                return Ok(Some(settled(MessageStatus::Skipped, Some("the booking changed".into()))));
            }
            let due = reminder_due(n.start, n.offset_minutes.unwrap_or(0));
            if reminder_too_late(due, now) {
                return Ok(Some(settled(MessageStatus::Skipped, Some("more than 15 minutes late".into()))));
            }
        }
        if !allowed(s, m).await? {
            return Ok(Some(settled(MessageStatus::OptedOut, None)));
        }
        Ok(None)
    }

    async fn email(&self, m: &Message, now: i64) -> Result<MessageStatus, (MessageStatus, JobError)> {
        let s = &self.services;
        let Some(mailer) = &s.channels.mailer else {
            return self.give_up(m, "email is not configured", now).await;
        };
        let mut n: Notice = serde_json::from_str(&m.payload)
            .map_err(|e| (MessageStatus::Failed, JobError::Permanent(e.to_string())))?;
        n.link = open_link(s, n.link).map_err(|e| (MessageStatus::Failed, JobError::Permanent(e)))?;
        let rendered = match self.look(m.tenant_id).await.map_err(|e| (MessageStatus::Queued, e))?.render(&n)
        {
            Ok(r) => r,
            Err(e) => return self.give_up(m, &format!("template: {e}"), now).await,
        };
        let m = s.store.start_sending(m.id, now).await.map_err(|e| (MessageStatus::Queued, store_err(e)))?;
        let from = mailer.from_address();
        let o = Outgoing {
            to_name: &n.reader_name,
            to: &m.recipient,
            business: &n.business,
            reply_to: n.reply_to.as_deref(),
            rendered: &rendered,
            invitation: sked_notify::render::invitation(&n, &from),
            key: &m.dedupe_key,
            unsubscribe: n.unsubscribe_url.as_deref(),
        };
        match mailer.send(&o).await {
            Ok(id) => self.sent(&m, Some(id), now).await,
            Err(MailError::Transient(e)) => self.later(&m, e, false, now).await,
            Err(MailError::Deferred(e)) => self.later(&m, e, true, now).await,
            Err(e) => self.give_up(&m, &e.to_string(), now).await,
        }
    }

    async fn sms(&self, m: &Message, now: i64) -> Result<MessageStatus, (MessageStatus, JobError)> {
        let s = &self.services;
        let Some(twilio) = &s.channels.twilio else {
            return self.give_up(m, "SMS is not configured", now).await;
        };
        let n: Notice = serde_json::from_str(&m.payload)
            .map_err(|e| (MessageStatus::Failed, JobError::Permanent(e.to_string())))?;
        let text = match self.look(m.tenant_id).await.map_err(|e| (MessageStatus::Queued, e))?.render(&n) {
            Ok(r) => sked_twilio::gsm_friendly(&r.sms).into_owned(),
            Err(e) => return self.give_up(m, &format!("template: {e}"), now).await,
        };
        // An attempt that was recorded but never settled may have reached Twilio.
        if let (Some(since), None) = (m.sending_at, &m.provider_id) {
            let again = since + s.settings.sms_reconcile_seconds.clamp(1, 86_400);
            match twilio.find_sent(&m.recipient, &text, since).await {
                Ok(Some(found)) => return self.sent(m, Some(found.sid), now).await,
                // Twilio lists a text by the time it was sent: one it took moments ago may not
                // be listed yet. Look again once it surely would be, before sending again.
                Ok(None) if now < again => {
                    let why = "waiting to see whether Twilio took the earlier attempt".to_owned();
                    self.settle(m, MessageStatus::Queued, None, Some(why.clone()), Some(again), now).await?;
                    return Err((MessageStatus::Queued, held(again, why)));
                }
                Ok(None) => {}
                Err(e) => return self.later(m, e.to_string(), false, now).await,
            }
        }
        let m = s.store.start_sending(m.id, now).await.map_err(|e| (MessageStatus::Queued, store_err(e)))?;
        let callback = format!("{}/webhooks/twilio/status", s.base_url);
        match twilio.send(&m.recipient, &text, Some(&callback)).await {
            Ok(sent) => self.sent(&m, Some(sent.sid), now).await,
            Err(sked_twilio::Error::RetryAfter { secs, message }) => {
                let at = now + i64::try_from(secs).unwrap_or(60);
                self.settle(&m, MessageStatus::Queued, None, Some(message.clone()), Some(at), now).await?;
                Err((MessageStatus::Queued, held(at, message)))
            }
            Err(e) if e.is_transient() => self.later(&m, e.to_string(), false, now).await,
            Err(e) => self.give_up(&m, &e.to_string(), now).await,
        }
    }

    async fn settle(
        &self,
        m: &Message,
        status: MessageStatus,
        provider_id: Option<String>,
        error: Option<String>,
        next: Option<i64>,
        now: i64,
    ) -> Result<(), (MessageStatus, JobError)> {
        let o = MessageOutcome { status, provider_id, error, response_code: None, next_attempt_at: next };
        self.services
            .store
            .settle_message(m.id, &o, now)
            .await
            .map_err(|e| (MessageStatus::Queued, store_err(e)))
    }

    async fn sent(
        &self,
        m: &Message,
        id: Option<String>,
        now: i64,
    ) -> Result<MessageStatus, (MessageStatus, JobError)> {
        self.settle(m, MessageStatus::Sent, id, None, None, now).await?;
        super::provider_answers(&self.services, Via::Channel(m.channel)).await;
        Ok(MessageStatus::Sent)
    }

    /// A failure worth another attempt, unless this was the last: after the usual backoff, or
    /// sooner once the provider answers again; never sooner when `held` (the provider answered,
    /// and asked to wait).
    async fn later(
        &self,
        m: &Message,
        error: String,
        held: bool,
        now: i64,
    ) -> Result<MessageStatus, (MessageStatus, JobError)> {
        if m.attempts >= MAX_SEND_ATTEMPTS {
            return self.give_up(m, &error, now).await;
        }
        self.settle(m, MessageStatus::Queued, None, Some(error.clone()), None, now).await?;
        let e = if held {
            JobError::Held { at: None, hold_until: None, message: error }
        } else {
            JobError::Retry(error)
        };
        Err((MessageStatus::Queued, e))
    }

    async fn give_up(
        &self,
        m: &Message,
        error: &str,
        now: i64,
    ) -> Result<MessageStatus, (MessageStatus, JobError)> {
        self.settle(m, MessageStatus::Failed, None, Some(error.to_owned()), None, now).await?;
        Err((MessageStatus::Failed, JobError::Permanent(error.to_owned())))
    }

    /// Tells webhook endpoints that subscribed to `message.failed`.
    async fn failed(&self, m: &Message) {
        if m.channel == Channel::Webhook {
            return;
        }
        let s = &self.services;
        let data = serde_json::json!({
            "id": m.id, "booking_id": m.booking_id, "channel": m.channel.as_str(), "kind": m.kind,
            "to": m.recipient, "status": "failed",
        });
        let at = jiff::Timestamp::from_second(s.clock.now_second()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let key = format!("message.failed:{}", m.id);
        if let Err(e) =
            super::plan::queue_webhooks(s, m.tenant_id, m.booking_id, "message.failed", &key, at, &data).await
        {
            tracing::warn!(message = %m.id, error = %e, "could not queue message.failed webhooks");
        }
    }
}

/// Whether the recipient wants this kind of message on this channel: a preference for the kind
/// wins over one for every kind (`*`); none means yes.
pub async fn allowed(s: &Services, m: &Message) -> Result<bool, JobError> {
    let prefs = s.store.preferences(m.tenant_id, &m.recipient).await.map_err(store_err)?;
    let on = |kind: &str| prefs.iter().find(|p| p.channel == m.channel && p.kind == kind).map(|p| p.enabled);
    Ok(on(&m.kind).or_else(|| on("*")).unwrap_or(true))
}
