//! Credentials: access tokens opened from their sealed form, refreshed ahead of expiry (and
//! after a 401), each refresh audited; or a CalDAV app password, opened. A refresh refused with
//! `invalid_grant` (or a password refused) marks the connection `revoked`.

use std::future::Future;

use sked_calendar::{ProviderError, ProviderResult, Tokens};
use sked_store::{Connection, REVOKED, TokenAudit, TokenUpdate};

use super::provider::Provider;
use super::{CalError, health};
use crate::secrets::Sealer;
use crate::state::Services;

/// A token is refreshed when it has less than this left (seconds).
pub const REFRESH_AHEAD: i64 = 300;

/// The sealer, or why secrets cannot be kept.
pub fn sealer(state: &Services) -> Result<&Sealer, CalError> {
    state.sealer.as_ref().ok_or_else(|| CalError::Secret("SKED_SECRET_KEY is not set".into()))
}

/// Calls to the provider on behalf of one connection.
pub struct Session<'a> {
    state: &'a Services,
    provider: &'a dyn Provider,
    /// The connection, with its latest tokens.
    pub conn: Connection,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("provider", &self.provider.name()).field("conn", &self.conn).finish()
    }
}

impl<'a> Session<'a> {
    /// A session for a connection that is not revoked.
    pub fn new(state: &'a Services, provider: &'a dyn Provider, conn: Connection) -> Result<Self, CalError> {
        if conn.status == REVOKED {
            return Err(CalError::Revoked);
        }
        Ok(Self { state, provider, conn })
    }

    /// The server's services.
    pub fn state(&self) -> &'a Services {
        self.state
    }

    /// Runs `call` with valid credentials; after a 401 it refreshes once and runs it again.
    pub async fn call<T, F, Fut>(&mut self, call: F) -> Result<T, CalError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = ProviderResult<T>>,
    {
        let token = self.token(false).await?;
        match call(token).await {
            Err(ProviderError::Unauthorized) => {
                let token = self.token(true).await?;
                match call(token).await {
                    // A password refused twice is refused for good.
                    Err(ProviderError::Unauthorized) if self.conn.password.is_some() => Err(self
                        .revoked("caldav_auth_failed: the server refused the user name or app password")
                        .await),
                    other => Ok(other?),
                }
            }
            other => Ok(other?),
        }
    }

    /// The credentials: the app password where the connection has one; none for a public
    /// feed; else the access token, refreshed first when it is missing, about to expire, or
    /// `force`d.
    pub async fn token(&mut self, force: bool) -> Result<String, CalError> {
        let now = self.state.clock.now_second();
        let sealer = sealer(self.state)?;
        if let Some(password) = &self.conn.password {
            return sealer.open(password).map_err(|e| CalError::Secret(e.to_string()));
        }
        if self.conn.refresh_token.is_none() && self.conn.access_token.is_none() {
            return Ok(String::new());
        }
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
        match self.provider.refresh(&refresh).await {
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
            Err(ProviderError::InvalidGrant(why)) => {
                Err(self.revoked(&format!("invalid_grant: {why}")).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records the connection revoked by the provider: nothing works until the host connects
    /// again.
    pub async fn revoked(&mut self, why: &str) -> CalError {
        let now = self.state.clock.now_second();
        let a = audit(&self.conn, "revoked_by_provider", Some(why.to_owned()), now);
        if let Err(e) = health::record(self.state, &self.conn, REVOKED, Some(why), Some(&a)).await {
            return e;
        }
        self.conn.status = REVOKED.into();
        CalError::Revoked
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
