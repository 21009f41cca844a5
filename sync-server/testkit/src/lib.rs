//! What Qadam's tests and benchmark share, written once:
//!
//! - [`TestServer`]: the real server, in process, on a loopback port, with
//!   its own temporary database — a SQLite file, or a fresh PostgreSQL
//!   database when `QADAM_TEST_POSTGRES` names a server (`make test` starts
//!   one) — and its photos in a temporary directory, or in S3-compatible
//!   storage when `QADAM_TEST_S3` names a bucket.
//! - [`fresh_database`]: the same choice of database for a server started
//!   as a separate process.
//! - [`TestDevice`]: a device with its own temporary store, pointed at a
//!   server, that syncs through `qadam-client` exactly as the app does.

use std::net::SocketAddr;
use std::sync::Arc;

use qadam_sync_server::{build_state, router, AppState, ServeConfig};
use uuid::Uuid;

/// The API token every test server accepts.
pub const TOKEN: &str = "test-token";

/// A server running in this process. Keep it alive as long as it serves:
/// dropping it removes its directory.
pub struct TestServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What the store was opened from: a SQLite path or a PostgreSQL URL.
    pub db: String,
    pub state: Arc<AppState>,
    pub dir: tempfile::TempDir,
}

/// How a test server is set up.
pub struct Options {
    /// Load the demo campaign.
    pub demo: bool,
    /// Changes the configuration before the server starts.
    pub tweak: Box<dyn FnOnce(&mut ServeConfig) + Send>,
    /// Wraps the router (e.g. with a middleware that logs requests).
    pub wrap: Box<dyn FnOnce(axum::Router) -> axum::Router + Send>,
    /// Use this database instead of a fresh one (another instance on one store).
    pub db: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { demo: false, tweak: Box::new(|_| {}), wrap: Box::new(|r| r), db: None }
    }
}

impl TestServer {
    /// An empty server on a fresh database.
    pub async fn start() -> TestServer {
        TestServer::start_with(Options::default()).await
    }

    /// A server with the demo campaign.
    pub async fn demo() -> TestServer {
        TestServer::start_with(Options { demo: true, ..Options::default() }).await
    }

    pub async fn start_with(o: Options) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = match o.db {
            Some(db) => db,
            None => {
                let path = dir.path().to_path_buf();
                tokio::task::spawn_blocking(move || fresh_database(&path, "qadam_test")).await.unwrap()
            }
        };
        let mut cfg = ServeConfig {
            db: db.clone(),
            photos: Some(
                std::env::var("QADAM_TEST_S3")
                    .map(|bucket| format!("{bucket}/{}", Uuid::now_v7()))
                    .unwrap_or_else(|_| dir.path().join("photos").display().to_string()),
            ),
            token: TOKEN.into(),
            demo: o.demo,
            dashboard_dir: None,
            demo_password: qadam_sync_server::DEMO_PASSWORD.into(),
            public_url: None,
            retention: Default::default(),
            checklists: Arc::new(qadam_core::checklist::Checklists::builtin()),
            basemap: Default::default(),
            licence: Default::default(),
        };
        (o.tweak)(&mut cfg);
        let state = tokio::task::spawn_blocking(move || build_state(&cfg)).await.unwrap().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = (o.wrap)(router(state.clone()));
        // The production listener (its limits, TCP_NODELAY), not axum's.
        tokio::spawn(async move {
            qadam_sync_server::listen::serve(listener, app, Default::default(), std::future::pending()).await.unwrap()
        });
        TestServer { addr, base: format!("http://{addr}"), db, state, dir }
    }

    /// Another server instance on the store of `self` (as behind a load balancer).
    pub async fn another_instance(&self) -> TestServer {
        TestServer::start_with(Options { db: Some(self.db.clone()), ..Options::default() }).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A device with an empty store, set to sync with this server.
    pub fn device(&self) -> TestDevice {
        TestDevice::new(&self.base, TOKEN)
    }
}

/// A fresh database for a server: a new PostgreSQL database (named
/// `prefix_…`) when `QADAM_TEST_POSTGRES` names a server, else a SQLite
/// file in `dir`. Returns what the server's `--db` takes. Blocks.
pub fn fresh_database(dir: &std::path::Path, prefix: &str) -> String {
    match std::env::var("QADAM_TEST_POSTGRES") {
        Ok(url) => fresh_postgres_database(&url, prefix),
        Err(_) => dir.join("server.db").display().to_string(),
    }
}

/// Creates an empty database on the PostgreSQL server `url` points at, and
/// returns its URL. Blocks.
pub fn fresh_postgres_database(url: &str, prefix: &str) -> String {
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("QADAM_TEST_POSTGRES is reachable");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (base, _) = url.rsplit_once('/').expect("a URL ending in /dbname");
    format!("{base}/{name}")
}

/// A device: its own store in a temporary directory, synced through
/// `qadam-client` as the app syncs.
pub struct TestDevice {
    pub device: qadam_client::Device,
    pub dir: tempfile::TempDir,
}

impl TestDevice {
    pub fn new(server_url: &str, token: &str) -> TestDevice {
        let dir = tempfile::tempdir().unwrap();
        let device = qadam_client::Device::open(dir.path()).unwrap();
        device.blocking(|s| {
            let mut settings = s.settings().unwrap();
            settings.server_url = server_url.into();
            settings.token = token.into();
            s.set_settings(&settings).unwrap();
        });
        TestDevice { device, dir }
    }

    /// One whole sync, as the app's button runs it.
    pub async fn sync(&self) -> Result<qadam_core::sync::SyncProgress, qadam_client::ClientError> {
        qadam_client::sync(&self.device, |_| {}).await
    }
}

/// A tiny basemap archive at `dir/sample.pmtiles`, made by the script the
/// e2e suites use (`fixtures/basemap/make_sample.py`, zooms 0 to `max_zoom`).
pub fn sample_basemap(dir: &std::path::Path, max_zoom: u8) -> std::path::PathBuf {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/basemap/make_sample.py");
    let out = dir.join("sample.pmtiles");
    let status = std::process::Command::new("python3")
        .arg(&script)
        .arg(&out)
        .args(["--max-zoom", &max_zoom.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the sample basemap script");
    assert!(status.success(), "{} failed", script.display());
    out
}

/// One OpenStreetMap extract written both ways by the extract script
/// (`fixtures/osm/make_extract.py`, its place `near` 20 m from a campaign's
/// record): GeoJSON, and `.osm.pbf` made from its OSM XML by osmium
/// (osmium-tool, which `make test` installs). Answers (GeoJSON text, PBF bytes).
pub fn osm_extract(near: (&str, f64, f64)) -> (String, Vec<u8>) {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (geojson, xml, pbf) = (dir.path().join("x.geojson"), dir.path().join("x.osm"), dir.path().join("x.osm.pbf"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/osm/make_extract.py");
    let ok = Command::new("python3")
        .arg(script)
        .args(["--near-name", near.0, "--near-lat", &near.1.to_string(), "--near-lon", &near.2.to_string()])
        .arg("--out")
        .arg(&geojson)
        .arg("--osm-xml")
        .arg(&xml)
        .status()
        .expect("python3 runs the extract script");
    assert!(ok.success(), "the extract script failed");
    let ok = Command::new("osmium")
        .arg("cat")
        .arg(&xml)
        .arg("-o")
        .arg(&pbf)
        .status()
        .expect("osmium (osmium-tool) converts the extract");
    assert!(ok.success(), "osmium failed");
    (std::fs::read_to_string(geojson).expect("the GeoJSON"), std::fs::read(pbf).expect("the .osm.pbf"))
}
