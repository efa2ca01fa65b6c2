//! The engine's test binary: a brute-force model and properties against it, DST tables,
//! recurrence, searches and assignment.

#![allow(clippy::unwrap_used)]

mod assign;
mod dst;
mod model;
mod props;
mod recurrence;
