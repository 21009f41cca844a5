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

use qadam_core::change::{PullResponse, PushRequest, PushResponse};
use qadam_core::demo::SplitMix;
use qadam_core::store::Store;

const TOKEN: &str = "fault-token";

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

/// Pushes the outbox in batches the way the app does: a batch is marked
/// pushed only once the server answered. Stops at the first failure.
async fn push_some(http: &reqwest::Client, base: &str, device: &mut Store) -> Result<(), reqwest::Error> {
    loop {
        let batch = device.outbox(25).unwrap();
        if batch.is_empty() {
            return Ok(());
        }
        let ops: Vec<_> = batch.iter().map(|c| c.op_id).collect();
        let body = PushRequest { device_id: device.device_id().into(), changes: batch };
        let r: PushResponse = http
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        assert!(r.cursor > 0);
        device.mark_pushed(&ops).unwrap();
    }
}

/// The store: a fresh PostgreSQL database when `QADAM_TEST_POSTGRES` names
/// a server, else a SQLite file in `dir`.
fn store_for(dir: &Path) -> String {
    match std::env::var("QADAM_TEST_POSTGRES") {
        Ok(url) => {
            let name = format!("qadam_fault_{}", uuid::Uuid::now_v7().simple());
            let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("QADAM_TEST_POSTGRES is reachable");
            admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
            format!("{}/{name}", url.rsplit_once('/').unwrap().0)
        }
        Err(_) => dir.join("server.db").display().to_string(),
    }
}

/// Every change the server holds, pulled page by page over HTTP.
async fn pull_everything(http: &reqwest::Client, base: &str) -> Vec<qadam_core::change::Change> {
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let p: PullResponse = http
            .get(format!("{base}/api/v1/sync/pull?since={since}&limit=500"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
        move || store_for(&d)
    })
    .await
    .unwrap();
    let photos = dir.path().join("photos");
    let device_dir = tempfile::tempdir().unwrap();
    let mut device = Store::open(device_dir.path()).unwrap();
    // The device holds a whole demo campaign as its own unsent edits.
    let page = PullResponse {
        changes: qadam_core::demo::demo_campaign(12)
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.device_id = device.device_id().to_string();
                qadam_core::change::ServerChange { seq: i as i64 + 1, change: c }
            })
            .collect(),
        next_cursor: 0,
        has_more: false,
    };
    device.apply_pulled(&page).unwrap();
    // Make them local, unsent edits: re-write every field through the store.
    let mut local = 0;
    for sc in &page.changes {
        let c = &sc.change;
        device.write(c.entity, c.entity_id, vec![(c.field.clone(), c.value.clone())]).unwrap();
        local += 1;
    }
    assert_eq!(device.pending().unwrap().changes as usize, local);

    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut rng = SplitMix::new(7);
    // 20 kills here; `make soak` asks for many more.
    let target: usize = std::env::var("QADAM_FAULT_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut kills = 0;
    let mut interrupted = 0;
    while kills < target {
        // Keep a real backlog so that kills land in the middle of pushing.
        let pending = device.pending().unwrap().changes as usize;
        if pending < 150 {
            let id = uuid::Uuid::now_v7();
            let edits: Vec<_> = (pending..150)
                .map(|i| ("name".to_string(), serde_json::json!(format!("kill {kills}, edit {i}"))))
                .collect();
            local += edits.len();
            device.write(qadam_core::model::EntityKind::Campaign, id, edits).unwrap();
        }
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start(&db, &photos, port);
        wait_up(&http, &base).await;
        let delay = Duration::from_micros(rng.below(15_000));
        // The push runs on its own task, so the kill lands while its request
        // is in flight (not after the client gave up on it).
        let (h, b) = (http.clone(), base.clone());
        let pushing = tokio::spawn(async move {
            let r = push_some(&h, &b, &mut device).await;
            (device, r)
        });
        tokio::time::sleep(delay).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        let (back, _) = pushing.await.unwrap();
        device = back;
        kills += 1;
        if device.pending().unwrap().changes > 0 {
            interrupted += 1;
        }
    }

    // Back up for good: finish the sync.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&db, &photos, port);
    wait_up(&http, &base).await;
    push_some(&http, &base, &mut device).await.unwrap();
    let held = pull_everything(&http, &base).await;
    server.kill().unwrap();
    server.wait().unwrap();
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
