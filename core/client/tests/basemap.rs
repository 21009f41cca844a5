//! The basemap kept for offline maps: downloaded whole from a real server,
//! read back by range, and never replaced by half an archive.

use qadam_client::{basemap_bytes, download_basemap, read_basemap, ClientError};
use qadam_testkit::{Options, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archive_is_kept_whole_and_read_back_by_range() {
    let maps = tempfile::tempdir().unwrap();
    let archive = qadam_testkit::sample_basemap(maps.path(), 6);
    let file = std::fs::read(&archive).unwrap();
    let server = TestServer::start_with(Options {
        tweak: Box::new(move |cfg| cfg.basemap.archive = Some(archive)),
        ..Options::default()
    })
    .await;
    let device = tempfile::tempdir().unwrap();
    let kept = device.path().join("basemap.pmtiles");
    let mut heard = Vec::new();
    let size = download_basemap(&server.base, &kept, |got, total| heard.push((got, total))).await.unwrap();
    assert_eq!(size, file.len() as u64);
    assert_eq!(std::fs::read(&kept).unwrap(), file, "byte for byte");
    assert_eq!(heard.first(), Some(&(0, size)));
    assert_eq!(heard.last(), Some(&(size, size)));
    assert_eq!(basemap_bytes(&kept), Some(size));
    assert_eq!(read_basemap(&kept, 127, 1000).unwrap(), &file[127..1127]);
    assert_eq!(read_basemap(&kept, size - 10, 1000).unwrap(), &file[file.len() - 10..], "fewer at the end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_basemap_and_a_cut_download_leave_what_the_device_had() {
    let device = tempfile::tempdir().unwrap();
    let kept = device.path().join("basemap.pmtiles");
    // A server without a basemap says so; nothing is written.
    let server = TestServer::start_with(Options::default()).await;
    let e = download_basemap(&server.base, &kept, |_, _| {}).await.unwrap_err();
    assert!(matches!(e, ClientError::NoBasemap), "{e}");
    assert_eq!(basemap_bytes(&kept), None);
    assert!(matches!(read_basemap(&kept, 0, 10), Err(ClientError::NoBasemap)));

    // A server whose archive ends before the size it announced: the download
    // fails and the archive kept before stays as it was.
    std::fs::write(&kept, b"PMTiles\x03 the archive kept before").unwrap();
    let maps = tempfile::tempdir().unwrap();
    let archive = qadam_testkit::sample_basemap(maps.path(), 4);
    let real = std::fs::metadata(&archive).unwrap().len();
    let wrap = move |router: axum::Router| {
        router.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                if req.uri().path() == "/api/v1/basemap" {
                    let body = serde_json::json!({"archive": "/basemap.pmtiles", "archive_bytes": real + 100,
                                              "tile_url": null, "attribution": ""});
                    return axum::Json(body).into_response();
                }
                next.run(req).await
            },
        ))
    };
    use axum::response::IntoResponse;
    let server = TestServer::start_with(Options {
        tweak: Box::new(move |cfg| cfg.basemap.archive = Some(archive)),
        wrap: Box::new(wrap),
        ..Options::default()
    })
    .await;
    let e = download_basemap(&server.base, &kept, |_, _| {}).await.unwrap_err();
    assert!(matches!(e, ClientError::Incomplete(got, want) if got == real && want == real + 100), "{e}");
    assert_eq!(std::fs::read(&kept).unwrap(), b"PMTiles\x03 the archive kept before");
    assert!(!kept.with_extension("pmtiles.part").exists(), "no half archive is left behind");
}
