//! `qadam-sync-server`: the HTTP face of Qadam. It receives field-level
//! change records from devices, stores them (SQLite by default), serves them
//! back by cursor, keeps photo blobs, and serves the coordinator dashboard.
//! Validation and merge rules come from `qadam-core`; this crate adds
//! transport and storage only.

pub mod basemap;
pub mod blobs;
pub mod error;
pub mod evaluated;
pub mod http;
pub mod listen;
pub mod secrets;
pub mod service;
pub mod space;
pub mod state;
pub mod store;
pub mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::AppError;
pub use http::router;
pub use state::AppState;
pub use store::{PgStore, SqliteStore, SyncStore};

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// A SQLite file path, or a `postgres://` URL.
    pub db: String,
    /// Where photo blobs live: a directory, or `s3://bucket/prefix` (default:
    /// next to a SQLite database).
    pub photos: Option<String>,
    pub token: String,
    pub demo: bool,
    pub dashboard_dir: Option<PathBuf>,
    /// Password of the demo accounts `admin`, `coordinator` and `auditor`.
    pub demo_password: String,
    /// Where devices and browsers reach the server (enrollment links, the
    /// allowed `Origin`); `serve` defaults it to `http://` + the listen
    /// address.
    pub public_url: Option<String>,
    /// Photo quotas and how long unused blobs and unfinished uploads stay.
    pub retention: space::Retention,
    /// The checklists measurements are validated and rules evaluated with.
    pub checklists: Arc<qadam_core::checklist::Checklists>,
    /// The basemap the maps draw (an archive, an online tile URL).
    pub basemap: basemap::Basemap,
    /// The licence of the open data (CC BY 4.0 unless set).
    pub licence: qadam_core::public::Licence,
}

/// The password of the demo accounts unless `QADAM_DEMO_PASSWORD` says otherwise.
pub const DEMO_PASSWORD: &str = "qadam-demo";

/// The demo's accounts (idempotent): `admin`, `coordinator` and `auditor`,
/// the last two members of the demo campaign.
pub fn demo_accounts(store: &dyn SyncStore, password: &str) -> anyhow::Result<()> {
    use store::accounts::{self, MemberRole, Role};
    let campaign = qadam_core::demo::demo_campaign_id();
    store::accounts(store, |db| -> Result<(), qadam_core::StoreError> {
        for (login, name, role, member) in [
            ("admin", "Администратор", Role::Admin, None),
            ("coordinator", "Айгерим Координатор", Role::Coordinator, Some(MemberRole::Coordinator)),
            ("auditor", "Ерлан Аудитор", Role::Auditor, Some(MemberRole::Auditor)),
        ] {
            if accounts::user_by_login(db, login).is_err() {
                accounts::add_user(db, login, name, role, password)?;
            }
            if let Some(m) = member {
                accounts::set_member(db, campaign, login, m)?;
            }
        }
        Ok(())
    })?;
    tracing::info!("demo accounts: admin, coordinator, auditor");
    Ok(())
}

/// Number of objects in the demo campaign.
pub const DEMO_OBJECTS: usize = 36;

/// Threads of each pool of heavy work (password checks, photo decoding):
/// one argon2 check holds 19 MiB, one photo decode up to 200 MB.
pub const HEAVY_THREADS: usize = 2;
/// Jobs that may wait for a pool's thread; more are refused with 503.
pub const HEAVY_QUEUE: usize = 16;

