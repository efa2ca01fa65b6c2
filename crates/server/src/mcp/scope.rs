//! Who an MCP request acts for, and the voice agent its tools run as: a stored agent
//! (`?agent=`), or one made for the call from the `event_type_id` and `time_zone` arguments.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sked_core::Zone;
use sked_core::ids::{EventTypeId, TenantId, VoiceAgentId};
use sked_core::local::HourClock;
use sked_store::{DynStore, EventType, Ids, Page, StoreError, VoiceAgent};
use sked_when::Language;

/// What every request of a connection acts for.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The key's tenant.
    pub tenant: TenantId,
    /// Who history records (the API key).
    pub actor: String,
    /// The voice agent named by `?agent=` (or `--agent`): its event types, zone and language.
    pub agent: Option<VoiceAgent>,
}

/// The arguments MCP adds to the voice tools' own. `event_type_id` and `time_zone` are only
/// offered without an agent; `idempotency_key` only by the tools that book, move or cancel.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct McpArgs {
    /// The event type to use (its id). Needed when the business has more than one.
    #[schemars(length(min = 1, max = 100))]
    pub event_type_id: Option<String>,
    /// The IANA time zone phrases are read and times said in (default: the zone of the event
    /// type's first host).
    #[schemars(length(min = 1, max = 100))]
    pub time_zone: Option<String>,
    /// Any string you choose, to retry safely: a call with a key used before, with the same
    /// arguments, answers the first result again and changes nothing.
    #[schemars(length(min = 1, max = 200))]
    pub idempotency_key: Option<String>,
}

/// Longest `idempotency_key`: the voice tools' key wraps it in their own, at most 255 long.
pub const MAX_KEY_LEN: usize = 200;

/// The tools that book, move or cancel, and so take `idempotency_key`.
pub const CHANGING: [&str; 3] = ["book_appointment", "reschedule_appointment", "cancel_appointment"];

/// The MCP-only properties, from [`McpArgs`]'s schema.
fn extra_properties() -> Map<String, Value> {
    let schema = schemars::schema_for!(McpArgs).to_value();
    let mut props = schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    for p in props.values_mut() {
        // `Option<String>` reads as `["string", "null"]`; absent is how to leave one out.
        if let Some(p) = p.as_object_mut() {
            p.insert("type".into(), json!("string"));
        }
    }
    props
}

/// The Spanish description of an MCP-only argument.
fn spanish(field: &str) -> Option<&'static str> {
    match field {
        "event_type_id" => Some("El tipo de cita (su id). Necesario cuando el negocio tiene más de uno."),
        "time_zone" => Some(
            "La zona horaria IANA en la que se leen las frases y se dicen las horas (por defecto, la del primer anfitrión del tipo de cita).",
        ),
        "idempotency_key" => Some(
            "Cualquier texto que elija, para reintentar sin riesgo: una llamada con una clave ya usada y los mismos argumentos devuelve el primer resultado y no cambia nada.",
        ),
        _ => None,
    }
}

/// The voice tools' definitions as MCP gives them, in `language`: with `idempotency_key` on the
/// changing ones, and, without an agent, `event_type_id` (required when `several` event types
/// exist) and `time_zone`.
pub fn definitions(
    agent: bool,
    several: bool,
    language: Language,
) -> Vec<(&'static str, &'static str, Value)> {
    let extra = extra_properties();
    sked_voice_tools::definitions_in(language)
        .into_iter()
        .map(|(name, description, mut schema)| {
            let mut add = vec![];
            if !agent {
                add.extend(["event_type_id", "time_zone"]);
            }
            if CHANGING.contains(&name) {
                add.push("idempotency_key");
            }
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for field in add {
                    if let Some(p) = extra.get(field) {
                        let mut p = p.clone();
                        if let Some(d) = spanish(field).filter(|_| language == Language::Es) {
                            p["description"] = json!(d);
                        }
                        props.insert(field.into(), p);
                    }
                }
            }
            if !agent && several {
                let mut required: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
                required.push(json!("event_type_id"));
                schema["required"] = Value::Array(required);
            }
            (name, description, schema)
        })
        .collect()
}

/// Whether the tenant has more than one event type.
pub async fn has_several(store: &DynStore, tenant: TenantId) -> Result<bool, StoreError> {
    Ok(store.list_event_types(tenant, Page { limit: 2, after: None }).await?.len() > 1)
}

/// Why a call cannot run: the argument at fault and what to say.
#[derive(Debug)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { field, message: message.into() }
}

