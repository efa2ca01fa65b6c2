//! The store conformance suite: every test runs on a fresh SQLite database and, when
//! `SKED_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database.

#![allow(clippy::unwrap_used)]

mod audit;
mod bookings;
mod calcom;
mod calendars;
mod config;
mod database;
mod fixtures;
mod groups;
mod jobs;
mod messages;
mod privacy;
mod retries;
mod users;
mod voice;
