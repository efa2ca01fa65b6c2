//! Sked's HTTP server: the JSON API of `docs/API.md`, operations endpoints, and the `sked` command.
//!
//! Data flows one way: a handler parses and authorizes, the engine (`sked-core`) decides, the
//! store persists (with jobs enqueued in the same transaction), and the job worker talks to the
//! outside. One module per resource, each with its own `router()`.

#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod blocks;
pub mod bookings;
pub mod bootstrap;
pub mod calcom;
pub mod calendars;
pub mod cli;
pub mod config;
pub mod error;
pub mod event_types;
pub mod events;
pub mod extract;
pub mod feeds;
pub mod guard;
pub mod hosts;
pub mod ics;
pub mod idempotency;
pub mod job_reads;
pub mod jobs_api;
pub mod mcp;
pub mod notify;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod privacy;
pub mod public;
pub mod schedules;
pub mod secrets;
pub mod slots;
pub mod state;
pub mod telemetry;
pub mod tenants;
pub mod time;
pub mod time_api;
pub mod users;
pub mod voice;
pub mod web;
pub mod worker;

pub use app::Application;
pub use config::Settings;

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl sked_core::Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place the wall clock is read.
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}
