//! Name resolution at delivery time, against DNS rebinding: the name is resolved here, every
//! address must be public, and the connection goes to exactly the addresses checked, because
//! this is the resolver the delivery client connects with.

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::UrlError;
use crate::ip::is_public_ip;

/// Resolves `host` and returns its addresses with `port`, refusing the lot if any of them is
/// off the public internet (unless `allow_private`) or if there are none. The server can call
/// this when an endpoint is saved; deliveries do it on every new connection anyway.
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, UrlError> {
    let failed = |reason: String| UrlError::Resolve { host: host.to_owned(), reason };
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host, port)).await.map_err(|e| failed(e.to_string()))?.collect();
    if addrs.is_empty() {
        return Err(failed("no addresses".to_owned()));
    }
    if !allow_private {
        // One private address refuses them all: a name that mixes them is not trusted.
        if let Some(bad) = addrs.iter().find(|a| !is_public_ip(a.ip())) {
            return Err(UrlError::PrivateAddress(bad.ip()));
        }
    }
    Ok(addrs)
}

/// The delivery client's resolver: [`resolve_checked`] for every name it connects to. Other
/// clients that fetch addresses users give (calendar servers, feeds) use it too.
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    /// Private and loopback addresses are allowed (tests, closed networks).
    pub allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            // The port is filled in by the connector from the URL.
            let addrs = resolve_checked(name.as_str(), 0, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_names_are_refused_unless_allowed() {
        let refused = resolve_checked("localhost", 443, false).await;
        assert!(matches!(refused, Err(UrlError::PrivateAddress(ip)) if ip.is_loopback()));
        let allowed = resolve_checked("localhost", 443, true).await.unwrap();
        assert!(allowed.iter().all(|a| a.ip().is_loopback() && a.port() == 443));
        let literal = resolve_checked("10.0.0.1", 443, false).await;
        assert!(matches!(literal, Err(UrlError::PrivateAddress(_))));
    }
}
