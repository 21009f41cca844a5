//! The server's PostgreSQL store, for deployments that outgrow one machine:
//! several stateless `qadam-server` instances behind a load balancer share
//! one (managed, replicated) PostgreSQL. Same tables and meaning as the
//! SQLite store; all SQL of this backend lives here, with numbered
//! migrations recorded in `qadam_migrations`.
//!
//! Two things differ from SQLite and are handled here:
//! - **Cursor order.** A pull must never skip a change that commits later
//!   with a smaller `seq`. Pushes therefore take a transaction-scoped
//!   advisory lock before inserting, so sequence numbers are assigned and
//!   committed in one order across all server instances; pulls read freely.
//! - **Text order.** Last-writer-wins compares HLC strings and device ids;
//!   those columns use the `"C"` collation so that every replica (SQLite
//!   devices included) orders them bytewise, the same way.

use std::sync::Arc;

use qadam_core::norms::Norms;
use std::cell::RefCell;
use std::sync::Mutex;

use postgres::{Client, NoTls};
use qadam_core::change::{Change, PullResponse, PushResponse, ServerChange};
use qadam_core::model::EntityKind;
use qadam_core::records::{self, FieldSource, ObjectDetail, ObjectSummary};
use qadam_core::StoreError;
use uuid::Uuid;

use super::push::DbFields;
use super::sql::{Db, PgConn};
use super::{parse_uuid, Access, SyncStore, MAX_PULL_LIMIT};

/// Migration `i` (1-based) is `MIGRATIONS[i - 1]`; never edit a landed one.
const MIGRATIONS: &[&str] = &[
    r#"CREATE TABLE changes (
         seq         BIGSERIAL PRIMARY KEY,
         op_id       TEXT NOT NULL UNIQUE,
         entity      TEXT NOT NULL,
         entity_id   TEXT NOT NULL,
         field       TEXT NOT NULL,
         value       TEXT NOT NULL,
         hlc         TEXT COLLATE "C" NOT NULL,
         device_id   TEXT COLLATE "C" NOT NULL,
         received_ms BIGINT NOT NULL,
         seen_cursor BIGINT NOT NULL DEFAULT 0
     );
     CREATE INDEX changes_by_field ON changes(entity, entity_id, field, seq);
     CREATE TABLE photos (
         sha256      TEXT PRIMARY KEY,
         size_bytes  BIGINT NOT NULL,
         mime        TEXT NOT NULL,
         width_px    BIGINT NOT NULL,
         height_px   BIGINT NOT NULL,
         received_ms BIGINT NOT NULL
     );
     CREATE TABLE fields (
         entity     TEXT NOT NULL,
         entity_id  TEXT NOT NULL,
         field      TEXT NOT NULL,
         value      TEXT NOT NULL,
         hlc        TEXT COLLATE "C" NOT NULL,
         device_id  TEXT COLLATE "C" NOT NULL,
         PRIMARY KEY (entity, entity_id, field)
     );
     -- Values can be long (notes); the index holds their hash.
     CREATE INDEX fields_by_value ON fields(entity, field, md5(value));
     CREATE TABLE conflicts (
         id          BIGSERIAL PRIMARY KEY,
         entity      TEXT NOT NULL,
         entity_id   TEXT NOT NULL,
         field       TEXT NOT NULL,
         earlier_op  TEXT NOT NULL,
         later_op    TEXT NOT NULL UNIQUE,
         winner_op   TEXT NOT NULL,
         detected_ms BIGINT NOT NULL,
         resolved_op TEXT
     );"#,
    // 2: users, members, devices, enrollments, sessions; each change's campaign.
    super::accounts::DDL,
    // 3: the account behind each device id changes carry.
    super::accounts::DDL_AUTHORS,
    // 4: only reference fields (UUIDs, validated) are indexed by value.
    concat!(
        "DROP INDEX fields_by_value;
         CREATE INDEX fields_by_ref ON fields(entity, field, value) WHERE ",
        qadam_core::ref_fields_sql!(),
        ";"
    ),
    // 5: the same index as SQLite's, holding the deletion mark too.
    qadam_core::records::FIELDS_LOOKUP_DDL,
    // 6: the campaigns an enrollment code and its device are limited to.
    super::accounts::DDL_SCOPE,
    // 7: who uploaded each photo blob (the per-device quota).
    super::retention::DDL_UPLOADER,
    // 8: residents' reports of a change at a public place.
    super::reports::DDL,
    // 9: the administrators' additions to the catalogue (regions,
    // districts, object categories).
    super::catalogue::DDL,
    // 10: the owners' adaptation tasks.
    super::adaptations::DDL,
    // 11: each campaign's plan.
    super::plans::DDL,
    // 12: the rule sets administrators add.
    super::norms::DDL,
    // 13: each campaign's teams of auditors.
    super::teams::DDL,
    // 14: the checklists administrators add.
    super::norms::DDL_CHECKLISTS,
];

