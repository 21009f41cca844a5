//! Fault injection with real processes: the `qadam-server` binary is killed
//! with SIGKILL at random moments while a device pushes its outbox, and
//! restarted on the same database. Afterwards every change is on the
//! server exactly once and the server's state equals the device's.

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

fn start(db: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_qadam-server"))
        .args(["serve", "--db", db.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
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

#[tokio::test]
async fn sigkill_during_pushes_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
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
        let mut server = start(&db, port);
        wait_up(&http, &base).await;
        let delay = Duration::from_micros(rng.below(15_000));
        let pushing = push_some(&http, &base, &mut device);
        tokio::select! {
            _ = pushing => {}
            _ = tokio::time::sleep(delay) => {}
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        kills += 1;
        if device.pending().unwrap().changes > 0 {
            interrupted += 1;
        }
    }

    // Back up for good: finish the sync.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&db, port);
    wait_up(&http, &base).await;
    push_some(&http, &base, &mut device).await.unwrap();
    let mut since = 0;
    let mut seen = Vec::new();
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
        seen.extend(p.changes.iter().map(|c| c.change.op_id));
        since = p.next_cursor;
        if !p.has_more {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no change is stored twice");
    assert_eq!(seen.len(), local, "every local change reached the server");
    assert_eq!(device.pending().unwrap().changes, 0);
    assert!(interrupted >= kills / 2, "only {interrupted} of {kills} kills hit a push in progress");
}
