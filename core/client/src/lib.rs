//! `qadam-client`: how a device syncs with the server, with no UI framework
//! in it. The app's commands, the headless `qadam-sync`, the benchmark and
//! every test that syncs call this one client, so they exercise the same
//! order and the same bytes on the wire.
//!
//! - [`Device`]: the device store shared between the UI's commands and a
//!   running sync; every store call runs off the async threads.
//! - [`Transport`]: the HTTP calls of the protocol (health, resumable photo
//!   upload, push, pull, conflicts, enrollment), each answer checked and
//!   every refusal turned into the server's `{code, message, field}`.
//! - [`sync()`]: one sync run in the protocol's order (clock, photos, push,
//!   pull, conflicts), each step idempotent, so an interrupted run is just
//!   run again.
//! - [`enroll()`]: redeeming a coordinator's enrollment code or link.
//! - [`download_basemap()`]: the server's basemap kept for offline maps.

mod basemap;
mod device;
mod enroll;
mod error;
mod run;
mod transport;

pub use basemap::{basemap_bytes, basemap_path, download_basemap, read_basemap, MAX_BASEMAP_BYTES};
pub use device::{AppInfo, Device};
pub use enroll::{enroll, parse_enrollment};
pub use error::{store_detail, ClientError};
pub use run::{pull_all, push_outbox, sync, AutoSyncOutcome};
pub use transport::{Transport, PHOTO_CHUNK};
