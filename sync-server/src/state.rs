//! What every request shares: the store, the photo stores, the caches and
//! the pools of heavy work. Built once by [`crate::build_state`].

use std::path::PathBuf;

use crate::store::SyncStore;

pub struct AppState {
    pub store: Box<dyn SyncStore>,
    pub photos: Box<dyn crate::blobs::BlobStore>,
    /// Unfinished resumable uploads; the mutex keeps two chunks of one
    /// upload from interleaving.
    pub uploads: std::sync::Mutex<qadam_core::photo::PartialUploads>,
    pub thumbs: Box<dyn crate::blobs::BlobStore>,
    pub token: String,
    pub dashboard_dir: Option<PathBuf>,
    /// Objects with their verdicts, until the store changes.
    pub evaluated: crate::evaluated::Evaluated,
    /// What the public may read, until the store changes.
    pub published: crate::evaluated::PublishedCache,
    /// The licence of the open data (every public answer carries it).
    pub licence: qadam_core::public::Licence,
    /// Admission to the store for devices' sync requests (see
    /// [`crate::service::sync_lane`]).
    pub sync_lane: tokio::sync::Semaphore,
    /// Devices' credentials and authors recently read from the store.
    pub devices: crate::service::accounts::DeviceCache,
    /// Where devices and browsers reach this server (`--public-url`).
    pub public_url: Option<String>,
    /// The basemap the maps draw.
    pub basemap: crate::basemap::Basemap,
    /// Photo quotas and collection.
    pub retention: crate::space::Retention,
    /// Attempts at signing in and enrolling, per address and login.
    pub throttle: crate::service::throttle::Throttle,
    /// The checklists the server started with (the built-in ones and the
    /// files of `QADAM_CHECKLISTS_DIR`): the norms are these with what
    /// administrators added.
    pub base_checklists: std::sync::Arc<qadam_core::checklist::Checklists>,
    /// The added norms files' stamp the store's norms were read at (see
    /// [`crate::service::norms::refresh`]).
    pub norms_stamp: std::sync::Mutex<String>,
    /// Password checks (argon2), a few at a time, never under a store lock.
    pub hashing: crate::workers::Pool,
    /// Photo decoding (checks and thumbnails), a few at a time.
    pub imaging: crate::workers::Pool,
}

/// Sync requests (authenticating a device, push, pull) that run on the
/// store at once; the rest wait their turn in arrival order. Under load a
/// few at a time finish sooner than hundreds sharing two cores, each with
/// its own thread and SQLite connection, and none waits much longer than
/// another (bench/RESULTS.md, row 5).
pub const SYNC_LANE_WIDTH: usize = 4;
