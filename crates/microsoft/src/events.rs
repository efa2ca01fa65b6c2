//! Outlook events as Graph sends them, read as the provider-neutral [`StoredEvent`].
//!
//! Sked reads Outlook through calendar-view delta, which expands recurring series into their
//! occurrences: every item is one instance that stands alone (its own series), so nothing is
//! left to expand. A removed item (`@removed`: deleted, or moved out of the window) or a
//! cancelled meeting (`isCancelled`) never blocks.
//!
//! What blocks: events whose `showAs` is not `free` or `workingElsewhere`, unless the calendar's
//! owner declined them. All-day events come as midnight-to-midnight wall times whatever zone
//! was asked for, so they are kept as dates that the calendar's zone reads.
//!
//! Events Sked wrote carry the booking id twice: in a single-value extended property (only
//! returned when a GET expands it) and in their `transactionId` (returned everywhere, delta
//! included), so a booking is recognised wherever the event was read.
//!
//! Reading is lenient: a field of an unexpected type is taken as absent, never a failure.

use jiff::SignedDuration;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::Value;
pub use sked_calendar::busy::{StoredEvent, When, series_busy};

use crate::times::{instant, wall, zone};

/// The single-value extended property Sked writes its booking id into (a String named
/// property in Sked's own property set).
pub const BOOKING_PROPERTY_ID: &str = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name sked_booking_id";

/// The `transactionId` of a Sked booking's event: `sked.{booking_id}.{generation}`. A new
/// generation makes a new event (e.g. after the host deleted the old one); the same one is
/// Graph's idempotency key, so a retried create returns the event already made.
pub fn transaction_id(booking_id: &str, generation: u32) -> String {
    format!("sked.{booking_id}.{generation}")
}

/// The booking id in a `transactionId` Sked wrote, if it is one.
pub fn booking_of_transaction(transaction_id: &str) -> Option<&str> {
    let rest = transaction_id.strip_prefix("sked.")?;
    let (booking, generation) = rest.rsplit_once('.')?;
    (!booking.is_empty() && generation.parse::<u32>().is_ok()).then_some(booking)
}

/// An event as Graph sends it (the fields Sked reads). Built leniently from any JSON by
/// [`Event::from_json`], which `Deserialize` uses too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// Graph's id of this item (an occurrence has its own).
    pub id: String,
    /// Its title.
    pub subject: Option<String>,
    /// Its start as Graph wrote it (`{"dateTime","timeZone"}`).
    pub start: Option<Value>,
    /// Its end as Graph wrote it.
    pub end: Option<Value>,
    /// `isAllDay`: midnight to midnight.
    pub is_all_day: bool,
    /// `isCancelled`: a meeting its organizer cancelled.
    pub is_cancelled: bool,
    /// `free`, `tentative`, `busy`, `oof`, `workingElsewhere` or `unknown`.
    pub show_as: Option<String>,
    /// The owner's answer (`responseStatus.response`): `none`, `organizer`,
    /// `tentativelyAccepted`, `accepted`, `declined` or `notResponded`.
    pub response: Option<String>,
    /// `type`: `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    pub kind: Option<String>,
    /// The series of an occurrence or exception.
    pub series_master_id: Option<String>,
    /// The zone the organizer wrote the start in (often a Windows name).
    pub original_start_time_zone: Option<String>,
    /// The client's idempotency key, when one was given at creation.
    pub transaction_id: Option<String>,
    /// Single-value extended properties returned (id, value); only when a GET expanded them.
    pub extended_properties: Vec<(String, String)>,
    /// The iCalendar UID (shared by a series' instances).
    pub ical_uid: Option<String>,
    /// Changes with every change of the event.
    pub change_key: Option<String>,
    /// `@removed.reason` of a delta item (`deleted`: deleted, or out of the window).
    pub removed: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if !v.is_object() {
            return Err(serde::de::Error::custom("an event is a JSON object"));
        }
        Ok(Self::from_json(&v))
    }
}

