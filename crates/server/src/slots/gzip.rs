//! Slot answers gzipped once, for the public routes' clients that take gzip (every browser).
//!
//! The public routes are compressed for browsers (a month of slots is tens of kilobytes of
//! JSON), and compressing anew for every request cost more than computing the answer: a kept
//! answer ([`super::Answers`]) is compressed the first time a client that takes gzip asks for
//! it, and that copy is sent to the rest. A response carrying its own `Content-Encoding` is
//! left alone by the compression layer.

use std::io::Write;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_ENCODING;
use flate2::Compression;
use flate2::write::GzEncoder;

/// Whether the request's `Accept-Encoding` takes gzip (`gzip`, `x-gzip` or `*`, with a quality
/// above zero; a coding named with `q=0` is refused, as RFC 9110 says).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut wildcard = None;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return q > 0.0;
            }
            if coding == "*" {
                wildcard = Some(q > 0.0);
            }
        }
    }
    wildcard.unwrap_or(false)
}

/// `json` gzipped (at the default level: it is done once per kept answer); `None` if the
/// encoder failed, which writing into memory does not (the answer then goes as it is).
pub fn gzip(json: &[u8]) -> Option<Bytes> {
    let mut z = GzEncoder::new(Vec::with_capacity(json.len() / 4 + 64), Compression::default());
    z.write_all(json).and_then(|()| z.finish()).ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use axum::http::HeaderValue;

    use super::*;

    fn accepts(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        accepts_gzip(&h)
    }

    #[test]
    fn gzip_is_taken_as_the_client_says() {
        assert!(accepts(&["gzip, deflate, br, zstd"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["identity", "x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["*, gzip;q=0"]));
        assert!(!accepts(&["*;q=0"]));
        assert!(!accepts(&["gzip;q=nonsense;q=0"]));
    }

    #[test]
    fn gzipped_answers_read_back_as_sent() {
        let json = br#"{"slots_by_date":{"2026-03-03":[{"start":"2026-03-03T14:00:00Z"}]}}"#.repeat(50);
        let z = gzip(&json).unwrap();
        assert!(z.len() < json.len() / 4, "{} of {}", z.len(), json.len());
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&z[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, json);
    }
}
