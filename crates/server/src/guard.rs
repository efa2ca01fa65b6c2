//! The doors' guard: what every way in that checks a credential (API keys, the operator key,
//! voice webhooks, Google push notifications, the OAuth callback) shares.
//!
//! - Failures are counted per client address. An address that failed too often lately is
//!   answered 429 before the work a failure would waste (a database read, opening a secret);
//!   each failure spends one token of its bucket, which refills over time. Requests that
//!   authenticate are never counted, so a flood of bad credentials costs little and locks out
//!   only the address it comes from.
//! - Signed requests are accepted once: a signature seen within its window is refused
//!   ([`once`]), recorded in the store so that every process sharing the database agrees.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// Most addresses the guard remembers at once.
const CAPACITY: usize = 100_000;

/// Where a request comes from: the TCP peer, or the left-most `X-Forwarded-For` entry when the
/// server is told to trust it (behind a proxy that sets that header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client address of a request.
    pub fn of(parts: &Parts, trust_forwarded_for: bool) -> Self {
        let forwarded = trust_forwarded_for
            .then(|| {
                parts.headers.get("x-forwarded-for")?.to_str().ok()?.split(',').next().and_then(parse_ip)
            })
            .flatten();
        let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        // Without a peer (a router driven in-process), every request shares one bucket.
        Self(forwarded.or_else(peer).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }

    /// The bucket the address counts in: an IPv6 client usually holds a whole /64, so that is
    /// one bucket; an IPv4-mapped IPv6 address counts as its IPv4 address.
    pub fn bucket(self) -> IpAddr {
        match self.0 {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
            },
            v4 => v4,
        }
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>().ok().or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Self::of(parts, state.settings.trust_forwarded_for))
    }
}

/// Failed authentications per client address: a token bucket per address (GCRA), on the
/// server's clock. Bounded: addresses whose bucket is full again are forgotten.
#[derive(Debug)]
pub struct Failures {
    /// Per bucket, the instant (ms) its bucket is full again; `None` when the guard is off.
    tat: Option<Mutex<HashMap<IpAddr, i64>>>,
    /// Milliseconds to earn back one failure.
    interval_ms: i64,
    /// Failures an address may make in a burst.
    burst: i64,
}

impl Failures {
    /// `burst` failures at once, earning back `per_second` a second; a burst of 0 turns the
    /// guard off.
    pub fn new(burst: u32, per_second: f64) -> Self {
        let interval = if per_second.is_finite() && per_second > 0.0 { 1_000.0 / per_second } else { 3.6e6 };
        Self {
            tat: (burst > 0).then(|| Mutex::new(HashMap::new())),
            interval_ms: (interval.round() as i64).clamp(1, 3_600_000),
            burst: i64::from(burst),
        }
    }

    /// How long `addr` must wait before it may fail again, if it has failed too often.
    pub fn blocked(&self, addr: ClientAddr, now_ms: i64) -> Option<u64> {
        let map = self.tat.as_ref()?.lock().unwrap_or_else(|e| e.into_inner());
        let tat = *map.get(&addr.bucket())?;
        let allowed_from = tat - (self.burst - 1) * self.interval_ms;
        (allowed_from > now_ms).then(|| ((allowed_from - now_ms) as u64).div_ceil(1_000).max(1))
    }

    /// Counts one failure of `addr`.
    pub fn charge(&self, addr: ClientAddr, now_ms: i64) {
        let Some(tat) = &self.tat else { return };
        let mut map = tat.lock().unwrap_or_else(|e| e.into_inner());
        // Full (the upkeep forgets full buckets every few seconds): one address makes room, so
        // the guard never grows and never scans under the lock.
        if map.len() >= CAPACITY
            && !map.contains_key(&addr.bucket())
            && let Some(any) = map.keys().next().copied()
        {
            map.remove(&any);
        }
        let t = map.entry(addr.bucket()).or_insert(now_ms);
        // Never further ahead than a full burst: failures past the limit add no more waiting.
        *t = ((*t).max(now_ms) + self.interval_ms).min(now_ms + self.burst * self.interval_ms);
    }

    /// Forgets addresses whose bucket is full again.
    pub fn shrink(&self, now_ms: i64) {
        if let Some(tat) = &self.tat {
            tat.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, t| *t > now_ms);
        }
    }

    /// How many addresses are remembered.
    pub fn len(&self) -> usize {
        self.tat.as_ref().map_or(0, |m| m.lock().unwrap_or_else(|e| e.into_inner()).len())
    }

    /// True when no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One request at one door (`api_key`, `operator_key`, `retell`, `vapi`, `google_push`,
/// `oauth_callback`): where it came from, for the guard.
#[derive(Clone, Copy, Debug)]
pub struct Door<'a> {
    state: &'a AppState,
    addr: ClientAddr,
    name: &'static str,
}

impl<'a> Door<'a> {
    /// A request at door `name`; nothing is checked yet.
    pub fn new(state: &'a AppState, addr: ClientAddr, name: &'static str) -> Self {
        Self { state, addr, name }
    }

    /// A request at door `name`, refused at once (429) when its address failed too often.
    pub fn enter(state: &'a AppState, addr: ClientAddr, name: &'static str) -> Result<Self, ApiError> {
        let door = Self::new(state, addr, name);
        door.check()?;
        Ok(door)
    }

