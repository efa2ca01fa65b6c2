//! What Sked's pages look like: server-rendered templates (askama) and the assets the pages and
//! the embeddable widget load, compiled into the binary so `cargo run --release` serves them
//! with no front-end build.
//!
//! Nothing here reads the store or speaks HTTP: the server's handlers (`server/src/web/`) fetch
//! what a page shows, fill a template's struct, and send the rendered text.

#![forbid(unsafe_code)]

pub mod admin;
pub mod analytics;
pub mod assets;
pub mod calendar;
pub mod charts;
pub mod picker;
pub mod public;
