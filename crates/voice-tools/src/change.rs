//! Booking, finding, moving and cancelling the caller's appointment.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sked_app::{AppError, Attendee, BookingView, Idempotency, NewBooking, bookings, rfc3339};
use sked_core::booking::{BookingSource, BookingStatus, normalize_code};
use sked_core::contact::{Email, Phone};
use sked_store::{Booking, BookingFilter};
use sked_voice::ToolCall;

use crate::find::exact_start;
use crate::{Answer, Ctx, Result, args, event_type};

/// The first 8 bytes of a SHA-256, in hex.
fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

pub(crate) async fn book(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let a: args::Book = args::parse(&call.args);
    let Some(name) = a.name.as_deref() else {
        return Ok(Answer::new(ctx.voice.lines().ask_name, json!({"booked": false, "missing": ["name"]})));
    };
    let et = match event_type(ctx, a.event_type.as_deref()).await? {
        Ok(id) => id,
        Err(ask) => return Ok(ask),
    };
    let idem = idempotency(ctx, call)?;
    if let Some(done) = replayed(ctx, idem.as_ref()).await? {
        return booked_answer(ctx, &done).await;
    }
    let start = match exact_start(ctx, et, a.start.as_deref(), a.when.as_deref()).await? {
        Ok(s) => s,
        Err(ask) => return Ok(ask),
    };
    let phone = match a.phone.as_deref().or(ctx.info.from_number.as_deref()) {
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                return Ok(Answer::new(
                    ctx.voice.lines().bad_phone,
                    json!({"booked": false, "invalid": ["phone"]}),
                ));
            }
        },
        None => None,
    };
    let email = match a.email.as_deref() {
        Some(e) => match Email::parse(e) {
            Ok(e) => Some(e),
            Err(_) => {
                return Ok(Answer::new(
                    ctx.voice.lines().bad_email,
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
        notes: a.notes.clone(),
        metadata: json!({"voice": {"platform": ctx.platform, "call_id": ctx.info.call_id, "voice_agent_id": ctx.agent.id}}),
        source: BookingSource::Voice,
        external_ref: ctx.info.call_id.clone(),
        answers: serde_json::Value::Null,
    };
    match bookings::create(ctx.app, &ctx.actor, &req, idem.as_ref()).await {
        Ok(w) => booked_answer(ctx, &w.view).await,
        Err(e) => refusal(ctx, e, start),
    }
}

/// The idempotency key of a changing tool call: a retried call (same call, same function, same
/// arguments) maps to the same key and gets the first answer again.
fn idempotency(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Option<Idempotency>> {
    let Some(call_id) = &ctx.info.call_id else { return Ok(None) };
    let canonical = serde_json::to_string(&call.args).map_err(anyhow::Error::from)?;
    let key = format!("voice:{}:{}:{}:{}", ctx.platform, call_id, call.name, short_hash(&canonical));
    Idempotency::new(&key, &[b"VOICE", call.name.as_bytes(), canonical.as_bytes()])
        .map(Some)
        .map_err(|m| AppError::field("call_id", m))
}

async fn replayed(ctx: &Ctx<'_>, idem: Option<&Idempotency>) -> Result<Option<BookingView>> {
    Ok(bookings::replay(ctx.app, ctx.actor.tenant, idem).await?.map(|w| w.view))
}

async fn host_name(ctx: &Ctx<'_>, b: &BookingView) -> String {
    match ctx.app.store.host(ctx.actor.tenant, b.host_id).await {
        Ok(h) => h.name.split_whitespace().next().unwrap_or(&h.name).to_owned(),
        Err(_) => ctx.voice.lines().our_team.into(),
    }
}

async fn booked_answer(ctx: &Ctx<'_>, b: &BookingView) -> Result<Answer> {
    let start = parse_ts(&b.start)?;
    let host = host_name(ctx, b).await;
    let (when, code) = (ctx.voice.when(start), ctx.voice.spell(&b.confirmation_code));
    Ok(Answer::new(
        ctx.voice.say(ctx.voice.lines().booked, &[("when", &when), ("host", &host), ("code", &code)]),
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
            let lines = ctx.voice.lines();
            let (code, why) = if refusal.is_taken() {
                ("slot_unavailable", lines.taken)
            } else {
                ("outside_availability", lines.not_bookable)
            };
            let alternatives: Vec<Value> = alternatives
                .iter()
                .map(|a| json!({"start": rfc3339(a.start), "end": rfc3339(a.end), "host_ids": a.host_ids}))
                .collect();
            let when = ctx.voice.when(start);
            let speech = if alts.is_empty() {
                ctx.voice.say(lines.refused_no_alternatives, &[("when", &when), ("why", why)])
            } else {
                let options = ctx.voice.options(&alts);
                ctx.voice.say(
                    lines.refused_with_alternatives,
                    &[("when", &when), ("why", why), ("options", &options)],
                )
            };
            Ok(Answer::new(speech, json!({"booked": false, "reason": code, "alternatives": alternatives})))
        }
        AppError::Invalid(errors) => Ok(Answer::new(
            ctx.voice.lines().missing_details,
            json!({"booked": false, "errors": errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect::<Vec<_>>()}),
        )),
        other => Err(other),
    }
}

/// The caller's upcoming booking, by code or by phone (default: the number they call from).
async fn locate(ctx: &Ctx<'_>, lookup: &args::Lookup) -> Result<std::result::Result<Booking, Answer>> {
    if let Some(code) = lookup.confirmation_code.as_deref() {
        return Ok(match ctx.app.store.booking_by_code(ctx.actor.tenant, &normalize_code(code)).await {
            Ok(b) => Ok(b),
            Err(sked_store::StoreError::NotFound) => Err(Answer::new(
                ctx.voice.say(
                    ctx.voice.lines().no_such_code,
                    &[("code", &ctx.voice.spell(&normalize_code(code)))],
                ),
                json!({"found": false}),
            )),
            Err(e) => return Err(e.into()),
        });
    }
    let Some(phone) = lookup.phone.as_deref().or(ctx.info.from_number.as_deref()) else {
        return Ok(Err(Answer::new(
            ctx.voice.lines().ask_code_or_phone,
            json!({"found": false, "missing": ["confirmation_code", "phone"]}),
        )));
    };
    let Ok(phone) = Phone::parse(phone) else {
        return Ok(Err(Answer::new(ctx.voice.lines().bad_phone, json!({"found": false}))));
    };
    let filter = BookingFilter {
        from: Some(ctx.voice.now),
        status: Some(BookingStatus::Confirmed.as_str().into()),
        q: Some(phone.to_string()),
        limit: 20,
        ..Default::default()
    };
    let mut found = ctx.app.store.list_bookings(ctx.actor.tenant, &filter).await?;
    found.retain(|b| b.attendee_phone.as_deref() == Some(phone.as_str()));
    match found.len() {
        0 => Ok(Err(Answer::new(ctx.voice.lines().none_for_phone, json!({"found": false})))),
        1 => Ok(Ok(found.remove(0))),
        n => {
            let starts: Vec<i64> = found.iter().map(|b| b.start_at).collect();
            Ok(Err(Answer::new(
                ctx.voice.say(
                    ctx.voice.lines().several_for_phone,
                    &[("n", &n.to_string()), ("options", &ctx.voice.options(&starts))],
                ),
                json!({"found": true, "several": true, "bookings": found.iter().map(|b| json!({"id": b.id, "start": rfc3339(b.start_at), "confirmation_code": b.confirmation_code})).collect::<Vec<_>>()}),
            )))
        }
    }
}

pub(crate) async fn find(ctx: &Ctx<'_>, lookup: &args::Lookup) -> Result<Answer> {
    let b = match locate(ctx, lookup).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    let view = ctx.app.view(b)?;
    let host = host_name(ctx, &view).await;
    let start = parse_ts(&view.start)?;
    let when = ctx.voice.when(start);
    let speech = if view.status == BookingStatus::Cancelled.as_str() {
        ctx.voice.say(ctx.voice.lines().found_cancelled, &[("when", &when)])
    } else {
        let code = ctx.voice.spell(&view.confirmation_code);
        ctx.voice.say(ctx.voice.lines().found, &[("when", &when), ("host", &host), ("code", &code)])
    };
    Ok(Answer::new(speech, json!({"found": true, "booking": view})))
}

pub(crate) async fn reschedule(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let a: args::Reschedule = args::parse(&call.args);
    let b = match locate(ctx, &a.lookup).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    if b.status != BookingStatus::Confirmed {
        return Ok(Answer::new(
            ctx.voice.lines().cancelled_cannot_move,
            json!({"rescheduled": false, "reason": "cancelled"}),
        ));
    }
    let start = match exact_start(ctx, b.event_type_id, a.when.as_deref(), a.when.as_deref()).await? {
        Ok(s) => s,
        Err(ask) => return Ok(ask),
    };
    let idem = idempotency(ctx, call)?;
    if let Some(done) = replayed(ctx, idem.as_ref()).await? {
        return moved_answer(ctx, &done).await;
    }
    match bookings::reschedule(
        ctx.app,
        &ctx.actor,
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
    let (when, code) = (ctx.voice.when(start), ctx.voice.spell(&b.confirmation_code));
    Ok(Answer::new(
        ctx.voice.say(ctx.voice.lines().moved, &[("when", &when), ("host", &host), ("code", &code)]),
        json!({"rescheduled": true, "booking": b}),
    ))
}

pub(crate) async fn cancel(ctx: &Ctx<'_>, call: &ToolCall) -> Result<Answer> {
    let a: args::Cancel = args::parse(&call.args);
    let b = match locate(ctx, &a.lookup).await? {
        Ok(b) => b,
        Err(ask) => return Ok(ask),
    };
    let start = b.start_at;
    // A retried cancel answers as the first one did, before "already cancelled" would.
    let idem = idempotency(ctx, call)?;
    if let Some(done) = replayed(ctx, idem.as_ref()).await? {
        let when = ctx.voice.when(parse_ts(&done.start)?);
        return Ok(Answer::new(
            ctx.voice.say(ctx.voice.lines().cancelled, &[("when", &when)]),
            json!({"cancelled": true, "booking": done}),
        ));
    }
    if b.status == BookingStatus::Cancelled {
        return Ok(Answer::new(
            ctx.voice.say(ctx.voice.lines().already_cancelled, &[("when", &ctx.voice.when(start))]),
            json!({"cancelled": true}),
        ));
    }
    let w = bookings::cancel(ctx.app, &ctx.actor, b.id, a.reason.clone(), idem.as_ref()).await?;
    Ok(Answer::new(
        ctx.voice.say(ctx.voice.lines().cancelled, &[("when", &ctx.voice.when(start))]),
        json!({"cancelled": true, "booking": w.view}),
    ))
}
