//! Bookings' vocabulary: status, source, confirmation codes.

use rand::Rng;

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Holds its time.
    Confirmed,
    /// Released its time.
    Cancelled,
}

impl BookingStatus {
    /// API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confirmed" => Some(Self::Confirmed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

stored_name!(BookingStatus, "booking status");

/// Who made a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BookingSource {
    /// Another program over the API.
    Api,
    /// The booking widget or page.
    Widget,
    /// A voice agent during a call.
    Voice,
    /// Cal.com, mirrored from its webhooks or imported from its API while a business moves over.
    Calcom,
}

impl BookingSource {
    /// API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Widget => "widget",
            Self::Voice => "voice",
            Self::Calcom => "calcom",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "widget" => Some(Self::Widget),
            "voice" => Some(Self::Voice),
            "calcom" => Some(Self::Calcom),
            _ => None,
        }
    }
}

stored_name!(BookingSource, "booking source");

/// What one entry of a booking's history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BookingAction {
    /// Booked.
    Created,
    /// Moved to another time (or host).
    Rescheduled,
    /// Cancelled.
    Cancelled,
    /// The attendee confirmed they are coming (an SMS `C`).
    AttendanceConfirmed,
    /// Marked as not having come.
    NoShow,
    /// The no-show mark taken back.
    NoShowCleared,
    /// The host moved the booking's calendar event onto taken time; the booking stayed.
    MoveRefused,
    /// Retell's `call_ended` report of the call the booking was made in.
    CallEnded,
    /// Retell's `call_analyzed` report.
    CallAnalyzed,
    /// Vapi's `end-of-call-report`.
    EndOfCallReport,
}

impl BookingAction {
    /// Every action.
    pub const ALL: [BookingAction; 10] = [
        Self::Created,
        Self::Rescheduled,
        Self::Cancelled,
        Self::AttendanceConfirmed,
        Self::NoShow,
        Self::NoShowCleared,
        Self::MoveRefused,
        Self::CallEnded,
        Self::CallAnalyzed,
        Self::EndOfCallReport,
    ];

    /// API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Rescheduled => "rescheduled",
            Self::Cancelled => "cancelled",
            Self::AttendanceConfirmed => "attendance_confirmed",
            Self::NoShow => "no_show",
            Self::NoShowCleared => "no_show_cleared",
            Self::MoveRefused => "move_refused",
            Self::CallEnded => "call_ended",
            Self::CallAnalyzed => "call_analyzed",
            Self::EndOfCallReport => "end_of_call_report",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

stored_name!(BookingAction, "booking history action");

/// Characters of confirmation codes: digits and capitals without look-alikes (no 0/O, 1/I/L,
/// 5/S, 2/Z, 8/B, U/V), so a code read over the phone is heard and typed right.
pub const CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";

/// Length of new confirmation codes. 23^6 ≈ 148 million codes per tenant; a clash is retried
/// with a fresh code, and after a few clashes codes grow to 7 and 8 characters.
pub const CODE_LEN: usize = 6;

/// A fresh confirmation code of `len` characters (6–8).
pub fn confirmation_code(rng: &mut impl Rng, len: usize) -> String {
    let len = len.clamp(6, 8);
    (0..len).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

/// Normalises a code typed or spoken by a person: upper case, spaces and dashes removed.
pub fn normalize_code(input: &str) -> String {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back_exactly_or_not_at_all() {
        assert_eq!(BookingStatus::try_from("cancelled".to_owned()), Ok(BookingStatus::Cancelled));
        assert_eq!(BookingSource::try_from("voice".to_owned()), Ok(BookingSource::Voice));
        let unknown = BookingStatus::try_from("Confirmed".to_owned());
        assert_eq!(unknown, Err("`Confirmed` is not a known booking status".to_owned()));
        assert!(crate::assign::Assignment::try_from("random".to_owned()).is_err());
    }

    #[test]
    fn codes_use_the_alphabet() {
        let mut rng = rand::rng();
        for len in [6, 7, 8] {
            let c = confirmation_code(&mut rng, len);
            assert_eq!(c.len(), len);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        }
        assert_eq!(normalize_code("k7m-2q 9x"), "K7M2Q9X");
    }
}

/// A booking's text as a person gave it, checked the same way at every door (API, widget,
/// voice): the attendee's name is one line, notes and references are bounded and free of
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingText {
    /// The attendee's name, trimmed.
    pub name: String,
    /// Notes, line breaks as `\n`.
    pub notes: Option<String>,
    /// The caller's reference (a call id, another system's id).
    pub external_ref: Option<String>,
}

/// Longest attendee name.
pub const NAME_MAX: usize = 200;
/// Longest notes.
pub const NOTES_MAX: usize = 5_000;
/// Longest external reference.
pub const REF_MAX: usize = 200;
/// Longest reason for a change.
pub const REASON_MAX: usize = 1_000;

impl BookingText {
    /// Checks each part; every invalid one is reported (`attendee.name`, `notes`,
    /// `external_ref`).
    pub fn parse(
        name: &str,
        notes: Option<&str>,
        external_ref: Option<&str>,
    ) -> Result<Self, Vec<crate::FieldError>> {
        use crate::text::{line, text};
        let mut errors = Vec::new();
        let name = line("attendee.name", name, NAME_MAX).map_err(|e| errors.push(e)).ok();
        let notes = notes.map(|n| text("notes", n, NOTES_MAX)).transpose().map_err(|e| errors.push(e)).ok();
        let external_ref = external_ref
            .map(|r| line("external_ref", r, REF_MAX))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok();
        match (name, notes, external_ref) {
            (Some(name), Some(notes), Some(external_ref)) if errors.is_empty() => {
                Ok(Self { name, notes, external_ref })
            }
            _ => Err(errors),
        }
    }
}

/// A reason given for a change: free text of at most [`REASON_MAX`] characters.
pub fn reason(value: Option<&str>) -> Result<Option<String>, crate::FieldError> {
    value.map(|r| crate::text::text("reason", r, REASON_MAX)).transpose()
}
