//! The control-character rule of every request, stated in the document.
//!
//! The server refuses control characters before any handler runs (`crate::extract`): in JSON
//! bodies all but line breaks and tabs, in query parameters all. One pass over the finished
//! document states that on every string a request can carry that has no pattern, format or enum
//! of its own, so generated clients and property-based tests know it; and it widens the marker
//! pattern `\S` (a one-line name that is not blank) to the whole rule for one-line values.

use std::collections::BTreeSet;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{Components, RefOr};

/// Free text in a body: no control character but tab, line feed and carriage return.
pub const FREE_TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
/// A query parameter: no control character at all.
pub const NO_CONTROL: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// A one-line value that is not blank: no control character or line separator, and at least
/// one character that is not white space.
pub const ONE_LINE: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*\
    [^\\s\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029][^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$";
/// What a handler writes for a one-line value (`pattern = "\\S"`); widened to [`ONE_LINE`].
const ONE_LINE_MARKER: &str = "\\S";

/// States the rule on every request body schema and query parameter of `ops`, and on the
/// `components` their bodies use.
pub fn state_control_rule(components: Option<&mut Components>, ops: &mut [&mut Operation]) {
    let mut referenced = BTreeSet::new();
    for op in ops.iter_mut() {
        for p in op.parameters.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && let Some(RefOr::T(schema)) = p.schema.as_mut()
            {
                constrain(schema, NO_CONTROL, &mut referenced);
            }
        }
        if let Some(RefOr::T(body)) = op.request_body.as_mut() {
            for content in body.content.values_mut() {
                if let RefOr::T(content) = content
                    && let Some(schema) = content.schema.as_mut()
                {
                    walk(schema, &mut referenced);
                }
            }
        }
    }
    // Component schemas that request bodies use, and those they use in turn.
    let Some(components) = components else { return };
    let mut done = BTreeSet::new();
    while let Some(name) = referenced.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        if let Some(schema) = components.schemas.get_mut(&name) {
            walk(schema, &mut referenced);
        }
    }
}

fn walk(schema: &mut RefOr<Schema>, referenced: &mut BTreeSet<String>) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                referenced.insert(name.to_owned());
            }
        }
        RefOr::T(s) => constrain(s, FREE_TEXT, referenced),
    }
}

fn constrain(schema: &mut Schema, rule: &str, referenced: &mut BTreeSet<String>) {
    match schema {
        Schema::Object(o) => {
            if is_string(&o.schema_type) && o.format.is_none() && o.enum_values.is_none() {
                match o.pattern.as_deref() {
                    None => o.pattern = Some(rule.to_owned()),
                    Some(ONE_LINE_MARKER) => o.pattern = Some(ONE_LINE.to_owned()),
                    Some(_) => {}
                }
            }
            for p in o.properties.values_mut() {
                walk(p, referenced);
            }
        }
        Schema::Array(a) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut a.items {
                walk(items, referenced);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(|s| walk(s, referenced)),
        Schema::AllOf(x) => x.items.iter_mut().for_each(|s| walk(s, referenced)),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(|s| walk(s, referenced)),
        _ => {}
    }
}

fn is_string(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}
