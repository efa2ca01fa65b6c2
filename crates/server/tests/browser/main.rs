//! The booking flow in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven over WebDriver, against a Sked server in this process and a page on
//! another origin that embeds `/widget.js`. Skips, saying why, when the browser or axe-core
//! (`npm ci --prefix tests/browser`) is missing.

#![allow(clippy::unwrap_used)]

mod audit;
mod driver;
mod flow;
mod pages;
// The API tests' server harness, shared rather than copied.
#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod site;
