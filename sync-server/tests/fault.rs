//! Fault injection with real processes: the `qadam-server` binary is killed
//! with SIGKILL at random moments while a device's push is in flight, and
//! restarted on the same database — a SQLite file, or, when
//! `QADAM_TEST_POSTGRES` names a PostgreSQL server, a fresh database there.
//! Afterwards the server holds exactly the device's changes, each once, and
//! its field state equals the device's, field by field.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use qadam_client::{Device, Transport};
use qadam_core::change::PullResponse;
use qadam_core::demo::SplitMix;

const TOKEN: &str = "fault-token";
/// Changes per push: small, so a kill often lands between batches too.
const BATCH: u32 = 25;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(db: &str, photos: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_qadam-server"))
        .args(["serve", "--db", db, "--listen", &format!("127.0.0.1:{port}")])
        .arg("--photos")
        .arg(photos)
        .env("QADAM_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("qadam-server starts")
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server did not come up");
}

/// Every change the server holds, pulled page by page over HTTP.
async fn pull_everything(base: &str) -> Vec<qadam_core::change::Change> {
    let t = Transport::new(base, TOKEN).unwrap();
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let p = t.pull(since, 500).await.unwrap();
        out.extend(p.changes.into_iter().map(|c| c.change));
        since = p.next_cursor;
        if !p.has_more {
            return out;
        }
    }
}

type FieldKey = (String, String, String);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_pushes_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = tokio::task::spawn_blocking({
        let d = dir.path().to_path_buf();
        move || qadam_testkit::fresh_database(&d, "qadam_fault")
    })
    .await
    .unwrap();
    let photos = dir.path().join("photos");
    let device_dir = tempfile::tempdir().unwrap();
    let device = Device::open(device_dir.path()).unwrap();
    let device_id = device.blocking(|d| d.device_id().to_string());
    // The device holds a whole demo campaign as its own unsent edits.
    let page = PullResponse {
        changes: qadam_core::demo::demo_campaign(12)
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.device_id = device_id.clone();
                qadam_core::change::ServerChange { seq: i as i64 + 1, change: c }
            })
            .collect(),
        next_cursor: 0,
        has_more: false,
    };
    let mut local = device.blocking(|d| {
        d.apply_pulled(&page).unwrap();
        // Make them local, unsent edits: re-write every field through the store.
        for sc in &page.changes {
            let c = &sc.change;
            d.write(c.entity, c.entity_id, vec![(c.field.clone(), c.value.clone())]).unwrap();
        }
        assert_eq!(d.pending().unwrap().changes as usize, page.changes.len());
        page.changes.len()
    });

    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut rng = SplitMix::new(7);
    // 20 kills here; `make soak` asks for many more.
    let target: usize = std::env::var("QADAM_FAULT_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut kills = 0;
    let mut interrupted = 0;
    while kills < target {
        // Keep a real backlog so that kills land in the middle of pushing.
        local += device.blocking(|d| {
            let pending = d.pending().unwrap().changes as usize;
            let id = uuid::Uuid::now_v7();
            let edits: Vec<_> = (pending.min(150)..150)
                .map(|i| ("name".to_string(), serde_json::json!(format!("kill {kills}, edit {i}"))))
                .collect();
            let n = edits.len();
            if n > 0 {
                d.write(qadam_core::model::EntityKind::Campaign, id, edits).unwrap();
            }
            n
        });
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start(&db, &photos, port);
        wait_up(&http, &base).await;
        let delay = Duration::from_micros(rng.below(15_000));
        // The push runs on its own task, so the kill lands while its request
        // is in flight (not after the client gave up on it).
        let (t, d) = (Transport::new(&base, TOKEN).unwrap(), device.clone());
        let pushing = tokio::spawn(async move { qadam_client::push_outbox(&t, &d, BATCH, |_| {}).await });
        tokio::time::sleep(delay).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        let _ = pushing.await.unwrap();
        kills += 1;
        if device.blocking(|d| d.pending().unwrap().changes) > 0 {
            interrupted += 1;
        }
    }

    // Back up for good: finish the sync.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&db, &photos, port);
    wait_up(&http, &base).await;
    qadam_client::push_outbox(&Transport::new(&base, TOKEN).unwrap(), &device, BATCH, |_| {}).await.unwrap();
    let held = pull_everything(&base).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let device = device.into_store().ok().expect("no push holds the store any more");
    assert_eq!(device.pending().unwrap().changes, 0);
    // The server holds exactly the device's own changes, each once.
    let mut ops: Vec<_> = held.iter().map(|c| c.op_id).collect();
    ops.sort();
    let n = ops.len();
    ops.dedup();
    assert_eq!(ops.len(), n, "no change is stored twice");
    let mut mine: Vec<_> = device
        .connection()
        .prepare("SELECT op_id FROM changes WHERE local = 1")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| uuid::Uuid::parse_str(&r.unwrap()).unwrap())
        .collect();
    mine.sort();
    assert_eq!(mine.len(), local);
    assert_eq!(ops, mine, "the server holds exactly the device's changes");
    // Its state, the last writer's value of each field, is the device's.
    let mut server_state: BTreeMap<FieldKey, (qadam_core::Hlc, String, String)> = BTreeMap::new();
    for c in &held {
        let key = (c.entity.as_str().to_string(), c.entity_id.to_string(), c.field.clone());
        let this = (c.hlc, c.device_id.clone(), c.value.to_string());
        if server_state.get(&key).is_none_or(|old| (old.0, &old.1) < (this.0, &this.1)) {
            server_state.insert(key, this);
        }
    }
    let server_state: BTreeMap<FieldKey, String> = server_state.into_iter().map(|(k, v)| (k, v.2)).collect();
    let device_state: BTreeMap<FieldKey, String> = device
        .connection()
        .prepare("SELECT entity, entity_id, field, value FROM fields")
        .unwrap()
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(server_state, device_state, "the server's state is the device's, field by field");
    assert!(interrupted >= kills / 2, "only {interrupted} of {kills} kills hit a push in progress");
}
