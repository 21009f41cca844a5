//! The basemap: its configuration for the maps, the archive by byte ranges
//! (never compressed), a clear 404 without one, refused bad configurations.

use super::*;
use qadam_sync_server::basemap::{Basemap, BasemapConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archive_is_served_by_ranges_and_described_to_the_maps() {
    let maps = tempfile::tempdir().unwrap();
    let archive = qadam_testkit::sample_basemap(maps.path(), 6);
    let file = std::fs::read(&archive).unwrap();
    let a = archive.clone();
    let s = Server::start_with(move |cfg| {
        cfg.basemap = Basemap { archive: Some(a), tile_url: None, attribution: "© OpenStreetMap".into() }
    })
    .await;
    // Anyone may read it: the public map draws it too.
    let config: BasemapConfig = reqwest::get(s.url("/api/v1/basemap")).await.unwrap().json().await.unwrap();
    assert_eq!(
        config,
        BasemapConfig {
            archive: Some("/basemap.pmtiles".into()),
            archive_bytes: Some(file.len() as u64),
            tile_url: None,
            attribution: "© OpenStreetMap".into(),
        }
    );
    // The header as a map library reads it first, then a range further in;
    // asked with Accept-Encoding, the bytes still come as they are in the file.
    for (from, to) in [(0usize, 126usize), (1000, 4999)] {
        let r = s
            .http
            .get(s.url("/basemap.pmtiles"))
            .header("range", format!("bytes={from}-{to}"))
            .header("accept-encoding", "gzip, zstd")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 206);
        assert_eq!(r.headers()["content-type"], "application/vnd.pmtiles");
        assert!(r.headers().get("content-encoding").is_none());
        assert_eq!(r.headers()["content-range"].to_str().unwrap(), format!("bytes {from}-{to}/{}", file.len()));
        assert_eq!(r.bytes().await.unwrap().as_ref(), &file[from..=to]);
    }
    let r = s.http.get(s.url("/basemap.pmtiles")).header("range", format!("bytes={}-", file.len() + 10)).send().await;
    assert_eq!(r.unwrap().status().as_u16(), 416, "a range past the end");
    let whole = s.http.get(s.url("/basemap.pmtiles")).send().await.unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &file[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_basemap_the_maps_are_told_so_and_the_archive_is_a_clear_404() {
    let s = Server::start().await;
    let config: BasemapConfig = reqwest::get(s.url("/api/v1/basemap")).await.unwrap().json().await.unwrap();
    assert_eq!((config.archive, config.tile_url), (None, None));
    let r = reqwest::get(s.url("/basemap.pmtiles")).await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("--basemap"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_tile_server_is_allowed_by_the_pages_policy() {
    let s = Server::start_with(|cfg| {
        cfg.basemap.tile_url = Some("https://tiles.example.org/{z}/{x}/{y}.png".into());
    })
    .await;
    let r = reqwest::get(s.url("/api/v1/basemap")).await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("img-src 'self' data: blob: https://tiles.example.org;"), "{csp}");
    assert!(csp.contains("connect-src 'self';"), "{csp}");
}

#[test]
fn a_wrong_basemap_is_refused_at_start_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let not_pmtiles = dir.path().join("city.mbtiles");
    std::fs::write(&not_pmtiles, b"SQLite format 3\0").unwrap();
    let cases = [
        (Basemap { archive: Some(dir.path().join("missing.pmtiles")), ..Default::default() }, "missing.pmtiles"),
        (Basemap { archive: Some(not_pmtiles), ..Default::default() }, "not a PMTiles version 3 archive"),
        (Basemap { tile_url: Some("https://t.example.org/tiles.png".into()), ..Default::default() }, "{z}"),
        (Basemap { tile_url: Some("javascript:alert(1)/{z}/{x}/{y}".into()), ..Default::default() }, "http(s)"),
    ];
    for (basemap, says) in cases {
        let e = basemap.check().unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
    assert!(Basemap { tile_url: Some("https://t.example.org/{z}/{x}/{y}.png".into()), ..Default::default() }
        .check()
        .is_ok());
}
