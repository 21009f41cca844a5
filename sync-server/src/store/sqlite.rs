//! The server's SQLite store: the append-only change log (its row id is the
//! pull cursor), the last-writer-wins field state (shared SQL from
//! `qadam_core::records`), the conflicts, and the index of photo blobs. All
//! SQL of this backend lives here, with numbered migrations.

use qadam_core::norms::Norms;
use std::path::Path;
use std::sync::{Arc, Mutex};

use parking_lot::FairMutex;

use qadam_core::change::{Change, PullResponse, PushResponse, ServerChange};
use qadam_core::records::FieldSource;
use qadam_core::records::{self, ObjectDetail, ObjectSummary};
use qadam_core::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::recent::{self, RecentLog};
use super::{Access, SyncStore, MAX_PULL_LIMIT};

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
        include_str!("../../../core/src/fields.sql")
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
    // 3: users, members, devices, enrollments, sessions; each change's campaign.
    super::accounts::DDL,
    // 4: the account behind each device id changes carry.
    super::accounts::DDL_AUTHORS,
    // 5: only reference fields are indexed by value.
    qadam_core::records::FIELDS_BY_REF_DDL,
    // 6: the index of values written as ORs and holding the deletion mark.
    qadam_core::records::FIELDS_LOOKUP_DDL,
    // 7: the campaigns an enrollment code and its device are limited to.
    super::accounts::DDL_SCOPE,
    // 8: who uploaded each photo blob (the per-device quota).
    super::retention::DDL_UPLOADER,
    // 9: residents' reports of a change at a public place.
    super::reports::DDL,
    // 10: the administrators' additions to the catalogue (regions,
    // districts, object categories).
    super::catalogue::DDL,
    // 11: the owners' adaptation tasks.
    super::adaptations::DDL,
    // 12: each campaign's plan.
    super::plans::DDL,
    // 13: the rule sets administrators add.
    super::norms::DDL,
    // 14: each campaign's teams of auditors.
    super::teams::DDL,
    // 15: the checklists administrators add.
    super::norms::DDL_CHECKLISTS,
];

#[derive(Clone)]
pub struct SqliteStore {
    /// The one connection that writes (and reads everything but pulls),
    /// behind a fair lock: under load, requests take it in the order they
    /// asked (an unfair lock let some wait hundreds of milliseconds).
    conn: Arc<FairMutex<Connection>>,
    /// Read-only connections for pulls, opened on demand and kept: a pull
    /// reads a snapshot (WAL) beside a push instead of waiting for it. One
    /// writer commits pushes in sequence order, so every snapshot holds a
    /// whole prefix of the change log and a pull's cursor never skips one.
    readers: Arc<Mutex<Vec<Connection>>>,
    /// The newest changes as pull JSON, appended by the writer after each
    /// commit; pulls near the head are answered from it.
    recent: Arc<RecentLog>,
    /// Pushes waiting for the writer: the next one to take it commits them
    /// all (group commit).
    waiting: Arc<Mutex<Vec<Waiting>>>,
    path: std::path::PathBuf,
    /// Shared by the store's clones; replaced when a rule set is added.
    norms: Arc<std::sync::RwLock<Arc<Norms>>>,
}

