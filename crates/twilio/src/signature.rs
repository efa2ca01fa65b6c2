//! `X-Twilio-Signature`: how Twilio signs the webhooks it sends (status callbacks, inbound
//! messages), so that Sked can tell them from forgeries.
//!
//! The signature is base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
//! sorted by name then value)). The URL is the one Twilio requested, exactly: scheme, host, path
//! and query. Twilio may or may not have written the default port, so both forms are checked.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// The `X-Twilio-Signature` of a POST of `params` to `url` (the full URL, query included).
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// True when `header` is the signature of `params` posted to `url`, or to `url` with its default
/// port (`:443`, `:80`) written or left out. Compared in constant time.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    let Ok(given) = STANDARD.decode(header.trim()) else {
        return false;
    };
    let mut ok = false;
    for candidate in url_variants(url) {
        // No early exit: each variant costs the same whether or not an earlier one matched.
        ok |= mac(auth_token, &candidate, params).verify_slice(&given).is_ok();
    }
    ok
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC takes keys of any length; the error cannot happen, an empty key stands in if it did.
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes())
        .unwrap_or_else(|_| HmacSha1::new(&Default::default()));
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// `url` as given, and with its scheme's default port added or removed (when it has one).
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // The port follows the last `:` after the host (an IPv6 host is in brackets).
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_and_port = &authority[host_start..];
    let port_sep = host_and_port.rfind(':').filter(|&i| !host_and_port[i..].contains(']'));
    let other = match port_sep {
        Some(i) if &host_and_port[i + 1..] == default => {
            format!("{scheme}://{}{}{tail}", &authority[..host_start], &host_and_port[..i])
        }
        Some(_) => return out,
        None => format!("{scheme}://{authority}:{default}{tail}"),
    };
    out.push(other);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    #[test]
    fn twilio_documented_vector() {
        assert_eq!(sign("12345", URL, &params()), EXPECTED);
        assert!(verify("12345", URL, &params(), EXPECTED));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut shuffled = params();
        shuffled.reverse();
        assert_eq!(sign("12345", URL, &shuffled), EXPECTED);
    }

    #[test]
    fn repeated_names_are_sorted_by_value() {
        let a = vec![("A".to_owned(), "2".to_owned()), ("A".to_owned(), "1".to_owned())];
        let b = vec![("A".to_owned(), "1".to_owned()), ("A".to_owned(), "2".to_owned())];
        assert_eq!(sign("t", "https://x.test/", &a), sign("t", "https://x.test/", &b));
    }

    #[test]
    fn tampering_is_caught() {
        let mut changed = params();
        changed[2].1 = "1235".into();
        assert!(!verify("12345", URL, &changed, EXPECTED), "a changed value");
        let mut extra = params();
        extra.push(("Body".into(), "hi".into()));
        assert!(!verify("12345", URL, &extra, EXPECTED), "an added parameter");
        assert!(!verify("12345", URL, &params()[1..], EXPECTED), "a removed parameter");
        assert!(!verify("54321", URL, &params(), EXPECTED), "another token");
        assert!(!verify("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &params(), EXPECTED));
        assert!(!verify("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", &params(), EXPECTED));
        assert!(!verify("12345", URL, &params(), "RSOYDt4T1cUTdK1PDd93/VVr8B8"), "truncated");
        assert!(!verify("12345", URL, &params(), "not base64!"));
        assert!(!verify("12345", URL, &params(), ""));
    }

    #[test]
    fn default_ports_written_or_not() {
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert!(verify("12345", with_port, &params(), EXPECTED));
        let signed_with_port = sign("12345", with_port, &params());
        assert!(verify("12345", URL, &params(), &signed_with_port));
        let other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2";
        assert!(!verify("12345", other_port, &params(), EXPECTED));
        let http = "http://user@127.0.0.1/hook";
        assert!(verify("t", "http://user@127.0.0.1:80/hook", &[], &sign("t", http, &[])));
    }

    #[test]
    fn url_variants_of_odd_urls() {
        assert_eq!(url_variants("https://[::1]:443/x"), ["https://[::1]:443/x", "https://[::1]/x"]);
        assert_eq!(url_variants("https://[::1]/x"), ["https://[::1]/x", "https://[::1]:443/x"]);
        assert_eq!(url_variants("http://h?q=1"), ["http://h?q=1", "http://h:80?q=1"]);
        assert_eq!(url_variants("ftp://h/x"), ["ftp://h/x"]);
        assert_eq!(url_variants("nonsense"), ["nonsense"]);
    }
}
