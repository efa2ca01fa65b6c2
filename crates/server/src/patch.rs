//! Helpers for PATCH bodies: a field that is absent stays as it is, `null` clears it.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field (even `null`) as `Some(value)`, so `#[serde(default)]` leaves an
/// absent one as `None`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The new value of a nullable field.
pub fn apply<T>(change: Option<Option<T>>, current: Option<T>) -> Option<T> {
    match change {
        Some(v) => v,
        None => current,
    }
}
