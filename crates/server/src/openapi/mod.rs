//! The OpenAPI document: its security schemes, the responses every operation shares, and the
//! schemas of values whose rules no Rust type states (zone names, local times).
//!
//! The shared responses are added by one pass over the finished document ([`finish`]), so no
//! handler can forget them: 401 and 429 on everything behind a key; 400, 413, 415 and 422 on
//! every JSON body; 404 on every operation with a path parameter; 422 on every operation with
//! query or header parameters; 500 everywhere. A handler's own entry for a status wins. The same
//! pass states the control-character rule of every request ([`text`]).

mod text;

use std::sync::OnceLock;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{
    Array, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The document's frame; the routers add the paths.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Sked", description = "Scheduling and booking server: slots, bookings, hosts and their calendars."),
    modifiers(&SecuritySchemes),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// `bearer`: a tenant's API key (every `/v1` route but the tenant routes); `operator`: the
/// operator key (`/v1/tenants`, `/v1/api-keys`).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = |what: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(what)
                    .description(Some(format!("`Authorization: Bearer <{what}>`")))
                    .build(),
            )
        };
        components.add_security_scheme("bearer", scheme("tenant API key"));
        components.add_security_scheme("operator", scheme("operator key"));
    }
}

/// Adds the responses every operation shares (see the module documentation).
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut ops: Vec<&mut Operation> = doc
        .paths
        .paths
        .values_mut()
        .flat_map(|item| {
            [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
        })
        .collect();
    for op in ops.iter_mut() {
        add_common_responses(op);
        name_uniquely(op);
    }
    text::state_control_rule(doc.components.as_mut(), &mut ops);
    doc
}

/// Operation ids are the handlers' names (`create`, `list`, ...); prefixed with the tag they
/// are unique (`hosts_create`), as generated clients need.
fn name_uniquely(op: &mut Operation) {
    let tag = op.tags.as_ref().and_then(|t| t.first()).map(|t| t.replace('-', "_"));
    if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut())
        && !id.starts_with(&format!("{tag}_"))
    {
        *id = format!("{tag}_{id}");
    }
}

/// Whether an operation needs a key: it inherits the document's `bearer` unless it says
/// `security(())`.
pub fn is_secured(op: &Operation) -> bool {
    op.security.as_ref().is_none_or(|reqs| reqs.iter().any(|r| r != &SecurityRequirement::default()))
}

fn has_param(op: &Operation, place: impl Fn(&ParameterIn) -> bool) -> bool {
    op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => place(&p.parameter_in),
        RefOr::Ref(_) => false,
    })
}

fn add_common_responses(op: &mut Operation) {
    let mut add: Vec<(&str, &str)> = Vec::new();
    if is_secured(op) {
        add.push(("401", "unauthorized: no key, or not a key this route takes"));
        add.push(("429", "rate_limited: the key's requests are over its limit (see Retry-After)"));
    }
    if op.request_body.is_some() {
        add.push(("400", "malformed_json (or bad_request): the body is not valid JSON"));
        add.push(("413", "payload_too_large: the body is larger than the server accepts"));
        add.push(("415", "unsupported_media_type: the body is not sent as application/json"));
    }
    if has_param(op, |p| matches!(p, ParameterIn::Path)) {
        add.push(("404", "not_found: no such resource (or a malformed id)"));
    }
    if op.request_body.is_some() || has_param(op, |p| matches!(p, ParameterIn::Query | ParameterIn::Header)) {
        add.push(("422", "validation_failed: a field is invalid; `errors` names it"));
    }
    add.push(("500", "internal: something went wrong on the server's side"));
    for (status, description) in add {
        if op.responses.responses.contains_key(status) {
            continue;
        }
        op.responses.responses.insert(status.to_owned(), RefOr::T(problem_response(status, description)));
    }
}

/// A problem+json response.
fn problem_response(status: &str, description: &str) -> utoipa::openapi::Response {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    let mut b = ResponseBuilder::new().description(description).content("application/problem+json", content);
    if status == "429" {
        let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
        b = b.header(
            "Retry-After",
            HeaderBuilder::new().schema(Some(seconds)).description(Some("Seconds to wait.")).build(),
        );
    }
    b.build()
}

/// An IANA time zone name, as the server's zone database knows it.
#[derive(Debug)]
pub struct TimeZoneName;

impl PartialSchema for TimeZoneName {
    fn schema() -> RefOr<Schema> {
        static ZONES: OnceLock<Vec<String>> = OnceLock::new();
        let zones = ZONES.get_or_init(|| {
            let mut names: Vec<String> = jiff::tz::db()
                .available()
                .map(|n| n.as_str().to_owned())
                .filter(|n| sked_core::local::parse_zone("", n).is_ok())
                .collect();
            names.sort();
            names.dedup();
            names
        });
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some("An IANA time zone name."))
            .enum_values(Some(zones.iter().cloned()))
            .examples(["America/New_York"])
            .into()
    }
}

impl ToSchema for TimeZoneName {}

/// A string schema with a pattern or a format.
fn string(
    description: &str,
    pattern: Option<&str>,
    format: Option<KnownFormat>,
    max: Option<usize>,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .description(Some(description))
        .pattern(pattern)
        .format(format.map(SchemaFormat::KnownFormat))
        .max_length(max)
        .examples([example])
        .into()
}

