//! Notifications: the messages Sked sends (email, SMS, webhook deliveries), who asked not to get
//! which, and the webhook endpoints of each tenant.
//!
//! A message is a row before it is anything else: it is queued with its `message.send` job in
//! one transaction, keyed by what it is for (`dedupe_key`), so however often the work that
//! queues it runs, it is queued once; and its sending is recorded on the row before the provider
//! is asked, so a crash in between is noticed and reconciled rather than sent twice.

use async_trait::async_trait;
use sked_core::ids::{BookingId, MessageId, TenantId, WebhookId};
use sked_core::notify::{Channel, MessageStatus, Role};
use sqlx::FromRow;

use crate::{Booking, NewJob, Page, StoreResult};

/// A message, as stored.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Message {
    pub id: MessageId,
    pub tenant_id: TenantId,
    pub booking_id: Option<BookingId>,
    pub webhook_id: Option<WebhookId>,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    /// `confirmation`, `reminder`, ... (for webhooks, the event type: `booking.created`, ...).
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// An email address, an E.164 number or a URL.
    pub recipient: String,
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    /// What the message is for; unique, so it is queued once.
    pub dedupe_key: String,
    /// What it says, as of the change it tells about (JSON).
    pub payload: String,
    /// The provider's id (Twilio's `sid`, the SMTP `Message-ID`).
    pub provider_id: Option<String>,
    pub error: Option<String>,
    /// Attempts started.
    pub attempts: i64,
    /// When the provider was last asked to send (before the answer was known).
    pub sending_at: Option<i64>,
    /// The last HTTP status a webhook endpoint answered.
    pub response_code: Option<i64>,
    /// When the next attempt is due, while one is planned.
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an attempt at a message came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageOutcome {
    pub status: MessageStatus,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub response_code: Option<i64>,
    pub next_attempt_at: Option<i64>,
}

/// Whose waiting messages a provider that answers again brings forward
/// ([`NotifyStore::expedite_messages`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Every tenant's messages on a channel (email or SMS): one mail server and one Twilio
    /// account serve them all.
    Channel(Channel),
    /// The deliveries to one webhook endpoint.
    Endpoint(WebhookId),
}

/// Which messages a listing shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub booking_id: Option<BookingId>,
    pub webhook_id: Option<WebhookId>,
    pub channel: Option<Channel>,
    pub status: Option<MessageStatus>,
    pub kind: Option<String>,
    pub recipient: Option<String>,
    /// Created at or after (Unix seconds).
    pub from: Option<i64>,
    /// Created before.
    pub to: Option<i64>,
}

/// Whether an address wants a kind of message on a channel (`kind` `*`: every kind).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Preference {
    pub tenant_id: TenantId,
    /// An email address or an E.164 number.
    pub address: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub kind: String,
    pub enabled: bool,
    /// Who set it: `api`, `unsubscribe`, `sms`.
    pub source: String,
    pub updated_at: i64,
}

/// An outbound webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    pub url: String,
    /// JSON array of event names (`["*"]`: all).
    pub events: String,
    pub description: Option<String>,
    pub active: bool,
    /// Sealed.
    pub secret: String,
    /// Since when every delivery has failed.
    pub failing_since: Option<i64>,
    /// When it was disabled for failing too long.
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How a tenant's messages look, and where notices to the business go.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow)]
pub struct NotifySettings {
    pub tenant_id: TenantId,
    pub reply_to: Option<String>,
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub brand_color: Option<String>,
    /// Where notices to the business go (a webhook endpoint disabled, ...).
    pub notify_email: Option<String>,
    pub updated_at: i64,
}

/// A tenant's own template for one part of one kind of message.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Template {
    pub tenant_id: TenantId,
    pub kind: String,
    /// `subject`, `text`, `html` or `sms`.
    pub part: String,
    pub source: String,
    pub updated_at: i64,
}

