//! Typed identifiers: UUIDv7 (time-ordered, so ids sort by creation) in newtypes, so a host id
//! can never be passed where a booking id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    )*};
}

id_type! {
    /// A tenant: one business (or one client business of an agency).
    TenantId,
    /// An API key.
    ApiKeyId,
    /// A bookable person.
    HostId,
    /// A schedule of weekly hours and overrides.
    ScheduleId,
    /// An event type (a bookable service).
    EventTypeId,
    /// An internal busy block.
    BlockId,
    /// A booking.
    BookingId,
    /// A background job.
    JobId,
    /// A voice agent's configuration.
    VoiceAgentId,
    /// A host's link to an outside calendar account (Google, Microsoft, CalDAV).
    ConnectionId,
    /// A message sent (or to send): an email, an SMS or a webhook delivery.
    MessageId,
    /// An outbound webhook endpoint.
    WebhookId,
    /// A person who signs in to the dashboard.
    UserId,
}
