//! `sked import calcom`: brings a Cal.com account into a tenant. Schedules become Sked
//! schedules, the user a host (an existing host with the same email is used), event types Sked
//! event types of that host, and upcoming accepted bookings Sked bookings (source `calcom`,
//! `external_ref` = the uid) that the mirror knows, so later webhooks match them; the
//! integration's event-type map is filled so the mirror works at once.
//!
//! Running it again makes nothing twice: what it made from each Cal.com record is remembered
//! ([`CalcomKind`]), bookings by uid. With `dry_run` it reads Cal.com and writes nothing.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use sked_core::ids::{EventTypeId, HostId, ScheduleId, TenantId};
use sked_store::{CalcomIntegration, CalcomKind, Page, StoreError, Tenant};

use super::client::{Client, Me};
use super::config::{MAX_EVENT_TYPES, stored_map};
use super::{convert, mirror, payload};
use crate::error::ApiError;
use crate::hosts::{CreateHost, create_host};
use crate::state::Services;

/// What to import, and from where.
#[derive(Clone)]
pub struct Options {
    /// The tenant's slug or id.
    pub tenant: String,
    /// The Cal.com API key (`cal_live_...`).
    pub api_key: SecretString,
    /// Cal.com's API v2 base URL.
    pub base_url: String,
    /// Read only: report what would be made.
    pub dry_run: bool,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("tenant", &self.tenant)
            .field("base_url", &self.base_url)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub tenant: String,
    pub dry_run: bool,
    /// How the Cal.com user's host was found: `created`, `linked` (same email) or `kept`.
    pub host: String,
    pub schedules_created: usize,
    pub schedules_kept: usize,
    pub event_types_created: usize,
    pub event_types_kept: usize,
    pub bookings_created: usize,
    pub bookings_kept: usize,
    /// Bookings not made: their time is taken in Sked.
    pub bookings_conflicting: usize,
    /// Bookings not made for another reason (in `notes`).
    pub bookings_skipped: usize,
    /// What the owner should know, one line each.
    pub notes: Vec<String>,
    /// Where Cal.com should send its webhooks.
    pub webhook_url: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let would = if self.dry_run { " (dry run: nothing was written)" } else { "" };
        writeln!(f, "Cal.com import into tenant {}{would}", self.tenant)?;
        writeln!(f, "  host:        {}", self.host)?;
        writeln!(
            f,
            "  schedules:   {} created, {} already there",
            self.schedules_created, self.schedules_kept
        )?;
        writeln!(
            f,
            "  event types: {} created, {} already there",
            self.event_types_created, self.event_types_kept
        )?;
        writeln!(
            f,
            "  bookings:    {} created, {} already mirrored, {} conflicting, {} skipped",
            self.bookings_created, self.bookings_kept, self.bookings_conflicting, self.bookings_skipped
        )?;
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        writeln!(f, "Cal.com webhook URL: {}", self.webhook_url)?;
        write!(
            f,
            "  (triggers BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_CANCELLED; set its secret with \
             PUT /v1/integrations/calcom)"
        )
    }
}

