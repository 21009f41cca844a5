//! The client killed mid-upload: a real `qadam-sync` process (the app's own
//! client) is SIGKILLed at random moments while it uploads 12-megapixel
//! photos and pushes an audit, again and again, then left to finish. The
//! device's SQLite store survives every kill; afterwards every change and
//! every photo is on the server exactly once and whole, and uploads resumed
//! from the byte the server had.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qadam_core::demo::SplitMix;
use qadam_core::model::{Category, District, PhotoSubject};
use qadam_core::store::{NewObject, Store};
use qadam_testkit::{Options, TestServer};

/// What passed between a device and the server about one photo: the
/// server's answer to the device's `HEAD` (the bytes it held of an upload,
/// `None` once the photo was stored), or an upload chunk and the
/// `Upload-Offset` it claimed to start at.
#[derive(Clone, Copy, Debug)]
enum Seen {
    Held(Option<u64>),
    Chunk(u64),
}

/// Everything the server was asked about photos, in the order it answered
/// `HEAD`s and received chunks.
type Log = Arc<Mutex<Vec<(String, Seen)>>>;

/// The demo server, logging every photo `HEAD` and upload chunk.
async fn server_logging_uploads() -> (TestServer, Log) {
    let log: Log = Default::default();
    let log2 = log.clone();
    let wrap = move |router: axum::Router| {
        router.layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let log = log2.clone();
            async move {
                let path = req.uri().path().to_string();
                let Some(sha) = path.strip_prefix("/api/v1/photos/").map(str::to_string) else {
                    return next.run(req).await;
                };
                let method = req.method().clone();
                if method == axum::http::Method::PATCH {
                    log.lock().unwrap().push((sha.clone(), Seen::Chunk(header(req.headers()).unwrap_or(u64::MAX))));
                }
                let resp = next.run(req).await;
                if method == axum::http::Method::HEAD {
                    let held = (!resp.status().is_success()).then(|| header(resp.headers()).unwrap_or(0));
                    log.lock().unwrap().push((sha, Seen::Held(held)));
                }
                resp
            }
        }))
    };
    let server = TestServer::start_with(Options { demo: true, wrap: Box::new(wrap), ..Options::default() }).await;
    (server, log)
}

fn header(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers.get("upload-offset")?.to_str().ok()?.parse().ok()
}

/// The uploads that were resumed: for each `HEAD` the server answered with
/// part of a photo and that a chunk of it followed, (the photo, the bytes
/// the server said it held, the offset that next chunk started at). The
/// server's answer, not a probe of the test's, is the reference: a chunk a
/// killed run had fully sent may still be stored after the kill.
fn resumes(log: &[(String, Seen)]) -> Vec<(String, u64, u64)> {
    let mut held_at = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (sha, seen) in log {
        match *seen {
            Seen::Held(Some(held)) if held > 0 => {
                held_at.insert(sha.as_str(), held);
            }
            Seen::Held(_) => {
                held_at.remove(sha.as_str());
            }
            Seen::Chunk(start) => {
                if let Some(held) = held_at.remove(sha.as_str()) {
                    out.push((sha.clone(), held, start));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_upload_loses_and_duplicates_nothing() {
    let (server, log) = server_logging_uploads().await;
    let state = server.state.clone();
    // The device has the demo campaign, then audits offline.
    let phone = server.device();
    phone.sync().await.unwrap();
    // From here on only separate processes and short-lived handles open the store.
    let qadam_testkit::TestDevice { device, dir: device_dir } = phone;
    drop(device);
    let mut rng = SplitMix::new(11);
    let mut photos = Vec::new();
    // One photo whose 1600 px copy (what the app uploads) takes several
    // chunks, made distinct per shot by its EXIF time (same length), which
    // the copy keeps.
    const TAKEN: &[u8] = b"2026:11:24 11:00:00";
    let base_jpeg = qadam_core::demo::gravel_jpeg(1600, 1200, 7, "2026:11:24 11:00:00");
    let at = base_jpeg.windows(TAKEN.len()).position(|w| w == TAKEN).expect("the time is in the EXIF");
    let shot = |n: u32| {
        let mut j = base_jpeg.clone();
        j[at..at + TAKEN.len()]
            .copy_from_slice(format!("2026:11:24 {:02}:{:02}:{:02}", n / 3600, n / 60 % 60, n % 60).as_bytes());
        j
    };
    let add_work = |round: u32, photos: &mut Vec<String>| {
        let mut s = Store::open(device_dir.path()).unwrap();
        let object = s
            .create_object(NewObject {
                campaign_id: qadam_core::demo::demo_campaign_id(),
                name: format!("Объект {round}"),
                category: Category::CULTURE,
                district: District::MEDEU,
                address: String::new(),
                location: None,
            })
            .unwrap();
        for k in 0..2u32 {
            photos.push(s.attach_photo(PhotoSubject::Object, object, &shot(round * 2 + k + 1)).unwrap().sha256);
        }
    };

    let mut kills = 0;
    let mut round = 0;
    let mut runs = 0;
    // At least 12 kills, and until a run has resumed a photo a kill cut off.
    while kills < 12 || resumes(&log.lock().unwrap()).is_empty() {
        runs += 1;
        assert!(runs < 300, "{kills} kills in {runs} runs, no resumed upload");
        if Store::open(device_dir.path()).unwrap().photos_to_upload().unwrap().is_empty() {
            add_work(round, &mut photos);
            round += 1;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_qadam-sync"))
            .arg(device_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5 + rng.below(60))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }

    // Left alone, the client finishes. The server may still be decoding
    // photos the killed runs completed and answer "busy" (503) for a
    // moment; a run that fails so is simply run again, as the app's
    // automatic sync does.
    let mut finished = false;
    for _ in 0..20 {
        let out = Command::new(env!("CARGO_BIN_EXE_qadam-sync")).arg(device_dir.path()).output().unwrap();
        if out.status.success() {
            finished = true;
            break;
        }
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("busy"), "only a busy server may refuse a run: {said}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(finished, "the client finished within 20 runs");
    let s = Store::open(device_dir.path()).unwrap();
    assert_eq!(s.pending().unwrap().changes, 0);
    assert!(s.photos_to_upload().unwrap().is_empty());
    let local: i64 =
        s.connection().query_row("SELECT count(*) FROM changes WHERE local = 1", [], |r| r.get(0)).unwrap();
    let st = state.clone();
    let (changes, stored_photos) = tokio::task::spawn_blocking(move || st.store.counts().unwrap()).await.unwrap();
    let demo = qadam_core::demo::demo_campaign(qadam_sync_server::DEMO_OBJECTS).len() as i64;
    assert_eq!(changes, demo + local, "every change exactly once");
    assert_eq!(stored_photos as usize, photos.len(), "every photo exactly once");
    for sha in &photos {
        let st = state.clone();
        let sha2 = sha.clone();
        let bytes = tokio::task::spawn_blocking(move || st.photos.get(&sha2).unwrap()).await.unwrap().expect("stored");
        assert_eq!(&qadam_core::photo::sha256_hex(&bytes), sha, "whole and intact");
    }
    // Each photo cut off mid-upload went on from exactly the byte the
    // server held: the first chunk a run sent after asking starts there.
    let resumed = resumes(&log.lock().unwrap());
    for (sha, held, start) in &resumed {
        assert_eq!(start, held, "photo {sha} resumed from the byte the server held");
    }
    assert!(!resumed.is_empty());
    eprintln!("{kills} kills, {} resumed uploads, {round} rounds of work", resumed.len());
}