/// Messages, preferences and webhook endpoints.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Queues each message with its job, in one transaction; a message whose `dedupe_key` is
    /// already stored is skipped with its job. Answers how many were queued.
    async fn queue_messages(&self, items: &[(Message, Option<NewJob>)]) -> StoreResult<u64>;
    /// A message by id alone (job handlers; the job names the tenant).
    async fn message(&self, id: MessageId) -> StoreResult<Message>;
    /// A message of a tenant.
    async fn tenant_message(&self, tenant: TenantId, id: MessageId) -> StoreResult<Message>;
    /// The message a provider knows by `provider_id` (Twilio status callbacks).
    async fn message_by_provider_id(&self, channel: Channel, provider_id: &str) -> StoreResult<Message>;
    /// The latest message sent to `recipient` on `channel`, of any tenant (an inbound SMS names
    /// only its sender; the last text we sent there says which business it answers).
    async fn latest_message_to(&self, channel: Channel, recipient: &str) -> StoreResult<Option<Message>>;
    /// A page of a tenant's messages, newest first.
    async fn list_messages(
        &self,
        tenant: TenantId,
        filter: &MessageFilter,
        page: Page,
    ) -> StoreResult<Vec<Message>>;
    /// Records that an attempt starts now: attempts grow by one and `sending_at` is set.
    async fn start_sending(&self, id: MessageId, now: i64) -> StoreResult<Message>;
    /// Records an attempt's outcome.
    async fn settle_message(&self, id: MessageId, outcome: &MessageOutcome, now: i64) -> StoreResult<()>;
    /// Brings forward the `message.send` jobs of the messages sent `via` a channel or an
    /// endpoint that wait for a retry after a failed attempt (queued, attempted before, due after
    /// `now`): to `now`, or to the end of their hold when the provider asked them to wait
    /// (`Retry-After`). The provider answers again. Answers how many moved.
    async fn expedite_messages(&self, via: Via, now: i64) -> StoreResult<u64>;
    /// Queues a settled message again with a new job (redelivery); attempts start over.
    async fn requeue_message(
        &self,
        tenant: TenantId,
        id: MessageId,
        job: &NewJob,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes a booking's reminders still queued (its time changed or it was cancelled; their
    /// jobs then find nothing to send). Answers how many.
    async fn drop_queued_reminders(&self, tenant: TenantId, booking: BookingId) -> StoreResult<u64>;
    /// Counts of messages by channel, kind and status (for metrics).
    async fn message_counts(&self) -> StoreResult<Vec<(String, String, String, i64)>>;

    /// Sets a preference (replacing the one for the same address, channel and kind).
    async fn set_preference(&self, p: &Preference) -> StoreResult<()>;
    /// Every preference of an address in a tenant.
    async fn preferences(&self, tenant: TenantId, address: &str) -> StoreResult<Vec<Preference>>;

    /// A tenant's notification settings (defaults when never set).
    async fn notify_settings(&self, tenant: TenantId) -> StoreResult<NotifySettings>;
    /// Replaces a tenant's notification settings.
    async fn set_notify_settings(&self, s: &NotifySettings) -> StoreResult<()>;
    /// A tenant's own templates.
    async fn templates(&self, tenant: TenantId) -> StoreResult<Vec<Template>>;
    /// Sets one of a tenant's templates.
    async fn set_template(&self, t: &Template) -> StoreResult<()>;
    /// Removes one (the built-in one applies again); false when there was none.
    async fn delete_template(&self, tenant: TenantId, kind: &str, part: &str) -> StoreResult<bool>;

    /// Creates a webhook endpoint.
    async fn insert_webhook(&self, w: &Webhook) -> StoreResult<()>;
    /// Replaces an endpoint's fields.
    async fn update_webhook(&self, w: &Webhook) -> StoreResult<()>;
    /// An endpoint of a tenant.
    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Webhook>;
    /// A page of a tenant's endpoints.
    async fn list_webhooks(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<Webhook>>;
    /// Every active endpoint of a tenant.
    async fn active_webhooks(&self, tenant: TenantId) -> StoreResult<Vec<Webhook>>;
    /// Deletes an endpoint (its deliveries stay in the log).
    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<()>;
    /// Records whether a delivery to an endpoint succeeded: a success clears `failing_since`, a
    /// failure sets it when unset. Answers the endpoint after the change.
    async fn note_webhook_result(&self, id: WebhookId, ok: bool, now: i64) -> StoreResult<Webhook>;
    /// Disables an endpoint that failed too long; false when it was no longer active.
    async fn disable_webhook(&self, id: WebhookId, now: i64) -> StoreResult<bool>;

    /// The next confirmed booking (by start, not yet ended) of the attendee with this phone.
    async fn next_booking_for_phone(
        &self,
        tenant: TenantId,
        phone: &str,
        now: i64,
    ) -> StoreResult<Option<Booking>>;
}
