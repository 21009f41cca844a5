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
use qadam_testkit::{Options, TestServer, TOKEN};

/// Every resumable upload chunk the server was sent: (photo hash, the
/// `Upload-Offset` the chunk claimed to start at), in arrival order.
type Chunks = Arc<Mutex<Vec<(String, u64)>>>;

/// The demo server, noting every upload chunk it is sent.
async fn server_logging_chunks() -> (TestServer, Chunks) {
    let chunks: Chunks = Default::default();
    let log = chunks.clone();
    let wrap = move |router: axum::Router| {
        router.layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let log = log.clone();
            async move {
                if req.method() == axum::http::Method::PATCH {
                    let sha = req.uri().path().rsplit('/').next().unwrap_or_default().to_string();
                    let offset = req
                        .headers()
                        .get("upload-offset")
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                        .unwrap_or(u64::MAX);
                    log.lock().unwrap().push((sha, offset));
                }
                next.run(req).await
            }
        }))
    };
    let server = TestServer::start_with(Options { demo: true, wrap: Box::new(wrap), ..Options::default() }).await;
    (server, chunks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_upload_loses_and_duplicates_nothing() {
    let (server, chunks) = server_logging_chunks().await;
    let (state, base) = (server.state.clone(), server.base.clone());
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

    let http = reqwest::Client::new();
    let (mut kills, mut mid_photo) = (0, 0);
    // (photo, the bytes the server held after a kill, chunks sent by then).
    let mut resumes: Vec<(String, u64, usize)> = Vec::new();
    let mut round = 0;
    let mut runs = 0;
    // At least 12 kills, and until one has landed inside a photo.
    while kills < 12 || mid_photo == 0 {
        runs += 1;
        assert!(runs < 300, "{kills} kills in {runs} runs, {mid_photo} inside a photo");
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
        // Did the kill land inside a photo? The server then holds part of
        // it, and the next run must send that photo's next chunk from there.
        for sha in &photos {
            let r = http.head(format!("{base}/api/v1/photos/{sha}")).bearer_auth(TOKEN).send().await.unwrap();
            let offset: u64 = r.headers().get("upload-offset").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
            if r.status() == 404 && offset > 0 {
                mid_photo += 1;
                resumes.push((sha.clone(), offset, chunks.lock().unwrap().len()));
            }
        }
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
    // server held: the first chunk sent for it after the kill starts there.
    let sent = chunks.lock().unwrap().clone();
    for (sha, held, before) in &resumes {
        let next = sent[*before..].iter().find(|(s, _)| s == sha).map(|(_, offset)| *offset);
        assert_eq!(next, Some(*held), "photo {sha} resumed from the byte the server held");
    }
    assert_eq!(resumes.len(), mid_photo);
    eprintln!("{kills} kills, {mid_photo} inside a photo, {round} rounds of work");
}