/// Read connections kept open for reuse.
const READERS_KEPT: usize = 4;

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(path)?;
        Self::tune_writer(&conn)?;
        let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)?;
            tx.commit()?;
        }
        Ok(SqliteStore {
            conn: Arc::new(FairMutex::new(conn)),
            readers: Arc::new(Mutex::new(Vec::new())),
            recent: Arc::new(RecentLog::default()),
            waiting: Arc::new(Mutex::new(Vec::new())),
            path: path.to_path_buf(),
            norms: Default::default(),
        })
    }

    /// The settings of the writer connection (the benchmark's raw-SQLite
    /// limit runs with the same).
    pub fn tune_writer(conn: &Connection) -> Result<(), StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a push is acknowledged only once its commit is on disk. With
        // NORMAL a WAL commit may be lost on power failure after the device
        // was told it arrived, and the device never sends it again. Group
        // commit shares one sync among the pushes that wait (bench row 5).
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A 64 MiB page cache and memory-mapped reads for city-scale stores.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.pragma_update(None, "mmap_size", 1_073_741_824)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(())
    }

    /// Calls `row` with each change after `since` that `access` may read, in
    /// cursor order, `limit + 1` at most (the one past the page says there
    /// is more), until it answers false.
    fn pull_rows(
        &self,
        since: i64,
        limit: u32,
        access: &Access,
        row: &mut dyn FnMut(&rusqlite::Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let readable = access.readable();
        self.read_with(|conn| {
            let mut st = conn.prepare_cached(
                "SELECT seq, op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes
                 WHERE seq > ?1 AND (?3 IS NULL OR campaign_id IN (SELECT value FROM json_each(?3)))
                 ORDER BY seq LIMIT ?2",
            )?;
            let filter = readable.map(|ids| serde_json::to_string(&ids).unwrap_or_default());
            let mut rows = st.query(params![since, limit.clamp(1, MAX_PULL_LIMIT) + 1, filter])?;
            while let Some(r) = rows.next()? {
                if !row(r)? {
                    break;
                }
            }
            Ok(())
        })
    }

    /// Runs `f` on a read-only connection from the pool.
    fn read_with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.pragma_update(None, "cache_size", -16_384)?;
                c.pragma_update(None, "mmap_size", 1_073_741_824)?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                c
            }
        };
        let out = f(&mut conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < READERS_KEPT {
            pool.push(conn);
        }
        out
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn.lock();
        f(&mut conn)
    }

    /// A pull page read from the log itself, row by row.
    pub fn pull_json_from_log(&self, since: i64, limit: u32, access: &Access) -> Result<Vec<u8>, StoreError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT) as usize;
        let (mut n, mut next_cursor, mut has_more) = (0, since, false);
        let mut out = Vec::with_capacity(64 * 1024);
        out.extend_from_slice(recent::PAGE_START);
        self.pull_rows(since, limit as u32, access, &mut |r| {
            if n == limit {
                has_more = true;
                return Ok(false);
            }
            let seq: i64 = r.get(0)?;
            let text = |i: usize| r.get_ref(i).and_then(|v| v.as_str().map_err(Into::into));
            if n > 0 {
                out.push(b',');
            }
            recent::write_change(
                &mut out,
                seq,
                text(1)?,
                text(2)?,
                text(3)?,
                text(4)?,
                text(5)?,
                text(6)?,
                text(7)?,
                r.get(8)?,
            )?;
            n += 1;
            next_cursor = seq;
            Ok(true)
        })?;
        recent::write_page_end(&mut out, next_cursor, has_more);
        Ok(out)
    }

    /// Commits the batches that waited for the writer in one transaction,
    /// each in its own savepoint (a refused batch changes nothing and the
    /// others go on), and answers each. One commit for many devices' pushes
    /// is what lets the writer keep up with hundreds (bench/RESULTS.md).
    fn push_group(&self, conn: &mut Connection, group: Vec<Waiting>) {
        let mut answers = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        let outcome = (|| {
            // IMMEDIATE: the batch reads before it writes, and a read
            // transaction cannot always become a write one when another
            // instance shares the file.
            let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let base: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?;
            let mut written = Vec::new();
            for w in group {
                replies.push(w.reply);
                let sp = tx.savepoint()?;
                let mut mine = Vec::new();
                let mut db: &Connection = &sp;
                let pushed = super::push::push_batch(&mut db, self.norms().checklists(), w.changes, &w.access, |c| {
                    let mut json = Vec::with_capacity(320);
                    let ch = c.change;
                    let (op, entity, id, field, device) =
                        (c.op_id, ch.entity.as_str(), c.entity_id, &ch.field, &ch.device_id);
                    recent::write_change(
                        &mut json,
                        c.seq,
                        op,
                        entity,
                        id,
                        field,
                        c.value,
                        c.hlc,
                        device,
                        ch.seen_cursor,
                    )?;
                    mine.push((c.seq, Some(c.campaign), json));
                    Ok(())
                });
                match pushed {
                    Ok(r) => {
                        sp.commit()?;
                        written.append(&mut mine);
                        answers.push(Ok(r));
                    }
                    // Dropping the savepoint rolls it back.
                    Err(e) => answers.push(Err(e)),
                }
            }
            tx.commit()?;
            Ok::<_, StoreError>((base, written))
        })();
        match outcome {
            Ok((base, written)) => {
                // Still the one writer: appended in commit order.
                self.recent.append(base, written);
                for (reply, a) in replies.into_iter().zip(answers) {
                    let _ = reply.send(a);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Database(msg.clone())));
                }
            }
        }
    }
}

