//! The device store, shared: the UI's commands and a running sync take
//! turns on it, and each turn runs on a blocking thread, so neither the
//! window's thread nor the async runtime waits on SQLite.

use std::sync::{Arc, Mutex};

use qadam_core::store::{Pending, Settings, Store};
use serde::Serialize;
use ts_rs::TS;

/// What the app shows about the device: its id, its settings and what it
/// has not sent yet.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "app/")]
pub struct AppInfo {
    pub device_id: String,
    pub settings: Settings,
    pub pending: Pending,
}

#[derive(Clone)]
pub struct Device(Arc<Mutex<Store>>);

impl Device {
    pub fn new(store: Store) -> Self {
        Device(Arc::new(Mutex::new(store)))
    }

    /// Opens the store in `data_dir` (creating it).
    pub fn open(data_dir: &std::path::Path) -> Result<Self, qadam_core::StoreError> {
        Ok(Device::new(Store::open(data_dir)?))
    }

    /// Runs `f` on the store on a blocking thread, after whoever holds it.
    pub async fn with<R, F>(&self, f: F) -> R
    where
        F: FnOnce(&mut Store) -> R + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.0.clone();
        match tokio::task::spawn_blocking(move || f(&mut inner.lock().unwrap_or_else(|p| p.into_inner()))).await {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The device's id, settings and unsent work.
    pub async fn info(&self) -> Result<AppInfo, qadam_core::StoreError> {
        self.with(|s| {
            Ok(AppInfo { device_id: s.device_id().to_string(), settings: s.settings()?, pending: s.pending()? })
        })
        .await
    }

    /// Attaches a photo: the photo pipeline (decode, shrink to 1600 px,
    /// thumbnail, EXIF reduced to position and time) runs on a blocking
    /// thread without the store, which is taken only to record the result.
    pub async fn attach_photo(
        &self,
        subject: qadam_core::model::PhotoSubject,
        subject_id: uuid::Uuid,
        bytes: Vec<u8>,
    ) -> Result<qadam_core::model::Photo, qadam_core::StoreError> {
        let ingested = match tokio::task::spawn_blocking(move || qadam_core::photo::ingest(&bytes)).await {
            Ok(r) => r?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        self.with(move |s| s.attach_ingested(subject, subject_id, &ingested)).await
    }

    /// Runs `f` on the store on this thread (for code that is already off
    /// the async threads, such as a test's set-up).
    pub fn blocking<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The store itself, once no sync or command holds a handle to it.
    pub fn into_store(self) -> Result<Store, Device> {
        Arc::try_unwrap(self.0).map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).map_err(Device)
    }
}
