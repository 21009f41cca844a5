//! The server's storage: one trait, [`SyncStore`], with two backends —
//! [`SqliteStore`] (embedded, the default) and [`PgStore`] (PostgreSQL, for
//! deployments with several stateless server instances behind a load
//! balancer). Each backend keeps its SQL in its own module with numbered
//! migrations; what both do the same way — validating a batch, ordering it,
//! deciding a conflict's winner, resolving a conflict — is written here once.
//! Records, lists and verdicts are read through
//! [`qadam_core::records::FieldSource`], so materialisation is core's.

mod postgres;
mod sqlite;

use qadam_core::change::{Change, PullResponse, PushResponse};
use qadam_core::model::{ElementKind, EntityKind};
use qadam_core::records::{ObjectDetail, ObjectSummary};
use qadam_core::{ModelError, StoreError};
use uuid::Uuid;

pub use self::postgres::PgStore;
pub use self::sqlite::SqliteStore;

/// Largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 5_000;

/// The device id of changes the coordinator makes on the dashboard.
pub const COORDINATOR_DEVICE: &str = "coordinator-dashboard";

/// What the HTTP layer needs of a store. Every method is one transaction
/// (or a read); every write is idempotent.
pub trait SyncStore: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Stores a batch atomically: every change is validated first, then the
    /// batch is applied in one transaction, in HLC order. Changes whose
    /// `op_id` is already stored count as duplicates and change nothing.
    fn push(&self, changes: Vec<Change>) -> Result<PushResponse, StoreError>;

    /// Changes after `since`, at most `limit` (clamped to [`MAX_PULL_LIMIT`]),
    /// in cursor order.
    fn pull(&self, since: i64, limit: u32) -> Result<PullResponse, StoreError>;

    fn campaigns(&self) -> Result<Vec<qadam_core::model::Campaign>, StoreError>;
    fn objects(&self, campaign: Option<Uuid>) -> Result<Vec<ObjectSummary>, StoreError>;
    fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError>;
    fn verdict(&self, id: Uuid) -> Result<qadam_core::rules::ObjectVerdict, StoreError>;

    /// The MIME type of a stored photo, if the server has it.
    fn photo_mime(&self, sha256: &str) -> Result<Option<String>, StoreError>;
    /// Records a photo blob the blob store now holds. False if known already.
    fn add_photo(&self, info: &qadam_core::photo::PhotoInfo) -> Result<bool, StoreError>;

    /// Unresolved conflicts, oldest first, with both writes.
    fn conflicts(&self) -> Result<Vec<Conflict>, StoreError>;
    /// One conflict, resolved or not, with the change that resolved it.
    fn conflict(&self, id: i64) -> Result<Option<(Conflict, Option<Change>)>, StoreError>;
    /// Marks a conflict resolved by the change `op_id`.
    fn mark_resolved(&self, id: i64, op_id: Uuid) -> Result<(), StoreError>;
    /// The newest cursor.
    fn cursor(&self) -> Result<i64, StoreError>;
    /// Number of stored changes and photos (for tests and health).
    fn counts(&self) -> Result<(i64, i64), StoreError>;

    /// Resolves a conflict with `value`: an ordinary change by the
    /// coordinator, stamped after both writes and having seen everything, so
    /// it wins and syncs back to every device. Idempotent: a resolved
    /// conflict answers with the change that resolved it.
    fn resolve_conflict(&self, id: i64, value: serde_json::Value) -> Result<Change, StoreError> {
        let (conflict, resolved) =
            self.conflict(id)?.ok_or_else(|| StoreError::NotFound { entity: "conflict", id: id.to_string() })?;
        if let Some(change) = resolved {
            return Ok(change);
        }
        let (a, b) = (&conflict.earlier, &conflict.later);
        let mut clock = qadam_core::HlcClock::resume(a.hlc.max(b.hlc));
        let change = Change {
            op_id: Uuid::now_v7(),
            entity: b.entity,
            entity_id: b.entity_id,
            field: b.field.clone(),
            value,
            hlc: clock.tick(qadam_core::hlc::now_ms()),
            device_id: COORDINATOR_DEVICE.to_string(),
            seen_cursor: self.cursor()?,
        };
        self.push(vec![change.clone()])?;
        self.mark_resolved(id, change.op_id)?;
        Ok(change)
    }
}

