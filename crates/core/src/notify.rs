//! The rules of notifications that need no I/O: the channels and statuses of messages, who a
//! message is for, and reminders (what an event type asks for, when each falls due, and when
//! one is too late to send).

use crate::error::FieldError;

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Email over SMTP.
    Email,
    /// SMS over Twilio.
    Sms,
    /// An outbound webhook delivery.
    Webhook,
}

impl Channel {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Webhook => "webhook",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "email" => Self::Email,
            "sms" => Self::Sms,
            "webhook" => Self::Webhook,
            _ => return None,
        })
    }
}

stored_name!(Channel, "message channel");

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Waiting to be sent (or to be tried again).
    Queued,
    /// The provider took it.
    Sent,
    /// The provider reported it delivered.
    Delivered,
    /// The provider reported it could not be delivered.
    Undelivered,
    /// Gave up: refused for good, or out of attempts.
    Failed,
    /// Not sent on purpose (a reminder fallen due too late).
    Skipped,
    /// Not sent: the recipient asked not to get it.
    OptedOut,
}

impl MessageStatus {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::OptedOut => "opted_out",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "undelivered" => Self::Undelivered,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            "opted_out" => Self::OptedOut,
            _ => return None,
        })
    }

    /// Nothing more will be sent for a message in this state.
    pub fn is_settled(self) -> bool {
        self != Self::Queued
    }
}

stored_name!(MessageStatus, "message status");

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The person who booked.
    Attendee,
    /// The host of the booking.
    Host,
    /// The business itself (notices about its account).
    Tenant,
    /// A webhook endpoint.
    Endpoint,
}

impl Role {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attendee => "attendee",
            Self::Host => "host",
            Self::Tenant => "tenant",
            Self::Endpoint => "endpoint",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "attendee" => Self::Attendee,
            "host" => Self::Host,
            "tenant" => Self::Tenant,
            "endpoint" => Self::Endpoint,
            _ => return None,
        })
    }
}

stored_name!(Role, "message role");

/// Who the host's connected calendar emails about the event written for a booking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SendUpdates {
    /// Every guest (the client gets the provider's invitation).
    #[default]
    All,
    /// Only guests outside the host's organisation.
    ExternalOnly,
    /// Nobody.
    None,
}

impl SendUpdates {
    /// Every value, in API order.
    pub const ALL: [SendUpdates; 3] = [Self::All, Self::ExternalOnly, Self::None];

    /// As stored and shown (Google's `sendUpdates` spells them `all`, `externalOnly`, `none`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::ExternalOnly => "external_only",
            Self::None => "none",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

stored_name!(SendUpdates, "send_updates value");

/// What a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A booking was made.
    Confirmation,
    /// A booking moved.
    Reschedule,
    /// A booking was cancelled.
    Cancellation,
    /// A booking is coming up.
    Reminder,
    /// A calendar connection stopped working (to its host).
    ConnectionAlert,
    /// A text from an attendee, passed on to the host.
    Forward,
    /// An answer to an attendee's text (`R`: the manage link).
    Reply,
    /// A webhook endpoint was disabled (to the business).
    WebhookDisabled,
    /// A link to choose a new dashboard password (to the user who asked).
    PasswordReset,
}

impl Kind {
    /// Every kind, for validation and listings.
    pub const ALL: [Kind; 9] = [
        Self::Confirmation,
        Self::Reschedule,
        Self::Cancellation,
        Self::Reminder,
        Self::ConnectionAlert,
        Self::Forward,
        Self::Reply,
        Self::WebhookDisabled,
        Self::PasswordReset,
    ];

    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Reschedule => "reschedule",
            Self::Cancellation => "cancellation",
            Self::Reminder => "reminder",
            Self::ConnectionAlert => "connection_alert",
            Self::Forward => "forward",
            Self::Reply => "reply",
            Self::WebhookDisabled => "webhook_disabled",
            Self::PasswordReset => "password_reset",
        }
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind of message that tells about a booking event (`booking.created`, ...).
    pub fn of_event(event: &str) -> Option<Self> {
        Some(match event {
            "booking.created" => Self::Confirmation,
            "booking.rescheduled" => Self::Reschedule,
            "booking.cancelled" => Self::Cancellation,
            _ => return None,
        })
    }
}

/// One reminder of an event type: `offset_minutes` before the start, on these channels.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminder {
    /// Minutes before the start.
    pub offset_minutes: i64,
    /// `email` and/or `sms`.
    pub channels: Vec<String>,
}