impl SyncStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn norms(&self) -> Arc<Norms> {
        self.norms.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_norms(&self, norms: Arc<Norms>) {
        *self.norms.write().unwrap_or_else(|p| p.into_inner()) = norms;
    }

    fn push(&self, changes: Vec<Change>, access: &Access) -> Result<PushResponse, StoreError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).push(Waiting { changes, access: access.clone(), reply });
        {
            let mut conn = self.conn.lock();
            // A writer before this one may have taken this batch along.
            if let Ok(r) = answer.try_recv() {
                return r;
            }
            let group = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|p| p.into_inner()));
            self.push_group(&mut conn, group);
        }
        answer.recv().map_err(|_| StoreError::Database("the writer stopped before answering".into()))?
    }

    /// Changes after `since`, at most `limit`, in cursor order.
    fn pull(&self, since: i64, limit: u32, access: &Access) -> Result<PullResponse, StoreError> {
        let (mut changes, mut has_more) = (Vec::new(), false);
        self.pull_rows(since, limit, access, &mut |r| {
            if changes.len() == limit.clamp(1, MAX_PULL_LIMIT) as usize {
                has_more = true;
                return Ok(false);
            }
            changes.push(ServerChange { seq: r.get(0)?, change: records::change_from_row(r, 1)? });
            Ok(true)
        })?;
        let next_cursor = changes.last().map(|c| c.seq).unwrap_or(since);
        Ok(PullResponse { changes, next_cursor, has_more })
    }

    fn pull_json(&self, since: i64, limit: u32, access: &Access) -> Result<Vec<u8>, StoreError> {
        let head = self.cursor()?;
        let ids = access.readable_ids();
        let limit_n = limit.clamp(1, MAX_PULL_LIMIT) as usize;
        if let Some(page) = self.recent.page(since, head, limit_n, ids.as_deref()) {
            return Ok(page);
        }
        self.pull_json_from_log(since, limit, access)
    }

    fn campaigns(&self) -> Result<Vec<qadam_core::model::Campaign>, StoreError> {
        self.with(|c| records::campaigns(c))
    }

    fn objects(&self, campaign: Option<Uuid>) -> Result<Vec<ObjectSummary>, StoreError> {
        self.with(|c| records::objects(c, campaign, None))
    }

    fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError> {
        self.with(|c| records::object_detail(c, id))
    }

    fn read(&self, f: &mut dyn FnMut(&dyn FieldSource) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.with(|c| f(&*c))
    }

    fn verdict(&self, id: Uuid) -> Result<qadam_core::rules::ObjectVerdict, StoreError> {
        self.with(|c| records::verdict(c, &self.norms(), id))
    }

    fn photo_mime(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            Ok(c.query_row("SELECT mime FROM photos WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?)
        })
    }

    fn in_transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn super::sql::Db) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(true) => Ok(conn.execute_batch("COMMIT")?),
                Ok(false) => Ok(conn.execute_batch("ROLLBACK")?),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    fn in_read(&self, f: &mut dyn FnMut(&mut dyn super::sql::Db) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.read_with(|conn| {
            // One snapshot for every read of `f`.
            conn.execute_batch("BEGIN")?;
            let r = f(conn);
            conn.execute_batch("COMMIT")?;
            r
        })
    }

    /// The head of the log, read on a snapshot (it never waits for the writer).
    fn cursor(&self) -> Result<i64, StoreError> {
        self.read_with(|c| Ok(c.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?))
    }

    /// Number of stored changes and photos (for tests and health).
    fn counts(&self) -> Result<(i64, i64), StoreError> {
        self.with(|c| {
            Ok((
                c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?,
                c.query_row("SELECT count(*) FROM photos", [], |r| r.get(0))?,
            ))
        })
    }
}

