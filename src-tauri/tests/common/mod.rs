//! What the app's transport tests share: the real server, in process, on a
//! loopback port and its own temporary SQLite file, with the demo campaign.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use qadam_sync_server::{build_state, router, AppState, ServeConfig};

pub const TOKEN: &str = "transport-test-token";

/// Every resumable upload chunk the server was sent: (photo hash, the
/// `Upload-Offset` the chunk claimed to start at), in arrival order.
pub type Chunks = Arc<Mutex<Vec<(String, u64)>>>;

/// Starts the server; keep the directory alive as long as the server.
#[allow(dead_code)] // each test file uses one of the two
pub async fn start_server() -> (Arc<AppState>, SocketAddr, tempfile::TempDir) {
    let (state, addr, dir, _) = start_server_logging_chunks().await;
    (state, addr, dir)
}

/// [`start_server`], noting every upload chunk it is sent.
#[allow(dead_code)]
pub async fn start_server_logging_chunks() -> (Arc<AppState>, SocketAddr, tempfile::TempDir, Chunks) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServeConfig {
        db: dir.path().join("server.db").display().to_string(),
        photos: None,
        token: TOKEN.into(),
        demo: true,
        dashboard_dir: None,
        demo_password: qadam_sync_server::DEMO_PASSWORD.into(),
        public_url: None,
        retention: Default::default(),
    };
    let state = tokio::task::spawn_blocking(move || build_state(&cfg)).await.unwrap().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let chunks: Chunks = Default::default();
    let log = chunks.clone();
    let app = router(state.clone()).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
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
        },
    ));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, addr, dir, chunks)
}
