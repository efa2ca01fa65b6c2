//! The URL policy for endpoints, checked when one is saved and again before each delivery:
//! `https` only, no credentials, and no host that names or is a private address. Names that
//! resolve to private addresses are caught at connection time by [`crate::resolve`].

use std::net::IpAddr;

use url::{Host, Url};

use crate::ip::is_public_ip;

/// The longest endpoint URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Why an endpoint URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a URL at all.
    #[error("not a valid URL: {0}")]
    Syntax(String),
    /// Longer than [`MAX_URL_LEN`].
    #[error("a webhook URL has at most {MAX_URL_LEN} bytes")]
    TooLong,
    /// Not `https` (or, with private addresses allowed, `http`).
    #[error("a webhook URL must use https, not {0}")]
    Scheme(String),
    /// It carries a user name or password.
    #[error("a webhook URL may not carry a user name or password")]
    Credentials,
    /// It has no host.
    #[error("a webhook URL needs a host")]
    NoHost,
    /// The host name is local (`localhost`, a single label, `.local`, `.internal`, ...).
    #[error("{0} is not a public host name")]
    PrivateHost(String),
    /// The host is, or resolves to, an address off the public internet.
    #[error("{0} is not a public address")]
    PrivateAddress(IpAddr),
    /// The host name did not resolve.
    #[error("{host} did not resolve: {reason}")]
    Resolve {
        /// The host name.
        host: String,
        /// What the resolver said.
        reason: String,
    },
}

/// Suffixes of names that only mean something inside a network (RFC 6761, RFC 6762, RFC 8375,
/// and the cloud providers' internal zones, such as `metadata.google.internal`).
const LOCAL_SUFFIXES: &[&str] = &[".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet"];

/// Checks an endpoint URL against the policy and returns it parsed. With `allow_private` (tests,
/// closed networks) `http` and private hosts are accepted; the other rules still hold.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, UrlError> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    let parsed = Url::parse(url).map_err(|e| UrlError::Syntax(e.to_string()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => return Err(UrlError::Scheme(other.to_owned())),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlError::Credentials);
    }
    match parsed.host() {
        None => return Err(UrlError::NoHost),
        Some(_) if allow_private => {}
        Some(Host::Ipv4(v4)) => check_ip(IpAddr::V4(v4))?,
        Some(Host::Ipv6(v6)) => check_ip(IpAddr::V6(v6))?,
        Some(Host::Domain(name)) => check_name(name)?,
    }
    Ok(parsed)
}

fn check_ip(ip: IpAddr) -> Result<(), UrlError> {
    if is_public_ip(ip) { Ok(()) } else { Err(UrlError::PrivateAddress(ip)) }
}

/// The URL parser has lowercased the name and turned IPv4 spellings like `0x7f.1` into
/// addresses already; what is left is a DNS name.
fn check_name(name: &str) -> Result<(), UrlError> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let dotted = format!(".{bare}");
    let local = !bare.contains('.') || LOCAL_SUFFIXES.iter().any(|s| dotted.ends_with(s));
    if local { Err(UrlError::PrivateHost(name.to_owned())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_table() {
        let ok = |u: &str| check_url(u, false).is_ok();
        assert!(ok("https://example.com/hooks/sked"));
        assert!(ok("https://hooks.example.com:8443/a?b=c"));
        assert!(ok("https://93.184.216.34/x"));
        assert!(ok("https://[2606:4700::1111]/x"));
        let refused = [
            "http://example.com/",
            "ftp://example.com/",
            "https://127.0.0.1/",
            "https://127.1/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://10.0.0.5/",
            "https://172.16.3.4/",
            "https://192.168.0.10/",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[::]/",
            "https://[fc00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://foo.localhost/",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://printer.local/",
            "https://intranet/",
            "https://user:pass@example.com/",
            "https://user@example.com/",
            "not a url",
            "https:///nohost",
        ];
        for u in refused {
            assert!(!ok(u), "{u} should be refused");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(check_url(&long, false), Err(UrlError::TooLong));
    }

    #[test]
    fn errors_name_the_rule() {
        assert_eq!(check_url("http://example.com", false), Err(UrlError::Scheme("http".into())));
        assert_eq!(check_url("https://u:p@example.com", false), Err(UrlError::Credentials));
        assert_eq!(
            check_url("https://[::ffff:127.0.0.1]/", false),
            Err(UrlError::PrivateAddress("::ffff:127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            check_url("https://foo.localhost/", false),
            Err(UrlError::PrivateHost("foo.localhost".into()))
        );
    }

    #[test]
    fn allow_private_lets_local_http_through_but_keeps_the_other_rules() {
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(check_url("http://localhost:8080/hook", true).is_ok());
        assert!(check_url("https://[::1]/hook", true).is_ok());
        assert_eq!(check_url("http://u:p@127.0.0.1/", true), Err(UrlError::Credentials));
        assert_eq!(check_url("ftp://127.0.0.1/", true), Err(UrlError::Scheme("ftp".into())));
    }
}
