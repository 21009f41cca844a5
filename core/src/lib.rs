//! `qadam-core` owns everything Qadam knows that is not transport: the
//! domain model and its validation, hybrid logical clocks and field-level
//! change records, the last-writer-wins field state shared by every SQLite
//! store, the device's local store, the photo pipeline, and the demo data.
//! It does no network I/O and knows nothing about Tauri, axum or HTTP: the
//! app and the sync server add transport, not logic.

pub mod adaptation;
pub mod analytics;
pub mod catalogue;
pub mod change;
pub mod checklist;
pub mod demo;
pub mod duplicates;
pub mod error;
pub mod export;
pub mod hlc;
pub mod import;
pub mod model;
pub mod nearby;
pub mod norms;
pub mod osm;
pub mod photo;
pub mod progress;
pub mod public;
pub mod queue;
pub mod records;
pub mod review;
pub mod rules;
pub mod store;
pub mod sync;
pub mod units;
pub mod validate;

pub use change::Change;
pub use error::{ErrorCode, ModelError, PhotoError, StoreError};
pub use hlc::{Hlc, HlcClock};
