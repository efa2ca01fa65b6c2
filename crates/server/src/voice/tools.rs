//! The voice tools: what an agent on a call can ask, and the sentences it reads back.
//!
//! Every tool answers with a short spoken sentence and the structured data behind it. A tool
//! never guesses: a booking request without an exact time gets options and a question back,
//! and a phrase with no time in it gets a question.

use serde_json::{Value, json};
use sked_core::booking::{BookingStatus, normalize_code};
use sked_core::contact::{Email, Phone};
use sked_core::ids::EventTypeId;
use sked_core::interval::{DAY, timestamp};
use sked_core::{Interval, SlotQuery, check_start, compute_slots, earliest, nearest};
use sked_store::{Booking, BookingFilter, VoiceAgent};
use sked_when::{Context as WhenContext, Kind};

use sked_app::{AppError, Attendee, BookingView, Idempotency, NewBooking, Snapshot, bookings, rfc3339};
use sked_core::booking::BookingSource;

use crate::auth::TenantAuth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::voice::platform::{CallInfo, ToolCall};
use crate::voice::speech::{Voice, spell};

/// A tool's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// What the agent says.
    pub speech: String,
    /// What it is based on.
    pub data: Value,
}

impl Answer {
    fn new(speech: impl Into<String>, data: Value) -> Self {
        Self { speech: speech.into(), data }
    }
}

/// The tool names, their descriptions and their JSON schemas.
pub fn definitions() -> Vec<(&'static str, &'static str, Value)> {
    let et =
        json!({"type": "string", "description": "The service, if the caller named one (its name or slug)."});
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
    pub state: &'a AppState,
    pub agent: &'a VoiceAgent,
    pub platform: &'static str,
    pub info: &'a CallInfo,
    pub voice: Voice,
    pub auth: TenantAuth,
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
        "check_availability" => check_availability(ctx, text(a, "when"), text(a, "event_type")).await,
        "find_earliest_availability" => find_earliest(ctx, text(a, "event_type")).await,
        "book_appointment" => book(ctx, call).await,
        "find_appointment" => find(ctx, a).await,
        "reschedule_appointment" => reschedule(ctx, call).await,
        "cancel_appointment" => cancel(ctx, call).await,
        _ => return None,
    };
    Some(answer.unwrap_or_else(|e| {
        tracing::error!(error = ?e, tool = %call.name, "voice tool failed");
        Answer::new(
            "Sorry, I can't reach the calendar right now. Please try again in a moment.",
            json!({"error": "internal"}),
        )
    }))
}

fn text<'v>(args: &'v Value, key: &str) -> Option<&'v str> {
    args.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

type Result<T> = std::result::Result<T, ApiError>;

/// The event type the caller means: by id, slug or title among the agent's, else the default.
async fn event_type(ctx: &Ctx<'_>, asked: Option<&str>) -> Result<std::result::Result<EventTypeId, Answer>> {
    let Some(asked) = asked else { return Ok(Ok(ctx.agent.default_event_type_id)) };
    let wanted = asked.to_lowercase();
    let mut titles = Vec::new();
    for id in ctx.agent.event_type_ids.iter() {
        let e = ctx
            .state
            .store
            .event_type(ctx.auth.tenant, *id)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
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
        format!("I can book {}. Which would you like?", crate::voice::speech::join(&titles, "or")),
        json!({"error": "unknown_event_type", "event_types": titles}),
    )))
}

/// What the caller's words mean, in the business's zone.
fn understand(ctx: &Ctx<'_>, words: &str) -> Option<sked_when::Mention> {
    sked_when::understand(words, &WhenContext::new(timestamp(ctx.voice.now), ctx.voice.tz.clone())).best
}

fn slot_data(starts: &[i64], duration: i64, voice: &Voice) -> Value {
    Value::Array(
        starts
            .iter()
            .map(|&s| json!({"start": crate::time::rfc3339(s), "end": crate::time::rfc3339(s + duration), "spoken": voice.when(s)}))
            .collect(),
    )
}