/// Opens the store `db` names: a `postgres://` (or `postgresql://`) URL, or
/// the path of a SQLite file.
pub fn open(db: &str) -> Result<Box<dyn SyncStore>, StoreError> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        Ok(Box::new(PgStore::connect(db)?))
    } else {
        Ok(Box::new(SqliteStore::open(std::path::Path::new(db))?))
    }
}

/// Two writes to one field where neither writer had seen the other's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Conflict {
    pub id: i64,
    /// The write that last-writer-wins keeps (its value is the field's now).
    pub winner_op: Uuid,
    /// The write the server received first.
    pub earlier: Change,
    /// The write that arrived later without having seen `earlier`.
    pub later: Change,
}

/// Checks a batch before anything is written: every change is valid, with
/// each element's kind known from the batch itself or from the store
/// (`stored_kind`), and no change is stamped too far ahead of the server's
/// clock. Errors name the change by its index.
fn validate_batch(
    changes: &[Change],
    mut stored_kind: impl FnMut(Uuid) -> Result<Option<ElementKind>, StoreError>,
) -> Result<(), StoreError> {
    for (i, c) in changes.iter().enumerate() {
        let kind = if c.entity == EntityKind::Element && c.field.starts_with("measurements.") {
            match batch_kind(changes, c.entity_id) {
                Some(k) => Some(k),
                None => stored_kind(c.entity_id)?,
            }
        } else {
            None
        };
        c.validate_with_kind(kind.as_ref()).map_err(|e| at_index(e, i))?;
        let now = qadam_core::hlc::now_ms();
        if c.hlc.wall_ms > now + qadam_core::hlc::MAX_CLOCK_AHEAD_MS {
            let ahead_min = (c.hlc.wall_ms - now) / 60_000;
            return Err(ModelError::invalid(
                &format!("changes[{i}].hlc"),
                format!(
                    "stamped {ahead_min} minutes ahead of the server's clock (at most {} allowed): the device clock is fast; syncing again lets the app correct it",
                    qadam_core::hlc::MAX_CLOCK_AHEAD_MS / 60_000
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// The order a batch is applied in: HLC, then device id.
fn sort_batch(changes: &mut [Change]) {
    changes.sort_by(|a, b| (a.hlc, &a.device_id).cmp(&(b.hlc, &b.device_id)));
}

/// The winner of two concurrent writes by last-writer-wins: `c`, or the
/// stored write `other_op` stamped `other_hlc` by `other_device`.
fn conflict_winner(c: &Change, other_op: &str, other_hlc: &str, other_device: &str) -> Result<String, StoreError> {
    let other_hlc: qadam_core::Hlc =
        other_hlc.parse().map_err(|e: qadam_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))?;
    Ok(if c.wins_over(other_hlc, other_device) { c.op_id.to_string() } else { other_op.to_string() })
}

fn batch_kind(changes: &[Change], id: Uuid) -> Option<ElementKind> {
    changes
        .iter()
        .find(|c| c.entity_id == id && c.field == "kind")
        .and_then(|c| serde_json::from_value(c.value.clone()).ok())
}

fn at_index(e: ModelError, i: usize) -> ModelError {
    match e {
        ModelError::UnknownField { entity, field } => {
            ModelError::UnknownField { entity, field: format!("changes[{i}].{field}") }
        }
        ModelError::Invalid { field, message } => {
            ModelError::Invalid { field: format!("changes[{i}].{field}"), message }
        }
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid {s}: {e}")))
}
