//! One WebDAV request: sent with the account's credentials, redirects followed by hand, the
//! answer read up to the size limit, and error answers read into a [`ProviderError`].

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::ExposeSecret;

use crate::{Account, CalDav, ProviderError, ProviderResult, xml};

/// A request to make.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub method: Method,
    pub url: Url,
    /// `Depth` header (`0` or `1`).
    pub depth: Option<&'static str>,
    /// An XML body, or calendar data for `PUT`.
    pub body: Option<String>,
    pub content_type: Option<&'static str>,
    /// `If-Match`: write only over this ETag.
    pub if_match: Option<&'a str>,
    /// `If-None-Match: *`: create only.
    pub if_none_match: bool,
}

impl Call<'_> {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            depth: None,
            body: None,
            content_type: None,
            if_match: None,
            if_none_match: false,
        }
    }

    /// An XML request with `Depth`.
    pub(crate) fn xml(method: &[u8], url: Url, depth: &'static str, body: String) -> ProviderResult<Self> {
        let method = Method::from_bytes(method).map_err(|e| ProviderError::Transport(e.to_string()))?;
        Ok(Self {
            depth: Some(depth),
            body: Some(body),
            content_type: Some("application/xml; charset=utf-8"),
            ..Self::new(method, url)
        })
    }
}

/// What the server answered (any status).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    /// The URL that answered, after redirects: hrefs in the answer are relative to it.
    pub url: Url,
    pub etag: Option<String>,
    pub retry_after: Option<u64>,
    pub body: String,
}

impl Answer {
    pub(crate) fn ok(&self) -> bool {
        self.status.is_success()
    }
}

/// What a `412 Precondition Failed` means for the request that got it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum On412 {
    /// `If-None-Match: *`: the resource exists.
    Exists,
    /// `If-Match`: the resource changed.
    Changed,
}

impl CalDav {
    /// Sends `call` and reads the answer, whatever its status.
    pub(crate) async fn send(&self, account: &Account, call: Call<'_>) -> ProviderResult<Answer> {
        let mut url = call.url.clone();
        for _ in 0..=self.config.max_redirects {
            check_url(account, &url)?;
            let mut req = self
                .http
                .request(call.method.clone(), url.clone())
                .basic_auth(&account.username, Some(account.password.expose_secret()));
            if let Some(d) = call.depth {
                req = req.header("Depth", d);
            }
            if let Some(t) = call.content_type {
                req = req.header(reqwest::header::CONTENT_TYPE, t);
            }
            if let Some(e) = call.if_match {
                req = req.header(reqwest::header::IF_MATCH, e);
            }
            if call.if_none_match {
                req = req.header(reqwest::header::IF_NONE_MATCH, "*");
            }
            if let Some(b) = &call.body {
                req = req.body(b.clone());
            }
            let resp = req.send().await.map_err(|e| ProviderError::Transport(describe(&e)))?;
            let status = resp.status();
            if status.is_redirection()
                && status != StatusCode::NOT_MODIFIED
                && let Some(next) = location(resp.headers(), &url)
            {
                tracing::debug!(from = %url, to = %next, "CalDAV redirect");
                url = next;
                continue;
            }
            let etag = header(resp.headers(), reqwest::header::ETAG);
            let retry_after =
                header(resp.headers(), reqwest::header::RETRY_AFTER).and_then(|s| s.parse().ok());
            let body = self.read_body(resp).await?;
            return Ok(Answer { status, url, etag, retry_after, body });
        }
        Err(ProviderError::Transport(format!(
            "more than {} redirects from {}",
            self.config.max_redirects, call.url
        )))
    }

    /// The answer's body, refused when larger than the limit.
    async fn read_body(&self, mut resp: reqwest::Response) -> ProviderResult<String> {
        let limit = self.config.max_answer_bytes;
        let too_large = || ProviderError::Transport(format!("the answer is larger than {limit} bytes"));
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| ProviderError::Transport(describe(&e)))? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }
}

/// Refuses URLs the password must not go to: other schemes, HTTP from an HTTPS account, and
/// hosts other than the account's server.
pub(crate) fn check_url(account: &Account, url: &Url) -> ProviderResult<()> {
    let base = &account.base_url;
    let refuse = |why: &str| {
        Err(ProviderError::Refused {
            status: 0,
            reason: "foreign-url".into(),
            message: format!("{url} is not sent the account's password: {why}"),
        })
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refuse("not HTTP");
    }
    if base.scheme() == "https" && url.scheme() == "http" {
        return refuse("HTTP from an HTTPS account");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("credentials in the URL");
    }
    let (Some(host), Some(home)) = (url.host_str(), base.host_str()) else { return refuse("no host") };
    let host = host.to_ascii_lowercase();
    let home = home.to_ascii_lowercase();
    let same_port = url.port_or_known_default() == base.port_or_known_default();
    if host == home {
        return if same_port || url.scheme() != base.scheme() { Ok(()) } else { refuse("another port") };
    }
    // A name (not an address) of three labels or more trusts its parent domain's subdomains.
    let is_name = home.parse::<std::net::IpAddr>().is_err() && !home.starts_with('[');
    let parent = home.split_once('.').map(|(_, p)| p).filter(|p| p.contains('.') && is_name);
    let under = |domain: &str| host.ends_with(&format!(".{domain}"));
    if is_name && (under(&home) || parent.is_some_and(under)) {
        return Ok(());
    }
    refuse("another host")
}

