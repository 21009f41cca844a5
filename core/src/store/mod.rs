//! The device's local store: one SQLite file per device (WAL), with the
//! field state, the log of local changes waiting to be pushed, settings and
//! the upload state of photos. Every edit is written in one transaction
//! together with its field-level change records.

mod migrations;
mod photos;
mod sync;

use self::sync::{held_change, keep_displaced_remote};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;
use uuid::Uuid;

pub use migrations::{migrate, MIGRATIONS};

use crate::catalogue::Catalogue;
use crate::change::{Change, PullResponse};
use crate::checklist::Checklists;
use crate::error::{ModelError, StoreError};
use crate::hlc::{now_ms, Hlc, HlcClock, MAX_CLOCK_AHEAD_MS};
use crate::model::{
    Audit, AuditStatus, Campaign, Category, District, ElementKind, EntityKind, GeoPoint, MeasuredValue, Photo,
    PhotoSubject,
};
use crate::norms::{Norms, NormsBundle};
use crate::photo::{self, BlobDir};
use crate::records::{self, ObjectDetail, ObjectSummary};

/// How far around a position [`Store::district_near`] looks, and how many
/// objects with a district must agree there.
pub const DISTRICT_RADIUS_M: f64 = 300.0;
pub const DISTRICT_NEIGHBOURS: usize = 3;

/// The most objects one [`Store::wheelchair_statuses`] call evaluates.
pub const MAX_BATCH_VERDICTS: usize = 500;

/// Device settings, kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(default)]
pub struct Settings {
    /// Base URL of the sync server, e.g. `http://127.0.0.1:8787`.
    pub server_url: String,
    /// The API token the server was started with.
    pub token: String,
    /// The auditor's name, written on each audit.
    pub auditor_name: String,
    /// The login of the account the device is enrolled for: "my list" is
    /// the objects assigned to it.
    #[serde(default)]
    pub auditor_login: String,
    /// The teams that account is in (`team:<id>`, as of the last sync):
    /// objects assigned to them are on "my list" too.
    #[serde(default)]
    pub auditor_teams: Vec<String>,
    /// Map tile URL template (`https://…/{z}/{x}/{y}.png`); empty for a plain map.
    pub tile_url: String,
    /// UI language.
    pub language: crate::model::Language,
    /// Sync by itself: soon after each edit, periodically, and again with
    /// growing pauses while the server cannot be reached.
    pub auto_sync: bool,
    /// A position is taken from the device only once its accuracy is this
    /// good or better, in metres (1 to 500).
    pub gps_accuracy_m: u32,
}

/// The accuracy a position needs by default: about the width of a
/// building's frontage, so that the pin is on the right building.
pub const DEFAULT_GPS_ACCURACY_M: u32 = 20;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server_url: String::new(),
            token: String::new(),
            auditor_name: String::new(),
            auditor_login: String::new(),
            auditor_teams: Vec::new(),
            tile_url: String::new(),
            language: crate::model::Language::Ru,
            auto_sync: true,
            gps_accuracy_m: DEFAULT_GPS_ACCURACY_M,
        }
    }
}

/// What the app sends to create an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct NewObject {
    pub campaign_id: Uuid,
    pub name: String,
    pub category: Category,
    pub district: District,
    pub address: String,
    pub location: Option<GeoPoint>,
}

/// What the app sends to add an element to an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct NewElement {
    pub object_id: Uuid,
    pub kind: ElementKind,
    pub measurements: BTreeMap<String, MeasuredValue>,
    pub note: String,
    /// The element this one (a ramp, a lift) serves.
    #[serde(default)]
    pub serves: Option<Uuid>,
}

/// Counts of what is waiting to be synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Pending {
    /// Local changes the next sync sends.
    pub changes: u32,
    /// Local changes the server refused, held back until sent again.
    pub held_back: u32,
    pub photos: u32,
    #[ts(type = "number")]
    pub photo_bytes: u64,
}

/// A local change the server refused, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct HeldBack {
    pub change: Change,
    /// The server's answer: its code, its sentence, the change's field.
    pub reason: crate::change::ErrorDetail,
}

