//! Access tokens: opened from their sealed form, refreshed ahead of expiry (and after a 401),
//! each refresh audited. A refresh refused with `invalid_grant` marks the connection `revoked`.

use std::future::Future;

use sked_google::{GoogleError, GoogleResult, Tokens};
use sked_store::{Connection, REVOKED, TokenAudit, TokenUpdate};

use super::{CalError, google, health};
use crate::secrets::Sealer;
use crate::state::Services;

/// A token is refreshed when it has less than this left (seconds).
pub const REFRESH_AHEAD: i64 = 300;

/// The sealer, or why secrets cannot be kept.
pub fn sealer(state: &Services) -> Result<&Sealer, CalError> {
    state.sealer.as_ref().ok_or_else(|| CalError::Secret("SKED_SECRET_KEY is not set".into()))
}

/// Calls to the provider on behalf of one connection.
#[derive(Debug)]
pub struct Session<'a> {
    state: &'a Services,
    /// The connection, with its latest tokens.
    pub conn: Connection,
}

impl<'a> Session<'a> {
    /// A session for a connection that is not revoked.
    pub fn new(state: &'a Services, conn: Connection) -> Result<Self, CalError> {
        if conn.status == REVOKED {
            return Err(CalError::Revoked);
        }
        Ok(Self { state, conn })
    }

    /// Runs `call` with a valid access token; after a 401 it refreshes once and runs it again.
    pub async fn call<T, F, Fut>(&mut self, call: F) -> Result<T, CalError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = GoogleResult<T>>,
    {
        let token = self.token(false).await?;
        match call(token).await {
            Err(GoogleError::Unauthorized) => {
                let token = self.token(true).await?;
                Ok(call(token).await?)
            }
            other => Ok(other?),
        }
    }

    /// The access token, refreshed first when it is missing, about to expire, or `force`d.
    pub async fn token(&mut self, force: bool) -> Result<String, CalError> {
        let now = self.state.clock.now_second();
        let sealer = sealer(self.state)?;
        if !force
            && let (Some(sealed), Some(exp)) = (&self.conn.access_token, self.conn.token_expires_at)
            && exp - REFRESH_AHEAD > now
        {
            return sealer.open(sealed).map_err(|e| CalError::Secret(e.to_string()));
        }
        self.refresh().await
    }

    async fn refresh(&mut self) -> Result<String, CalError> {
        let state = self.state;
        let sealer = sealer(state)?;
        let sealed = self.conn.refresh_token.as_deref().ok_or(CalError::Revoked)?;
        let refresh = sealer.open(sealed).map_err(|e| CalError::Secret(e.to_string()))?;
        let now = state.clock.now_second();
        match google(state)?.refresh(&refresh).await {
            Ok(t) => {
                let update = sealed_update(sealer, &t, now)?;
                let audit = audit(
                    &self.conn,
                    "refreshed",
                    Some(format!("access token valid for {} s", t.expires_in)),
                    now,
                );
                state.store.save_tokens(self.conn.id, &update, &audit).await?;
                self.conn.access_token = Some(update.access_token);
                if update.refresh_token.is_some() {
                    self.conn.refresh_token = update.refresh_token;
                }
                self.conn.token_expires_at = Some(update.token_expires_at);
                if update.refresh_expires_at.is_some() {
                    self.conn.refresh_expires_at = update.refresh_expires_at;
                }
                Ok(t.access_token)
            }
            Err(GoogleError::InvalidGrant(why)) => {
                let a = audit(&self.conn, "revoked_by_provider", Some(why.clone()), now);
                health::record(state, &self.conn, REVOKED, Some(&format!("invalid_grant: {why}")), Some(&a))
                    .await?;
                self.conn.status = REVOKED.into();
                Err(CalError::Revoked)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Tokens from the provider, sealed for the store.
pub fn sealed_update(sealer: &Sealer, t: &Tokens, now: i64) -> Result<TokenUpdate, CalError> {
    let seal = |v: &str| sealer.seal(v).map_err(|e| CalError::Secret(e.to_string()));
    Ok(TokenUpdate {
        access_token: seal(&t.access_token)?,
        refresh_token: t.refresh_token.as_deref().map(seal).transpose()?,
        token_expires_at: now + t.expires_in.max(0),
        refresh_expires_at: t.refresh_token_expires_in.map(|s| now + s),
    })
}

/// An audit entry for a connection.
pub fn audit(c: &Connection, action: &str, detail: Option<String>, now: i64) -> TokenAudit {
    TokenAudit {
        id: uuid::Uuid::now_v7(),
        connection_id: c.id,
        tenant_id: c.tenant_id,
        at: now,
        action: action.into(),
        detail,
    }
}
