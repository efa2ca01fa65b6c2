//! Sked's application layer: the booking rules every door shares.
//!
//! HTTP, voice agents and calendar sync (and every door after them) call these functions and
//! map [`AppError`] to their own answers; nothing here knows HTTP. Below it are the engine
//! (`sked-core`, pure rules) and the store (`sked-store`, persistence); this crate is where the
//! two meet: it reads availability snapshots, asks the engine, and writes each change with its
//! history, outbox job and idempotency record in one transaction.

#![forbid(unsafe_code)]

pub mod analytics;
pub mod availability;
pub mod bookings;
pub mod error;
pub mod idempotency;
pub mod view;

use std::ops::Deref;
use std::sync::Arc;

use sked_core::Clock;
use sked_store::DynStore;
use tokio::sync::Notify;

pub use availability::{AvailabilityCache, Checked, Snapshot};
pub use bookings::{Actor, Attendee, BookingEvent, NewBooking};
pub use error::{Alternative, AppError, AppResult, Refusal};
pub use idempotency::{Idempotency, Outcome};
pub use view::{AttendeeView, BookingView, ManageLinks, Written, rfc3339};

/// What the booking flows need (cheap to clone).
#[derive(Clone, Debug)]
pub struct App(Arc<Parts>);

/// The parts of an [`App`].
#[derive(Debug)]
pub struct Parts {
    /// Persistence.
    pub store: DynStore,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Availability snapshots.
    pub availability: AvailabilityCache,
    /// Woken after a change enqueued jobs, so the worker runs them at once.
    pub wake: Arc<Notify>,
    /// Signs attendees' manage links, shown in every booking view (`None`: no links).
    pub links: Option<Arc<dyn ManageLinks>>,
}

impl App {
    /// An application over `store`, with a fresh availability cache, whose changes each enqueue
    /// one `booking.event` job for whoever handles it.
    pub fn new(store: DynStore, clock: Arc<dyn Clock>, wake: Arc<Notify>) -> Self {
        Self::with_links(store, clock, wake, None)
    }

    /// As [`App::new`], with booking views carrying manage links made by `links`.
    pub fn with_links(
        store: DynStore,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
        links: Option<Arc<dyn ManageLinks>>,
    ) -> Self {
        let availability = AvailabilityCache::new(store.clone());
        Self(Arc::new(Parts { store, clock, availability, wake, links }))
    }

    /// The view of a stored booking as every door shows it.
    pub fn view(&self, b: sked_store::Booking) -> AppResult<BookingView> {
        view::view(self.links.as_deref(), b)
    }

    /// The view of a booking just written, with its JSON.
    pub fn written(&self, b: sked_store::Booking) -> AppResult<Written> {
        view::written(self.links.as_deref(), b)
    }
}

impl Deref for App {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}
