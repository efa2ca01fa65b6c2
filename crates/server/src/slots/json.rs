//! Slot answers as `GET .../slots` sends them: JSON written straight from the engine's slot set,
//! and kept for the second it was computed in.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use sked_core::ids::{EventTypeId, TenantId};
use sked_core::interval::timestamp;
use sked_core::{SlotSet, compute_slots};

use super::{Asked, SlotsQuery, check_size};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sked_app::Snapshot;

/// [`answer`](super::answer) as the JSON response `GET .../slots` sends, serialised once per
/// snapshot, query and second ([`Answers`]). With the request's headers (the public routes,
/// which browsers call), the answer is sent gzipped to a client that takes gzip, compressed once
/// per kept answer ([`super::gzip`]), and says it varies with `Accept-Encoding`.
pub async fn answer_json(
    state: &AppState,
    tenant: TenantId,
    id: EventTypeId,
    q: SlotsQuery,
    negotiate: Option<&HeaderMap>,
) -> ApiResult<Response> {
    let now = state.clock.now_second();
    let snap = state.app.availability.get(tenant, id, now).await?;
    let key = AnswerKey { snapshot: snap.serial, now, query: q };
    let answer = match state.slot_answers.0.get(&key) {
        Some(answer) => answer,
        None => {
            let asked = Asked::new(snap, &key.query, now)?;
            let json = state.app.availability.compute_sized(asked.cost, move || asked.json(id)).await?;
            let answer = Arc::new(Answer { json, gzipped: OnceLock::new() });
            state.slot_answers.0.insert(key, answer.clone());
            answer
        }
    };
    let json = HeaderValue::from_static("application/json");
    let Some(headers) = negotiate else {
        return Ok(([(CONTENT_TYPE, json)], answer.json.clone()).into_response());
    };
    let vary = (VARY, HeaderValue::from_static("accept-encoding"));
    let gzipped = super::gzip::accepts_gzip(headers)
        .then(|| answer.gzipped.get_or_init(|| super::gzip::gzip(&answer.json)).clone())
        .flatten();
    Ok(match gzipped {
        Some(z) => {
            let encoding = (CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            ([(CONTENT_TYPE, json), encoding, vary], z).into_response()
        }
        None => ([(CONTENT_TYPE, json), vary], answer.json.clone()).into_response(),
    })
}

/// A kept answer: its JSON, and that JSON gzipped once a client taking gzip asked for it.
#[derive(Debug)]
pub struct Answer {
    json: Bytes,
    gzipped: OnceLock<Option<Bytes>>,
}

impl Asked {
    /// Computes the answer as JSON (engine work: run it through `compute_sized`).
    fn json(self, id: EventTypeId) -> ApiResult<Bytes> {
        let Self { snap, tz, query, .. } = self;
        let set = compute_slots(&snap.rules, &snap.inputs(), &query);
        check_size(&set)?;
        let answer = Written {
            id,
            time_zone: tz.iana_name().unwrap_or("UTC"),
            snap: &snap,
            set: &set,
            dates: &set.group_by_date(&tz),
        };
        // About what a slot with two hosts takes, so the buffer rarely grows.
        let mut out = Vec::with_capacity(256 + 160 * set.len());
        serde_json::to_writer(&mut out, &answer).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(Bytes::from(out))
    }
}

/// An answer written from its slot set: the bytes serde_json writes for its
/// [`SlotsView`](super::SlotsView) (the same fields in the same order, dates and instants as
/// their `Display` writes them), without the strings, vectors and map the view is made of.
struct Written<'a> {
    id: EventTypeId,
    time_zone: &'a str,
    snap: &'a Snapshot,
    set: &'a SlotSet,
    dates: &'a BTreeMap<Date, Vec<usize>>,
}

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut view = s.serialize_struct("SlotsView", 5)?;
        view.serialize_field("event_type_id", &self.id)?;
        view.serialize_field("time_zone", self.time_zone)?;
        view.serialize_field("duration_minutes", &self.snap.event_type.duration_minutes)?;
        view.serialize_field("available_dates", &Seq(|| self.dates.keys().map(Shown)))?;
        view.serialize_field("slots_by_date", &ByDate(self))?;
        view.end()
    }
}

/// `slots_by_date`.
struct ByDate<'a>(&'a Written<'a>);

impl Serialize for ByDate<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Written { snap, set, dates, .. } = self.0;
        let mut map = s.serialize_map(Some(dates.len()))?;
        for (date, slots) in dates.iter() {
            let slots = || slots.iter().filter_map(|&i| set.get(i)).map(|slot| SlotJson { snap, slot });
            map.serialize_entry(&Shown(date), &Seq(slots))?;
        }
        map.end()
    }
}

/// One slot, as [`SlotView`](super::SlotView) writes it.
struct SlotJson<'a> {
    snap: &'a Snapshot,
    slot: sked_core::Slot<'a>,
}

impl Serialize for SlotJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut view = s.serialize_struct("SlotView", 3)?;
        view.serialize_field("start", &Shown(timestamp(self.slot.start)))?;
        view.serialize_field("end", &Shown(timestamp(self.slot.end)))?;
        let hosts = || self.slot.hosts.iter().map(|&h| self.snap.hosts[h as usize].id);
        view.serialize_field("host_ids", &Seq(hosts))?;
        view.end()
    }
}

/// A value written as the string its `Display` gives.
struct Shown<T>(T);

impl<T: Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// The items an iterator gives, written as an array.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator<Item: Serialize>,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// Slot answers already serialised, kept for the second they were computed in: a page that
/// many people look at, or a client asking again, costs the engine and the JSON once a second.
/// An answer depends only on its snapshot (a new one after any change, [`Snapshot::serial`]),
/// the query as sent, and the second (minimum notice and the past move with it), so a kept
/// answer is exactly the one computing it again would give. At most [`ANSWER_BYTES`] are kept,
/// each for at most [`ANSWER_TTL`].
#[derive(Debug)]
pub struct Answers(moka::sync::Cache<AnswerKey, Arc<Answer>>);

/// What a kept answer is found by.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    snapshot: u64,
    now: i64,
    query: SlotsQuery,
}

/// Most bytes of slot answers kept.
pub const ANSWER_BYTES: u64 = 32 << 20;

/// How long a slot answer is kept: its second, and the next (in case of a late request).
pub const ANSWER_TTL: Duration = Duration::from_secs(2);

impl Default for Answers {
    fn default() -> Self {
        // The gzipped copy, made later, is counted in advance: slot JSON compresses to well
        // under a quarter.
        let weigh = |k: &AnswerKey, v: &Arc<Answer>| {
            let q = &k.query;
            let text = q.from.len() + q.to.len() + q.time_zone.as_ref().map_or(0, String::len);
            let bytes = v.json.len() + v.json.len() / 4;
            u32::try_from(bytes + text + q.host_id.as_ref().map_or(0, String::len)).unwrap_or(u32::MAX)
        };
        Self(
            moka::sync::Cache::builder()
                .max_capacity(ANSWER_BYTES)
                .weigher(weigh)
                .time_to_live(ANSWER_TTL)
                .build(),
        )
    }
}
