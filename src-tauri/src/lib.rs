//! The Qadam field app: Tauri v2 shell. Commands are one or two lines over
//! `qadam-core`'s `Store`; only this crate knows IPC. Sync and enrollment
//! are `qadam-client`'s.

mod autosync;
mod commands;
pub mod error;

use std::path::PathBuf;

use qadam_core::store::Store;
use tauri::Manager;

pub struct AppState {
    /// The device store, shared by the commands and sync.
    pub device: qadam_client::Device,
    /// Held while a sync runs, so two never overlap.
    pub syncing: tokio::sync::Mutex<()>,
    /// Wakes the automatic sync.
    pub autosync: std::sync::Arc<tokio::sync::Notify>,
    /// The norms the store validates and judges with, read here without
    /// waiting for the store (each keystroke's unit conversion); the
    /// server's once a sync brought them.
    pub norms: std::sync::RwLock<std::sync::Arc<qadam_core::norms::Norms>>,
    /// The basemap archive kept for offline maps (`basemap.pmtiles` in the
    /// data directory).
    pub basemap: PathBuf,
}

impl AppState {
    /// Something was recorded: the automatic sync sends it soon.
    pub fn edited(&self) {
        self.autosync.notify_one();
    }

    /// The norms as of the last sync.
    pub fn norms(&self) -> std::sync::Arc<qadam_core::norms::Norms> {
        self.norms.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// One sync run, then the norms it may have brought.
    pub async fn sync(
        &self,
        progress: impl Fn(qadam_core::sync::SyncProgress),
    ) -> Result<qadam_core::sync::SyncProgress, qadam_client::ClientError> {
        let result = qadam_client::sync(&self.device, progress).await;
        let norms = self.device.with(|s| Ok::<_, qadam_core::StoreError>(s.norms())).await?;
        *self.norms.write().unwrap_or_else(|p| p.into_inner()) = norms;
        result
    }
}

/// Where the device store lives: `QADAM_DATA_DIR` when set (tests, several
/// devices on one machine), else the platform's app data directory.
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(d) = std::env::var_os("QADAM_DATA_DIR") {
        return Ok(PathBuf::from(d));
    }
    Ok(app.path().app_data_dir()?)
}

/// Settings given by the environment (`make run`, tests) override stored ones.
fn settings_from_env(store: &Store) -> Result<(), qadam_core::StoreError> {
    let mut s = store.settings()?;
    let before = s.clone();
    if let Ok(v) = std::env::var("QADAM_SERVER_URL") {
        s.server_url = v;
    }
    if let Ok(v) = std::env::var("QADAM_TOKEN") {
        s.token = v;
    }
    if let Ok(v) = std::env::var("QADAM_TILE_URL") {
        s.tile_url = v;
    }
    if let Ok(v) = std::env::var("QADAM_AUTO_SYNC") {
        s.auto_sync = v != "0";
    }
    if s != before {
        store.set_settings(&s)?;
    }
    Ok(())
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    builder
        .setup(|app| {
            let checklists = qadam_core::checklist::Checklists::from_env()?;
            let dir = data_dir(app)?;
            let store = Store::open_with(&dir, std::sync::Arc::new(checklists.into()))?;
            let norms = std::sync::RwLock::new(store.norms());
            settings_from_env(&store)?;
            let wake = std::sync::Arc::new(tokio::sync::Notify::new());
            app.manage(AppState {
                device: qadam_client::Device::new(store),
                norms,
                syncing: tokio::sync::Mutex::new(()),
                autosync: wake.clone(),
                basemap: qadam_client::basemap_path(&dir),
            });
            autosync::start(app.handle().clone(), wake);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::save_settings,
            commands::list_campaigns,
            commands::list_objects,
            commands::objects_nearby,
            commands::district_near,
            commands::get_object,
            commands::start_reaudit,
            commands::object_visits,
            commands::create_object,
            commands::update_record,
            commands::delete_record,
            commands::restore_record,
            commands::add_element,
            commands::attach_photo,
            commands::photo_thumbnail,
            commands::photo_image,
            commands::submit_audit,
            commands::sync_now,
            commands::enroll_device,
            commands::object_conflicts,
            commands::held_back_changes,
            commands::send_held_back_again,
            commands::network_online,
            commands::object_verdict,
            commands::object_statuses,
            commands::preview_element,
            commands::normalize_measurements,
            commands::checklists,
            commands::catalogue,
            commands::basemap_kept,
            commands::basemap_download,
            commands::basemap_read,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Qadam app");
}