/// Advisory lock keys (arbitrary, fixed): migrations, and the push order.
const MIGRATION_LOCK: i64 = 0x51AD_A001;
const PUSH_LOCK: i64 = 0x51AD_A002;

/// Connections kept open for reuse.
const POOL_SIZE: usize = 8;

fn db(e: postgres::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

pub struct PgStore {
    url: String,
    pool: Mutex<Vec<PgConn>>,
    /// Shared by the store's clones; replaced when a rule set is added.
    norms: Arc<std::sync::RwLock<Arc<Norms>>>,
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date (safe when several
    /// instances start at once: migrations run under an advisory lock).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let store = PgStore { url: url.to_string(), pool: Mutex::new(Vec::new()), norms: Default::default() };
        store.with(|c| {
            c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).map_err(db)?;
            let result = migrate(c);
            c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).map_err(db)?;
            result
        })?;
        Ok(store)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.with_conn(|c| f(&mut c.client))
    }

    /// Runs `f` on a pooled connection (with the statements it prepared).
    fn with_conn<T>(&self, f: impl FnOnce(&mut PgConn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) if !c.client.is_closed() => c,
            _ => PgConn::new(Client::connect(&self.url, NoTls).map_err(db)?),
        };
        let out = f(&mut conn);
        if !conn.client.is_closed() {
            let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL_SIZE {
                pool.push(conn);
            }
        }
        out
    }
}

impl Drop for PgStore {
    /// Closing a connection blocks; on an async runtime's thread (a server
    /// shutting down) the pool is closed on a plain thread instead.
    fn drop(&mut self) {
        let pool = std::mem::take(self.pool.get_mut().unwrap_or_else(|p| p.into_inner()));
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new().name("qadam-pg-close".into()).spawn(move || drop(pool));
        }
    }
}

fn migrate(c: &mut Client) -> Result<(), StoreError> {
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS qadam_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)",
    )
    .map_err(db)?;
    let current: i32 = c.query_one("SELECT coalesce(max(version), 0) FROM qadam_migrations", &[]).map_err(db)?.get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let mut tx = c.transaction().map_err(db)?;
        tx.batch_execute(sql).map_err(db)?;
        tx.execute(
            "INSERT INTO qadam_migrations (version, applied_ms) VALUES ($1, $2)",
            &[&(i as i32 + 1), &(qadam_core::hlc::now_ms() as i64)],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

/// A change from the text columns `op_id, entity, entity_id, field, value,
/// hlc, device_id, seen_cursor` starting at `first`.
fn change_from_row(r: &postgres::Row, first: usize) -> Result<Change, StoreError> {
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("stored change {what}: {e}"));
    let text = |i: usize| -> &str { r.get(first + i) };
    let entity = text(1);
    Ok(Change {
        op_id: parse_uuid(text(0))?,
        entity: EntityKind::parse(entity).ok_or_else(|| corrupt("entity", entity.to_string()))?,
        entity_id: parse_uuid(text(2))?,
        field: text(3).to_string(),
        value: serde_json::from_str(text(4)).map_err(|e| corrupt("value", e.to_string()))?,
        hlc: text(5).parse().map_err(|e: qadam_core::hlc::HlcParseError| corrupt("hlc", e.to_string()))?,
        device_id: text(6).to_string(),
        seen_cursor: r.get(first + 7),
    })
}

