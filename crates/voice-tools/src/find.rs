//! Finding free times: what the caller's words mean, what is free then, and the nearest other
//! times when nothing is.

use serde_json::{Value, json};
use sked_app::{Snapshot, rfc3339};
use sked_core::ids::EventTypeId;
use sked_core::interval::{DAY, timestamp};
use sked_core::{Interval, SlotQuery, check_start, compute_slots, earliest, nearest};
use sked_when::{Context as WhenContext, Kind};

use crate::speech::{Voice, capitalize_first};
use crate::{Answer, Ctx, Result, event_type};

/// What the caller's words mean.
enum Heard {
    /// A time, in the business's zone.
    Time(sked_when::Mention),
    /// A time that cannot be offered ("Jan 1 3000"), and the answer saying why.
    Refused(Answer),
    /// No time at all.
    Nothing,
}

/// What the caller's words mean, in the business's zone, read in the agent's language.
fn understand(ctx: &Ctx<'_>, words: &str, data: Value) -> Heard {
    let mut when =
        WhenContext::new(timestamp(ctx.voice.now), ctx.voice.tz.clone()).in_language(ctx.voice.language);
    if let Some(caller) = &ctx.voice.caller_tz {
        when = when.with_caller_tz(caller.clone());
    }
    let u = sked_when::understand(words, &when);
    match (u.best, u.refusal) {
        (Some(m), _) => Heard::Time(m),
        (None, Some(r)) => {
            let reason = r.reason(ctx.voice.language);
            let mut data = data;
            data["refused"] = json!(r.as_str());
            Heard::Refused(Answer::new(
                ctx.voice.say(ctx.voice.lines().refused_time, &[("reason", &reason)]),
                data,
            ))
        }
        (None, None) => Heard::Nothing,
    }
}

fn slot_data(starts: &[i64], duration: i64, voice: &Voice) -> Value {
    Value::Array(
        starts
            .iter()
            .map(|&s| json!({"start": rfc3339(s), "end": rfc3339(s + duration), "spoken": voice.when(s)}))
            .collect(),
    )
}

pub(crate) async fn check_availability(
    ctx: &Ctx<'_>,
    when: Option<&str>,
    et: Option<&str>,
) -> Result<Answer> {
    let et = match event_type(ctx, et).await? {
        Ok(id) => id,
        Err(ask) => return Ok(ask),
    };
    let Some(words) = when else { return find_earliest_of(ctx, et).await };
    let m = match understand(ctx, words, json!({"available": false, "understood": null})) {
        Heard::Time(m) => m,
        Heard::Refused(answer) => return Ok(answer),
        Heard::Nothing => {
            return Ok(Answer::new(
                ctx.voice.say(ctx.voice.lines().no_day_heard, &[("words", words)]),
                json!({"available": false, "understood": null}),
            ));
        }
    };
    let now = ctx.voice.now;
    let snap = ctx.app.availability.get(ctx.actor.tenant, et, now).await?;
    let inputs = snap.inputs();
    let (from, to) = (m.start.as_second(), m.end.as_second());
    let understood = json!({"text": m.text, "kind": m.kind.as_str(), "start": m.start.to_string(), "end": m.end.to_string()});
    if m.kind == Kind::Exact {
        if check_start(&snap.rules, &inputs, now, from, None).is_ok() {
            return Ok(Answer::new(
                ctx.voice
                    .say(ctx.voice.lines().is_free, &[("when", &ctx.voice.when_also(from, m.zone.as_ref()))]),
                json!({"available": true, "understood": understood, "slots": slot_data(&[from], snap.rules.duration, &ctx.voice)}),
            ));
        }
        let alts = nearest(&snap.rules, &inputs, now, from, ctx.voice.max_options, None);
        let when = capitalize_first(&ctx.voice.when_also(from, m.zone.as_ref()), true);
        let sentence = ctx.voice.say(ctx.voice.lines().not_free, &[("when", &when)]);
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
            ctx.voice.say(ctx.voice.lines().pick_one, &[("options", &ctx.voice.options(&starts))]),
            json!({"available": true, "understood": understood, "slots": slot_data(&starts, snap.rules.duration, &ctx.voice)}),
        ));
    }
    let alts = nearest(&snap.rules, &inputs, now, from.max(now), ctx.voice.max_options, None);
    let sentence = ctx.voice.say(ctx.voice.lines().nothing_then, &[("text", &m.text)]);
    Ok(unavailable(ctx, &snap, &sentence, alts.starts(), understood))
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
        let days = (snap.rules.horizon / DAY).to_string();
        ctx.voice.say(ctx.voice.lines().nothing_else_open, &[("sentence", sentence), ("days", &days)])
    } else {
        let options = ctx.voice.options(&alts);
        ctx.voice.say(ctx.voice.lines().alternatives, &[("sentence", sentence), ("options", &options)])
    };
    Answer::new(
        speech,
        json!({"available": false, "understood": understood, "alternatives": slot_data(&alts, snap.rules.duration, &ctx.voice)}),
    )
}

pub(crate) async fn find_earliest(ctx: &Ctx<'_>, et: Option<&str>) -> Result<Answer> {
    match event_type(ctx, et).await? {
        Ok(id) => find_earliest_of(ctx, id).await,
        Err(ask) => Ok(ask),
    }
}

async fn find_earliest_of(ctx: &Ctx<'_>, et: EventTypeId) -> Result<Answer> {
    let now = ctx.voice.now;
    let snap = ctx.app.availability.get(ctx.actor.tenant, et, now).await?;
    let inputs = snap.inputs();
    let set = earliest(&snap.rules, &inputs, now, ctx.voice.max_options, None);
    if set.is_empty() {
        return Ok(Answer::new(
            ctx.voice
                .say(ctx.voice.lines().nothing_open, &[("days", &(snap.rules.horizon / DAY).to_string())]),
            json!({"available": false, "slots": []}),
        ));
    }
    Ok(Answer::new(
        ctx.voice.say(ctx.voice.lines().earliest, &[("options", &ctx.voice.options(set.starts()))]),
        json!({"available": true, "slots": slot_data(set.starts(), snap.rules.duration, &ctx.voice)}),
    ))
}

/// An exact start from `start` (RFC 3339) or the caller's words; otherwise the answer asking
/// for one (with options when the words named a day or a window).
pub(crate) async fn exact_start(
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
            ctx.voice.lines().ask_when,
            json!({"booked": false, "missing": ["when"]}),
        )));
    };
    let m = match understand(ctx, words, json!({"booked": false, "understood": null})) {
        Heard::Time(m) => m,
        Heard::Refused(answer) => return Ok(Err(answer)),
        Heard::Nothing => {
            return Ok(Err(Answer::new(
                ctx.voice.say(ctx.voice.lines().no_time_heard, &[("words", words)]),
                json!({"booked": false, "understood": null}),
            )));
        }
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