/// The agent a call runs as: the scope's, or one made from the call's arguments.
pub async fn agent_for(
    store: &DynStore,
    scope: &Scope,
    args: &McpArgs,
) -> Result<Result<VoiceAgent, Refusal>, StoreError> {
    if let Some(a) = &scope.agent {
        return Ok(Ok(a.clone()));
    }
    let event_type = match args.event_type_id.as_deref().map(str::trim) {
        Some(text) => match text.parse::<EventTypeId>() {
            Err(_) => return Ok(Err(refuse("event_type_id", "is not an event type id"))),
            Ok(id) => match store.event_type(scope.tenant, id).await {
                Ok(e) => e,
                Err(StoreError::NotFound) => return Ok(Err(refuse("event_type_id", "no such event type"))),
                Err(e) => return Err(e),
            },
        },
        None => {
            let mut all = store.list_event_types(scope.tenant, Page { limit: 2, after: None }).await?;
            match all.len() {
                0 => return Ok(Err(refuse("event_type_id", "this account has no event type yet"))),
                1 => all.remove(0),
                _ => {
                    return Ok(Err(refuse(
                        "event_type_id",
                        "is required: this account has several event types",
                    )));
                }
            }
        }
    };
    let time_zone = match args.time_zone.as_deref().map(str::trim) {
        Some(z) => match Zone::parse("time_zone", z) {
            Ok(zone) => zone,
            Err(_) => return Ok(Err(refuse("time_zone", "is not an IANA time zone"))),
        },
        None => first_host_zone(store, scope.tenant, &event_type).await?,
    };
    Ok(Ok(VoiceAgent {
        // No stored agent: the nil id says so in the booking's metadata.
        id: VoiceAgentId(uuid::Uuid::nil()),
        tenant_id: scope.tenant,
        // Not read: the MCP door names itself in the tools' context (`Ctx::platform`).
        platform: sked_voice::Platform::Retell,
        platform_agent_id: None,
        event_type_ids: Ids(vec![event_type.id]),
        default_event_type_id: event_type.id,
        time_zone,
        secret: String::new(),
        auth_header: None,
        max_options_spoken: 3,
        clock: HourClock::H12,
        language: Language::En,
        created_at: 0,
        updated_at: 0,
    }))
}

async fn first_host_zone(store: &DynStore, tenant: TenantId, e: &EventType) -> Result<Zone, StoreError> {
    let Some(host) = e.host_ids.first() else { return Ok(Zone::utc()) };
    match store.host(tenant, *host).await {
        Ok(h) => Ok(h.time_zone),
        Err(StoreError::NotFound) => Ok(Zone::utc()),
        Err(e) => Err(e),
    }
}

/// Reads the MCP arguments out of a call's, leaving the voice tool's own. A key that is not a
/// string of 1 to [`MAX_KEY_LEN`] visible ASCII characters is refused rather than ignored: a
/// retry must not book twice because its key was dropped.
pub fn split_args(mut args: Map<String, Value>, agent: bool) -> Result<(McpArgs, Value), Refusal> {
    let mut take = |k: &str| args.remove(k);
    let key = take("idempotency_key");
    let (event_type_id, time_zone) =
        if agent { (None, None) } else { (take("event_type_id"), take("time_zone")) };
    let text = |v: Option<Value>, field: &'static str| -> Result<Option<String>, Refusal> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(refuse(field, "must be a string")),
        }
    };
    let idempotency_key = text(key, "idempotency_key")?;
    if let Some(k) = &idempotency_key
        && (k.len() > MAX_KEY_LEN || !k.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return Err(refuse(
            "idempotency_key",
            format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
        ));
    }
    let extra = McpArgs {
        event_type_id: text(event_type_id, "event_type_id")?,
        time_zone: text(time_zone, "time_zone")?,
        idempotency_key,
    };
    // Keys in order, so the same arguments sent in another order are the same request.
    let mut sorted: Vec<(String, Value)> = args.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((extra, Value::Object(sorted.into_iter().collect())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcp_arguments_are_added_where_they_belong() {
        let with_agent = definitions(true, true, Language::En);
        let book = &with_agent[2].2["properties"];
        assert_eq!(book["idempotency_key"]["type"], "string");
        assert!(book.get("event_type_id").is_none() && book.get("time_zone").is_none());
        assert!(with_agent[0].2["properties"].get("idempotency_key").is_none());
        let without = definitions(false, true, Language::En);
        assert_eq!(without[0].2["required"], json!(["event_type_id"]));
        assert_eq!(without[2].2["required"], json!(["name", "event_type_id"]));
        assert_eq!(without[0].2["properties"]["time_zone"]["type"], "string");
        assert!(definitions(false, false, Language::En)[0].2.get("required").is_none());
    }

    #[test]
    fn keys_are_checked_and_arguments_sorted() {
        let args = json!({"when": "x", "idempotency_key": " k1 ", "name": "Pat", "time_zone": "UTC"});
        let Value::Object(args) = args else { unreachable!() };
        let (extra, rest) = split_args(args.clone(), false).map_err(|r| r.message).unwrap_or_default();
        assert_eq!(extra.idempotency_key.as_deref(), Some("k1"));
        assert_eq!(extra.time_zone.as_deref(), Some("UTC"));
        assert_eq!(rest.to_string(), r#"{"name":"Pat","when":"x"}"#);
        let (_, rest) = split_args(args, true).map_err(|r| r.message).unwrap_or_default();
        assert!(rest.get("time_zone").is_some(), "with an agent, time_zone is the tool's business");
        for bad in [json!(7), json!("caf\u{e9}"), json!("k".repeat(MAX_KEY_LEN + 1))] {
            let mut m = Map::new();
            m.insert("idempotency_key".into(), bad);
            assert_eq!(split_args(m, true).err().map(|r| r.field), Some("idempotency_key"));
        }
    }
}
