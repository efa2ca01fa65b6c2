//! Static files compiled into the binary, each with a content type and a strong validator.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its name under `/assets/` (the widget is also served at `/widget.js`).
    pub name: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// A strong `ETag` value (quoted), from the content.
    pub etag: String,
}

macro_rules! embed {
    ($name:literal, $ty:literal) => {
        ($name, $ty, include_bytes!(concat!("../assets/", $name)).as_slice())
    };
}

/// Every embedded file: (name, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    embed!("sked.css", "text/css; charset=utf-8"),
    embed!("widget.js", "text/javascript; charset=utf-8"),
    embed!("admin.css", "text/css; charset=utf-8"),
    embed!("admin.js", "text/javascript; charset=utf-8"),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, body)| Asset {
            name,
            content_type,
            body,
            etag: format!("\"{}\"", &hex::encode(Sha256::digest(body))[..16]),
        })
        .collect()
});

/// The embedded file called `name`, if there is one.
pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// Every embedded file.
pub fn all() -> &'static [Asset] {
    &ASSETS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_found_by_name_with_a_stable_tag() {
        for a in all() {
            let found = get(a.name).map(|f| f.etag.clone());
            assert_eq!(found.as_deref(), Some(a.etag.as_str()));
            assert_eq!(a.etag.len(), 18);
        }
        assert!(get("../Cargo.toml").is_none());
    }
}
