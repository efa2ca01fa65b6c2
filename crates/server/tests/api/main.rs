//! End-to-end tests of the server through HTTP, on both stores.

#![allow(clippy::unwrap_used)]

mod admin;
mod admin_editors;
mod audit;
mod backup;
mod bookings;
mod calcom;
mod caldav;
mod crash;
mod crash_storm;
mod events;
mod feed;
mod google;
mod guard;
mod helpers;
mod hostile;
mod ics_feed;
mod mcp;
mod microsoft;
mod notify;
mod openapi;
mod ops;
mod outage;
mod pages;
mod privacy;
mod process;
mod public;
mod resources;
mod slots;
mod storm;
mod voice;
mod voice_speech;
mod worker;
