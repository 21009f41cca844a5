//! Content coding of sync pull pages, done whole on the store's side of the
//! sync lane rather than streamed by the compression layer: one buffer, one
//! `Content-Length`, one write, and the work counted in the lane's turn.
//! zstd when the client takes it (the app asks `zstd, gzip`): about a third
//! of gzip's time both ways for fewer bytes; gzip for older clients;
//! nothing for a client that asks for neither, or a body too small to gain.

use axum::http::{header, HeaderMap, HeaderValue};

/// Bodies below this size go as they are.
const MIN_BYTES: usize = 1024;
/// zstd level 1 and gzip level 1: sync pages are repetitive JSON, and the
/// cores are shared with every other device (bench/RESULTS.md).
const ZSTD_LEVEL: i32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Gzip,
    Identity,
}

impl Coding {
    /// The best coding `Accept-Encoding` allows (a q-value of 0 refuses one).
    pub fn negotiate(headers: &HeaderMap) -> Coding {
        let (mut zstd, mut gzip) = (false, false);
        for v in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
            for item in v.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let refused = parts.any(|p| {
                    p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
                });
                match name.as_str() {
                    "zstd" => zstd = !refused,
                    "gzip" | "x-gzip" => gzip = !refused,
                    _ => {}
                }
            }
        }
        if zstd {
            Coding::Zstd
        } else if gzip {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }

    /// `body` in this coding, with the coding it ended in (identity for a
    /// small body).
    pub fn encode(self, body: Vec<u8>) -> std::io::Result<(Vec<u8>, Coding)> {
        if body.len() < MIN_BYTES {
            return Ok((body, Coding::Identity));
        }
        match self {
            Coding::Identity => Ok((body, Coding::Identity)),
            Coding::Zstd => Ok((zstd::bulk::compress(&body, ZSTD_LEVEL)?, Coding::Zstd)),
            Coding::Gzip => {
                use std::io::Write;
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
                gz.write_all(&body)?;
                Ok((gz.finish()?, Coding::Gzip))
            }
        }
    }

    /// The `Content-Encoding` value, none for identity.
    pub fn header(self) -> Option<HeaderValue> {
        match self {
            Coding::Zstd => Some(HeaderValue::from_static("zstd")),
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Identity => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation_prefers_zstd_and_honours_refusals() {
        assert_eq!(Coding::negotiate(&accept("gzip, zstd")), Coding::Zstd);
        assert_eq!(Coding::negotiate(&accept("gzip, deflate, br")), Coding::Gzip);
        assert_eq!(Coding::negotiate(&accept("zstd;q=0, gzip;q=0.5")), Coding::Gzip);
        assert_eq!(Coding::negotiate(&accept("identity")), Coding::Identity);
        assert_eq!(Coding::negotiate(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn bodies_round_trip_and_small_ones_stay_as_they_are() {
        let body = br#"{"changes":[],"next_cursor":0,"has_more":false}"#.repeat(100);
        let (z, c) = Coding::Zstd.encode(body.clone()).unwrap();
        assert_eq!(c, Coding::Zstd);
        assert_eq!(zstd::decode_all(&z[..]).unwrap(), body);
        let (g, c) = Coding::Gzip.encode(body.clone()).unwrap();
        assert_eq!(c, Coding::Gzip);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&g[..]), &mut out).unwrap();
        assert_eq!(out, body);
        let small = b"{}".to_vec();
        assert_eq!(Coding::Zstd.encode(small.clone()).unwrap(), (small, Coding::Identity));
    }
}
