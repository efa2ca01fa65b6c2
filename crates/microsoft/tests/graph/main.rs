//! Sked's Microsoft client end to end against the Graph stand-in (`sked_test_utils::microsoft`).

#![allow(clippy::unwrap_used)]

mod calendars;
mod delta;
mod faults;
mod oauth;
mod subscriptions;
mod support;
mod writes;
