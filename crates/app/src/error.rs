//! The domain error: what a booking rule refused, in words a person can read, with no HTTP in
//! it. Each door maps it to its own answer (a problem document, a sentence for a caller, a
//! calendar's skip).

use sked_core::FieldError;
use sked_core::ids::HostId;
use sked_store::StoreError;

use crate::view::rfc3339;

/// A free start offered instead of the one asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    /// Start, Unix seconds.
    pub start: i64,
    /// End, Unix seconds.
    pub end: i64,
    /// The free hosts (every host for collective event types).
    pub host_ids: Vec<HostId>,
}

/// Why a start cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Before the minimum notice allows.
    TooSoon {
        /// The earliest start the notice allows.
        earliest: i64,
        /// The notice, in minutes.
        notice_minutes: i64,
    },
    /// Past the booking horizon.
    TooFar {
        /// The last instant bookable.
        limit: i64,
        /// The horizon, in days.
        days: i64,
    },
    /// Not on the slot grid.
    OffGrid {
        /// Where the grid of that window starts.
        window_start: i64,
        /// The grid's step, in minutes.
        every_minutes: i64,
    },
    /// Outside the hosts' hours.
    OutsideHours,
    /// Inside the hours but taken (or a daily limit reached).
    Taken,
}

impl Refusal {
    /// Whether the time is taken (as opposed to never bookable by the event type's rules).
    pub fn is_taken(&self) -> bool {
        matches!(self, Self::Taken)
    }

    /// The refusal in a sentence.
    pub fn detail(&self) -> String {
        match *self {
            Self::TooSoon { earliest, notice_minutes } => format!(
                "start is too soon: bookings need {notice_minutes} minutes' notice, so the earliest \
                 start is {}",
                rfc3339(earliest)
            ),
            Self::TooFar { limit, days } => {
                format!("start is too far ahead: bookings open {days} days ahead, until {}", rfc3339(limit))
            }
            Self::OffGrid { window_start, every_minutes } => format!(
                "start is not a slot: starts are every {every_minutes} minutes from {}",
                rfc3339(window_start)
            ),
            Self::OutsideHours => "start is outside the hosts' hours".to_owned(),
            Self::Taken => "that time is taken".to_owned(),
        }
    }
}

/// What can go wrong in a booking flow.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Fields that fail their rules, each named.
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// No such record in the tenant (`"booking"`, `"event type"`, ...).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The start cannot be booked; the nearest free starts come with it.
    #[error("{}", .refusal.detail())]
    Unavailable {
        /// Why.
        refusal: Refusal,
        /// Up to three nearest free starts.
        alternatives: Vec<Alternative>,
    },
    /// The change does not apply to the record as it is (a cancelled booking cannot move).
    #[error("{0}")]
    Rejected(String),
    /// The record kept changing under us; trying again reads it afresh.
    #[error("the booking kept changing; try again")]
    Stale,
    /// The idempotency key was used with a different request.
    #[error("this idempotency key was used with a different request")]
    IdempotencyMismatch,
    /// A request with the same idempotency key completed concurrently; sending it again replays
    /// that answer.
    #[error("a request with this idempotency key was completed concurrently")]
    IdempotencyInProgress,
    /// A stored block cannot be honoured exactly (a rule no longer accepted).
    #[error("{0}")]
    BlockUnusable(String),
    /// Answering would take more work than one request may do.
    #[error("{0}")]
    OverBudget(String),
    /// A failure of ours (the store, a stored value that no longer parses).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result of an application call.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// A store failure reading a record called `what`: missing records are [`Self::NotFound`],
    /// everything else is ours.
    pub fn store(what: &'static str, e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound(what),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_why_in_a_sentence() {
        let soon = Refusal::TooSoon { earliest: 1_767_225_600, notice_minutes: 120 };
        assert_eq!(
            soon.detail(),
            "start is too soon: bookings need 120 minutes' notice, so the earliest start is \
             2026-01-01T00:00:00Z"
        );
        assert!(Refusal::Taken.is_taken() && !Refusal::OutsideHours.is_taken());
        let e = AppError::Unavailable { refusal: Refusal::Taken, alternatives: vec![] };
        assert_eq!(e.to_string(), "that time is taken");
        assert!(matches!(AppError::store("booking", StoreError::NotFound), AppError::NotFound("booking")));
    }
}
