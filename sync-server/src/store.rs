//! The server's SQLite store: the append-only change log (its row id is the
//! pull cursor), the last-writer-wins field state (shared SQL from
//! `qadam_core::records`), and the index of photo blobs. All SQL of this
//! backend lives here, with numbered migrations.

use std::path::Path;
use std::sync::{Arc, Mutex};

use qadam_core::change::{Change, PullResponse, PushResponse, ServerChange};
use qadam_core::model::{ElementKind, EntityKind};
use qadam_core::records::{self, ObjectDetail, ObjectSummary};
use qadam_core::{ModelError, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

/// Migration `i` (1-based) is `MIGRATIONS[i - 1]`; never edit a landed one.
const MIGRATIONS: &[&str] = &[
    concat!(
        "CREATE TABLE changes (
         seq         INTEGER PRIMARY KEY AUTOINCREMENT,
         op_id       TEXT NOT NULL UNIQUE,
         entity      TEXT NOT NULL,
         entity_id   TEXT NOT NULL,
         field       TEXT NOT NULL,
         value       TEXT NOT NULL,
         hlc         TEXT NOT NULL,
         device_id   TEXT NOT NULL,
         received_ms INTEGER NOT NULL
     );
     CREATE TABLE photos (
         sha256      TEXT PRIMARY KEY,
         size_bytes  INTEGER NOT NULL,
         mime        TEXT NOT NULL,
         width_px    INTEGER NOT NULL,
         height_px   INTEGER NOT NULL,
         received_ms INTEGER NOT NULL
     ) WITHOUT ROWID;",
        include_str!("../../core/src/fields.sql")
    ),
    // 2: concurrent writes to one field are kept as conflicts.
    "ALTER TABLE changes ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX changes_by_field ON changes(entity, entity_id, field, seq);
     CREATE TABLE conflicts (
         id          INTEGER PRIMARY KEY AUTOINCREMENT,
         entity      TEXT NOT NULL,
         entity_id   TEXT NOT NULL,
         field       TEXT NOT NULL,
         earlier_op  TEXT NOT NULL,
         later_op    TEXT NOT NULL UNIQUE,
         winner_op   TEXT NOT NULL,
         detected_ms INTEGER NOT NULL,
         resolved_op TEXT
     );",
];

/// Largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 5_000;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)?;
            tx.commit()?;
        }
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Stores a batch of changes atomically: every change is validated
    /// first, then the batch is applied in one transaction, in HLC order.
    /// Changes whose `op_id` is already stored are counted as duplicates and
    /// change nothing.
    pub fn push(&self, mut changes: Vec<Change>) -> Result<PushResponse, StoreError> {
        self.with(|conn| {
            // Validate, knowing each element's kind from the batch or the store.
            for (i, c) in changes.iter().enumerate() {
                let kind = if c.entity == EntityKind::Element && c.field.starts_with("measurements.") {
                    match batch_kind(&changes, c.entity_id) {
                        Some(k) => Some(k),
                        None => records::element_kind(conn, c.entity_id)?,
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
            changes.sort_by(|a, b| (a.hlc, &a.device_id).cmp(&(b.hlc, &b.device_id)));
            let now = qadam_core::hlc::now_ms() as i64;
            let tx = conn.transaction()?;
            let (mut accepted, mut duplicates) = (0, 0);
            {
                let mut ins = tx.prepare_cached(
                    "INSERT INTO changes (op_id, entity, entity_id, field, value, hlc, device_id, received_ms, seen_cursor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (op_id) DO NOTHING",
                )?;
                for c in &changes {
                    let n = ins.execute(params![
                        c.op_id.to_string(),
                        c.entity.as_str(),
                        c.entity_id.to_string(),
                        c.field,
                        c.value.to_string(),
                        c.hlc.to_string(),
                        c.device_id,
                        now,
                        c.seen_cursor
                    ])?;
                    if n == 0 {
                        duplicates += 1;
                    } else {
                        accepted += 1;
                        records::apply_lww(&tx, c)?;
                        detect_conflict(&tx, c, now)?;
                    }
                }
            }
            let cursor: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?;
            tx.commit()?;
            Ok(PushResponse { accepted, duplicates, cursor })
        })
    }

    /// Changes after `since`, at most `limit`, in cursor order.
    pub fn pull(&self, since: i64, limit: u32) -> Result<PullResponse, StoreError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        self.with(|conn| {
            let mut st = conn.prepare_cached(
                "SELECT seq, op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut rows = st.query(params![since, limit + 1])?;
            let mut changes = Vec::new();
            while let Some(r) = rows.next()? {
                changes.push(ServerChange { seq: r.get(0)?, change: records::change_from_row(r, 1)? });
            }
            let has_more = changes.len() > limit as usize;
            changes.truncate(limit as usize);
            let next_cursor = changes.last().map(|c| c.seq).unwrap_or(since);
            Ok(PullResponse { changes, next_cursor, has_more })
        })
    }

    pub fn campaigns(&self) -> Result<Vec<qadam_core::model::Campaign>, StoreError> {
        self.with(|c| records::campaigns(c))
    }

    pub fn objects(&self, campaign: Option<Uuid>) -> Result<Vec<ObjectSummary>, StoreError> {
        self.with(|c| records::objects(c, campaign, None))
    }

    pub fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError> {
        self.with(|c| records::object_detail(c, id))
    }

    pub fn verdict(&self, id: Uuid) -> Result<qadam_core::rules::ObjectVerdict, StoreError> {
        self.with(|c| records::verdict(c, id))
    }

    pub fn photo_mime(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            Ok(c.query_row("SELECT mime FROM photos WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?)
        })
    }

    /// Records a photo blob the blob store now holds. False if known already.
    pub fn add_photo(&self, info: &qadam_core::photo::PhotoInfo) -> Result<bool, StoreError> {
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO photos (sha256, size_bytes, mime, width_px, height_px, received_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                params![
                    info.sha256,
                    info.size_bytes as i64,
                    info.mime,
                    info.width_px,
                    info.height_px,
                    qadam_core::hlc::now_ms() as i64
                ],
            )?;
            Ok(n > 0)
        })
    }

    /// Unresolved conflicts, oldest first, with both writes.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        self.conflicts_where("k.resolved_op IS NULL AND ?1 = ?1", 0)
    }

    fn conflicts_where(&self, filter: &str, arg: i64) -> Result<Vec<Conflict>, StoreError> {
        self.with(|conn| {
            let sql = format!(
                "SELECT k.id, k.winner_op,
                        a.op_id, a.entity, a.entity_id, a.field, a.value, a.hlc, a.device_id, a.seen_cursor,
                        b.op_id, b.entity, b.entity_id, b.field, b.value, b.hlc, b.device_id, b.seen_cursor
                 FROM conflicts k
                 JOIN changes a ON a.op_id = k.earlier_op
                 JOIN changes b ON b.op_id = k.later_op
                 WHERE {filter} ORDER BY k.id"
            );
            let mut st = conn.prepare(&sql)?;
            let mut rows = st.query([arg])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(Conflict {
                    id: r.get(0)?,
                    winner_op: parse_uuid(&r.get::<_, String>(1)?)?,
                    earlier: records::change_from_row(r, 2)?,
                    later: records::change_from_row(r, 10)?,
                });
            }
            Ok(out)
        })
    }

    /// Resolves a conflict with `value`: an ordinary change by the
    /// coordinator, stamped after both writes and having seen everything, so
    /// it wins and syncs back to every device. Idempotent: a resolved
    /// conflict answers with the change that resolved it.
    pub fn resolve_conflict(&self, id: i64, value: serde_json::Value) -> Result<Change, StoreError> {
        let conflict = self
            .conflicts_where("k.id = ?1", id)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound { entity: "conflict", id: id.to_string() })?;
        if let Some(op) = self.with(|c| {
            Ok(c.query_row("SELECT resolved_op FROM conflicts WHERE id = ?1", [id], |r| r.get::<_, Option<String>>(0))?)
        })? {
            let op = parse_uuid(&op)?;
            return self.with(|c| {
                let mut st = c.prepare(
                    "SELECT op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes WHERE op_id = ?1",
                )?;
                let mut rows = st.query([op.to_string()])?;
                let r = rows.next()?.ok_or_else(|| StoreError::Corrupt("resolution change missing".into()))?;
                records::change_from_row(r, 0)
            });
        }
        let (a, b) = (&conflict.earlier, &conflict.later);
        let mut clock = qadam_core::HlcClock::resume(a.hlc.max(b.hlc));
        let seen: i64 =
            self.with(|c| Ok(c.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?))?;
        let change = Change {
            op_id: Uuid::now_v7(),
            entity: b.entity,
            entity_id: b.entity_id,
            field: b.field.clone(),
            value,
            hlc: clock.tick(qadam_core::hlc::now_ms()),
            device_id: COORDINATOR_DEVICE.to_string(),
            seen_cursor: seen,
        };
        self.push(vec![change.clone()])?;
        self.with(|c| {
            c.execute("UPDATE conflicts SET resolved_op = ?1 WHERE id = ?2", params![change.op_id.to_string(), id])?;
            Ok(())
        })?;
        Ok(change)
    }

    /// Number of stored changes and photos (for tests and health).
    pub fn counts(&self) -> Result<(i64, i64), StoreError> {
        self.with(|c| {
            Ok((
                c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM photos", [], |r| r.get(0))?,
            ))
        })
    }
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

/// The device id of changes the coordinator makes on the dashboard.
pub const COORDINATOR_DEVICE: &str = "coordinator-dashboard";

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

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid {s}: {e}")))
}

/// Records a conflict when `c`'s writer had not seen the newest write to the
/// same field that another device made (received after `c.seen_cursor`).
/// Writes that were seen — sequential edits — never make a conflict.
fn detect_conflict(tx: &Connection, c: &Change, now_ms: i64) -> Result<(), StoreError> {
    let other: Option<(String, String, String)> = tx
        .query_row(
            "SELECT op_id, hlc, device_id FROM changes
             WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 AND seq > ?4 AND device_id != ?5 AND op_id != ?6
             ORDER BY seq DESC LIMIT 1",
            params![
                c.entity.as_str(),
                c.entity_id.to_string(),
                c.field,
                c.seen_cursor,
                c.device_id,
                c.op_id.to_string()
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((op, hlc, device)) = other else { return Ok(()) };
    let other_hlc: qadam_core::Hlc =
        hlc.parse().map_err(|e: qadam_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))?;
    let winner = if c.wins_over(other_hlc, &device) { c.op_id.to_string() } else { op.clone() };
    tx.execute(
        "INSERT INTO conflicts (entity, entity_id, field, earlier_op, later_op, winner_op, detected_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (later_op) DO NOTHING",
        params![c.entity.as_str(), c.entity_id.to_string(), c.field, op, c.op_id.to_string(), winner, now_ms],
    )?;
    Ok(())
}
