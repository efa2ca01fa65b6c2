//! Changing events, the same way for the API and for a test acting as the user in Outlook: every
//! change stamps the event, advances the change counter (delta rounds diff against it) and
//! queues change notifications for the subscriptions watching the calendar.

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sked_core::RecurrenceRule;

use super::errors::GraphError;
use super::shape::{Instance, change_key, ical_uid, parse_occurrence, random_id};
use super::state::{Span, State, Stored};
use super::times::{TimeError, read_span, render_span, utc_z};
use super::view::{occurrence, rrule};

/// Fields the server owns; a client's values for them are dropped.
const SERVER_FIELDS: &[&str] = &[
    "id",
    "start",
    "end",
    "isAllDay",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "iCalUId",
    "uid",
    "type",
    "seriesMasterId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "webLink",
    "@odata.etag",
    "@odata.type",
    "@odata.context",
];

/// Where an event a client names lives.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub calendar_id: String,
    /// The stored event (for an occurrence: its series).
    pub index: usize,
    pub instance: Option<Instance>,
}

fn time_error(e: TimeError, body: &Map<String, Value>) -> GraphError {
    match e {
        TimeError::UnknownZone => {
            let zone = ["start", "end"]
                .iter()
                .filter_map(|k| body.get(*k)?.get("timeZone")?.as_str())
                .find(|z| super::times::zone(z).is_none())
                .unwrap_or_default();
            GraphError::bad(
                "TimeZoneNotSupportedException",
                format!(
                    "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."
                ),
            )
        }
        TimeError::Invalid => GraphError::bad(
            "ErrorInvalidRequest",
            "Your request can't be completed. The start and end of the event are not valid.",
        ),
    }
}

fn check_recurrence(fields: &Map<String, Value>) -> Result<(), GraphError> {
    match fields.get("recurrence") {
        None | Some(Value::Null) => Ok(()),
        Some(r) => match rrule(r) {
            Some((rule, _)) if RecurrenceRule::parse(&rule).is_ok() => Ok(()),
            _ => {
                Err(GraphError::bad("ErrorPropertyValidationFailure", "The recurrence pattern is not valid."))
            }
        },
    }
}

impl State {
    /// Finds an event `account` may see (any account's, with `None`): a stored one, or an
    /// occurrence of a series.
    pub(crate) fn find(&self, account: Option<&str>, id: &str) -> Option<Found> {
        let mine = |owner: &str| account.is_none_or(|a| a == owner);
        for cal in self.calendars.iter().filter(|c| mine(&c.owner)) {
            if let Some(index) = cal.events.iter().position(|e| e.id == id) {
                return Some(Found { calendar_id: cal.id.clone(), index, instance: None });
            }
        }
        let (master, original) = parse_occurrence(id)?;
        let cal = self.calendar_with_event(master).filter(|c| mine(&c.owner))?;
        let (index, inst) = occurrence(cal, master, original)?;
        Some(Found { calendar_id: cal.id.clone(), index, instance: Some(inst) })
    }

    /// Creates an event in calendar `cal_id` from a Graph POST body; returns its id.
    pub(crate) fn insert_event(
        &mut self,
        cal_id: &str,
        mut body: Map<String, Value>,
        now: Timestamp,
    ) -> Result<String, GraphError> {
        let all_day = body.get("isAllDay").and_then(Value::as_bool).unwrap_or(false);
        let (start, end) = (
            body.get("start").cloned().unwrap_or(Value::Null),
            body.get("end").cloned().unwrap_or(Value::Null),
        );
        let (span, start_zone, end_zone) =
            read_span(&start, &end, all_day).map_err(|e| time_error(e, &body))?;
        for k in SERVER_FIELDS {
            body.remove(*k);
        }
        check_recurrence(&body)?;
        let id = random_id();
        let ev = Stored {
            id: id.clone(),
            fields: body,
            span,
            start_zone,
            end_zone,
            master: None,
            cancelled: Vec::new(),
            created: now,
            modified: now,
            change_key: change_key(),
            ical_uid: ical_uid(),
            changed: 0,
        };
        let cal = self.calendar_mut(cal_id).ok_or_else(GraphError::item_not_found)?;
        cal.events.push(ev);
        self.touch(cal_id, &id, "created", now);
        Ok(id)
    }