async fn check_availability(ctx: &Ctx<'_>, when: Option<&str>, et: Option<&str>) -> Result<Answer> {
    let et = match event_type(ctx, et).await? {
        Ok(id) => id,
        Err(ask) => return Ok(ask),
    };
    let Some(words) = when else { return find_earliest_of(ctx, et).await };
    let Some(m) = understand(ctx, words) else {
        return Ok(Answer::new(
            format!("I didn't catch a day or time in \"{words}\". What day works for you?"),
            json!({"available": false, "understood": null}),
        ));
    };
    let now = ctx.voice.now;
    let snap = ctx.state.app.availability.get(ctx.auth.tenant, et, now).await?;
    let inputs = snap.inputs();
    let (from, to) = (m.start.as_second(), m.end.as_second());
    let understood = json!({"text": m.text, "kind": m.kind.as_str(), "start": m.start.to_string(), "end": m.end.to_string()});
    if m.kind == Kind::Exact {
        if check_start(&snap.rules, &inputs, now, from, None).is_ok() {
            return Ok(Answer::new(
                format!("Yes, {} is available. Shall I book it?", ctx.voice.when(from)),
                json!({"available": true, "understood": understood, "slots": slot_data(&[from], snap.rules.duration, &ctx.voice)}),
            ));
        }
        let alts = nearest(&snap.rules, &inputs, now, from, ctx.voice.max_options, None);
        let sentence = format!("{} isn't available.", capitalized(&ctx.voice.when(from)));
        return Ok(unavailable(ctx, &snap, &sentence, alts.starts(), understood));
    }
    let set = compute_slots(
        &snap.rules,
        &inputs,
        // The first options of a window need no more than the slot API's longest range.
        &SlotQuery {
            range: Interval::new(from.max(now), to.min(from.max(now) + 62 * DAY)),
            now,
            only_host: None,
        },
    );
    if !set.is_empty() {
        let starts: Vec<i64> = set.starts().iter().take(ctx.voice.max_options).copied().collect();
        return Ok(Answer::new(
            format!("{}. Which works for you?", ctx.voice.options(&starts)),
            json!({"available": true, "understood": understood, "slots": slot_data(&starts, snap.rules.duration, &ctx.voice)}),
        ));
    }
    let alts = nearest(&snap.rules, &inputs, now, from.max(now), ctx.voice.max_options, None);
    let sentence = format!("I don't have anything {}.", m.text);
    Ok(unavailable(ctx, &snap, &sentence, alts.starts(), understood))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// `sentence`, then the nearest free times (in order) as a sentence of their own.
fn unavailable(
    ctx: &Ctx<'_>,
    snap: &Snapshot,
    sentence: &str,
    alternatives: &[i64],
    understood: Value,
) -> Answer {
    let mut alts = alternatives.to_vec();
    alts.sort_unstable();
    let speech = if alts.is_empty() {
        format!("{sentence} Nothing else is open in the next {} days.", snap.rules.horizon / DAY)
    } else {
        format!("{sentence} {}. Would one of those work?", ctx.voice.options(&alts))
    };
    Answer::new(
        speech,
        json!({"available": false, "understood": understood, "alternatives": slot_data(&alts, snap.rules.duration, &ctx.voice)}),
    )
}

async fn find_earliest(ctx: &Ctx<'_>, et: Option<&str>) -> Result<Answer> {
    match event_type(ctx, et).await? {
        Ok(id) => find_earliest_of(ctx, id).await,
        Err(ask) => Ok(ask),
    }
}

async fn find_earliest_of(ctx: &Ctx<'_>, et: EventTypeId) -> Result<Answer> {
    let now = ctx.voice.now;
    let snap = ctx.state.app.availability.get(ctx.auth.tenant, et, now).await?;
    let inputs = snap.inputs();
    let set = earliest(&snap.rules, &inputs, now, ctx.voice.max_options, None);
    if set.is_empty() {
        return Ok(Answer::new(
            format!("I'm sorry, nothing is open in the next {} days.", snap.rules.horizon / DAY),
            json!({"available": false, "slots": []}),
        ));
    }
    Ok(Answer::new(
        format!(
            "{}. Those are the earliest times I have. Which works for you?",
            ctx.voice.options(set.starts())
        ),
        json!({"available": true, "slots": slot_data(set.starts(), snap.rules.duration, &ctx.voice)}),
    ))
}

/// An exact start from `start` (RFC 3339) or the caller's words; otherwise the answer asking
/// for one (with options when the words named a day or a window).
async fn exact_start(
    ctx: &Ctx<'_>,
    et: EventTypeId,
    start: Option<&str>,
    words: Option<&str>,
) -> Result<std::result::Result<i64, Answer>> {
    if let Some(s) = start
        && let Ok(t) = s.parse::<jiff::Timestamp>()
    {
        return Ok(Ok(t.as_second()));
    }
    let Some(words) = words.or(start) else {
        return Ok(Err(Answer::new(
            "What day and time would you like?",
            json!({"booked": false, "missing": ["when"]}),
        )));
    };
    let Some(m) = understand(ctx, words) else {
        return Ok(Err(Answer::new(
            format!("I didn't catch a time in \"{words}\". What day and time would you like?"),
            json!({"booked": false, "understood": null}),
        )));
    };
    if m.kind == Kind::Exact {
        return Ok(Ok(m.start.as_second()));
    }
    // A day or a window is not a time to book: offer what is free in it and ask.
    let mut offer = check_availability(ctx, Some(words), Some(&et.to_string())).await?;
    offer.data["booked"] = json!(false);
    offer.data["needs"] = json!("an exact time");
    Ok(Err(offer))
}

async fn book(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let a = &call.args;
    let Some(name) = text(a, "name") else {
        return Ok(Answer::new(
            "What name should I put the appointment under?",
            json!({"booked": false, "missing": ["name"]}),
        ));
    };
    let et = match event_type(ctx, text(a, "event_type")).await? {
        Ok(id) => id,
        Err(ask) => return Ok(ask),
    };
    let idem = idempotency(ctx, call)?;
    if let Some(done) = replayed(ctx, idem.as_ref()).await? {
        return booked_answer(ctx, &done).await;
    }
    let start = match exact_start(ctx, et, text(a, "start"), text(a, "when")).await? {
        Ok(s) => s,
        Err(ask) => return Ok(ask),
    };
    let phone = match text(a, "phone").or(ctx.info.from_number.as_deref()) {
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                return Ok(Answer::new(
                    "I didn't get that phone number. Could you say it again, with the area code?",
                    json!({"booked": false, "invalid": ["phone"]}),
                ));
            }
        },
        None => None,
    };
    let email = match text(a, "email") {
        Some(e) => match Email::parse(e) {
            Ok(e) => Some(e),
            Err(_) => {
                return Ok(Answer::new(
                    "That email address doesn't look right. Could you spell it for me?",
                    json!({"booked": false, "invalid": ["email"]}),
                ));
            }
        },
        None => None,
    };
    let req = NewBooking {
        event_type_id: et,
        start,
        attendee: Attendee { name: name.to_owned(), email, phone, time_zone: ctx.info.caller_zone.clone() },
        host_id: None,
        notes: text(a, "notes").map(str::to_owned),
        metadata: json!({"voice": {"platform": ctx.platform, "call_id": ctx.info.call_id, "voice_agent_id": ctx.agent.id}}),
        source: BookingSource::Voice,
        external_ref: ctx.info.call_id.clone(),
    };
    match bookings::create(&ctx.state.app, &ctx.auth.actor(), &req, idem.as_ref()).await {
        Ok(w) => booked_answer(ctx, &w.view).await,
        Err(e) => refusal(ctx, e, start),
    }
}

