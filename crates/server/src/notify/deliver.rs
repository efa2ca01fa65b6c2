//! One attempt at one outbound webhook delivery.
//!
//! A delivery is a message row (channel `webhook`) holding the exact body; every attempt sends
//! that body with the same `webhook-id` and a fresh signature. Failed attempts are retried on
//! the Standard Webhooks schedule (about 27 hours), or sooner once the endpoint takes another
//! delivery, but never before its `Retry-After`; an endpoint failing for 5 days is disabled.

use sked_core::notify::MessageStatus;
use sked_jobs::JobError;
use sked_store::{Message, MessageOutcome, Via};
use sked_webhooks::{Delivery, Secret};

use crate::state::Services;

/// One attempt at a webhook delivery: sent and settled, or settled for another attempt on the
/// retry schedule, or failed when the schedule is spent. An endpoint failing for 5 days is
/// disabled.
pub async fn deliver(
    s: &Services,
    m: &Message,
    now: i64,
) -> Result<MessageStatus, (MessageStatus, JobError)> {
    let fail = |e: String| (MessageStatus::Queued, JobError::Retry(e));
    let Some(hook) = m.webhook_id else {
        return Err((MessageStatus::Failed, JobError::Permanent("no endpoint".into())));
    };
    let w = match s.store.webhook(m.tenant_id, hook).await {
        Ok(w) if w.active => w,
        Ok(_) | Err(sked_store::StoreError::NotFound) => {
            let o = outcome(
                MessageStatus::Failed,
                None,
                Some("the endpoint was removed or disabled".into()),
                None,
            );
            s.store.settle_message(m.id, &o, now).await.map_err(|e| fail(e.to_string()))?;
            return Err((MessageStatus::Failed, JobError::Permanent("endpoint gone".into())));
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    let sealer = s.sealer.as_ref().ok_or_else(|| fail("no secret key".into()))?;
    let secret = sealer.open(&w.secret).map_err(|e| fail(e.to_string()))?;
    let secret = Secret::parse(&secret).map_err(|e| fail(e.to_string()))?;
    let m = s.store.start_sending(m.id, now).await.map_err(|e| fail(e.to_string()))?;
    let d = Delivery {
        url: w.url.clone(),
        msg_id: format!("msg_{}", m.id.0.simple()),
        timestamp: now,
        body: m.payload.clone().into_bytes(),
    };
    let o = sked_webhooks::deliver(&s.channels.webhooks, &secret, &d).await;
    let code = o.status.map(i64::from);
    let w = s.store.note_webhook_result(w.id, o.ok, now).await.map_err(|e| fail(e.to_string()))?;
    if o.ok {
        let done = outcome(MessageStatus::Sent, None, None, code);
        s.store.settle_message(m.id, &done, now).await.map_err(|e| fail(e.to_string()))?;
        super::provider_answers(s, Via::Endpoint(w.id)).await;
        return Ok(MessageStatus::Sent);
    }
    let error = o.error.clone().unwrap_or_else(|| format!("answered {}", o.status.unwrap_or(0)));
    if w.failing_since.is_some_and(|since| sked_webhooks::should_disable(since, now))
        && s.store.disable_webhook(w.id, now).await.map_err(|e| fail(e.to_string()))?
    {
        tracing::warn!(webhook = %w.id, tenant = %w.tenant_id, "webhook endpoint disabled after 5 days of failures");
        metrics::counter!("sked_webhooks_disabled_total").increment(1);
        if let Err(e) = super::alerts::webhook_disabled(s, &w, now).await {
            tracing::warn!(webhook = %w.id, error = %e, "could not queue the notice of a disabled endpoint");
        }
    }
    let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
    match sked_webhooks::retry_delay_jittered(attempts, &d.msg_id) {
        Some(delay) => {
            let asked = o.retry_after.map(|r| now + i64::try_from(r).unwrap_or(i64::MAX / 2));
            let at = (now + i64::try_from(delay).unwrap_or(i64::MAX / 2)).max(asked.unwrap_or(0));
            let later = MessageOutcome {
                next_attempt_at: Some(at),
                ..outcome(MessageStatus::Queued, None, Some(error.clone()), code)
            };
            s.store.settle_message(m.id, &later, now).await.map_err(|e| fail(e.to_string()))?;
            // The schedule's wait may be cut short when the endpoint answers again; the one it
            // asked for (`Retry-After`) never is.
            let retry = match asked {
                Some(hold) => JobError::Held { at: Some(at), hold_until: Some(hold), message: error },
                None => JobError::RetryAt(at, error),
            };
            Err((MessageStatus::Queued, retry))
        }
        None => {
            let dead = outcome(MessageStatus::Failed, None, Some(error.clone()), code);
            s.store.settle_message(m.id, &dead, now).await.map_err(|e| fail(e.to_string()))?;
            Err((MessageStatus::Failed, JobError::Permanent(error)))
        }
    }
}

fn outcome(
    status: MessageStatus,
    provider_id: Option<String>,
    error: Option<String>,
    code: Option<i64>,
) -> MessageOutcome {
    MessageOutcome { status, provider_id, error, response_code: code, next_attempt_at: None }
}