macro_rules! string_schema {
    ($(#[$doc:meta])* $name:ident, $description:expr, $pattern:expr, $format:expr, $max:expr, $example:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string($description, $pattern, $format, $max, $example)
            }
        }

        impl ToSchema for $name {}
    };
}

string_schema!(
    /// A local time of day that starts an interval.
    LocalTime,
    "A local time of day, `HH:MM` (the hour may have one digit), from `00:00` to `23:59`.",
    Some("^([01]?[0-9]|2[0-3]):[0-5][0-9]$"),
    None,
    None,
    "09:00"
);
string_schema!(
    /// A local time of day that ends an interval.
    LocalEndTime,
    "A local time of day, `HH:MM`, from `00:01` to `24:00` (the end of the day); after the start.",
    Some("^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
    None,
    None,
    "17:00"
);
string_schema!(
    /// A phone number.
    PhoneNumber,
    "An E.164 phone number: `+` and 8 to 15 digits, the first not 0; spaces, dots, dashes and \
     parentheses between them are ignored (answers show the bare form). The country code must be \
     one in use and the number of a length used there (numbering plans, which no pattern holds).",
    Some("^\\+[ ().-]*[1-9]([ ().-]*[0-9]){7,14}[ ().-]*$"),
    None,
    None,
    "+15551234567"
);
string_schema!(
    /// An email address.
    EmailAddress,
    "An email address: one `@`, a local part of at most 64 characters, a domain with a dot, no \
     white space or `<>,;`, at most 254 characters (the domain is lower-cased).",
    None,
    Some(KnownFormat::Email),
    Some(254),
    "pat@example.com"
);
string_schema!(
    /// An event type's slug.
    Slug,
    "1 to 64 lowercase letters, digits and dashes, not starting with a dash; unique per tenant.",
    Some("^[a-z0-9][a-z0-9-]{0,63}$"),
    None,
    None,
    "consultation"
);

/// A list of 1 to `max` distinct ids.
fn distinct_ids(max: usize) -> Array {
    let id = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
    ArrayBuilder::new().items(id).min_items(Some(1)).max_items(Some(max)).unique_items(true).build()
}

/// An event type's `host_ids`: 1 to 100 distinct hosts.
pub fn host_ids() -> Array {
    distinct_ids(100)
}

/// A voice agent's `event_type_ids`: 1 to 50 distinct event types.
pub fn event_type_ids() -> Array {
    distinct_ids(50)
}

string_schema!(
    /// A local date.
    LocalDate,
    "A local date, `YYYY-MM-DD`.",
    None,
    Some(KnownFormat::Date),
    None,
    "2026-03-09"
);

/// A date the server reads, as a pattern: the server takes instants from 1970 to 2199 (UTC), so
/// any zone's 1971 to 2198 is always inside; days that no month has are left out (and the 29th
/// of February, which only some years have). A pattern, not a `format`, so that property-based
/// tests generate these values rather than filter them out of all dates.
macro_rules! date_pattern {
    () => {
        "(197[1-9]|19[89][0-9]|20[0-9]{2}|21[0-8][0-9]|219[0-8])-\
         ((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
    };
}

/// A time of day with seconds, up to nine digits of fraction, and `Z` or an offset.
macro_rules! time_pattern {
    () => {
        "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])"
    };
}

const INSTANT: &str = concat!("^", date_pattern!(), time_pattern!(), "$");
const DATE: &str = concat!("^", date_pattern!(), "$");
const IN_RANGE: &str = "written in the years 1971 to 2198 (the server takes 1970 to 2199, UTC)";

/// An instant the server reads.
#[derive(Debug)]
pub struct Instant;

impl PartialSchema for Instant {
    fn schema() -> RefOr<Schema> {
        let description = format!("An RFC 3339 instant with an offset, {IN_RANGE}.");
        string(&description, Some(INSTANT), None, None, "2026-03-09T14:00:00Z")
    }
}

impl ToSchema for Instant {}

/// An instant (RFC 3339) or a local date (`YYYY-MM-DD`).
#[derive(Debug)]
pub struct InstantOrDate;

impl PartialSchema for InstantOrDate {
    fn schema() -> RefOr<Schema> {
        let one = |pattern| ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern));
        let either = OneOfBuilder::new()
            .item(one(INSTANT))
            .item(one(DATE))
            .description(Some(format!("An RFC 3339 instant, or a local date (`YYYY-MM-DD`), {IN_RANGE}.")));
        RefOr::T(Schema::OneOf(either.build()))
    }
}

impl ToSchema for InstantOrDate {}

/// An email address or a phone number (notification preferences are kept per address).
#[derive(Debug)]
pub struct ContactAddress;

impl PartialSchema for ContactAddress {
    fn schema() -> RefOr<Schema> {
        let either = OneOfBuilder::new()
            .item(EmailAddress::schema())
            .item(PhoneNumber::schema())
            .description(Some("An email address, or a phone number in international form."));
        RefOr::T(Schema::OneOf(either.build()))
    }
}

impl ToSchema for ContactAddress {}
