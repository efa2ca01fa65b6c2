//! Messages waiting out a backoff brought forward when their provider answers again.

use sked_core::ids::WebhookId;
use sked_core::notify::Channel;

use super::queries as q;
use crate::sql::{SqlDb, SqlStore, map_err};
use crate::{StoreResult, Via};

impl<DB: SqlDb> SqlStore<DB> {
    /// [`crate::NotifyStore::expedite_messages`]: looked for on the readers first, so a send
    /// that succeeds while nothing waits (nearly every one) never takes the writer.
    pub(super) async fn expedite(&self, via: Via, now: i64) -> StoreResult<u64> {
        let (channel, endpoint): (Channel, Option<WebhookId>) = match via {
            Via::Channel(c) => (c, None),
            Via::Endpoint(w) => (Channel::Webhook, Some(w)),
        };
        let waits: Option<(uuid::Uuid,)> = sqlx::query_as(q::MESSAGE_RETRY_WAITS)
            .bind(channel.as_str())
            .bind(endpoint.map(|w| w.0))
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err::<DB>)?;
        if waits.is_none() {
            return Ok(0);
        }
        self.retry(|| async move {
            let r = sqlx::query(q::EXPEDITE_MESSAGES)
                .bind(channel.as_str())
                .bind(endpoint.map(|w| w.0))
                .bind(now)
                .execute(&self.writer)
                .await
                .map_err(map_err::<DB>)?;
            Ok(DB::rows_affected(&r))
        })
        .await
    }
}
