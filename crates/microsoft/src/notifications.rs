//! What Sked's webhook endpoints need to answer Graph, with no I/O: the validation token to
//! echo, the notifications in a POSTed body, and a constant-time `clientState` check.
//!
//! Graph POSTs `{"value":[...]}` holding change notifications (`changeType`, `resource`,
//! `resourceData`) and lifecycle notifications (`lifecycleEvent`), possibly mixed and for
//! several subscriptions. The endpoint answers 2xx within 3 seconds (202, then works) and acts on
//! an item only when its `clientState` is the one the subscription was made with.

use jiff::Timestamp;
use serde_json::Value;
use subtle::ConstantTimeEq;

/// What happened to a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeType {
    /// `created`.
    Created,
    /// `updated`.
    Updated,
    /// `deleted`.
    Deleted,
    /// A change type Sked does not know.
    Other(String),
}

/// What happened to a subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleEvent {
    /// Renew or reauthorize it (`PATCH /subscriptions/{id}`), or notifications stop.
    ReauthorizationRequired,
    /// Graph removed it: create a new one and sync, since changes were missed meanwhile.
    SubscriptionRemoved,
    /// Some notifications were not delivered: sync.
    Missed,
    /// A lifecycle event Sked does not know.
    Other(String),
}

/// One item of a notification body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The subscription it is about.
    pub subscription_id: String,
    /// The `clientState` it carries (check it before acting).
    pub client_state: Option<String>,
    /// When the subscription expires, as Graph says.
    pub subscription_expiration: Option<Timestamp>,
    /// The tenant, for work or school accounts.
    pub tenant_id: Option<String>,
    /// A change or a lifecycle event.
    pub kind: NotificationKind,
}

/// What a notification says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    /// A resource changed.
    Change {
        /// What happened.
        change_type: ChangeType,
        /// The changed resource's path, e.g. `Users/{id}/Events/{id}`.
        resource: String,
        /// `resourceData.id`: the event's id.
        resource_id: Option<String>,
    },
    /// The subscription needs attention.
    Lifecycle(LifecycleEvent),
}

/// Why a notification body was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationError(pub String);

impl std::fmt::Display for NotificationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a Graph notification body: {}", self.0)
    }
}

impl std::error::Error for NotificationError {}

/// Reads a notification body. Items without a `subscriptionId`, or with neither a
/// `changeType` nor a `lifecycleEvent`, are skipped; a body that is not `{"value":[...]}` is
/// refused.
pub fn parse(body: &[u8]) -> Result<Vec<Notification>, NotificationError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| NotificationError(e.to_string()))?;
    let items =
        v.get("value").and_then(Value::as_array).ok_or_else(|| NotificationError("no value array".into()))?;
    Ok(items.iter().filter_map(item).collect())
}

fn item(v: &Value) -> Option<Notification> {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let kind = if let Some(event) = text("lifecycleEvent") {
        NotificationKind::Lifecycle(match event.as_str() {
            "reauthorizationRequired" => LifecycleEvent::ReauthorizationRequired,
            "subscriptionRemoved" => LifecycleEvent::SubscriptionRemoved,
            "missed" => LifecycleEvent::Missed,
            _ => LifecycleEvent::Other(event),
        })
    } else {
        let change = text("changeType")?;
        NotificationKind::Change {
            change_type: match change.as_str() {
                "created" => ChangeType::Created,
                "updated" => ChangeType::Updated,
                "deleted" => ChangeType::Deleted,
                _ => ChangeType::Other(change),
            },
            resource: text("resource").unwrap_or_default(),
            resource_id: v
                .get("resourceData")
                .and_then(|d| d.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    };
    Some(Notification {
        subscription_id: text("subscriptionId").filter(|s| !s.is_empty())?,
        client_state: text("clientState"),
        subscription_expiration: text("subscriptionExpirationDateTime").and_then(|s| s.trim().parse().ok()),
        tenant_id: text("tenantId"),
        kind,
    })
}

/// True when a notification's `clientState` is `expected`, compared in constant time.
pub fn client_state_matches(expected: &str, got: Option<&str>) -> bool {
    match got {
        Some(g) => expected.len() == g.len() && bool::from(expected.as_bytes().ct_eq(g.as_bytes())),
        None => false,
    }
}

/// The `validationToken` of a query string (decoded), which the endpoint answers with 200,
/// `Content-Type: text/plain` and the token as the whole body.
pub fn validation_token(query: &str) -> Option<String> {
    reqwest::Url::parse(&format!("http://q/?{query}"))
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "validationToken")
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn change_and_lifecycle_items_are_read() {
        let body = json!({"value": [
            {"subscriptionId": "s1", "subscriptionExpirationDateTime": "2026-03-12T11:00:00.0000000Z",
             "clientState": "cs", "changeType": "updated", "resource": "Users/u/Events/e1",
             "tenantId": "t", "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": "Users/u/Events/e1", "id": "e1"}},
            {"subscriptionId": "s1", "clientState": "cs", "lifecycleEvent": "reauthorizationRequired"},
            {"subscriptionId": "s2", "lifecycleEvent": "subscriptionRemoved"},
            {"subscriptionId": "s2", "lifecycleEvent": "missed"},
            {"changeType": "created"},
            {"subscriptionId": "s3"}
        ]});
        let got = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0].kind,
            NotificationKind::Change {
                change_type: ChangeType::Updated,
                resource: "Users/u/Events/e1".into(),
                resource_id: Some("e1".into())
            }
        );
        assert_eq!(got[0].subscription_expiration, Some("2026-03-12T11:00:00Z".parse().unwrap()));
        assert_eq!(got[1].kind, NotificationKind::Lifecycle(LifecycleEvent::ReauthorizationRequired));
        assert_eq!(got[2].kind, NotificationKind::Lifecycle(LifecycleEvent::SubscriptionRemoved));
        assert_eq!(got[3].kind, NotificationKind::Lifecycle(LifecycleEvent::Missed));
        assert!(parse(b"[]").is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn client_state_must_match_exactly() {
        assert!(client_state_matches("s3cret", Some("s3cret")));
        assert!(!client_state_matches("s3cret", Some("s3cre")));
        assert!(!client_state_matches("s3cret", Some("s3cret ")));
        assert!(!client_state_matches("s3cret", None));
    }

    #[test]
    fn validation_tokens_are_decoded() {
        assert_eq!(
            validation_token("validationToken=Validation%3a+Testing+client+application+reachability"),
            Some("Validation: Testing client application reachability".into())
        );
        assert_eq!(validation_token("a=b"), None);
    }
}