/// Runs an import.
pub async fn run(s: &Services, o: &Options) -> anyhow::Result<Summary> {
    let tenant = tenant(s, &o.tenant).await?;
    let client = Client::new(&o.base_url, o.api_key.clone())?;
    let me = client.me().await?;
    let schedules = client.schedules().await?;
    let event_types = client.event_types().await?;
    let bookings = client.upcoming_bookings().await?;
    let mut sum = Summary {
        tenant: tenant.slug.clone(),
        dry_run: o.dry_run,
        webhook_url: super::config::webhook_url(s, tenant.id).await.map_err(api)?,
        ..Summary::default()
    };
    let t = tenant.id;
    let today = sked_core::interval::timestamp(s.clock.now_second()).strftime("%Y-%m-%d").to_string();
    let mut made: BTreeMap<i64, Option<ScheduleId>> = BTreeMap::new();
    for c in &schedules {
        let key = c.id.to_string();
        if let Some(id) = linked(s, t, CalcomKind::Schedule, &key).await?
            && exists(s.store.schedule(t, ScheduleId(id)).await)?
        {
            sum.schedules_kept += 1;
            made.insert(c.id, Some(ScheduleId(id)));
            continue;
        }
        sum.schedules_created += 1;
        if o.dry_run {
            made.insert(c.id, None);
            continue;
        }
        match crate::schedules::create_schedule(s, t, convert::schedule(c, &today)).await {
            Ok(v) => {
                s.store.put_calcom_link(t, CalcomKind::Schedule, &key, v.id.0, s.clock.now_second()).await?;
                made.insert(c.id, Some(v.id));
            }
            Err(e) => {
                sum.schedules_created -= 1;
                sum.notes.push(format!("schedule \"{}\" was not imported: {}", c.name, problem(e)?));
            }
        }
    }
    let default = me.default_schedule_id.or_else(|| schedules.iter().find(|c| c.is_default).map(|c| c.id));
    let schedule = default.and_then(|id| made.get(&id).copied().flatten());
    let host = host(s, t, &me, schedule, o.dry_run, &mut sum).await?;
    let integration = match s.store.calcom_integration(t).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let mut map = integration.as_ref().map(|c| stored_map(&c.event_types)).unwrap_or_default();
    for e in &event_types {
        let key = e.id.to_string();
        if e.schedule_id.is_some_and(|id| Some(id) != default) {
            sum.notes.push(format!(
                "event type \"{}\" uses its own Cal.com schedule; in Sked it follows its host's",
                e.title
            ));
        }
        let made_before = match linked(s, t, CalcomKind::EventType, &key).await? {
            Some(id) if exists(s.store.event_type(t, EventTypeId(id)).await)? => Some(EventTypeId(id)),
            _ => None,
        };
        let existing = match made_before {
            Some(id) => Some(id),
            None => match s.store.event_type_by_slug(t, &convert::slug(&e.slug)).await {
                Ok(found) => {
                    sum.notes.push(format!(
                        "event type \"{}\" is the Sked event type /{} already there",
                        e.title, found.slug
                    ));
                    Some(found.id)
                }
                Err(StoreError::NotFound) => None,
                Err(err) => return Err(err.into()),
            },
        };
        let id = match (existing, host) {
            (Some(id), _) => {
                sum.event_types_kept += 1;
                id
            }
            (None, None) => {
                sum.event_types_created += 1;
                continue;
            }
            (None, Some(_)) if o.dry_run => {
                sum.event_types_created += 1;
                continue;
            }
            (None, Some(h)) => {
                match crate::event_types::create_event_type(s, t, convert::event_type(e, &h.to_string()))
                    .await
                {
                    Ok(v) => {
                        sum.event_types_created += 1;
                        v.id
                    }
                    Err(err) => {
                        sum.notes.push(format!(
                            "event type \"{}\" was not imported: {}",
                            e.title,
                            problem(err)?
                        ));
                        continue;
                    }
                }
            }
        };
        if !o.dry_run {
            s.store.put_calcom_link(t, CalcomKind::EventType, &key, id.0, s.clock.now_second()).await?;
        }
        map.insert(key, id);
    }
    if !o.dry_run {
        save_map(s, t, integration, &map, &mut sum).await?;
    }
    self::bookings(s, t, &bookings, &map, o.dry_run, &mut sum).await?;
    Ok(sum)
}

/// The tenant named by id or slug.
async fn tenant(s: &Services, name: &str) -> anyhow::Result<Tenant> {
    let found = match name.parse::<TenantId>() {
        Ok(id) => s.store.tenant(id).await,
        Err(_) => s.store.tenant_by_slug(name).await,
    };
    found.map_err(|e| match e {
        StoreError::NotFound => anyhow::anyhow!("no tenant {name}"),
        other => other.into(),
    })
}

async fn linked(
    s: &Services,
    t: TenantId,
    kind: CalcomKind,
    key: &str,
) -> anyhow::Result<Option<uuid::Uuid>> {
    Ok(s.store.calcom_link(t, kind, key).await?)
}

