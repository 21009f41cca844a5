//! Content coding of sync pull pages, done whole on the store's side of the
//! sync lane rather than streamed by the compression layer: one buffer, one
//! `Content-Length`, one write, and the work counted in the lane's turn.
//! zstd when the client takes it (the app asks `zstd, gzip`): about a third
//! of gzip's time both ways for fewer bytes; gzip for older clients;
//! nothing for a client that asks for neither, or a body too small to gain.

use axum::http::{header, HeaderMap, HeaderValue};

/// Bodies below this size go as they are, here and through the compression
/// layer: a short answer (a push's acknowledgement, `/healthz`) gains a few
/// bytes and costs a compression context each side. `make bench` row 5
/// found creating zstd contexts at a fifth of the server's time when every
/// answer above tower-http's 32 bytes was compressed.
const MIN_BYTES: u16 = 1024;

/// When the compression layer compresses an answer: big enough to gain
/// (tower-http's default predicate, with [`MIN_BYTES`] for its 32 bytes).
pub fn worth_compressing() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(MIN_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new(super::basemap::PMTILES_TYPE))
}

thread_local! {
    /// One zstd context per thread, reused: creating one costs more than
    /// compressing a small page with it.
    static ZSTD: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> = const { std::cell::RefCell::new(None) };
}

fn zstd_compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    ZSTD.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match cell.as_mut() {
            Some(c) => c,
            None => cell.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
        };
        compressor.compress(body)
    })
}
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
        if body.len() < usize::from(MIN_BYTES) {
            return Ok((body, Coding::Identity));
        }
        match self {
            Coding::Identity => Ok((body, Coding::Identity)),
            Coding::Zstd => Ok((zstd_compress(&body)?, Coding::Zstd)),
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
        // The thread's zstd context, reused, carries nothing from one body
        // to the next.
        let other = br#"{"changes":[{"field":"name"}],"next_cursor":7}"#.repeat(90);
        let (z2, _) = Coding::Zstd.encode(other.clone()).unwrap();
        assert_eq!(zstd::decode_all(&z2[..]).unwrap(), other);
        assert_eq!(Coding::Zstd.encode(body.clone()).unwrap().0, z);
        let small = b"{}".to_vec();
        assert_eq!(Coding::Zstd.encode(small.clone()).unwrap(), (small, Coding::Identity));
    }
}
