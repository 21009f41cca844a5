//! What the app's transport tests share: the real server, in process, on a
//! loopback port and its own temporary SQLite file, with the demo campaign.

use std::net::SocketAddr;
use std::sync::Arc;

use qadam_sync_server::{build_state, router, AppState, ServeConfig};

pub const TOKEN: &str = "transport-test-token";

/// Starts the server; keep the directory alive as long as the server.
pub async fn start_server() -> (Arc<AppState>, SocketAddr, tempfile::TempDir) {
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
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, addr, dir)
}