    /// The server's state.
    pub fn state(&self) -> &'a AppState {
        self.state
    }

    fn now_ms(&self) -> i64 {
        self.state.clock.now().as_millisecond()
    }

    /// 429 when the address failed too often lately: call it before work a failure wastes.
    pub fn check(&self) -> Result<(), ApiError> {
        match self.state.failures.blocked(self.addr, self.now_ms()) {
            Some(retry_after) => {
                metrics::counter!("sked_auth_refused_total", "door" => self.name).increment(1);
                Err(ApiError::RateLimited { retry_after })
            }
            None => Ok(()),
        }
    }

    /// The request failed to authenticate: counted against its address, answered `e` (or 429
    /// when the address had already failed too often).
    pub fn refuse(&self, e: ApiError) -> ApiError {
        if let Err(limited) = self.check() {
            return limited;
        }
        self.state.failures.charge(self.addr, self.now_ms());
        metrics::counter!("sked_auth_failures_total", "door" => self.name).increment(1);
        e
    }

    /// Accepts a signed request once: `key` (derived from its signature) is recorded until
    /// `until` (Unix seconds, when the signature's window closes); a second time, within that
    /// window and in any process sharing the database, it is refused with 409 `replayed` and
    /// counted as a failure.
    pub async fn once(&self, key: &str, until: i64) -> Result<(), ApiError> {
        let now = self.state.clock.now_second();
        let first =
            self.state.store.first_seen(key, until, now).await.map_err(|e| ApiError::Internal(e.into()))?;
        if first {
            return Ok(());
        }
        tracing::warn!(door = self.name, "a signed request was replayed; refused");
        Err(self.refuse(replayed()))
    }
}

/// 409 `replayed`: a signed request received before.
pub fn replayed() -> ApiError {
    ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "replayed",
        detail: "this signed request was already received; a retry must be signed anew".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> ClientAddr {
        ClientAddr(s.parse().unwrap())
    }

    #[test]
    fn a_burst_of_failures_then_one_per_interval() {
        let f = Failures::new(3, 1.0);
        let a = ip("203.0.113.7");
        for _ in 0..3 {
            assert_eq!(f.blocked(a, 0), None);
            f.charge(a, 0);
        }
        assert_eq!(f.blocked(a, 0), Some(1), "the fourth waits a second");
        assert_eq!(f.blocked(ip("203.0.113.8"), 0), None, "other addresses are not touched");
        // Failing on while blocked never pushes the wait past one burst.
        for _ in 0..100 {
            f.charge(a, 0);
        }
        assert_eq!(f.blocked(a, 0), Some(1));
        assert_eq!(f.blocked(a, 999), Some(1));
        assert_eq!(f.blocked(a, 1_000), None, "one failure earned back");
        f.charge(a, 1_000);
        assert_eq!(f.blocked(a, 1_000), Some(1));
        assert_eq!(f.len(), 1);
        f.shrink(3_999);
        assert_eq!(f.len(), 1);
        f.shrink(4_000);
        assert!(f.is_empty(), "a full bucket is forgotten");
    }

    #[test]
    fn slow_refill_and_off() {
        let f = Failures::new(1, 0.1);
        f.charge(ip("192.0.2.1"), 0);
        assert_eq!(f.blocked(ip("192.0.2.1"), 0), Some(10));
        assert_eq!(f.blocked(ip("192.0.2.1"), 9_001), Some(1));
        let off = Failures::new(0, 1.0);
        off.charge(ip("192.0.2.1"), 0);
        assert_eq!(off.blocked(ip("192.0.2.1"), 0), None);
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        let f = Failures::new(1, 1.0);
        f.charge(ip("2001:db8:1:2:aaaa::1"), 0);
        assert!(f.blocked(ip("2001:db8:1:2:ffff::9"), 0).is_some());
        assert!(f.blocked(ip("2001:db8:1:3::1"), 0).is_none());
        f.charge(ip("::ffff:198.51.100.4"), 0);
        assert!(f.blocked(ip("198.51.100.4"), 0).is_some());
    }

    #[test]
    fn memory_stays_bounded() {
        let f = Failures::new(5, 1.0);
        for n in 0..(CAPACITY as u32 + 10) {
            f.charge(ClientAddr(IpAddr::V4(Ipv4Addr::from(n))), 0);
        }
        assert_eq!(f.len(), CAPACITY);
    }

    #[test]
    fn forwarded_for_is_read_only_when_trusted() {
        let req = |xff: Option<&str>| {
            let mut b = axum::http::Request::builder();
            if let Some(v) = xff {
                b = b.header("x-forwarded-for", v);
            }
            let mut parts = b.body(()).unwrap().into_parts().0;
            parts.extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 2], 4000))));
            parts
        };
        let peer = ip("10.0.0.2");
        assert_eq!(ClientAddr::of(&req(Some("198.51.100.4, 10.0.0.1")), false), peer);
        assert_eq!(ClientAddr::of(&req(Some("198.51.100.4, 10.0.0.1")), true), ip("198.51.100.4"));
        assert_eq!(ClientAddr::of(&req(Some("[2001:db8::1]:443")), true), ip("2001:db8::1"));
        assert_eq!(ClientAddr::of(&req(Some("198.51.100.4:5000")), true), ip("198.51.100.4"));
        assert_eq!(ClientAddr::of(&req(Some("not an address")), true), peer);
        assert_eq!(ClientAddr::of(&req(None), true), peer);
        let bare = axum::http::Request::builder().body(()).unwrap().into_parts().0;
        assert_eq!(ClientAddr::of(&bare, false), ip("0.0.0.0"));
    }
}
