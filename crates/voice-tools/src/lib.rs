//! The voice tools: what an agent on a call can ask, and the sentences it reads back.
//!
//! Every tool answers with a short spoken sentence and the structured data behind it. A tool
//! never guesses: a booking request without an exact time gets options and a question back,
//! and a phrase with no time in it gets a question.

mod args;
mod change;
mod described;
mod find;
pub mod speech;

use serde_json::{Value, json};
use sked_app::{Actor, App, AppError};
use sked_core::ids::EventTypeId;
use sked_store::VoiceAgent;
use sked_voice::{CallInfo, ToolCall};
use sked_when::Language;

use speech::Voice;

/// A tool's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// What the agent says.
    pub speech: String,
    /// What it is based on.
    pub data: Value,
}

impl Answer {
    pub(crate) fn new(speech: impl Into<String>, data: Value) -> Self {
        Self { speech: speech.into(), data }
    }
}

/// The tool names, their descriptions and their JSON schemas, in `language`.
pub fn definitions_in(language: Language) -> Vec<(&'static str, &'static str, Value)> {
    definitions()
        .into_iter()
        .map(|(name, description, schema)| {
            (name, described::text(description, language), described::schema(schema, language))
        })
        .collect()
}

/// The tool names, their descriptions and their JSON schemas, in English.
pub fn definitions() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "check_availability",
            "Find free times. Pass what the caller said about when, in their words (for example \"next Tuesday afternoon\").",
            args::schema::<args::CheckAvailability>(&[]),
        ),
        (
            "find_earliest_availability",
            "Find the earliest free times.",
            args::schema::<args::FindEarliest>(&[]),
        ),
        (
            "book_appointment",
            "Book a time the caller chose. Use `start` from a time offered earlier, or `when` with the caller's exact words.",
            args::schema::<args::Book>(&["name"]),
        ),
        (
            "find_appointment",
            "Look up the caller's appointment by confirmation code or phone number (default: the number they call from).",
            args::schema::<args::Lookup>(&[]),
        ),
        (
            "reschedule_appointment",
            "Move the caller's appointment to another time.",
            args::schema::<args::Reschedule>(&["when"]),
        ),
        ("cancel_appointment", "Cancel the caller's appointment.", args::schema::<args::Cancel>(&[])),
    ]
}

/// The tools' names.
pub const NAMES: [&str; 6] = [
    "check_availability",
    "find_earliest_availability",
    "book_appointment",
    "find_appointment",
    "reschedule_appointment",
    "cancel_appointment",
];

/// A tool name fit to be a metric label: one of [`NAMES`], or `unknown` for anything else, so a
/// caller cannot mint label values.
pub fn label(name: &str) -> &'static str {
    NAMES.iter().find(|n| **n == name).copied().unwrap_or("unknown")
}

/// Everything a tool call runs with.
pub struct Ctx<'a> {
    /// The booking rules and the store.
    pub app: &'a App,
    /// The agent called.
    pub agent: &'a VoiceAgent,
    /// `retell`, `vapi` or `mcp`.
    pub platform: &'static str,
    /// What the platform said about the call.
    pub info: &'a CallInfo,
    /// How times are said, in the business's zone, from "now".
    pub voice: Voice,
    /// Who acts: the agent, in its tenant.
    pub actor: Actor,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("agent", &self.agent.id).field("info", &self.info).finish()
    }
}

/// Runs a tool; `None` when the name is not a tool.
pub async fn run(ctx: &Ctx<'_>, call: &ToolCall) -> Option<Answer> {
    let a = &call.args;
    let answer = match call.name.as_str() {
        "check_availability" => {
            let args::CheckAvailability { when, event_type } = args::parse(a);
            find::check_availability(ctx, when.as_deref(), event_type.as_deref()).await
        }
        "find_earliest_availability" => {
            find::find_earliest(ctx, args::parse::<args::FindEarliest>(a).event_type.as_deref()).await
        }
        "book_appointment" => change::book(ctx, call).await,
        "find_appointment" => change::find(ctx, &args::parse(a)).await,
        "reschedule_appointment" => change::reschedule(ctx, call).await,
        "cancel_appointment" => change::cancel(ctx, call).await,
        _ => return None,
    };
    Some(answer.unwrap_or_else(|e| {
        tracing::error!(error = ?e, tool = %call.name, "voice tool failed");
        Answer::new(ctx.voice.lines().unreachable, json!({"error": "internal"}))
    }))
}