/// A push waiting for the writer, and where its answer goes.
struct Waiting {
    changes: Vec<Change>,
    access: Access,
    reply: std::sync::mpsc::SyncSender<Result<PushResponse, StoreError>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// #13.13: an acknowledged push survives power failure: the writer
    /// syncs the WAL on every commit (`synchronous = FULL`, 2), not only at
    /// checkpoints (NORMAL, 1).
    #[test]
    fn the_writer_commits_durably() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
        let (mode, sync): (String, i64) = store
            .with(|c| {
                Ok((
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2));
    }

    #[test]
    fn pulls_from_the_recent_window_answer_what_the_log_does() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
        // Two campaigns, pushed in several batches, one pushed twice.
        let mut batches = Vec::new();
        qadam_core::demo::city_campaign(6, 1, 40, |b| batches.push(b));
        qadam_core::demo::city_campaign(6, 2, 40, |b| batches.push(b));
        batches.push(qadam_core::demo::demo_campaign(2));
        for b in &batches {
            store.push(b.clone(), &Access::All).unwrap();
        }
        store.push(batches[1].clone(), &Access::All).unwrap();
        let head: i64 = store.with(|c| Ok(c.query_row("SELECT max(seq) FROM changes", [], |r| r.get(0))?)).unwrap();
        assert!(head > 100, "{head}");
        let one = Access::Campaigns {
            read: BTreeSet::from([qadam_core::demo::city_campaign_id(2)]),
            coordinate: BTreeSet::new(),
        };
        let none = Access::Campaigns { read: BTreeSet::new(), coordinate: BTreeSet::new() };
        for access in [&Access::All, &one, &none] {
            for since in (0..=head + 1).step_by(7) {
                for limit in [1, 5, 60, 1000] {
                    let window = store.recent.page(since, head, limit as usize, access.readable_ids().as_deref());
                    assert!(window.is_some(), "every change since the store opened is in the window");
                    let log = store.pull_json_from_log(since, limit, access).unwrap();
                    assert_eq!(
                        String::from_utf8(window.unwrap()).unwrap(),
                        String::from_utf8(log).unwrap(),
                        "since {since}, limit {limit}"
                    );
                }
            }
        }
        // Another writer on the same file: the window gives way to the log.
        let other = SqliteStore::open(&dir.path().join("server.db")).unwrap();
        let mut more = Vec::new();
        qadam_core::demo::city_campaign(2, 3, 40, |b| more.push(b));
        assert!(more.len() >= 2);
        let (first, second) = (more[0].len(), more[1].len());
        other.push(more.remove(0), &Access::All).unwrap();
        let page: PullResponse = serde_json::from_slice(&store.pull_json(head, 1000, &Access::All).unwrap()).unwrap();
        assert_eq!(page.changes.len(), first, "the other instance's changes are served");
        // This instance writes again: its window starts afresh.
        store.push(more.remove(0), &Access::All).unwrap();
        let all: PullResponse = serde_json::from_slice(&store.pull_json(head, 1000, &Access::All).unwrap()).unwrap();
        assert_eq!(all.changes.len(), first + second);
    }
}
