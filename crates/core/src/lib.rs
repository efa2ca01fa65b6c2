//! The scheduling engine of Sked.
//!
//! Pure domain logic: given hosts' schedules, their busy time and an event type's rules, it
//! answers which slots are bookable, whether a requested start can be booked, and which host gets
//! a booking. No I/O, no async, no clock: "now" is always passed in.
//!
//! Instants are Unix seconds (`i64`) inside the engine, because slot computation compares and
//! adds millions of them; [`jiff`] does every calendar and zone conversion at the edges.
//!
//! The rules implemented here are the "Slots" section of the HTTP contract (`docs/API.md`):
//! - [`schedule`]: weekly hours and date overrides become windows of instants (rule 1);
//! - [`busy`]: bookings' blocked intervals, blocks and external busy time, merged (rule 3);
//! - [`recurrence`]: RRULE blocks expanded in the host's zone (the only module that sees chrono),
//!   each expansion bounded by a [`budget`] of steps;
//! - [`slots`]: candidates per window, notice and horizon, daily limits, teams (rules 2–7);
//! - [`search`]: `earliest`, `nearest` alternatives and checking one requested start;
//! - [`assign`]: which free host gets a booking.
//!
//! Beside the engine: typed [`ids`], bookings' vocabulary ([`booking`]) and the [`clock`] trait.

#![forbid(unsafe_code)]

/// The stored and API forms of a vocabulary enum with `as_str` and `parse`: `TryFrom<String>`
/// (how the store reads a stored name back: an unknown one is an error naming it, never a
/// default), `FromStr`, `Display`, and serde as the same name.
macro_rules! stored_name {
    ($ty:ty, $what:literal) => {
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                s.parse()
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s).ok_or_else(|| format!("`{s}` is not a known {}", $what))
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod assign;
pub mod booking;
pub mod budget;
pub mod busy;
pub mod clock;
pub mod contact;
pub mod error;
pub mod hours;
pub mod ids;
pub mod interval;
pub mod local;
pub mod notify;
pub mod questions;
pub mod recurrence;
pub mod rules;
pub mod schedule;
pub mod search;
pub mod slots;
pub mod slug;
pub mod text;
pub mod zone;

pub use assign::{Assignment, Choice, HostStats};
pub use budget::{OverBudget, WorkBudget};
pub use busy::BusyTimeline;
pub use clock::{Clock, ManualClock};
pub use error::FieldError;
pub use interval::Interval;
pub use local::{LocalDater, LocalTime};
pub use recurrence::RecurrenceRule;
pub use rules::EventRules;
pub use schedule::{DayHours, DayInterval, Schedule};
pub use search::{Rejection, check_start, earliest, nearest};
pub use slots::{HostInput, Slot, SlotQuery, SlotSet, compute_slots};
pub use zone::Zone;