/// The fields one record is given in a write: which record, and each
/// field's new value.
pub type RecordWrite = (EntityKind, Uuid, Vec<(String, Value)>);

pub struct Store {
    conn: Connection,
    device_id: String,
    clock: HlcClock,
    /// Correction of the device's wall clock, learned from the server (ms).
    clock_offset_ms: i64,
    photos: BlobDir,
    thumbs: BlobDir,
    /// Object positions indexed for "within N m of me", with the
    /// generation it was built at.
    nearby: std::cell::RefCell<Option<(u64, crate::nearby::NearbyIndex)>>,
    /// Bumped by every write and every applied pull page.
    generation: std::cell::Cell<u64>,
    /// The checklists this device validates measurements with and the rule
    /// sets it evaluates with: the server's as of the last sync, or those
    /// the app started with.
    norms: std::cell::RefCell<Arc<Norms>>,
    /// The catalogue as last read or set (see [`Store::catalogue`]).
    catalogue: std::cell::RefCell<Option<Arc<Catalogue>>>,
}

const DB_FILE: &str = "qadam.db";

impl Store {
    /// Opens (or creates) the store in `data_dir`: `qadam.db`, `photos/`,
    /// `thumbs/`, with the built-in checklists.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(data_dir, Arc::new(Norms::builtin()))
    }

    /// [`Store::open`] with the norms the app loaded (an NGO's checklist
    /// files), until the server's arrive by sync.
    pub fn open_with(data_dir: &Path, norms: Arc<Norms>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let mut conn = Connection::open(data_dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A city's campaign is a few hundred megabytes: a 32 MiB page cache
        // and memory-mapped reads keep a fresh pull from thrashing the
        // default 2 MiB cache (bench/RESULTS.md).
        conn.pragma_update(None, "cache_size", -32_768)?;
        conn.pragma_update(None, "mmap_size", 268_435_456)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        let device_id = match meta_get(&conn, "device_id")? {
            Some(d) => d,
            None => {
                let d = Uuid::now_v7().to_string();
                meta_set(&conn, "device_id", &d)?;
                d
            }
        };
        let last = meta_get(&conn, "hlc")?
            .map(|s| s.parse::<Hlc>().map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?
            .unwrap_or_default();
        let clock_offset_ms = meta_get(&conn, "clock_offset_ms")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let norms = match meta_get(&conn, "norms")? {
            Some(text) => {
                let bundle =
                    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("the stored norms: {e}")))?;
                Arc::new(Norms::from_bundle(&bundle)?)
            }
            None => norms,
        };
        Ok(Store {
            conn,
            device_id,
            clock_offset_ms,
            clock: HlcClock::resume(last),
            photos: BlobDir::new(data_dir.join("photos"))?,
            thumbs: BlobDir::new(data_dir.join("thumbs"))?,
            nearby: Default::default(),
            generation: Default::default(),
            norms: std::cell::RefCell::new(norms),
            catalogue: Default::default(),
        })
    }

    /// The checklists and rule sets this store validates and evaluates
    /// with.
    pub fn norms(&self) -> Arc<Norms> {
        self.norms.borrow().clone()
    }

    /// Keeps the server's norms, checked, in place of the device's: true
    /// when they differ from the device's. Evaluations from now on use
    /// them; each submitted audit records which it was judged by.
    pub fn set_norms(&self, bundle: &NormsBundle) -> Result<bool, StoreError> {
        if bundle.version == self.norms().version() {
            return Ok(false);
        }
        let norms = Norms::from_bundle(bundle)?;
        meta_set(&self.conn, "norms", &serde_json::to_string(bundle).expect("norms serialise"))?;
        *self.norms.borrow_mut() = Arc::new(norms);
        self.generation.set(self.generation.get() + 1);
        Ok(true)
    }

    pub fn db_path(data_dir: &Path) -> PathBuf {
        data_dir.join(DB_FILE)
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The device's time corrected by what the server said (unix ms).
    pub fn now(&self) -> u64 {
        (now_ms() as i64 + self.clock_offset_ms).max(0) as u64
    }

    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms
    }

    /// Learns the server's time (`GET /healthz`) and corrects the device's
    /// clock by it, so that a device whose clock is hours off neither wins
    /// nor loses edits for it. Local changes not yet pushed that were stamped
    /// in the future by a fast clock are stamped again, in their order, at
    /// the corrected time, and the field state is rebuilt from the log, all
    /// in one transaction. Returns how many changes were re-stamped.
    pub fn adjust_clock(&mut self, server_now_ms: u64, local_now_ms: u64) -> Result<u32, StoreError> {
        let offset = server_now_ms as i64 - local_now_ms as i64;
        // Within two seconds, a network round trip: leave the clock alone.
        let offset = if (offset - self.clock_offset_ms).abs() < 2_000 { self.clock_offset_ms } else { offset };
        let corrected_now = (local_now_ms as i64 + offset).max(0) as u64;
        self.generation.set(self.generation.get() + 1);
        let tx = self.conn.transaction()?;
        let future: Vec<Change> = {
            let mut st = tx.prepare(
                "SELECT op_id, entity, entity_id, field, value, hlc, device_id FROM changes
                 WHERE local = 1 AND pushed = 0 AND hlc > ?1 ORDER BY hlc, op_id",
            )?;
            let limit = Hlc::new(corrected_now + MAX_CLOCK_AHEAD_MS, u32::MAX).to_string();
            let mut rows = st.query([limit])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(records::change_from_row(r, 0)?);
            }
            out
        };
        let mut clock = if future.is_empty() {
            self.clock
        } else {
            // The clock restarts from the newest stamp, local or pulled, that
            // is not in the future.
            let newest_sane: Option<String> = tx
                .query_row(
                    "SELECT max(hlc) FROM (SELECT hlc FROM changes WHERE hlc <= ?1
                                           UNION ALL SELECT hlc FROM fields WHERE hlc <= ?1)",
                    [Hlc::new(corrected_now + MAX_CLOCK_AHEAD_MS, u32::MAX).to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            HlcClock::resume(newest_sane.and_then(|h| h.parse().ok()).unwrap_or_default())
        };
        for c in &future {
            let hlc = clock.tick(corrected_now);
            tx.execute("UPDATE changes SET hlc = ?1 WHERE op_id = ?2", params![hlc.to_string(), c.op_id.to_string()])?;
            // Rebuild this field's state from every change of it in the log,
            // after logging the pulled change it holds, if any (pulled
            // winners live in the field state alone).
            let held: Option<Change> = tx
                .query_row(
                    "SELECT value, hlc, device_id FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
                    params![c.entity.as_str(), c.entity_id.to_string(), c.field],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
                )
                .optional()?
                .filter(|(_, _, device)| *device != self.device_id)
                .map(|(value, hlc, device_id)| held_change(c, &value, &hlc, device_id))
                .transpose()?;
            if let Some(h) = &held {
                insert_change(&tx, h, false)?;
            }
            tx.execute(
                "DELETE FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
                params![c.entity.as_str(), c.entity_id.to_string(), c.field],
            )?;
            let all: Vec<Change> = {
                let mut st = tx.prepare(
                    "SELECT op_id, entity, entity_id, field, value, hlc, device_id FROM changes
                     WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
                )?;
                let mut rows = st.query(params![c.entity.as_str(), c.entity_id.to_string(), c.field])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(records::change_from_row(r, 0)?);
                }
                out
            };
            for x in &all {
                records::apply_lww(&tx, x)?;
            }
        }
        meta_set(&tx, "clock_offset_ms", &offset.to_string())?;
        meta_set(&tx, "hlc", &clock.last().to_string())?;
        tx.commit()?;
        self.clock = clock;
        self.clock_offset_ms = offset;
        Ok(future.len() as u32)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn settings(&self) -> Result<Settings, StoreError> {
        match meta_get(&self.conn, "settings")? {
            Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())),
            None => Ok(Settings::default()),
        }
    }

    /// Keeps the teams the server says the device's account is in.
    pub fn set_auditor_teams(&self, teams: Vec<String>) -> Result<(), StoreError> {
        let mut s = self.settings()?;
        if s.auditor_teams != teams {
            s.auditor_teams = teams;
            self.set_settings(&s)?;
        }
        Ok(())
    }

    pub fn set_settings(&self, s: &Settings) -> Result<(), StoreError> {
        if !(1..=500).contains(&s.gps_accuracy_m) {
            return Err(ModelError::invalid("gps_accuracy_m", "must be 1 to 500 metres").into());
        }
        meta_set(&self.conn, "settings", &serde_json::to_string(s).expect("settings serialise"))
    }

    /// Writes fields of one record, with their change records, in one
    /// transaction. Everything is validated first: one bad field, nothing
    /// written.
    pub fn write(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Vec<(String, Value)>,
    ) -> Result<Vec<Change>, StoreError> {
        self.write_many(vec![(entity, entity_id, fields)])
    }

    /// Writes fields of several records in one transaction (see [`Store::write`]).
    pub fn write_many(&mut self, records: Vec<RecordWrite>) -> Result<Vec<Change>, StoreError> {
        let mut tx_clock = self.clock;
        let now = self.now();
        let seen_cursor = self.pull_cursor()?;
        let catalogue = self.catalogue()?;
        let norms = self.norms();
        let mut changes: Vec<Change> = Vec::new();
        for (entity, entity_id, fields) in records {
            let element_kind = match entity {
                EntityKind::Element => fields
                    .iter()
                    .find(|(f, _)| f == "kind")
                    .and_then(|(_, v)| serde_json::from_value(v.clone()).ok())
                    .or(records::element_kind(&self.conn, entity_id)?),
                _ => None,
            };
            for (field, value) in fields {
                let c = Change {
                    op_id: Uuid::now_v7(),
                    entity,
                    entity_id,
                    field,
                    value,
                    hlc: tx_clock.tick(now),
                    device_id: self.device_id.clone(),
                    seen_cursor,
                };
                c.validate_with_kind(norms.checklists(), element_kind.as_ref())?;
                catalogue.check_change(&c)?;
                changes.push(c);
            }
        }
        self.generation.set(self.generation.get() + 1);
        let tx = self.conn.transaction()?;
        for c in &changes {
            insert_change(&tx, c, true)?;
            keep_displaced_remote(&tx, c)?;
            records::apply_lww(&tx, c)?;
        }
        meta_set(&tx, "hlc", &tx_clock.last().to_string())?;
        tx.commit()?;
        self.clock = tx_clock;
        Ok(changes)
    }

    /// Creates an object and a draft audit of it by this device's auditor.
    pub fn create_object(&mut self, o: NewObject) -> Result<Uuid, StoreError> {
        if o.name.trim().is_empty() {
            return Err(ModelError::invalid("name", "the object needs a name").into());
        }
        if let Some(l) = &o.location {
            l.validate("location")?;
        }
        records::load_one::<Campaign, _>(&self.conn, EntityKind::Campaign, o.campaign_id)?;
        let id = Uuid::now_v7();
        self.write(
            EntityKind::Object,
            id,
            vec![
                ("campaign_id".into(), json!(o.campaign_id)),
                ("name".into(), json!(o.name.trim())),
                ("category".into(), json!(o.category)),
                ("district".into(), json!(o.district)),
                ("address".into(), json!(o.address.trim())),
                ("location".into(), json!(o.location)),
            ],
        )?;
        self.draft_audit(id)?;
        Ok(id)
    }

    /// The draft audit of `object_id`, created when there is none.
    pub fn draft_audit(&mut self, object_id: Uuid) -> Result<Uuid, StoreError> {
        let audits: Vec<Audit> = records::load_where(&self.conn, EntityKind::Audit, "object_id", object_id)?;
        // An audit sent back for changes is edited again, then resubmitted.
        let open = |a: &&Audit| matches!(a.status, Some(AuditStatus::Draft | AuditStatus::ChangesRequested));
        if let Some(a) = audits.iter().filter(open).max_by_key(|a| a.id) {
            return Ok(a.id);
        }
        let object: crate::model::Object = records::load_one(&self.conn, EntityKind::Object, object_id)?;
        let id = Uuid::now_v7();
        let auditor = self.settings()?.auditor_name;
        self.write(
            EntityKind::Audit,
            id,
            vec![
                ("campaign_id".into(), json!(object.campaign_id)),
                ("object_id".into(), json!(object_id)),
                ("auditor".into(), json!(auditor)),
                ("started_at_ms".into(), json!(self.now())),
                ("status".into(), json!(AuditStatus::Draft)),
            ],
        )?;
        Ok(id)
    }

    /// Starts a re-audit of an object whose newest audit is approved: a new
    /// draft visit pre-filled with the elements of the last approved one
    /// (each a new element recording where it was copied from, its
    /// measurements, note and what it serves), in one transaction. The
    /// auditor confirms or changes each; the earlier visit and its verdict
    /// stay as they were.
    pub fn start_reaudit(&mut self, object_id: Uuid) -> Result<Uuid, StoreError> {
        let detail = records::object_detail(&self.conn, object_id)?;
        let newest = detail.audits.iter().max_by_key(|a| records::visit_order(a));
        let Some(last) = newest.filter(|a| a.status == Some(AuditStatus::Approved)) else {
            return Err(ModelError::invalid(
                "object_id",
                "a re-audit starts from an approved audit: this object's newest audit is not approved (continue it instead)",
            )
            .into());
        };
        let copied: Vec<&crate::model::Element> =
            detail.elements.iter().filter(|e| e.audit_id == Some(last.id)).collect();
        let audit = Uuid::now_v7();
        let auditor = self.settings()?.auditor_name;
        let mut records = vec![(
            EntityKind::Audit,
            audit,
            vec![
                ("campaign_id".to_string(), json!(detail.object.campaign_id)),
                ("object_id".to_string(), json!(object_id)),
                ("auditor".to_string(), json!(auditor)),
                ("started_at_ms".to_string(), json!(self.now())),
                ("status".to_string(), json!(AuditStatus::Draft)),
            ],
        )];
        let new_ids: BTreeMap<Uuid, Uuid> = copied.iter().map(|e| (e.id, Uuid::now_v7())).collect();
        for e in &copied {
            let mut fields = vec![
                ("object_id".to_string(), json!(object_id)),
                ("audit_id".to_string(), json!(audit)),
                ("kind".to_string(), json!(e.kind)),
                ("note".to_string(), json!(e.note)),
                ("copied_from".to_string(), json!(e.id)),
            ];
            for (name, v) in &e.measurements {
                fields.push((format!("measurements.{name}"), json!(v)));
            }
            if let Some(served) = e.serves.and_then(|s| new_ids.get(&s)) {
                fields.push(("serves".to_string(), json!(served)));
            }
            records.push((EntityKind::Element, new_ids[&e.id], fields));
        }
        self.write_many(records)?;
        Ok(audit)
    }

    /// Marks the object's draft audit submitted, named by the auditor of
    /// Settings (the enrolled account's name) if it was begun nameless.
    pub fn submit_audit(&mut self, object_id: Uuid) -> Result<Uuid, StoreError> {
        let id = self.draft_audit(object_id)?;
        let mut fields =
            vec![("finished_at_ms".into(), json!(self.now())), ("status".into(), json!(AuditStatus::Submitted))];
        let audit: Audit = records::load_one(&self.conn, EntityKind::Audit, id)?;
        // What it is judged by, as sent.
        let norms = self.norms();
        let set = records::rule_set_for(&self.conn, &norms, audit.campaign_id)?;
        fields.push(("rule_set_version".into(), json!(format!("{}@{}", set.id, set.edition))));
        fields.push(("checklists_version".into(), json!(norms.checklists().version())));
        let name = self.settings()?.auditor_name;
        if audit.auditor.trim().is_empty() && !name.trim().is_empty() {
            fields.push(("auditor".into(), json!(name)));
        }
        self.write(EntityKind::Audit, id, fields)?;
        Ok(id)
    }

    /// Sets fields of an existing record (`null` clears one).
    pub fn update(&mut self, entity: EntityKind, id: Uuid, fields: BTreeMap<String, Value>) -> Result<(), StoreError> {
        self.exists(entity, id)?;
        // Assigning is the coordinators' (on the dashboard): a device's
        // write would be refused by the server and stay in the outbox.
        let coordinators = ["assignee", "due_on", "merged_into"]
            .iter()
            .any(|f| entity == EntityKind::Object && fields.contains_key(*f));
        if coordinators
            || fields.contains_key("deleted")
            || fields.contains_key("campaign_id")
            || fields.contains_key("object_id")
        {
            return Err(ModelError::invalid("field", "this field cannot be edited here").into());
        }
        self.write(entity, id, fields.into_iter().collect())?;
        Ok(())
    }

    /// Deletes a record (a tombstone that syncs like any field).
    pub fn delete(&mut self, entity: EntityKind, id: Uuid) -> Result<(), StoreError> {
        self.exists(entity, id)?;
        self.write(entity, id, vec![("deleted".into(), json!(true))])?;
        Ok(())
    }

    /// Undoes a deletion: the record is back, and the undo syncs as an
    /// edit later than the deletion (on every device it wins over it).
    pub fn restore(&mut self, entity: EntityKind, id: Uuid) -> Result<(), StoreError> {
        self.exists(entity, id)?;
        self.write(entity, id, vec![("deleted".into(), json!(false))])?;
        Ok(())
    }

    fn exists(&self, entity: EntityKind, id: Uuid) -> Result<(), StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM fields WHERE entity = ?1 AND entity_id = ?2",
            params![entity.as_str(), id.to_string()],
            |r| r.get(0),
        )?;
        if n == 0 {
            return Err(StoreError::NotFound { entity: entity.as_str(), id: id.to_string() });
        }
        Ok(())
    }

    pub fn add_element(&mut self, e: NewElement) -> Result<Uuid, StoreError> {
        let audit = self.draft_audit(e.object_id)?;
        let id = Uuid::now_v7();
        let mut fields = vec![
            ("object_id".to_string(), json!(e.object_id)),
            ("audit_id".to_string(), json!(audit)),
            ("kind".to_string(), json!(e.kind)),
            ("note".to_string(), json!(e.note)),
        ];
        for (name, v) in e.measurements {
            fields.push((format!("measurements.{name}"), json!(v)));
        }
        if let Some(served) = e.serves {
            fields.push(("serves".to_string(), json!(served)));
        }
        self.write(EntityKind::Element, id, fields)?;
        Ok(id)
    }

    pub fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        records::campaigns(&self.conn)
    }

    pub fn objects(&self, campaign: Option<Uuid>, near: Option<GeoPoint>) -> Result<Vec<ObjectSummary>, StoreError> {
        records::objects(&self.conn, campaign, near)
    }

    pub fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError> {
        records::object_detail(&self.conn, id)
    }

    /// Objects within `radius_m` of `at`, nearest first, with their
    /// distance: an R-tree of positions built once and kept until the next
    /// write or pull.
    pub fn nearby(&self, at: GeoPoint, radius_m: f64) -> Result<Vec<(Uuid, f64)>, StoreError> {
        let generation = self.generation.get();
        let mut cache = self.nearby.borrow_mut();
        if cache.as_ref().is_none_or(|(g, _)| *g != generation) {
            let objects: Vec<crate::model::Object> = records::load_all(&self.conn, EntityKind::Object)?;
            let index =
                crate::nearby::NearbyIndex::build(objects.into_iter().filter_map(|o| Some((o.id, o.location?))));
            *cache = Some((generation, index));
        }
        Ok(cache.as_ref().expect("built above").1.within(at, radius_m))
    }

    /// The regions, districts and categories this device knows: the
    /// server's as of the last sync, or the built-in ones.
    pub fn catalogue(&self) -> Result<Arc<Catalogue>, StoreError> {
        if let Some(c) = &*self.catalogue.borrow() {
            return Ok(c.clone());
        }
        let c = Arc::new(match meta_get(&self.conn, "catalogue")? {
            Some(text) => {
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("the stored catalogue: {e}")))?
            }
            None => Catalogue::builtin().clone(),
        });
        *self.catalogue.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    /// Keeps the server's catalogue (an older one than the device's is
    /// ignored: additions are never taken back).
    pub fn set_catalogue(&self, c: &Catalogue) -> Result<(), StoreError> {
        if c.version >= self.catalogue()?.version {
            meta_set(&self.conn, "catalogue", &serde_json::to_string(c).expect("a catalogue serialises"))?;
            *self.catalogue.borrow_mut() = Some(Arc::new(c.clone()));
        }
        Ok(())
    }

    /// The district a position is in: the one whose boundary holds it, or
    /// else the one the recorded objects around it agree on.
    pub fn district_at(&self, at: GeoPoint) -> Result<Option<crate::model::District>, StoreError> {
        if let Some(d) = self.catalogue()?.district_at(at) {
            return Ok(Some(d.code.clone()));
        }
        self.district_near(at)
    }

    /// The district the recorded objects around `at` agree on: at least
    /// [`DISTRICT_NEIGHBOURS`] objects with a district within
    /// [`DISTRICT_RADIUS_M`], all in the same one. Near a border they
    /// disagree, and nothing is suggested; the auditor checks a suggestion.
    pub fn district_near(&self, at: GeoPoint) -> Result<Option<crate::model::District>, StoreError> {
        let mut districts = Vec::new();
        for (id, _) in self.nearby(at, DISTRICT_RADIUS_M)? {
            let o: crate::model::Object = records::load_one(&self.conn, EntityKind::Object, id)?;
            districts.extend(o.district);
        }
        let first = districts.first().cloned();
        Ok(first.filter(|d| districts.len() >= DISTRICT_NEIGHBOURS && districts.iter().all(|x| x == d)))
    }

    /// The verdict of each visit of an object, oldest first.
    pub fn visits(&self, object_id: Uuid) -> Result<Vec<records::VisitVerdict>, StoreError> {
        records::visits(&self.conn, &self.norms(), object_id)
    }

    /// The verdict of an object under its campaign's rule set.
    pub fn verdict(&self, object_id: Uuid) -> Result<crate::rules::ObjectVerdict, StoreError> {
        records::verdict(&self.conn, &self.norms(), object_id)
    }

    /// The wheelchair status of each of `ids` (at most [`MAX_BATCH_VERDICTS`]),
    /// for the cards a list shows: evaluated for the shown ones only, never
    /// a whole city's campaign.
    pub fn wheelchair_statuses(&self, ids: &[Uuid]) -> Result<BTreeMap<Uuid, crate::rules::MapStatus>, StoreError> {
        if ids.len() > MAX_BATCH_VERDICTS {
            return Err(ModelError::invalid("ids", format!("at most {MAX_BATCH_VERDICTS} objects at a time")).into());
        }
        ids.iter().map(|id| Ok((*id, self.verdict(*id)?.wheelchair_map))).collect()
    }

    /// Converts typed measurements (any unit) into stored ones; the first
    /// bad one is an error naming its field.
    pub fn normalize_measurements(
        lists: &Checklists,
        kind: ElementKind,
        typed: BTreeMap<String, crate::units::TypedMeasurement>,
    ) -> Result<BTreeMap<String, MeasuredValue>, StoreError> {
        let fields = lists.fields(&kind);
        typed
            .into_iter()
            .map(|(name, t)| crate::units::normalize(fields, &name, t).map(|v| (name, v)).map_err(StoreError::from))
            .collect()
    }

    /// Live rule results for an element the auditor is typing.
    pub fn preview_element(
        &self,
        object_id: Uuid,
        kind: ElementKind,
        measurements: BTreeMap<String, MeasuredValue>,
    ) -> Result<Vec<crate::rules::RuleResult>, StoreError> {
        records::preview_element(&self.conn, &self.norms(), object_id, kind, measurements)
    }

    // ---- sync side -------------------------------------------------------
}

/// Inserts a change into the log; false when its op_id was already there.
fn insert_change(conn: &Connection, c: &Change, local: bool) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO changes (op_id, entity, entity_id, field, value, hlc, device_id, local, pushed, seen_cursor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (op_id) DO NOTHING",
        )?
        .execute(params![
            c.op_id.to_string(),
            c.entity.as_str(),
            c.entity_id.to_string(),
            c.field,
            c.value.to_string(),
            c.hlc.to_string(),
            c.device_id,
            local,
            !local,
            c.seen_cursor
        ])?;
    Ok(n > 0)
}

fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