/// The error an unsuccessful answer stands for.
pub(crate) fn error(a: &Answer, on_412: On412) -> ProviderError {
    let status = a.status.as_u16();
    let condition = xml::precondition(&a.body);
    let message: String = a.body.chars().take(300).collect();
    match (status, condition.as_deref()) {
        (_, Some("valid-sync-token")) => ProviderError::Gone { reason: "valid-sync-token".into() },
        (401, _) => ProviderError::Unauthorized,
        (403 | 409, Some("no-uid-conflict")) => ProviderError::Duplicate,
        (404, _) => ProviderError::NotFound,
        (410, _) => ProviderError::Gone { reason: condition.unwrap_or_else(|| "gone".into()) },
        (412, _) => match on_412 {
            On412::Exists => ProviderError::Duplicate,
            On412::Changed => ProviderError::Changed,
        },
        (429, _) => {
            ProviderError::RateLimited { reason: "tooManyRequests".into(), retry_after: a.retry_after }
        }
        (500..=599, _) => ProviderError::Unavailable { status, message, retry_after: a.retry_after },
        _ => ProviderError::Refused {
            status,
            reason: condition.unwrap_or_else(|| a.status.canonical_reason().unwrap_or("").to_owned()),
            message,
        },
    }
}

/// The next URL of a redirect, resolved against the one that answered.
fn location(h: &HeaderMap, from: &Url) -> Option<Url> {
    from.join(h.get(reqwest::header::LOCATION)?.to_str().ok()?).ok()
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(|s| s.trim().to_owned())
}

/// A transport error with its causes (reqwest's own message is often just "error sending
/// request").
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(base: &str) -> Account {
        Account::new(base, "u", "p").unwrap()
    }

    #[test]
    fn the_password_goes_only_to_the_accounts_server() {
        let icloud = account("https://caldav.icloud.com/");
        let ok = |a: &Account, u: &str| check_url(a, &Url::parse(u).unwrap()).is_ok();
        assert!(ok(&icloud, "https://caldav.icloud.com/123/principal/"));
        assert!(ok(&icloud, "https://p07-caldav.icloud.com:443/123/calendars/"));
        assert!(!ok(&icloud, "http://caldav.icloud.com/"), "no downgrade");
        assert!(!ok(&icloud, "https://evil.example/"));
        assert!(!ok(&icloud, "https://caldav.icloud.com.evil.example/"));
        assert!(!ok(&icloud, "https://icloud.com.evil/"));
        let fastmail = account("https://fastmail.com/");
        assert!(ok(&fastmail, "https://caldav.fastmail.com/dav/"));
        assert!(!ok(&fastmail, "https://other.com/"), "a two-label name trusts only its own subdomains");
        let local = account("http://127.0.0.1:5232/");
        assert!(ok(&local, "http://127.0.0.1:5232/alice/"));
        assert!(ok(&local, "https://127.0.0.1/alice/"), "an upgrade to HTTPS is fine");
        assert!(!ok(&local, "http://127.0.0.1:8080/"));
        assert!(!ok(&local, "ftp://127.0.0.1:5232/"));
        assert!(!ok(&local, "http://u:p@127.0.0.1:5232/"));
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            url: Url::parse("http://x/").unwrap(),
            etag: None,
            retry_after: Some(9),
            body: body.into(),
        }
    }

    #[test]
    fn error_answers_map_to_what_callers_act_on() {
        let e = |s, b: &str, on| error(&answer(s, b), on);
        let sync =
            r#"<?xml version='1.0' encoding='utf-8'?><error xmlns="DAV:"><valid-sync-token /></error>"#;
        let uid =
            r#"<error xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict /></error>"#;
        assert_eq!(e(403, sync, On412::Changed), ProviderError::Gone { reason: "valid-sync-token".into() });
        assert_eq!(e(409, uid, On412::Exists), ProviderError::Duplicate);
        assert_eq!(e(401, "", On412::Changed), ProviderError::Unauthorized);
        assert_eq!(e(404, "", On412::Changed), ProviderError::NotFound);
        assert_eq!(e(412, "", On412::Exists), ProviderError::Duplicate);
        assert_eq!(e(412, "", On412::Changed), ProviderError::Changed);
        assert_eq!(e(429, "", On412::Changed).retry_after(), Some(9));
        assert!(matches!(e(503, "down", On412::Changed), ProviderError::Unavailable { status: 503, .. }));
        assert!(matches!(
            e(409, "<error xmlns=\"DAV:\"><resource-must-be-null/></error>", On412::Exists),
            ProviderError::Refused { status: 409, ref reason, .. } if reason == "resource-must-be-null"
        ));
        assert!(matches!(e(400, "garbage", On412::Exists), ProviderError::Refused { status: 400, .. }));
    }
}
