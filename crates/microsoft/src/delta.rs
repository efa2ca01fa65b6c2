//! Calendar-view delta sync: `GET /me/calendars/{id}/calendarView/delta?startDateTime&endDateTime`
//! starts a round; each page links to the next (`@odata.nextLink`, a `$skiptoken`) until the
//! last, whose `@odata.deltaLink` (a `$deltatoken`) starts the next round with only what changed.
//! Both links are stored and followed whole, and only when they lie under `graph_base`.
//!
//! A stale delta link (410 Gone, or 400 `syncStateNotFound`/`resyncRequired`) is
//! [`ProviderError::Gone`]: start again with [`DeltaStart::Fresh`].

use jiff::Timestamp;
use reqwest::Method;
use serde_json::Value;

use crate::events::Event;
use crate::{Microsoft, ProviderError, ProviderResult};

/// Most pages one round follows before giving up (a round that long is a loop).
const MAX_PAGES: usize = 5_000;

/// Where a delta call starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeltaStart<'a> {
    /// A new round over the calendar's events between `start` and `end`.
    Fresh {
        /// Start of the window.
        start: Timestamp,
        /// End of the window.
        end: Timestamp,
    },
    /// A stored `@odata.nextLink` (the rest of a round) or `@odata.deltaLink` (the next round).
    Link(&'a str),
}

/// One page of a delta round. Exactly one of the links is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeltaPage {
    /// Changed, added and removed (`@removed`) instances.
    pub events: Vec<Event>,
    /// The next page of this round.
    pub next_link: Option<String>,
    /// The start of the next round: the round is complete.
    pub delta_link: Option<String>,
}

/// A whole delta round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeltaRound {
    /// Every item of every page, in order.
    pub events: Vec<Event>,
    /// Where the next round starts.
    pub delta_link: String,
    /// Pages read.
    pub pages: usize,
}

impl Microsoft {
    /// One page of calendar-view delta on `calendar_id` (unused with a link: the link says it).
    pub async fn calendar_view_delta(
        &self,
        access: &str,
        calendar_id: &str,
        start: DeltaStart<'_>,
    ) -> ProviderResult<DeltaPage> {
        let url = match start {
            DeltaStart::Fresh { start, end } => {
                if end <= start {
                    return Err(ProviderError::Refused {
                        status: 0,
                        reason: "emptyWindow".into(),
                        message: "the delta window ends before it starts".into(),
                    });
                }
                let mut url = self.graph_url(&["me", "calendars", calendar_id, "calendarView", "delta"])?;
                url.query_pairs_mut()
                    .append_pair("startDateTime", &utc_seconds(start))
                    .append_pair("endDateTime", &utc_seconds(end));
                url
            }
            // A stored link that no longer lies under graph_base (the configuration changed)
            // cannot be followed: a fresh round replaces it.
            DeltaStart::Link(link) => self
                .trusted_link(link)
                .ok_or_else(|| ProviderError::Gone { reason: "deltaLinkOutsideGraphBase".into() })?,
        };
        let prefer = [format!("odata.maxpagesize={}", self.delta_page_size)];
        let page: Value = self.call(Method::GET, url, access, None, &prefer).await?;
        let link = |key: &str| -> ProviderResult<Option<String>> {
            match page.get(key).and_then(Value::as_str) {
                Some(l) => self.follow(l).map(|_| Some(l.to_owned())),
                None => Ok(None),
            }
        };
        let (next_link, delta_link) = (link("@odata.nextLink")?, link("@odata.deltaLink")?);
        if next_link.is_none() && delta_link.is_none() {
            return Err(ProviderError::Transport(
                "delta page without @odata.nextLink or @odata.deltaLink".into(),
            ));
        }
        let events = page
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| v.is_object())
            .map(Event::from_json)
            .filter(|e| !e.id.is_empty())
            .collect();
        Ok(DeltaPage { events, next_link, delta_link })
    }

    /// A whole round: every page from `start` to the `@odata.deltaLink`.
    pub async fn calendar_view_delta_round(
        &self,
        access: &str,
        calendar_id: &str,
        start: DeltaStart<'_>,
    ) -> ProviderResult<DeltaRound> {
        let mut round = DeltaRound::default();
        let mut page = self.calendar_view_delta(access, calendar_id, start).await?;
        loop {
            round.pages += 1;
            round.events.append(&mut page.events);
            if let Some(delta) = page.delta_link {
                round.delta_link = delta;
                return Ok(round);
            }
            let Some(next) = page.next_link else {
                return Err(ProviderError::Transport("delta page without a link".into()));
            };
            if round.pages >= MAX_PAGES {
                return Err(ProviderError::Transport(format!("delta round longer than {MAX_PAGES} pages")));
            }
            page = self.calendar_view_delta(access, calendar_id, DeltaStart::Link(&next)).await?;
        }
    }
}

/// `2026-03-10T14:00:00Z`, as the window's bounds are written.
fn utc_seconds(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