pub(crate) type Result<T> = std::result::Result<T, AppError>;

/// The event type the caller means: by id, slug or title among the agent's, else the default.
pub(crate) async fn event_type(
    ctx: &Ctx<'_>,
    asked: Option<&str>,
) -> Result<std::result::Result<EventTypeId, Answer>> {
    let Some(asked) = asked else { return Ok(Ok(ctx.agent.default_event_type_id)) };
    let wanted = asked.to_lowercase();
    let mut titles = Vec::new();
    for id in ctx.agent.event_type_ids.iter() {
        let e = ctx.app.store.event_type(ctx.actor.tenant, *id).await?;
        let title = e.title.to_lowercase();
        if e.id.to_string() == wanted
            || e.slug == wanted
            || title == wanted
            || title.contains(&wanted)
            || wanted.contains(&title)
        {
            return Ok(Ok(e.id));
        }
        titles.push(e.title);
    }
    Ok(Err(Answer::new(
        ctx.voice
            .say(ctx.voice.lines().which_service, &[("services", &ctx.voice.join(&titles, ctx.voice.or()))]),
        json!({"error": "unknown_event_type", "event_types": titles}),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schemas as they were written by hand before they came from the types: agents
    /// configured then keep working.
    fn written_by_hand() -> Vec<(&'static str, &'static str, Value)> {
        let et = json!({"type": "string", "description": "The service, if the caller named one (its name or slug)."});
        let when = |d: &str| json!({"type": "string", "description": d});
        vec![
            (
                "check_availability",
                "Find free times. Pass what the caller said about when, in their words (for example \"next Tuesday afternoon\").",
                json!({"type": "object", "properties": {"when": when("When the caller wants to come, in their words."), "event_type": et}}),
            ),
            (
                "find_earliest_availability",
                "Find the earliest free times.",
                json!({"type": "object", "properties": {"event_type": et}}),
            ),
            (
                "book_appointment",
                "Book a time the caller chose. Use `start` from a time offered earlier, or `when` with the caller's exact words.",
                json!({"type": "object", "properties": {
            "start": {"type": "string", "description": "The chosen start, exactly as returned by check_availability (RFC 3339)."},
            "when": when("The caller's words for the time, if no start was offered."),
            "name": {"type": "string", "description": "The caller's full name."},
            "phone": {"type": "string", "description": "A phone number, if not the one they are calling from."},
            "email": {"type": "string"}, "notes": {"type": "string"}, "event_type": et},
          "required": ["name"]}),
            ),
            (
                "find_appointment",
                "Look up the caller's appointment by confirmation code or phone number (default: the number they call from).",
                json!({"type": "object", "properties": {"confirmation_code": {"type": "string"}, "phone": {"type": "string"}}}),
            ),
            (
                "reschedule_appointment",
                "Move the caller's appointment to another time.",
                json!({"type": "object", "properties": {"confirmation_code": {"type": "string"}, "phone": {"type": "string"},
            "when": when("The new time, in the caller's words, or an RFC 3339 start offered earlier.")}, "required": ["when"]}),
            ),
            (
                "cancel_appointment",
                "Cancel the caller's appointment.",
                json!({"type": "object", "properties": {"confirmation_code": {"type": "string"}, "phone": {"type": "string"},
            "reason": {"type": "string"}}}),
            ),
        ]
    }

    #[test]
    fn schemas_from_the_types_are_the_ones_agents_know() {
        assert_eq!(definitions(), written_by_hand());
    }

    #[test]
    fn only_sked_tool_names_become_metric_labels() {
        let defined: Vec<&str> = definitions().iter().map(|(name, _, _)| *name).collect();
        assert_eq!(defined, NAMES);
        for name in NAMES {
            assert_eq!(label(name), name);
        }
        for made_up in ["order_pizza", "", "Book_Appointment", "book_appointment ", "x\"y"] {
            assert_eq!(label(made_up), "unknown", "{made_up:?}");
        }
    }
}
