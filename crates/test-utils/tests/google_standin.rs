//! The Google stand-in, exercised over HTTP with plain reqwest as Sked's client would use it.

#![allow(clippy::unwrap_used)]

#[path = "google_standin/oauth.rs"]
mod oauth;
#[path = "google_standin/push.rs"]
mod push;
#[path = "google_standin/support.rs"]
mod support;
#[path = "google_standin/sync.rs"]
mod sync;
#[path = "google_standin/writes.rs"]
mod writes;