impl SyncStore for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    /// The one push path (`store::push`), inside a transaction that first
    /// takes the push lock: sequence numbers are then assigned and
    /// committed in one order across every server instance, so a pull's
    /// cursor never skips a change that commits later with a smaller one.
    fn norms(&self) -> Arc<Norms> {
        self.norms.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_norms(&self, norms: Arc<Norms>) {
        *self.norms.write().unwrap_or_else(|p| p.into_inner()) = norms;
    }

    fn push(&self, changes: Vec<Change>, access: &Access) -> Result<PushResponse, StoreError> {
        self.with_conn(|c| {
            c.client.batch_execute("BEGIN").map_err(db)?;
            let pushed = (|| {
                c.execute("SELECT pg_advisory_xact_lock($1)", &[PUSH_LOCK.into()])?;
                super::push::push_batch(c, self.norms().checklists(), changes, access, |_| Ok(()))
            })();
            match pushed {
                Ok(r) => {
                    c.client.batch_execute("COMMIT").map_err(db)?;
                    Ok(r)
                }
                Err(e) => {
                    let _ = c.client.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    fn pull(&self, since: i64, limit: u32, access: &Access) -> Result<PullResponse, StoreError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let readable = access.readable();
        self.with(|c| {
            let rows = c
                .query(
                    "SELECT seq, op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes
                     WHERE seq > $1 AND ($3::TEXT[] IS NULL OR campaign_id = ANY($3))
                     ORDER BY seq LIMIT $2",
                    &[&since, &(i64::from(limit) + 1), &readable],
                )
                .map_err(db)?;
            let mut changes = rows
                .iter()
                .map(|r| Ok(ServerChange { seq: r.get(0), change: change_from_row(r, 1)? }))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let has_more = changes.len() > limit as usize;
            changes.truncate(limit as usize);
            let next_cursor = changes.last().map(|c| c.seq).unwrap_or(since);
            Ok(PullResponse { changes, next_cursor, has_more })
        })
    }

    fn campaigns(&self) -> Result<Vec<qadam_core::model::Campaign>, StoreError> {
        self.with_conn(|c| records::campaigns(&DbFields(RefCell::new(c))))
    }

    fn objects(&self, campaign: Option<Uuid>) -> Result<Vec<ObjectSummary>, StoreError> {
        self.with_conn(|c| records::objects(&DbFields(RefCell::new(c)), campaign, None))
    }

    fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError> {
        let mut out = None;
        self.read(&mut |src| {
            out = Some(records::object_detail(src, id)?);
            Ok(())
        })?;
        Ok(out.expect("read sets it"))
    }

    fn verdict(&self, id: Uuid) -> Result<qadam_core::rules::ObjectVerdict, StoreError> {
        self.with_conn(|c| records::verdict(&DbFields(RefCell::new(c)), &self.norms(), id))
    }

    fn read(&self, f: &mut dyn FnMut(&dyn FieldSource) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.with_conn(|c| {
            // One snapshot for all the reads `f` makes.
            c.client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").map_err(db)?;
            let out = f(&DbFields(RefCell::new(&mut *c)));
            match &out {
                Ok(()) => c.client.batch_execute("COMMIT").map_err(db)?,
                Err(_) => {
                    let _ = c.client.batch_execute("ROLLBACK");
                }
            }
            out
        })
    }

    fn photo_mime(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            Ok(c.query_opt("SELECT mime FROM photos WHERE sha256 = $1", &[&sha256]).map_err(db)?.map(|r| r.get(0)))
        })
    }

    fn in_transaction(
        &self,
        f: &mut dyn FnMut(&mut dyn super::sql::Db) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.with_conn(|c| {
            c.client.batch_execute("BEGIN").map_err(db)?;
            match f(c) {
                Ok(true) => c.client.batch_execute("COMMIT").map_err(db),
                Ok(false) => c.client.batch_execute("ROLLBACK").map_err(db),
                Err(e) => {
                    let _ = c.client.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    fn cursor(&self) -> Result<i64, StoreError> {
        self.with(|c| Ok(c.query_one("SELECT coalesce(max(seq), 0) FROM changes", &[]).map_err(db)?.get(0)))
    }

    fn counts(&self) -> Result<(i64, i64), StoreError> {
        self.with(|c| {
            let r =
                c.query_one("SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM photos)", &[]).map_err(db)?;
            Ok((r.get(0), r.get(1)))
        })
    }
}