/// Most reminders per event type.
pub const MAX_REMINDERS: usize = 10;
/// The earliest a reminder may be: 60 days before the start.
pub const MAX_REMINDER_OFFSET_MINUTES: i64 = 60 * 24 * 60;
/// A reminder more than this late is not sent (its status says `skipped`).
pub const REMINDER_GRACE_SECS: i64 = 15 * 60;

/// What an event type gets when it says nothing: a day before and an hour before, by email and
/// SMS.
pub fn default_reminders() -> Vec<Reminder> {
    let both = || vec!["email".to_owned(), "sms".to_owned()];
    vec![
        Reminder { offset_minutes: 1440, channels: both() },
        Reminder { offset_minutes: 60, channels: both() },
    ]
}

/// Checks an event type's reminders: at most [`MAX_REMINDERS`], offsets from 0 to 60 days, no
/// offset twice, each with one or two known channels (email, sms) named once.
pub fn check_reminders(field: &str, reminders: &[Reminder]) -> Result<(), FieldError> {
    if reminders.len() > MAX_REMINDERS {
        return Err(FieldError::new(field, format!("at most {MAX_REMINDERS} reminders")));
    }
    for (i, r) in reminders.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if !(0..=MAX_REMINDER_OFFSET_MINUTES).contains(&r.offset_minutes) {
            return Err(FieldError::new(
                format!("{at}.offset_minutes"),
                format!("must be from 0 to {MAX_REMINDER_OFFSET_MINUTES} (60 days)"),
            ));
        }
        if reminders[..i].iter().any(|o| o.offset_minutes == r.offset_minutes) {
            return Err(FieldError::new(format!("{at}.offset_minutes"), "each offset may appear once"));
        }
        if r.channels.is_empty() || r.channels.len() > 2 {
            return Err(FieldError::new(format!("{at}.channels"), "one or both of `email`, `sms`"));
        }
        for (j, c) in r.channels.iter().enumerate() {
            if !matches!(c.as_str(), "email" | "sms") || r.channels[..j].contains(c) {
                return Err(FieldError::new(
                    format!("{at}.channels[{j}]"),
                    "must be `email` or `sms`, each once",
                ));
            }
        }
    }
    Ok(())
}

/// When a reminder `offset_minutes` before `start` falls due.
pub fn reminder_due(start: i64, offset_minutes: i64) -> i64 {
    start.saturating_sub(offset_minutes.saturating_mul(60))
}

/// Whether a reminder due at `due` is too late to send at `now`.
pub fn reminder_too_late(due: i64, now: i64) -> bool {
    now > due.saturating_add(REMINDER_GRACE_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: i64, channels: &[&str]) -> Reminder {
        Reminder { offset_minutes: offset, channels: channels.iter().map(|c| (*c).to_owned()).collect() }
    }

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for c in [Channel::Email, Channel::Sms, Channel::Webhook] {
            assert_eq!(Channel::try_from(c.as_str().to_owned()), Ok(c));
        }
        assert!(MessageStatus::try_from("sending".to_owned()).is_err());
        assert!(!MessageStatus::Queued.is_settled() && MessageStatus::OptedOut.is_settled());
    }

    #[test]
    fn reminders_are_checked_field_by_field() {
        assert!(check_reminders("reminders", &default_reminders()).is_ok());
        assert!(check_reminders("reminders", &[]).is_ok());
        let cases = [
            (vec![r(-1, &["email"])], "reminders[0].offset_minutes"),
            (vec![r(MAX_REMINDER_OFFSET_MINUTES + 1, &["email"])], "reminders[0].offset_minutes"),
            (vec![r(60, &["email"]), r(60, &["sms"])], "reminders[1].offset_minutes"),
            (vec![r(60, &[])], "reminders[0].channels"),
            (vec![r(60, &["fax"])], "reminders[0].channels[0]"),
            (vec![r(60, &["sms", "sms"])], "reminders[0].channels[1]"),
        ];
        for (rs, field) in cases {
            assert_eq!(check_reminders("reminders", &rs).map_err(|e| e.field), Err(field.to_owned()));
        }
        let many: Vec<_> = (0..11).map(|i| r(i, &["email"])).collect();
        assert!(check_reminders("reminders", &many).is_err());
    }

    #[test]
    fn a_reminder_is_due_offset_before_the_start_and_late_after_fifteen_minutes() {
        let start = 1_000_000;
        assert_eq!(reminder_due(start, 60), start - 3600);
        assert!(!reminder_too_late(start - 3600, start - 3600 + 15 * 60));
        assert!(reminder_too_late(start - 3600, start - 3600 + 15 * 60 + 1));
        assert_eq!(reminder_due(i64::MIN + 5, MAX_REMINDER_OFFSET_MINUTES), i64::MIN);
    }
}
