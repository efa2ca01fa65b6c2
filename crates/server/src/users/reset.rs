//! Password reset by email: a signed link that names the user, ends within an hour, and stops
//! working once the password changes (it carries a fingerprint of the hash it replaces). Nothing
//! is stored but the message that carries it, and there the link is sealed: whoever reads the
//! database cannot use it ([`crate::notify::send`] opens it only to write the email).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sked_core::ids::{TenantId, UserId};
use sked_core::notify::{Channel, Kind, Role};
use sked_notify::Notice;
use sked_store::User;

use crate::auth::short_hash;
use crate::notify::plan::Draft;
use crate::secrets::Sealer;
use crate::state::Services;

/// How long a reset link works.
pub const VALID_SECS: i64 = 3_600;

fn payload(u: &User, expires: i64) -> String {
    format!("pr:{}:{}:{expires}:{}", u.tenant_id, u.id, short_hash(&u.password_hash))
}

/// The token of a reset link for `u`, working until `now` + [`VALID_SECS`].
pub fn token(sealer: &Sealer, u: &User, now: i64) -> String {
    let p = payload(u, now + VALID_SECS);
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&p), sealer.sign(p.as_bytes()))
}

/// The user a token names, when it is ours and has not expired (its fingerprint is checked
/// against the user's hash with [`still_valid`]).
pub fn open(sealer: &Sealer, token: &str, now: i64) -> Option<(TenantId, UserId, String)> {
    if token.len() > 512 {
        return None;
    }
    let (p, mac) = token.split_once('.')?;
    let p = String::from_utf8(URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    if !sealer.verify(p.as_bytes(), mac) {
        return None;
    }
    let mut parts = p.strip_prefix("pr:")?.split(':');
    let tenant = parts.next()?.parse().ok()?;
    let user = parts.next()?.parse().ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    let fingerprint = parts.next()?.to_owned();
    (expires > now).then_some((tenant, user, fingerprint))
}

/// Whether the user's password is still the one the token was made for.
pub fn still_valid(u: &User, fingerprint: &str) -> bool {
    subtle::ConstantTimeEq::ct_eq(short_hash(&u.password_hash).as_bytes(), fingerprint.as_bytes()).into()
}

/// Emails every user with this address a reset link (one per tenant they belong to). Quietly
/// nothing when no email is configured, no secret key signs links, or no user has the address.
pub async fn send(s: &Services, email: &str) -> anyhow::Result<()> {
    let (Some(sealer), Some(_)) = (&s.sealer, &s.channels.mailer) else {
        tracing::warn!("a password reset was asked for, but email or the secret key is not configured");
        return Ok(());
    };
    let now = s.clock.now_second();
    let kind = Kind::PasswordReset.as_str();
    for u in s.store.users_by_email(email).await? {
        let link = format!("{}/admin/reset?token={}", s.base_url, token(sealer, &u, now));
        let link = crate::notify::send::sealed_link(sealer, &link)?;
        let n = Notice {
            kind: kind.into(),
            business: s.store.tenant(u.tenant_id).await?.name,
            reader_name: u.email.clone(),
            zone: "UTC".into(),
            role: Role::Tenant.as_str().into(),
            link: Some(link),
            ..Notice::default()
        };
        let draft = Draft {
            tenant: u.tenant_id,
            booking: None,
            channel: Channel::Email,
            kind,
            role: Role::Tenant,
            to: &u.email,
        };
        let item = draft
            .queue(format!("{}:{kind}:{now}", u.id), serde_json::to_string(&n)?, now, now)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        s.store.queue_messages(&[item]).await?;
    }
    s.wake_worker.notify_one();
    Ok(())
}