impl Event {
    /// Reads whatever of an event `v` holds; fields of the wrong type count as absent.
    pub fn from_json(v: &Value) -> Self {
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |key: &str| v.get(key).and_then(Value::as_bool).unwrap_or(false);
        let object = |key: &str| v.get(key).filter(|x| x.is_object()).cloned();
        let extended_properties = v
            .get("singleValueExtendedProperties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get("id")?.as_str()?.to_owned(), p.get("value")?.as_str()?.to_owned())))
            .collect();
        let removed = v.get("@removed").map(|r| r.get("reason").and_then(Value::as_str).unwrap_or("deleted"));
        Self {
            id: text("id").unwrap_or_default(),
            subject: text("subject"),
            start: object("start"),
            end: object("end"),
            is_all_day: flag("isAllDay"),
            is_cancelled: flag("isCancelled"),
            show_as: text("showAs"),
            response: v
                .get("responseStatus")
                .and_then(|r| r.get("response"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            kind: text("type"),
            series_master_id: text("seriesMasterId"),
            original_start_time_zone: text("originalStartTimeZone"),
            transaction_id: text("transactionId"),
            extended_properties,
            ical_uid: text("iCalUId"),
            change_key: text("changeKey"),
            removed: removed.map(str::to_owned),
        }
    }

    /// The Sked booking this event stands for, when Sked wrote it: from the extended property
    /// when it was returned, else from the `transactionId`.
    pub fn booking_id(&self) -> Option<&str> {
        let wanted = normalize(BOOKING_PROPERTY_ID);
        self.extended_properties
            .iter()
            .find(|(id, _)| normalize(id) == wanted)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .or_else(|| self.transaction_id.as_deref().and_then(booking_of_transaction))
    }

    /// Deleted, moved out of the synced window, or a cancelled meeting.
    pub fn is_gone(&self) -> bool {
        self.removed.is_some() || self.is_cancelled
    }

    /// Takes time: not shown as free or working elsewhere, and not declined.
    pub fn blocks(&self) -> bool {
        let free = self
            .show_as
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("free") || s.eq_ignore_ascii_case("workingElsewhere"));
        let declined = self.response.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("declined"));
        !free && !declined
    }

    /// What Sked keeps of it. Each item is its own series: delta expands recurrences (a series
    /// master fetched by id reads as its first occurrence only).
    pub fn stored(&self) -> StoredEvent {
        let (start, end) = if self.is_all_day {
            let zone = self.original_start_time_zone.as_deref().and_then(zone);
            (
                self.start.as_ref().and_then(|v| day(v, zone.as_ref())),
                self.end.as_ref().and_then(|v| day(v, zone.as_ref())),
            )
        } else {
            let at = |v: &Value| instant(v).map(|t| When::At(t.as_second()));
            (self.start.as_ref().and_then(at), self.end.as_ref().and_then(at))
        };
        StoredEvent {
            id: self.id.clone(),
            series_id: self.id.clone(),
            cancelled: self.is_gone(),
            blocks: self.blocks(),
            start,
            end,
            time_zone: None,
            recurrence: Vec::new(),
            original_start: None,
            booking_id: self.booking_id().map(str::to_owned),
        }
    }
}

/// The date of an all-day boundary. Graph writes midnight wall times; should one come
/// converted to another zone, its instant is read in the organizer's zone, or else rounded to
/// the nearest UTC midnight.
fn day(v: &Value, original: Option<&TimeZone>) -> Option<When> {
    let w = wall(v.get("dateTime")?.as_str()?)?;
    if w.time() == Time::midnight() {
        return Some(When::Date(w.date()));
    }
    let t = instant(v)?;
    let date: Date = match original {
        Some(tz) => tz.to_datetime(t).date(),
        None => TimeZone::UTC.to_datetime(t.checked_add(SignedDuration::from_hours(12)).unwrap_or(t)).date(),
    };
    Some(When::Date(date))
}

/// Extended property ids compare ignoring case and spacing (Graph may reformat them).
fn normalize(id: &str) -> String {
    id.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
