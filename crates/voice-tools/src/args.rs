//! What each tool takes, as types: the JSON schemas agents are given come from these, and a
//! call's arguments are read into them.
//!
//! Agents are language models: an argument may come as a number, an empty string or not at
//! all. A field that is not a non-empty string after trimming is taken as absent, never as an
//! error, so the tool can ask for what is missing in words.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A field the caller may leave out: a trimmed, non-empty string, or nothing.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
}

/// A call's arguments as `T`; anything but an object reads as no arguments at all.
pub(crate) fn parse<T: DeserializeOwned + Default>(args: &Value) -> T {
    serde_json::from_value(args.clone()).unwrap_or_default()
}

/// The JSON schema of `T` as agents are given it: an object of string properties, no titles,
/// `required` naming what the agent should always ask the caller for (the tool still asks
/// when it is missing). An optional property is simply not required: it is never offered as
/// `null` too, which some platforms' schema readers refuse.
pub(crate) fn schema<T: JsonSchema>(required: &[&str]) -> Value {
    let generator = SchemaSettings::draft07().with(|s| s.meta_schema = None).into_generator();
    let mut schema: Schema = generator.into_root_schema_for::<T>();
    schema.remove("title");
    let mut value = schema.to_value();
    if let Some(props) = value.get_mut("properties").and_then(Value::as_object_mut) {
        for prop in props.values_mut() {
            if let Some(p) = prop.as_object_mut() {
                p.remove("default");
            }
            let Some(kinds) = prop.get("type").and_then(Value::as_array) else { continue };
            let kinds: Vec<Value> = kinds.iter().filter(|k| *k != "null").cloned().collect();
            if let [only] = kinds.as_slice() {
                prop["type"] = only.clone();
            }
        }
    }
    if let Some(obj) = value.as_object_mut() {
        obj.remove("description");
        if !required.is_empty() {
            obj.insert("required".into(), Value::from(required.to_vec()));
        }
    }
    value
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct CheckAvailability {
    /// When the caller wants to come, in their words.
    #[serde(default, deserialize_with = "lenient")]
    pub when: Option<String>,
    /// The service, if the caller named one (its name or slug).
    #[serde(default, deserialize_with = "lenient")]
    pub event_type: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct FindEarliest {
    /// The service, if the caller named one (its name or slug).
    #[serde(default, deserialize_with = "lenient")]
    pub event_type: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Book {
    /// The chosen start, exactly as returned by check_availability (RFC 3339).
    #[serde(default, deserialize_with = "lenient")]
    pub start: Option<String>,
    /// The caller's words for the time, if no start was offered.
    #[serde(default, deserialize_with = "lenient")]
    pub when: Option<String>,
    /// The caller's full name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    /// A phone number, if not the one they are calling from.
    #[serde(default, deserialize_with = "lenient")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub notes: Option<String>,
    /// The service, if the caller named one (its name or slug).
    #[serde(default, deserialize_with = "lenient")]
    pub event_type: Option<String>,
}

// How the caller's booking is found: its code, or a phone number (default: the caller's).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Lookup {
    #[serde(default, deserialize_with = "lenient")]
    pub confirmation_code: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub phone: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Reschedule {
    #[serde(flatten)]
    pub lookup: Lookup,
    /// The new time, in the caller's words, or an RFC 3339 start offered earlier.
    #[serde(default, deserialize_with = "lenient")]
    pub when: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub(crate) struct Cancel {
    #[serde(flatten)]
    pub lookup: Lookup,
    #[serde(default, deserialize_with = "lenient")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn what_an_agent_sends_wrong_reads_as_absent() {
        let a: Book = parse(
            &json!({"name": "  Pat Lee ", "phone": 5551234, "email": "   ", "notes": null, "extra": 1}),
        );
        assert_eq!(a.name.as_deref(), Some("Pat Lee"));
        assert_eq!((a.phone, a.email, a.notes, a.start), (None, None, None, None));
        let r: Reschedule = parse(&json!({"confirmation_code": "k7m3q9", "when": "tomorrow at 3"}));
        assert_eq!(r.lookup.confirmation_code.as_deref(), Some("k7m3q9"));
        assert_eq!(r.when.as_deref(), Some("tomorrow at 3"));
        let none: Cancel = parse(&json!("cancel it"));
        assert!(none.lookup.confirmation_code.is_none() && none.reason.is_none());
    }
}