/// The idempotency key of a changing tool call: a retried call (same call, same function, same
/// arguments) maps to the same key and gets the first answer again.
fn idempotency(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Option<Idempotency>> {
    let Some(call_id) = &ctx.info.call_id else { return Ok(None) };
    let canonical = serde_json::to_string(&call.args).map_err(anyhow::Error::from)?;
    let key =
        format!("voice:{}:{}:{}:{}", ctx.platform, call_id, call.name, crate::auth::short_hash(&canonical));
    Idempotency::new(&key, &[b"VOICE", call.name.as_bytes(), canonical.as_bytes()])
        .map(Some)
        .map_err(|m| ApiError::field("call_id", m))
}

async fn replayed(ctx: &Ctx<'_>, idem: Option<&Idempotency>) -> Result<Option<BookingView>> {
    Ok(bookings::replay(&ctx.state.app, ctx.auth.tenant, idem).await?.map(|w| w.view))
}

async fn host_name(ctx: &Ctx<'_>, b: &BookingView) -> String {
    match ctx.state.store.host(ctx.auth.tenant, b.host_id).await {
        Ok(h) => h.name.split_whitespace().next().unwrap_or(&h.name).to_owned(),
        Err(_) => "our team".into(),
    }
}

async fn booked_answer(ctx: &Ctx<'_>, b: &BookingView) -> Result<Answer> {
    let start = parse_ts(&b.start)?;
    let host = host_name(ctx, b).await;
    Ok(Answer::new(
        format!(
            "You're all set for {} with {host}. Your confirmation code is {}.",
            ctx.voice.when(start),
            spell(&b.confirmation_code)
        ),
        json!({"booked": true, "booking": b}),
    ))
}

fn parse_ts(s: &str) -> Result<i64> {
    Ok(s.parse::<jiff::Timestamp>().map_err(anyhow::Error::from)?.as_second())
}

/// The spoken answer for a booking (or move) the server refused.
fn refusal(ctx: &Ctx<'_>, e: AppError, start: i64) -> Result<Answer> {
    match e {
        AppError::Unavailable { refusal, alternatives } => {
            let alts: Vec<i64> = alternatives.iter().map(|a| a.start).collect();
            let (code, why) = if refusal.is_taken() {
                ("slot_unavailable", "is taken")
            } else {
                ("outside_availability", "isn't one I can book")
            };
            let alternatives: Vec<Value> = alternatives
                .iter()
                .map(|a| json!({"start": rfc3339(a.start), "end": rfc3339(a.end), "host_ids": a.host_ids}))
                .collect();
            let speech = if alts.is_empty() {
                format!("Sorry, {} {why}, and I have nothing else open.", ctx.voice.when(start))
            } else {
                format!(
                    "Sorry, {} {why}. {}. Would one of those work?",
                    ctx.voice.when(start),
                    ctx.voice.options(&alts)
                )
            };
            Ok(Answer::new(speech, json!({"booked": false, "reason": code, "alternatives": alternatives})))
        }
        AppError::Invalid(errors) => Ok(Answer::new(
            "I'm missing something to book that. Could you repeat the details?",
            json!({"booked": false, "errors": errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect::<Vec<_>>()}),
        )),
        other => Err(other.into()),
    }
}

/// The caller's upcoming booking, by code or by phone (default: the number they call from).
async fn locate(ctx: &Ctx<'_>, args: &Value) -> Result<std::result::Result<Booking, Answer>> {
    if let Some(code) = text(args, "confirmation_code") {
        return Ok(match ctx.state.store.booking_by_code(ctx.auth.tenant, &normalize_code(code)).await {
            Ok(b) => Ok(b),
            Err(sked_store::StoreError::NotFound) => Err(Answer::new(
                format!(
                    "I couldn't find a booking with the code {}. Could you read it to me again?",
                    spell(&normalize_code(code))
                ),
                json!({"found": false}),
            )),
            Err(e) => return Err(ApiError::Internal(e.into())),
        });
    }
    let Some(phone) = text(args, "phone").or(ctx.info.from_number.as_deref()) else {
        return Ok(Err(Answer::new(
            "Could you give me your confirmation code, or the phone number you booked with?",
            json!({"found": false, "missing": ["confirmation_code", "phone"]}),
        )));
    };
    let Ok(phone) = Phone::parse(phone) else {
        return Ok(Err(Answer::new(
            "I didn't get that phone number. Could you say it again, with the area code?",
            json!({"found": false}),
        )));
    };
    let filter = BookingFilter {
        from: Some(ctx.voice.now),
        status: Some(BookingStatus::Confirmed.as_str().into()),
        q: Some(phone.to_string()),
        limit: 20,
        ..Default::default()
    };
    let mut found = ctx
        .state
        .store
        .list_bookings(ctx.auth.tenant, &filter)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    found.retain(|b| b.attendee_phone.as_deref() == Some(phone.as_str()));
    match found.len() {
        0 => Ok(Err(Answer::new(
            "I couldn't find an upcoming appointment for that phone number. Do you have a confirmation code?",
            json!({"found": false}),
        ))),
        1 => Ok(Ok(found.remove(0))),
        n => {
            let starts: Vec<i64> = found.iter().map(|b| b.start_at).collect();
            Ok(Err(Answer::new(
                format!(
                    "I see {n} appointments for that number: {}. Which one do you mean? The confirmation code would help.",
                    ctx.voice.options(&starts)
                ),
                json!({"found": true, "several": true, "bookings": found.iter().map(|b| json!({"id": b.id, "start": crate::time::rfc3339(b.start_at), "confirmation_code": b.confirmation_code})).collect::<Vec<_>>()}),
            )))
        }
    }
}

async fn find(ctx: &Ctx<'_>, args: &Value) -> Result<Answer> {
    let b = match locate(ctx, args).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    let view = crate::bookings::view(b)?;
    let host = host_name(ctx, &view).await;
    let start = parse_ts(&view.start)?;
    let speech = if view.status == BookingStatus::Cancelled.as_str() {
        format!("That appointment, {}, was cancelled.", ctx.voice.when(start))
    } else {
        format!(
            "I found it: {} with {host}. Your confirmation code is {}.",
            ctx.voice.when(start),
            spell(&view.confirmation_code)
        )
    };
    Ok(Answer::new(speech, json!({"found": true, "booking": view})))
}

async fn reschedule(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let a = &call.args;
    let b = match locate(ctx, a).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    if b.status != BookingStatus::Confirmed.as_str() {
        return Ok(Answer::new(
            "That appointment was cancelled, so there's nothing to move. Shall I book a new time?",
            json!({"rescheduled": false, "reason": "cancelled"}),
        ));
    }
    let start = match exact_start(ctx, b.event_type_id, text(a, "when"), text(a, "when")).await? {
        Ok(s) => s,
        Err(ask) => return Ok(ask),
    };
    let idem = idempotency(ctx, call)?;
    if let Some(done) = replayed(ctx, idem.as_ref()).await? {
        return moved_answer(ctx, &done).await;
    }
    match bookings::reschedule(
        &ctx.state.app,
        &ctx.auth.actor(),
        b.id,
        start,
        None,
        Some("moved by phone".into()),
        idem.as_ref(),
    )
    .await
    {
        Ok(w) => moved_answer(ctx, &w.view).await,
        Err(e) => refusal(ctx, e, start),
    }
}

async fn moved_answer(ctx: &Ctx<'_>, b: &BookingView) -> Result<Answer> {
    let start = parse_ts(&b.start)?;
    let host = host_name(ctx, b).await;
    Ok(Answer::new(
        format!(
            "Done. You're now booked for {} with {host}. Your confirmation code stays {}.",
            ctx.voice.when(start),
            spell(&b.confirmation_code)
        ),
        json!({"rescheduled": true, "booking": b}),
    ))
}

async fn cancel(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let b = match locate(ctx, &call.args).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    let start = b.start_at;
    if b.status == BookingStatus::Cancelled.as_str() {
        return Ok(Answer::new(
            format!("Your appointment {} was already cancelled.", ctx.voice.when(start)),
            json!({"cancelled": true}),
        ));
    }
    let idem = idempotency(ctx, call)?;
    let w = bookings::cancel(
        &ctx.state.app,
        &ctx.auth.actor(),
        b.id,
        text(&call.args, "reason").map(str::to_owned),
        idem.as_ref(),
    )
    .await?;
    Ok(Answer::new(
        format!(
            "Your appointment {} is cancelled. Is there anything else I can help with?",
            ctx.voice.when(start)
        ),
        json!({"cancelled": true, "booking": w.view}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
