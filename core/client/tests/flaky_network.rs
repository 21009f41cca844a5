//! The app's real sync client (`qadam_client::sync`) against the
//! real server, through a small loopback proxy that misbehaves like a weak
//! mobile network: it resets connections before forwarding anything, cuts
//! requests short, and truncates answers after the server has acted on the
//! request. The auditor just presses Sync again until it succeeds;
//! afterwards every change and every photo is on the server exactly once,
//! and the device and the server hold the same state.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use qadam_core::model::{Category, District, PhotoSubject};
use qadam_core::store::{NewElement, NewObject};
use qadam_testkit::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A deterministic stream of choices for the proxy.
struct Dice(AtomicU64);

impl Dice {
    fn roll(&self, sides: u64) -> u64 {
        // SplitMix64 step on a shared counter.
        let mut z = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % sides
    }
}

#[derive(Default)]
struct Faults {
    resets: AtomicU64,
    cut_requests: AtomicU64,
    truncated_answers: AtomicU64,
}

/// Copies `from` to `to`, cutting the stream after `limit` bytes if given.
/// Returns whether it cut.
async fn pipe<R, W>(mut from: R, mut to: W, limit: Option<usize>) -> bool
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(limit) = limit {
            if sent + n >= limit {
                let _ = to.write_all(&buf[..limit - sent]).await;
                return true;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        sent += n;
    }
    let _ = to.shutdown().await;
    false
}

/// Forwards one connection, maybe badly: hangs up at once, or cuts the
/// request stream (mid-upload) or the answer stream (after the server acted)
/// at a random byte.
async fn relay(client: TcpStream, upstream: std::net::SocketAddr, dice: Arc<Dice>, faults: Arc<Faults>) {
    if dice.roll(10) < 2 {
        faults.resets.fetch_add(1, Ordering::Relaxed);
        drop(client);
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let up_limit = (dice.roll(2) == 0).then(|| 100 + dice.roll(800_000) as usize);
    let down_limit = (dice.roll(2) == 0).then(|| 20 + dice.roll(1_500) as usize);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let mut up = tokio::spawn(pipe(cr, sw, up_limit));
    let mut down = tokio::spawn(pipe(sr, cw, down_limit));
    // Whichever side is cut first ends the connection.
    tokio::select! {
        r = &mut up => {
            if r.unwrap_or(false) {
                faults.cut_requests.fetch_add(1, Ordering::Relaxed);
                down.abort();
            } else if down.await.unwrap_or(false) {
                faults.truncated_answers.fetch_add(1, Ordering::Relaxed);
            }
        }
        r = &mut down => {
            if r.unwrap_or(false) {
                faults.truncated_answers.fetch_add(1, Ordering::Relaxed);
            }
            up.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_through_a_flaky_network_loses_and_duplicates_nothing() {
    let server = TestServer::demo().await;
    let (state, upstream) = (server.state.clone(), server.addr);

    // The misbehaving network in front of it.
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let dice = Arc::new(Dice(AtomicU64::new(2026)));
    let faults = Arc::new(Faults::default());
    {
        let (dice, faults) = (dice.clone(), faults.clone());
        tokio::spawn(async move {
            while let Ok((c, _)) = proxy.accept().await {
                tokio::spawn(relay(c, upstream, dice.clone(), faults.clone()));
            }
        });
    }

    // A device that got the demo campaign on a good day, then made an audit
    // of its own offline: an object, elements, and photos big enough to go
    // up in several chunks. Now it is back on a bad network.
    let phone = server.device();
    phone.sync().await.unwrap();
    let store = &phone.device;
    let object = store.blocking(|s| {
        let mut settings = s.settings().unwrap();
        settings.server_url = format!("http://{proxy_addr}");
        s.set_settings(&settings).unwrap();
        s.create_object(NewObject {
            campaign_id: qadam_core::demo::demo_campaign_id(),
            name: "Поликлиника под плохой связью".into(),
            category: Category::HEALTH,
            district: District::ALMALY,
            address: "Алматы".into(),
            location: None,
        })
        .unwrap()
    });
    let mut all_photos = Vec::new();
    let mut attempts = 0;
    for round in 0..4u32 {
        store.blocking(|s| {
            for i in 0..10u32 {
                let m =
                    [("width_mm".to_string(), qadam_core::model::MeasuredValue::Integer(800 + 10 * round + i))].into();
                let kind = qadam_core::model::ElementKind::CORRIDOR;
                s.add_element(NewElement {
                    object_id: object,
                    kind,
                    measurements: m,
                    note: format!("round {round}"),
                    serves: None,
                })
                .unwrap();
            }
            // The app uploads the 1600 px copy it makes: gravel keeps that
            // copy over a megabyte.
            let (w, h) = if round % 2 == 0 { (1600, 1200) } else { (1200, 1600) };
            let taken = format!("2026:11:24 10:0{round}:00");
            let jpeg = qadam_core::demo::gravel_jpeg(w, h, u64::from(round), &taken);
            s.attach_photo(PhotoSubject::Object, object, &jpeg).unwrap();
            let photos = s.photos_to_upload().unwrap();
            assert!(photos.iter().all(|(_, size)| *size > 512 * 1024), "photos take several chunks: {photos:?}");
            all_photos.extend(photos);
        });
        // The auditor presses Sync until it goes through.
        loop {
            attempts += 1;
            assert!(attempts <= 400, "sync never got through");
            if qadam_client::sync(store, |_| {}).await.is_ok() {
                break;
            }
        }
    }
    let local_changes: i64 = store.blocking(|s| {
        s.connection().query_row("SELECT count(*) FROM changes WHERE local = 1", [], |r| r.get(0)).unwrap()
    });
    let photos = all_photos;
    let f = (&faults.resets, &faults.cut_requests, &faults.truncated_answers);
    let (resets, cuts, truncs) =
        (f.0.load(Ordering::Relaxed), f.1.load(Ordering::Relaxed), f.2.load(Ordering::Relaxed));
    eprintln!("{attempts} sync attempts; {resets} resets, {cuts} cut requests, {truncs} truncated answers");
    assert!(resets > 0 && cuts > 0 && truncs > 0, "the network did misbehave in every way");
    assert!(attempts > 4);

    // Nothing lost, nothing twice.
    let device_objects = store.blocking(|s| {
        assert_eq!(s.pending().unwrap().changes, 0);
        assert!(s.photos_to_upload().unwrap().is_empty());
        s.objects(Some(qadam_core::demo::demo_campaign_id()), None).unwrap()
    });
    let st = state.clone();
    let (server_changes, server_photos) =
        tokio::task::spawn_blocking(move || st.store.counts().unwrap()).await.unwrap();
    let demo_changes = qadam_core::demo::demo_campaign(qadam_sync_server::DEMO_OBJECTS).len() as i64;
    assert_eq!(server_changes, demo_changes + local_changes, "every change exactly once");
    assert_eq!(server_photos, photos.len() as i64, "every photo exactly once");
    for (sha, _) in &photos {
        // Off the async threads: the blob store may block (S3).
        let (st, key) = (state.clone(), sha.clone());
        let bytes = tokio::task::spawn_blocking(move || st.photos.get(&key).unwrap()).await.unwrap().expect("stored");
        assert_eq!(&qadam_core::photo::sha256_hex(&bytes), sha, "stored whole and intact");
    }
    // The device and the server agree on every object.
    let st = state.clone();
    let server_objects =
        tokio::task::spawn_blocking(move || st.store.objects(Some(qadam_core::demo::demo_campaign_id())).unwrap())
            .await
            .unwrap();
    assert_eq!(device_objects, server_objects);
}