    /// Applies a PATCH to the event `id` (an occurrence becomes an exception); returns the id
    /// of the stored event now holding it.
    pub(crate) fn patch_event(
        &mut self,
        account: Option<&str>,
        id: &str,
        mut patch: Map<String, Value>,
        now: Timestamp,
    ) -> Result<String, GraphError> {
        let found = self.find(account, id).ok_or_else(GraphError::item_not_found)?;
        let cal = self.calendar(&found.calendar_id).ok_or_else(GraphError::item_not_found)?;
        let base = cal.events.get(found.index).cloned().ok_or_else(GraphError::item_not_found)?;
        let span = found.instance.as_ref().map_or(base.span, |i| i.span);
        let (cur_start, cur_end) = render_span(span, &jiff::tz::TimeZone::UTC, "UTC");
        let all_day =
            patch.get("isAllDay").and_then(Value::as_bool).unwrap_or(matches!(span, Span::AllDay(..)));
        let times_changed = ["start", "end", "isAllDay"].iter().any(|k| patch.contains_key(*k));
        let start = patch.get("start").cloned().unwrap_or(cur_start);
        let end = patch.get("end").cloned().unwrap_or(cur_end);
        let new_span = if times_changed {
            Some(read_span(&start, &end, all_day).map_err(|e| time_error(e, &patch))?)
        } else {
            None
        };
        for k in SERVER_FIELDS.iter().chain(&["transactionId"]) {
            patch.remove(*k);
        }
        let mut ev = base.clone();
        if let Some(inst) = &found.instance {
            // The first change to one occurrence makes it an exception of its own.
            ev.id = random_id();
            ev.fields.remove("recurrence");
            ev.fields.remove("transactionId");
            ev.master = inst.occurrence_of.clone();
            ev.span = inst.span;
            ev.cancelled.clear();
            ev.created = now;
            ev.ical_uid = base.ical_uid.clone();
        }
        for (k, v) in patch {
            if v.is_null() {
                ev.fields.remove(&k)
            } else {
                ev.fields.insert(k, v)
            };
        }
        check_recurrence(&ev.fields)?;
        if let Some((span, sz, ez)) = new_span {
            ev.span = span;
            ev.start_zone = sz;
            ev.end_zone = ez;
        }
        ev.modified = now;
        ev.change_key = change_key();
        let stored_id = ev.id.clone();
        let cal = self.calendar_mut(&found.calendar_id).ok_or_else(GraphError::item_not_found)?;
        if found.instance.is_some() {
            cal.events.push(ev);
        } else if let Some(slot) = cal.events.get_mut(found.index) {
            *slot = ev;
        }
        self.touch(&found.calendar_id, &stored_id, "updated", now);
        Ok(stored_id)
    }

    /// Deletes the event `id`: a series takes its exceptions along; an occurrence or exception
    /// leaves a hole in its series.
    pub(crate) fn delete_event(
        &mut self,
        account: Option<&str>,
        id: &str,
        now: Timestamp,
    ) -> Result<(), GraphError> {
        let found = self.find(account, id).ok_or_else(GraphError::item_not_found)?;
        let cal = self.calendar_mut(&found.calendar_id).ok_or_else(GraphError::item_not_found)?;
        let hole = match &found.instance {
            Some(inst) => inst.occurrence_of.clone(),
            None => {
                let ev = cal.events.remove(found.index);
                cal.events.retain(|e| e.master.as_ref().is_none_or(|(m, _)| m != &ev.id));
                ev.master
            }
        };
        if let Some((master, original)) = &hole
            && let Some(m) = cal.events.iter_mut().find(|e| &e.id == master)
        {
            m.cancelled.push(*original);
            m.modified = now;
            m.change_key = change_key();
        }
        let touched = hole.map_or_else(|| id.to_owned(), |(m, _)| m);
        self.touch(&found.calendar_id, &touched, "deleted", now);
        Ok(())
    }

    /// Records a change to event `event_id` of calendar `cal_id`: advances the counter and
    /// queues a notification on each live subscription that watches it.
    pub(crate) fn touch(&mut self, cal_id: &str, event_id: &str, change: &str, now: Timestamp) {
        self.seq += 1;
        let seq = self.seq;
        let Some(cal) = self.calendar_mut(cal_id) else { return };
        if let Some(ev) = cal.events.iter_mut().find(|e| e.id == event_id) {
            ev.changed = seq;
        }
        cal.change_key = change_key();
        let owner = cal.owner.clone();
        let etag = cal.events.iter().find(|e| e.id == event_id).map(|e| format!("W/\"{}\"", e.change_key));
        let Some(user_id) = self.account(&owner).map(|a| a.id.clone()) else { return };
        let resource = format!("Users/{user_id}/Events/{event_id}");
        let mut queued = Vec::new();
        for s in self.subscriptions.iter().filter(|s| s.live(now) && s.account == owner) {
            let watches = s.calendar_id.as_deref().is_none_or(|c| c == cal_id);
            if !watches || !s.change_types.iter().any(|c| c == change) {
                continue;
            }
            let item = json!({
                "subscriptionId": s.id, "subscriptionExpirationDateTime": utc_z(s.expiration),
                "changeType": change, "resource": resource, "clientState": s.client_state,
                "tenantId": super::TENANT_ID,
                "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "@odata.etag": etag, "id": event_id},
            });
            queued.push((s.id.clone(), item));
        }
        self.outbox.extend(queued);
    }
}
