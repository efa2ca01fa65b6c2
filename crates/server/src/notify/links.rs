//! Signed links in messages: the attendee's manage link (`/m/{token}`) and the unsubscribe link
//! (`/u/{token}`). A token is its payload and an HMAC of it under a key derived from the secret
//! key, both base64url: nothing is stored, a changed token does not verify, and no token can be
//! made without the key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sked_core::ids::{BookingId, ConnectionId, TenantId};

use crate::secrets::Sealer;

/// What an unsubscribe link stops: reminder email to an address, for a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    pub tenant: TenantId,
    pub address: String,
}

fn token(sealer: &Sealer, payload: &str) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), sealer.sign(payload.as_bytes()))
}

fn open(sealer: &Sealer, token: &str) -> Option<String> {
    let (payload, mac) = token.split_once('.')?;
    if token.len() > 1024 {
        return None;
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    sealer.verify(&payload, mac).then(|| String::from_utf8(payload).ok()).flatten()
}

/// Characters of a manage link's signature: 128 bits of the HMAC, enough that no link can be
/// guessed, and short enough that a text message keeps its link on one segment.
const SHORT_MAC: usize = 22;

fn short_mac(sealer: &Sealer, booking: BookingId) -> String {
    let mut mac = sealer.sign(format!("m:{booking}").as_bytes());
    mac.truncate(SHORT_MAC);
    mac
}

/// The attendee's link to see, move or cancel a booking: `/m/` + the booking id and a
/// signature, 45 characters.
pub fn manage_url(base: &str, sealer: &Sealer, booking: BookingId) -> String {
    let id = URL_SAFE_NO_PAD.encode(booking.0.as_bytes());
    format!("{base}/m/{id}.{}", short_mac(sealer, booking))
}

/// Signs manage links for booking views.
#[derive(Debug)]
pub struct Links {
    /// Where clients reach the server.
    pub base: String,
    /// The key links are signed with.
    pub sealer: Sealer,
}

impl sked_app::ManageLinks for Links {
    fn manage_url(&self, booking: BookingId) -> String {
        manage_url(&self.base, &self.sealer, booking)
    }
}

/// The booking a manage token names, when the token is ours.
pub fn manage_booking(sealer: &Sealer, t: &str) -> Option<BookingId> {
    let (id, mac) = t.split_once('.')?;
    let bytes: [u8; 16] = URL_SAFE_NO_PAD.decode(id).ok()?.try_into().ok()?;
    let booking = BookingId(uuid::Uuid::from_bytes(bytes));
    let expected = short_mac(sealer, booking);
    let same: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), mac.as_bytes()).into();
    same.then_some(booking)
}

/// The link that stops reminder email to `address` for `tenant`.
pub fn unsubscribe_url(base: &str, sealer: &Sealer, tenant: TenantId, address: &str) -> String {
    format!("{base}/u/{}", token(sealer, &format!("u:{tenant}:{address}")))
}

/// What an unsubscribe token stops, when the token is ours.
pub fn unsubscribe(sealer: &Sealer, t: &str) -> Option<Unsubscribe> {
    let payload = open(sealer, t)?;
    let (tenant, address) = payload.strip_prefix("u:")?.split_once(':')?;
    Some(Unsubscribe { tenant: tenant.parse().ok()?, address: address.to_owned() })
}

/// How long a reconnect link works.
pub const RECONNECT_TTL: i64 = 7 * 86_400;

/// What a reconnect link names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconnect {
    pub tenant: TenantId,
    pub connection: ConnectionId,
}

/// The link that starts connecting a calendar again, good until `now + RECONNECT_TTL`.
pub fn reconnect_url(
    base: &str,
    sealer: &Sealer,
    tenant: TenantId,
    connection: ConnectionId,
    now: i64,
) -> String {
    let until = now.saturating_add(RECONNECT_TTL);
    format!("{base}/connect/{}", token(sealer, &format!("c:{tenant}:{connection}:{until}")))
}

/// What a reconnect token names, when it is ours and not expired at `now`.
pub fn reconnect(sealer: &Sealer, t: &str, now: i64) -> Option<Reconnect> {
    let payload = open(sealer, t)?;
    let mut parts = payload.strip_prefix("c:")?.split(':');
    let (tenant, connection, until) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || until.parse::<i64>().ok()? < now {
        return None;
    }
    Some(Reconnect { tenant: tenant.parse().ok()?, connection: connection.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn links_verify_and_forged_or_changed_ones_do_not() {
        let s = Sealer::new(K, &[]).unwrap();
        let b = BookingId::new();
        let url = manage_url("https://x", &s, b);
        let t = url.rsplit('/').next().unwrap();
        assert_eq!(manage_booking(&s, t), Some(b));
        let other = Sealer::new(&K.replace('0', "f"), &[]).unwrap();
        assert_eq!(manage_booking(&other, t), None, "another key's token");
        assert_eq!(t.len(), 45);
        let (p, mac) = t.split_once('.').unwrap();
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(BookingId::new().0.as_bytes()));
        assert_eq!(manage_booking(&s, &forged), None);
        assert_eq!(manage_booking(&s, p), None);
        assert_eq!(manage_booking(&s, &format!("{p}.{}", &mac[..21])), None);
        let tenant = TenantId::new();
        let u = unsubscribe_url("https://x", &s, tenant, "pat@example.com");
        let got = unsubscribe(&s, u.rsplit('/').next().unwrap()).unwrap();
        assert_eq!(got, Unsubscribe { tenant, address: "pat@example.com".into() });
        assert_eq!(manage_booking(&s, u.rsplit('/').next().unwrap()), None, "not a manage token");
        let c = ConnectionId::new();
        let r = reconnect_url("https://x", &s, tenant, c, 1_000);
        let t = r.rsplit('/').next().unwrap();
        assert_eq!(reconnect(&s, t, 1_000 + RECONNECT_TTL), Some(Reconnect { tenant, connection: c }));
        assert_eq!(reconnect(&s, t, 1_001 + RECONNECT_TTL), None, "expired");
    }
}