/// Opens the store and blob directories and builds the shared state.
pub fn build_state(cfg: &ServeConfig) -> anyhow::Result<Arc<AppState>> {
    anyhow::ensure!(!cfg.token.trim().is_empty(), "an API token is required (--token or QADAM_TOKEN)");
    let store = store::open_with(&cfg.db, cfg.checklists.clone())?;
    tracing::info!(backend = store.backend(), "store open");
    if cfg.demo {
        let r = store.push(qadam_core::demo::demo_campaign(DEMO_OBJECTS), &store::Access::All)?;
        tracing::info!(accepted = r.accepted, duplicates = r.duplicates, "demo campaign loaded");
        demo_accounts(&*store, &cfg.demo_password)?;
    }
    let photos = match (&cfg.photos, store.backend()) {
        (Some(spec), _) => spec.clone(),
        (None, "sqlite") => format!("{}.photos", cfg.db),
        (None, _) => {
            anyhow::bail!("with a PostgreSQL store, say where photo blobs live (--photos DIR or s3://bucket/prefix)")
        }
    };
    // Unfinished uploads stay on this instance's disk; an upload resumed on
    // another instance starts again from byte 0.
    let partial_dir = if photos.starts_with("s3://") {
        std::env::temp_dir().join(format!("qadam-partial-uploads-{}", std::process::id()))
    } else {
        PathBuf::from(&photos).join("partial")
    };
    let originals = blobs::open(&photos, "originals")?;
    tracing::info!(photos = originals.describe(), "photo store open");
    let norms_stamp = store::read_accounts(&*store, store::norms::stamp)?;
    Ok(Arc::new(AppState {
        store,
        photos: originals,
        uploads: std::sync::Mutex::new(qadam_core::photo::PartialUploads::new(partial_dir)?),
        thumbs: blobs::open(&photos, "thumbs")?,
        token: cfg.token.clone(),
        dashboard_dir: cfg.dashboard_dir.clone(),
        evaluated: Default::default(),
        published: Default::default(),
        licence: cfg.licence.clone(),
        sync_lane: tokio::sync::Semaphore::new(state::SYNC_LANE_WIDTH),
        devices: Default::default(),
        throttle: Default::default(),
        public_url: cfg.public_url.as_deref().map(|u| u.trim_end_matches('/').to_string()),
        basemap: {
            cfg.basemap.check()?;
            cfg.basemap.clone()
        },
        retention: cfg.retention,
        base_checklists: cfg.checklists.clone(),
        norms_stamp: std::sync::Mutex::new(norms_stamp),
        hashing: workers::Pool::new("password-check", HEAVY_THREADS, HEAVY_QUEUE),
        imaging: workers::Pool::new("photo-decode", HEAVY_THREADS, HEAVY_QUEUE),
    }))
}

/// Evaluates one object given as JSON (`EvaluationInput`) under a built-in
/// rule set. Errors name the offending field's path.
pub fn evaluate_json(
    lists: &qadam_core::checklist::Checklists,
    rule_set: &str,
    json: &str,
) -> anyhow::Result<qadam_core::rules::ObjectVerdict> {
    let set = qadam_core::rules::builtin(rule_set, lists)
        .map_err(|e| anyhow::anyhow!("{e}; known rule sets: {}", qadam_core::rules::builtin_ids().join(", ")))?;
    let de = &mut serde_json::Deserializer::from_str(json);
    let input: qadam_core::rules::EvaluationInput =
        serde_path_to_error::deserialize(de).map_err(|e| anyhow::anyhow!("at `{}`: {}", e.path(), e.inner()))?;
    for (i, e) in input.elements.iter().enumerate() {
        for name in e.measurements.keys() {
            let field = format!("measurements.{name}");
            let value = serde_json::to_value(e.measurements[name])?;
            qadam_core::validate::validate_field(
                lists,
                qadam_core::model::EntityKind::Element,
                &field,
                &value,
                e.kind.as_ref(),
            )
            .map_err(|err| anyhow::anyhow!("elements[{i}]: {err}"))?;
        }
    }
    Ok(qadam_core::rules::evaluate(&set, lists, &input))
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(mut cfg: ServeConfig, listen: SocketAddr) -> anyhow::Result<()> {
    cfg.public_url.get_or_insert_with(|| format!("http://{listen}"));
    // Opening a store blocks (PostgreSQL's client runs its own runtime).
    let state = tokio::task::spawn_blocking(move || build_state(&cfg)).await??;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!("qadam-server listening on http://{}", listener.local_addr()?);
    // Norms another instance added reach this one within seconds.
    let watching = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            every.tick().await;
            if let Err(e) = service::norms::refresh(&watching).await {
                tracing::warn!("reading the norms again: {e}");
            }
        }
    });
    // Unused photos and stale uploads are collected once an hour.
    let collecting = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let s = collecting.clone();
            let done = tokio::task::spawn_blocking(move || space::collect(&s, std::time::SystemTime::now())).await;
            if let Ok(Err(e)) = done {
                tracing::warn!("collecting unused photos: {e}");
            }
        }
    });
    listen::serve(listener, router(state), listen::Limits::default(), shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
