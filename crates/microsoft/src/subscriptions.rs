//! Change-notification subscriptions on a user's events: create (Graph first checks the
//! notification URL with a validation request the server must echo), renew, delete.
//!
//! Graph caps how long an Outlook events subscription lives ([`MAX_EVENT_SUBSCRIPTION_MINUTES`]
//! in current documentation; older pages said 4230 minutes) and may grant less than asked:
//! always keep the expiration it answers.

use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};

use crate::times::utc_z;
use crate::{Microsoft, ProviderError, ProviderResult};

/// Longest life of a subscription to Outlook events, in minutes (7 days).
pub const MAX_EVENT_SUBSCRIPTION_MINUTES: i64 = 10_080;

/// The resource to subscribe to: one calendar's events, or all of the user's events.
pub fn events_resource(calendar_id: Option<&str>) -> String {
    match calendar_id {
        Some(id) => format!("/me/calendars/{id}/events"),
        None => "/me/events".to_owned(),
    }
}

/// A subscription to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewSubscription<'a> {
    /// Where Graph POSTs change notifications (HTTPS in production).
    pub notification_url: &'a str,
    /// Where Graph POSTs lifecycle notifications (`reauthorizationRequired`,
    /// `subscriptionRemoved`, `missed`); validated like the notification URL.
    pub lifecycle_url: Option<&'a str>,
    /// What to watch, e.g. [`events_resource`].
    pub resource: &'a str,
    /// When it should end (Graph may end it sooner).
    pub expiration: Timestamp,
    /// Secret echoed in every notification (at most 128 characters); check it with
    /// [`crate::notifications::client_state_matches`].
    pub client_state: &'a str,
}

/// A subscription Graph made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Its id (notifications carry it as `subscriptionId`).
    pub id: String,
    /// When it ends, as Graph granted it.
    pub expiration: Timestamp,
    /// The watched resource.
    pub resource: Option<String>,
}

impl Subscription {
    fn from_json(v: &Value) -> ProviderResult<Self> {
        let id = v.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
        let expiration =
            v.get("expirationDateTime").and_then(Value::as_str).and_then(|s| s.trim().parse().ok());
        match (id, expiration) {
            (Some(id), Some(expiration)) => Ok(Self {
                id: id.to_owned(),
                expiration,
                resource: v.get("resource").and_then(Value::as_str).map(str::to_owned),
            }),
            _ => Err(ProviderError::Transport("subscription answer without id or expirationDateTime".into())),
        }
    }
}

impl Microsoft {
    /// Subscribes to created, updated and deleted events (`POST /subscriptions`). Graph first
    /// POSTs `?validationToken=...` to the URLs; a refusal to echo it answers 400 here.
    pub async fn create_subscription(
        &self,
        access: &str,
        s: &NewSubscription<'_>,
    ) -> ProviderResult<Subscription> {
        let mut body = json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": s.notification_url,
            "resource": s.resource,
            "expirationDateTime": utc_z(s.expiration),
            "clientState": s.client_state,
        });
        if let (Some(url), Some(obj)) = (s.lifecycle_url, body.as_object_mut()) {
            obj.insert("lifecycleNotificationUrl".into(), json!(url));
        }
        let url = self.graph_url(&["subscriptions"])?;
        let v: Value = self.call(Method::POST, url, access, Some(&body), &[]).await?;
        Subscription::from_json(&v)
    }

    /// Extends a subscription (`PATCH /subscriptions/{id}`), which also reauthorizes it.
    pub async fn renew_subscription(
        &self,
        access: &str,
        id: &str,
        expiration: Timestamp,
    ) -> ProviderResult<Subscription> {
        let url = self.graph_url(&["subscriptions", id])?;
        let body = json!({"expirationDateTime": utc_z(expiration)});
        let v: Value = self.call(Method::PATCH, url, access, Some(&body), &[]).await?;
        Subscription::from_json(&v)
    }

    /// Ends a subscription (`DELETE /subscriptions/{id}`); one Graph no longer knows counts as
    /// ended.
    pub async fn delete_subscription(&self, access: &str, id: &str) -> ProviderResult<()> {
        let url = self.graph_url(&["subscriptions", id])?;
        match self.send(Method::DELETE, url, access, None, &[]).await {
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