/// Whether a record the importer made is still there (it may have been deleted since).
fn exists<T>(found: sked_store::StoreResult<T>) -> anyhow::Result<bool> {
    match found {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A refusal of Sked's rules in words, or the failure it is.
fn problem(e: ApiError) -> anyhow::Result<String> {
    match e {
        ApiError::Internal(e) => Err(e),
        other => Ok(other.problem().detail),
    }
}

fn api(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Internal(e) => e,
        other => anyhow::anyhow!("{}", other.problem().detail),
    }
}

/// The Cal.com user's host: the one made before, a host with the same email, or a new one.
async fn host(
    s: &Services,
    t: TenantId,
    me: &Me,
    schedule: Option<ScheduleId>,
    dry_run: bool,
    sum: &mut Summary,
) -> anyhow::Result<Option<HostId>> {
    let key = me.id.to_string();
    if let Some(id) = linked(s, t, CalcomKind::User, &key).await?
        && exists(s.store.host(t, HostId(id)).await)?
    {
        sum.host = format!("kept {} (imported before)", me.email);
        return Ok(Some(HostId(id)));
    }
    let mut after = None;
    loop {
        let page = s.store.list_hosts(t, Page { limit: 500, after }).await?;
        if let Some(h) =
            page.iter().find(|h| h.email.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(&me.email)))
        {
            sum.host = format!("linked to the host {} ({})", h.name, me.email);
            if !dry_run {
                s.store.put_calcom_link(t, CalcomKind::User, &key, h.id.0, s.clock.now_second()).await?;
            }
            return Ok(Some(h.id));
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.id.0),
            _ => break,
        }
    }
    let name = me.name.clone().or_else(|| me.username.clone()).unwrap_or_else(|| me.email.clone());
    sum.host = format!("created {name} ({})", me.email);
    if dry_run {
        return Ok(None);
    }
    let new = CreateHost {
        name: name.chars().take(200).collect(),
        email: Some(me.email.clone()),
        phone: None,
        time_zone: me.time_zone.clone(),
        schedule_id: schedule.map(|id| id.to_string()),
        priority: 0,
        weight: 100,
        active: true,
    };
    let h = create_host(s, t, new).await.map_err(api)?;
    s.store.put_calcom_link(t, CalcomKind::User, &key, h.id.0, s.clock.now_second()).await?;
    Ok(Some(h.id))
}

/// Fills the integration's event-type map (entries already there stay).
async fn save_map(
    s: &Services,
    t: TenantId,
    old: Option<CalcomIntegration>,
    map: &BTreeMap<String, EventTypeId>,
    sum: &mut Summary,
) -> anyhow::Result<()> {
    if map.len() > MAX_EVENT_TYPES {
        sum.notes
            .push(format!("only {MAX_EVENT_TYPES} event types can be mapped; the mirror skips the others"));
    }
    let kept: BTreeMap<&String, &EventTypeId> = map.iter().take(MAX_EVENT_TYPES).collect();
    let now = s.clock.now_second();
    if old.as_ref().is_none_or(|c| c.webhook_secret.is_none()) {
        sum.notes.push("no webhook secret is set yet: the mirror refuses deliveries until one is".into());
    }
    let c = CalcomIntegration {
        tenant_id: t,
        webhook_secret: old.as_ref().and_then(|c| c.webhook_secret.clone()),
        event_types: serde_json::to_string(&kept)?,
        created_at: old.map_or(now, |c| c.created_at),
        updated_at: now,
    };
    Ok(s.store.put_calcom_integration(&c).await?)
}

/// Records upcoming accepted bookings through the mirror.
async fn bookings(
    s: &Services,
    t: TenantId,
    list: &[super::client::Booking],
    map: &BTreeMap<String, EventTypeId>,
    dry_run: bool,
    sum: &mut Summary,
) -> anyhow::Result<()> {
    for b in list {
        if b["status"].as_str().is_some_and(|st| !st.eq_ignore_ascii_case("accepted")) {
            continue;
        }
        let d = match payload::from_api(b) {
            Ok(d) => d,
            Err(why) => {
                sum.bookings_skipped += 1;
                sum.notes.push(format!("a booking was not imported: {why}"));
                continue;
            }
        };
        if dry_run {
            match s.store.calcom_mirror(t, &d.uids()).await? {
                Some(m) if m.booking_id.is_some() => sum.bookings_kept += 1,
                _ => sum.bookings_created += 1,
            }
            continue;
        }
        match mirror::apply(s, t, map, &d).await.map_err(api)? {
            o if o.outcome == "created" => sum.bookings_created += 1,
            o if o.outcome == "conflict" => {
                sum.bookings_conflicting += 1;
                sum.notes.push(format!("booking {} was not imported: its time is taken in Sked", d.uid));
            }
            o if o.applied() => sum.bookings_kept += 1,
            o => {
                sum.bookings_skipped += 1;
                sum.notes.push(format!("booking {} was not imported: {}", d.uid, o.detail));
            }
        }
    }
    Ok(())
}
