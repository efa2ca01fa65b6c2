//! An event type's context as the engine takes it: the event type's rules, its active hosts and
//! their opening hours, parsed once per [stamp](sked_store::AvailabilityData::stamp) and kept,
//! so a booking's read near its start carries only what changes with bookings.

use jiff::tz::TimeZone;
use sked_core::EventRules;
use sked_core::assign::Assignment;
use sked_core::hours;
use sked_core::schedule::Schedule as CoreSchedule;
use sked_store::{AvailabilityContext, EventType, Host};

use super::snapshot::rules_of;
use crate::error::{AppError, AppResult};

/// An event type's context, parsed.
#[derive(Debug)]
pub(super) struct Context {
    /// What the store said it was read at.
    pub(super) stamp: String,
    pub(super) event_type: EventType,
    pub(super) rules: EventRules,
    pub(super) assignment: Assignment,
    /// The active hosts, in the event type's order.
    pub(super) hosts: Vec<Host>,
    /// Each host's opening hours, in the same order.
    pub(super) schedules: Vec<CoreSchedule>,
    /// Each host's own zone (recurring blocks repeat in it), in the same order.
    pub(super) zones: Vec<TimeZone>,
}

impl Context {
    /// Parses a context read at `stamp`. Stored values were validated on write: a failure here is
    /// a bug, reported as such.
    pub(super) fn parse(stamp: String, read: AvailabilityContext) -> AppResult<Self> {
        let AvailabilityContext { event_type, hosts, schedules: stored } = read;
        let (rules, assignment) = rules_of(&event_type)?;
        let mut schedules = Vec::with_capacity(hosts.len());
        let mut zones = Vec::with_capacity(hosts.len());
        for h in &hosts {
            let zone = h.time_zone.tz().clone();
            let schedule = match h.schedule_id.and_then(|sid| stored.iter().find(|s| s.id == sid)) {
                Some(s) => {
                    hours::from_stored(s.time_zone.as_str(), &s.weekly, &s.overrides).map_err(|e| {
                        AppError::Internal(anyhow::anyhow!("stored schedule {} is invalid: {e}", s.id))
                    })?
                }
                // No schedule: never open, in the host's own zone.
                None => CoreSchedule::every_day(zone.clone(), Default::default()),
            };
            zones.push(zone);
            schedules.push(schedule);
        }
        Ok(Self { stamp, event_type, rules, assignment, hosts, schedules, zones })
    }
}
