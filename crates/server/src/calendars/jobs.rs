//! The calendar jobs' kinds and payloads. Kind strings and JSON shapes stay as they are: jobs
//! queued by an older build still run.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sked_core::ids::{BookingId, ConnectionId, HostId};
use sked_jobs::Job;

/// Attempts for calendar jobs: with the worker's backoff (30 s doubling to 6 h) this keeps
/// trying for about a week, so an outage never loses a booking's event.
pub const ATTEMPTS: i64 = 40;
/// One attempt of calendar work: a few provider calls, each with its own timeout.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Syncs one calendar.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sync {
    pub connection_id: ConnectionId,
    pub calendar_id: String,
    #[serde(default)]
    pub full: bool,
}

impl Job for Sync {
    const KIND: &'static str = "calendar.sync";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;

    /// A burst of notifications for one calendar makes one sync.
    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}/{}/{}", self.connection_id, self.calendar_id, self.full))
    }
}

/// Makes or renews a calendar's push channel.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Watch {
    pub connection_id: ConnectionId,
    pub calendar_id: String,
}

impl Job for Watch {
    const KIND: &'static str = "calendar.watch";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;

    /// One channel per calendar: a renewal asked for while another waits is that one.
    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}/{}", self.connection_id, self.calendar_id))
    }
}

/// Writes a booking to its hosts' calendars.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Push {
    pub booking_id: BookingId,
}

impl Job for Push {
    const KIND: &'static str = "calendar.push";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;
}

/// Enqueues pushes of a host's upcoming bookings to a new connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backfill {
    pub connection_id: ConnectionId,
}

impl Job for Backfill {
    const KIND: &'static str = "calendar.backfill";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;
}

/// Checks a connection's health.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Health {
    pub connection_id: ConnectionId,
}

impl Job for Health {
    const KIND: &'static str = "calendar.health";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;
}

/// A push channel to stop.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChannelRef {
    pub id: String,
    pub resource_id: String,
}

/// Stops channels and, with `revoke`, revokes the grant of a connection that is gone or
/// changed. A connection that is gone left its sealed tokens in the pending revocation
/// `revocation_id`; jobs of older versions carry them here instead.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Release {
    pub connection_id: ConnectionId,
    #[serde(default)]
    pub channels: Vec<ChannelRef>,
    #[serde(default)]
    pub revoke: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_id: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl Job for Release {
    const KIND: &'static str = "calendar.release";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
    const TIMEOUT: Duration = TIMEOUT;
}

/// A connection turned unhealthy, or recovered, for notifications.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConnectionEvent {
    pub event: String,
    pub connection_id: ConnectionId,
    pub host_id: HostId,
    pub provider: String,
    pub account: String,
    pub status: String,
    pub previous_status: String,
    pub error: Option<String>,
    pub occurred_at: String,
}

impl Job for ConnectionEvent {
    const KIND: &'static str = "connection.event";
    const MAX_ATTEMPTS: i64 = ATTEMPTS;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Payloads as the untyped build wrote them still decode.
    #[test]
    fn payloads_queued_before_typed_jobs_still_decode() {
        let c = "01930000-0000-7000-8000-000000000001";
        let sync: Sync =
            serde_json::from_str(&format!(r#"{{"connection_id":"{c}","calendar_id":"a@b","full":true}}"#))
                .unwrap();
        assert!(sync.full);
        serde_json::from_str::<Watch>(&format!(r#"{{"connection_id":"{c}","calendar_id":"a@b"}}"#)).unwrap();
        serde_json::from_str::<Push>(&format!(r#"{{"booking_id":"{c}"}}"#)).unwrap();
        serde_json::from_str::<Backfill>(&format!(r#"{{"connection_id":"{c}"}}"#)).unwrap();
        serde_json::from_str::<Health>(&format!(r#"{{"connection_id":"{c}"}}"#)).unwrap();
        let release: Release = serde_json::from_str(&format!(
            r#"{{"connection_id":"{c}","channels":[{{"id":"ch","resource_id":"r"}}],"revoke":true,"access_token":"sealed-a","refresh_token":null}}"#
        ))
        .unwrap();
        assert_eq!((release.access_token.as_deref(), release.channels.len()), (Some("sealed-a"), 1));
        let changed: Release =
            serde_json::from_str(&format!(r#"{{"connection_id":"{c}","channels":[],"revoke":false}}"#))
                .unwrap();
        assert!(changed.refresh_token.is_none());
        // The JSON written is what the untyped build wrote.
        let p = Push { booking_id: c.parse().unwrap() };
        assert_eq!(serde_json::to_string(&p).unwrap(), format!(r#"{{"booking_id":"{c}"}}"#));
    }
}
