//! The server's storage: one trait, [`SyncStore`], with two backends —
//! [`SqliteStore`] (embedded, the default) and [`PgStore`] (PostgreSQL, for
//! deployments with several stateless server instances behind a load
//! balancer). Each backend keeps its SQL in its own module with numbered
//! migrations; what both do the same way — validating a batch, ordering it,
//! deciding a conflict's winner, resolving a conflict — is written here once.
//! Records, lists and verdicts are read through
//! [`qadam_core::records::FieldSource`], so materialisation is core's.

pub mod accounts;
pub mod adaptations;
pub mod catalogue;
pub mod norms;
pub mod plans;
mod postgres;
pub mod push;
mod recent;
pub mod reports;
pub mod retention;
pub mod sql;
mod sqlite;
pub mod teams;

use std::sync::Arc;

use qadam_core::checklist::Checklists;
use qadam_core::norms::Norms;
use std::collections::BTreeSet;

use qadam_core::change::{Change, PullResponse, PushResponse};
use qadam_core::model::{Audit, ElementKind, EntityKind};
use qadam_core::records::{self, FieldSource, ObjectDetail, ObjectSummary};
use qadam_core::review::Review;
use qadam_core::{ModelError, StoreError};
use uuid::Uuid;

use self::sql::Db;

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

    /// Stores a batch atomically: every change is validated and checked
    /// against `access` first (each change belongs to the campaign of its
    /// record), then the batch is applied in one transaction, in HLC order.
    /// Changes whose `op_id` is already stored count as duplicates and
    /// change nothing.
    fn push(&self, changes: Vec<Change>, access: &Access) -> Result<PushResponse, StoreError>;

    /// The checklists this store validates measurements with and the rule
    /// sets it evaluates with (see [`norms`]).
    fn norms(&self) -> Arc<Norms>;

    /// Replaces the norms (an administrator added a rule set): evaluations
    /// from now on use them.
    fn set_norms(&self, norms: Arc<Norms>);

    /// Changes after `since` of the campaigns `access` may read, at most
    /// `limit` (clamped to [`MAX_PULL_LIMIT`]), in cursor order.
    fn pull(&self, since: i64, limit: u32, access: &Access) -> Result<PullResponse, StoreError>;

    /// [`SyncStore::pull`] as the JSON body the API answers. A backend may
    /// write it straight from its rows (the values are stored as the JSON
    /// text push validated): under load, building and serialising every
    /// change of every page was most of a pull's time.
    fn pull_json(&self, since: i64, limit: u32, access: &Access) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(&self.pull(since, limit, access)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Runs `f` on the accounts tables in one transaction, committed when
    /// `f` answers `Ok(true)` and rolled back otherwise.
    fn in_transaction(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<bool, StoreError>) -> Result<(), StoreError>;

    /// Runs `f`, which only reads, on the accounts tables in one read
    /// transaction (a backend may run it beside writers).
    fn in_read(&self, f: &mut dyn FnMut(&mut dyn Db) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.in_transaction(&mut |db| f(db).map(|()| false))
    }

    fn campaigns(&self) -> Result<Vec<qadam_core::model::Campaign>, StoreError>;
    fn objects(&self, campaign: Option<Uuid>) -> Result<Vec<ObjectSummary>, StoreError>;
    fn object_detail(&self, id: Uuid) -> Result<ObjectDetail, StoreError>;
    fn verdict(&self, id: Uuid) -> Result<qadam_core::rules::ObjectVerdict, StoreError>;
    /// Runs `f` on the materialised records (one connection).
    fn read(&self, f: &mut dyn FnMut(&dyn FieldSource) -> Result<(), StoreError>) -> Result<(), StoreError>;

    /// The MIME type of a stored photo, if the server has it.
    fn photo_mime(&self, sha256: &str) -> Result<Option<String>, StoreError>;
    /// Records a photo blob the blob store now holds, with who uploaded it
    /// (a device id or `user:LOGIN`). False if known already.
    fn add_photo(&self, info: &qadam_core::photo::PhotoInfo, uploaded_by: Option<&str>) -> Result<bool, StoreError> {
        let mut created = false;
        self.in_transaction(&mut |db| {
            created = retention::add_photo(db, info, uploaded_by)?;
            Ok(true)
        })?;
        Ok(created)
    }

    /// Unresolved conflicts, oldest first, with both writes (a read
    /// transaction: never the writer).
    fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut out = Vec::new();
        self.in_read(&mut |db| {
            out = read_conflicts(db, "k.resolved_op IS NULL", &[])?;
            Ok(())
        })?;
        Ok(out)
    }

    /// One conflict, resolved or not, with the change that resolved it.
    fn conflict(&self, id: i64) -> Result<Option<(Conflict, Option<Change>)>, StoreError> {
        let mut out = None;
        self.in_read(&mut |db| {
            let Some(conflict) = read_conflicts(db, "k.id = $1", &[id.into()])?.into_iter().next() else {
                return Ok(());
            };
            let resolved = db.query(
                "SELECT ch.op_id, ch.entity, ch.entity_id, ch.field, ch.value, ch.hlc, ch.device_id, ch.seen_cursor
                 FROM conflicts k JOIN changes ch ON ch.op_id = k.resolved_op WHERE k.id = $1",
                &[id.into()],
            )?;
            let resolved = resolved.first().map(|r| change_from_vals(r)).transpose()?;
            out = Some((conflict, resolved));
            Ok(())
        })?;
        Ok(out)
    }

    /// Marks a conflict resolved by the change `op_id`.
    fn mark_resolved(&self, id: i64, op_id: Uuid) -> Result<(), StoreError> {
        self.in_transaction(&mut |db| {
            db.execute("UPDATE conflicts SET resolved_op = $1 WHERE id = $2", &[op_id.to_string().into(), id.into()])?;
            Ok(true)
        })
    }
    /// The newest cursor.
    fn cursor(&self) -> Result<i64, StoreError>;
    /// Number of stored changes and photos (for tests and health).
    fn counts(&self) -> Result<(i64, i64), StoreError>;

    /// Objects with their elements, audits, photo counts and verdicts (for
    /// exports, the map and analytics): of the campaigns `allowed` says yes
    /// to, or of one campaign. Read in bulk, in one pass.
    fn export(
        &self,
        campaign: Option<Uuid>,
        allowed: &dyn Fn(Uuid) -> bool,
    ) -> Result<Vec<qadam_core::records::EvaluatedObject>, StoreError> {
        let mut out = Vec::new();
        self.read(&mut |src| {
            out = records::evaluate_all(src, &self.norms(), campaign)?;
            Ok(())
        })?;
        out.retain(|o| o.object.campaign_id.is_some_and(allowed));
        Ok(out)
    }

    /// Every write to one field of one record, oldest first: the change log
    /// an audit's history is read from (a read transaction: never the writer).
    fn field_history(&self, entity: EntityKind, id: Uuid, field: &str) -> Result<Vec<Change>, StoreError> {
        let mut out = Vec::new();
        self.in_read(&mut |db| {
            out = db
                .query(
                    "SELECT op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes
                     WHERE entity = $1 AND entity_id = $2 AND field = $3 ORDER BY seq",
                    &[entity.as_str().into(), id.to_string().into(), field.into()],
                )?
                .iter()
                .map(|r| change_from_vals(r))
                .collect::<Result<_, _>>()?;
            Ok(())
        })?;
        Ok(out)
    }

    /// Every review, of every campaign.
    fn reviews(&self) -> Result<Vec<Review>, StoreError> {
        let mut out = Vec::new();
        self.read(&mut |src| {
            out = records::load_all(src, EntityKind::Review)?;
            Ok(())
        })?;
        Ok(out)
    }

    /// One audit, if `allowed` to see its campaign (`NotFound` otherwise).
    fn audit(&self, id: Uuid, allowed: &dyn Fn(Uuid) -> bool) -> Result<Audit, StoreError> {
        let mut found = None;
        self.read(&mut |src| {
            found = Some(records::load_one::<Audit, _>(src, EntityKind::Audit, id)?);
            Ok(())
        })?;
        found
            .filter(|a| a.campaign_id.is_some_and(allowed))
            .ok_or_else(|| StoreError::NotFound { entity: "audit", id: id.to_string() })
    }
}

/// Runs `f` on the accounts of `store` in one transaction (committed if `f`
/// succeeds).
pub fn accounts<T, E: From<StoreError>>(
    store: &dyn SyncStore,
    f: impl FnOnce(&mut dyn Db) -> Result<T, E>,
) -> Result<T, E> {
    let mut f = Some(f);
    let mut out = None;
    store.in_transaction(&mut |db| {
        let r = (f.take().expect("runs once"))(db);
        let ok = r.is_ok();
        out = Some(r);
        Ok(ok)
    })?;
    out.expect("the transaction ran")
}

/// Runs `f`, which only reads, on the accounts of `store` (see
/// [`SyncStore::in_read`]).
pub fn read_accounts<T, E: From<StoreError>>(
    store: &dyn SyncStore,
    f: impl FnOnce(&mut dyn Db) -> Result<T, E>,
) -> Result<T, E> {
    let mut f = Some(f);
    let mut out = None;
    store.in_read(&mut |db| {
        out = Some((f.take().expect("runs once"))(db));
        Ok(())
    })?;
    out.expect("the read ran")
}

/// The campaign of the first photo record that named the blob `sha256`.
pub fn photo_campaign(db: &mut dyn Db, sha256: &str) -> Result<Option<Uuid>, StoreError> {
    let value = serde_json::Value::String(sha256.to_string()).to_string();
    // The campaign of the first record that named the photo: a record
    // pushed later elsewhere naming the same hash (someone who learned it)
    // does not make the photo theirs.
    Ok(db
        .query(
            "SELECT campaign_id FROM changes WHERE entity = 'photo' AND field = 'sha256' AND value = $1
             ORDER BY seq LIMIT 1",
            &[value.into()],
        )?
        .first()
        .and_then(|r| r[0].text().and_then(|t| Uuid::parse_str(t).ok())))
}

/// The campaign of a stored change.
pub fn change_campaign(db: &mut dyn Db, op_id: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(db
        .query("SELECT campaign_id FROM changes WHERE op_id = $1", &[op_id.into()])?
        .first()
        .and_then(|r| r[0].text().and_then(|t| Uuid::parse_str(t).ok())))
}

/// Which campaigns a push or pull may touch.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Every campaign (administrators, the server itself).
    All,
    /// Records of `read` campaigns may be read and written; the campaign
    /// records themselves only in `coordinate`.
    Campaigns { read: BTreeSet<Uuid>, coordinate: BTreeSet<Uuid> },
}

impl Access {
    pub fn of(p: &accounts::Principal) -> Access {
        if p.is_admin() {
            return Access::All;
        }
        Access::Campaigns {
            read: p.campaigns.keys().copied().collect(),
            coordinate: p.campaigns.keys().copied().filter(|c| p.can_coordinate(*c)).collect(),
        }
    }

    /// The campaigns a pull is limited to, as ids; `None` for all.
    fn readable_ids(&self) -> Option<Vec<Uuid>> {
        match self {
            Access::All => None,
            Access::Campaigns { read, .. } => Some(read.iter().copied().collect()),
        }
    }

    /// The campaigns a pull is limited to; `None` for all.
    fn readable(&self) -> Option<Vec<String>> {
        match self {
            Access::All => None,
            Access::Campaigns { read, .. } => Some(read.iter().map(Uuid::to_string).collect()),
        }
    }
}

/// The campaign each change of a batch belongs to — a campaign itself, or the
/// campaign of the record (an element's and a photo's through their object),
/// looked up in the batch first and then in the store — checked against
/// `access`. A change is authorised against the campaign its record is in
/// now (in the store) *and* the one it is in after the batch: a record that
/// would move between campaigns (a `campaign_id`, `object_id` or `audit_id`
/// that places it elsewhere) is a coordinator's action, allowed only to
/// someone who coordinates both. Errors name the change.
fn campaigns_of_batch<S: FieldSource + ?Sized>(
    changes: &[Change],
    src: &S,
    access: &Access,
) -> Result<Vec<Uuid>, StoreError> {
    // The batch's own placing fields, the last write of each winning.
    let mut placed: std::collections::HashMap<(EntityKind, Uuid, &str), &serde_json::Value> =
        std::collections::HashMap::new();
    for c in changes {
        if matches!(c.field.as_str(), "campaign_id" | "object_id" | "audit_id") {
            placed.insert((c.entity, c.entity_id, c.field.as_str()), &c.value);
        }
    }
    let stored = |entity: EntityKind, id: Uuid, field: &str| -> Result<Option<Uuid>, StoreError> {
        Ok(src
            .record_fields(entity, id)?
            .into_iter()
            .find(|(f, _)| f == field)
            .and_then(|(_, v)| serde_json::from_str(&v).ok()))
    };
    let after_batch = |entity: EntityKind, id: Uuid, field: &str| -> Result<Option<Uuid>, StoreError> {
        match placed.get(&(entity, id, field)) {
            Some(v) => Ok(serde_json::from_value((*v).clone()).ok()),
            None => stored(entity, id, field),
        }
    };
    let mut stored_campaign: std::collections::HashMap<(EntityKind, Uuid), Option<Uuid>> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        let field = format!("changes[{i}]");
        let Some(campaign) = campaign_of(c.entity, c.entity_id, &after_batch)? else {
            return Err(ModelError::invalid(
                &field,
                format!(
                    "the campaign of {} {} is unknown: send the record that places it (its object or campaign) first or in the same batch",
                    c.entity.as_str(),
                    c.entity_id
                ),
            )
            .into());
        };
        // Where the record is now, read once per record of the batch.
        let now = if placed.is_empty() {
            Some(campaign)
        } else if let Some(now) = stored_campaign.get(&(c.entity, c.entity_id)) {
            *now
        } else {
            let now = campaign_of(c.entity, c.entity_id, &stored)?;
            stored_campaign.insert((c.entity, c.entity_id), now);
            now
        };
        if let Some(now) = now.filter(|now| *now != campaign) {
            if let Access::Campaigns { coordinate, .. } = access {
                if !(coordinate.contains(&now) && coordinate.contains(&campaign)) {
                    return Err(StoreError::Forbidden {
                        field,
                        message: format!(
                            "{} {} is in campaign {now}: this change would move it to campaign {campaign}, which only a coordinator of both campaigns may do",
                            c.entity.as_str(),
                            c.entity_id
                        ),
                    });
                }
            }
        }
        // A reference points into the record's own campaign (an audit's
        // object, an element's audit): never across campaigns.
        let referenced = match c.field.as_str() {
            "object_id" => campaign_of(EntityKind::Object, uuid_value(&c.value), &after_batch)?,
            "audit_id" => campaign_of(EntityKind::Audit, uuid_value(&c.value), &after_batch)?,
            // The element a ramp or lift serves.
            "serves" if c.entity == EntityKind::Element => {
                campaign_of(EntityKind::Element, uuid_value(&c.value), &after_batch)?
            }
            _ => None,
        };
        if let Some(other) = referenced.filter(|other| *other != campaign) {
            return Err(StoreError::Forbidden {
                field: format!("{field}.value"),
                message: format!(
                    "{} {} is in campaign {campaign}: it cannot refer to a record of campaign {other}",
                    c.entity.as_str(),
                    c.entity_id
                ),
            });
        }
        if let Access::Campaigns { read, coordinate } = access {
            // Who audits what is the coordinators' to say.
            let assigning =
                c.entity == EntityKind::Object && matches!(c.field.as_str(), "assignee" | "due_on" | "merged_into");
            let allowed = if c.entity == EntityKind::Campaign || assigning { coordinate } else { read };
            if !allowed.contains(&campaign) {
                let what = if assigning {
                    "only the campaign's coordinators assign its objects"
                } else if c.entity == EntityKind::Campaign {
                    "only the campaign's coordinators may change it"
                } else {
                    "you are not a member of this campaign"
                };
                return Err(StoreError::Forbidden { field, message: format!("campaign {campaign}: {what}") });
            }
        }
        out.push(campaign);
    }
    Ok(out)
}

/// The record id a reference field holds (the nil id when it holds none).
fn uuid_value(v: &serde_json::Value) -> Uuid {
    serde_json::from_value(v.clone()).unwrap_or(Uuid::nil())
}

/// Reads one placing field of a record: (entity, id, field) → the id it holds.
type PlacingLookup<'a> = dyn Fn(EntityKind, Uuid, &str) -> Result<Option<Uuid>, StoreError> + 'a;

/// The campaign of record `id` of `entity`, with `lookup` reading a
/// record's placing field (`campaign_id`, `object_id`, `audit_id`).
fn campaign_of(entity: EntityKind, id: Uuid, lookup: &PlacingLookup) -> Result<Option<Uuid>, StoreError> {
    Ok(match entity {
        EntityKind::Campaign => Some(id),
        EntityKind::Object | EntityKind::Audit => lookup(entity, id, "campaign_id")?,
        EntityKind::Element | EntityKind::Photo => match lookup(entity, id, "object_id")? {
            Some(object) => lookup(EntityKind::Object, object, "campaign_id")?,
            None => None,
        },
        EntityKind::Review => match lookup(entity, id, "audit_id")? {
            Some(audit) => lookup(EntityKind::Audit, audit, "campaign_id")?,
            None => None,
        },
    })
}

/// Opens the store `db` names: a `postgres://` (or `postgresql://`) URL, or
/// the path of a SQLite file.
pub fn open(db: &str) -> Result<Box<dyn SyncStore>, StoreError> {
    open_with(db, Arc::new(Checklists::builtin()))
}

/// [`open`] with the checklists the server validates measurements with
/// (the built-in ones and an NGO's files); its norms are those with the
/// rule sets that ship and those administrators added.
pub fn open_with(db: &str, lists: Arc<Checklists>) -> Result<Box<dyn SyncStore>, StoreError> {
    let store: Box<dyn SyncStore> = if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        Box::new(PgStore::connect(db)?)
    } else {
        Box::new(SqliteStore::open(std::path::Path::new(db))?)
    };
    let norms = read_accounts(&*store, |db| norms::load(db, &lists))?;
    store.set_norms(Arc::new(norms));
    Ok(store)
}

pub use qadam_core::change::Conflict;

/// Checks a batch before anything is written: every change is valid, with
/// each element's kind known from the batch itself or from the store
/// (`stored_kind`), and no change is stamped too far ahead of the server's
/// clock. Errors name the change by its index.
fn validate_batch(
    lists: &Checklists,
    changes: &[Change],
    mut stored_kind: impl FnMut(Uuid) -> Result<Option<ElementKind>, StoreError>,
) -> Result<(), StoreError> {
    let kinds: std::collections::HashMap<Uuid, ElementKind> = changes
        .iter()
        .filter(|c| c.entity == EntityKind::Element && c.field == "kind")
        .filter_map(|c| Some((c.entity_id, serde_json::from_value(c.value.clone()).ok()?)))
        .collect();
    for (i, c) in changes.iter().enumerate() {
        let kind = if c.entity == EntityKind::Element && c.field.starts_with("measurements.") {
            match kinds.get(&c.entity_id).cloned() {
                Some(k) => Some(k),
                None => stored_kind(c.entity_id)?,
            }
        } else {
            None
        };
        c.validate_with_kind(lists, kind.as_ref()).map_err(|e| at_index(e, i))?;
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

/// Checks that a change whose op id is stored already is that same change
/// (`stored`: its `entity, entity_id, field, value, hlc, device_id` as
/// text): a retried push is a duplicate; other content under a known op id
/// is refused, naming the change by its index in `batch`.
fn same_as_stored(c: &Change, stored: [&str; 6], batch: &[Change]) -> Result<(), StoreError> {
    let value_same = serde_json::from_str::<serde_json::Value>(stored[3]).is_ok_and(|v| v == c.value);
    let same = stored[0] == c.entity.as_str()
        && stored[1] == c.entity_id.to_string()
        && stored[2] == c.field
        && value_same
        && stored[4] == c.hlc.to_string()
        && stored[5] == c.device_id;
    if same {
        return Ok(());
    }
    let i = batch.iter().position(|b| b.op_id == c.op_id).unwrap_or(0);
    Err(StoreError::OpIdReused { field: format!("changes[{i}].op_id"), op_id: c.op_id.to_string() })
}

/// Whether one device wrote every change of a batch.
fn single_device(changes: &[(Change, Uuid)]) -> bool {
    changes.windows(2).all(|w| w[0].0.device_id == w[1].0.device_id)
}

/// The order a batch is applied in: HLC, then device id (each change with
/// its campaign).
fn sort_batch(changes: &mut [(Change, Uuid)]) {
    changes.sort_by(|(a, _), (b, _)| (a.hlc, &a.device_id).cmp(&(b.hlc, &b.device_id)));
}

/// The winner of two concurrent writes by last-writer-wins: `c`, or the
/// stored write `other_op` stamped `other_hlc` by `other_device`.
fn conflict_winner(c: &Change, other_op: &str, other_hlc: &str, other_device: &str) -> Result<String, StoreError> {
    let other_hlc: qadam_core::Hlc =
        other_hlc.parse().map_err(|e: qadam_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))?;
    Ok(if c.wins_over(other_hlc, other_device) { c.op_id.to_string() } else { other_op.to_string() })
}

/// Names the change of a batch an error is about: `changes[i].field`.
pub(super) fn at_index(e: ModelError, i: usize) -> ModelError {
    match e {
        ModelError::UnknownField { entity, field } => {
            ModelError::UnknownField { entity, field: format!("changes[{i}].{field}") }
        }
        ModelError::Invalid { field, message } => {
            ModelError::Invalid { field: format!("changes[{i}].{field}"), message }
        }
    }
}

/// A change from the text columns `op_id, entity, entity_id, field, value,
/// hlc, device_id, seen_cursor` of a [`Db`] query.
fn change_from_vals(r: &[sql::Val<'static>]) -> Result<Change, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("stored change: {what}"));
    let text = |i: usize| r.get(i).and_then(sql::Val::text).ok_or_else(|| corrupt("a text column is null"));
    let entity = text(1)?;
    Ok(Change {
        op_id: parse_uuid(text(0)?)?,
        entity: EntityKind::parse(entity).ok_or_else(|| corrupt(entity))?,
        entity_id: parse_uuid(text(2)?)?,
        field: text(3)?.to_string(),
        value: serde_json::from_str(text(4)?).map_err(|e| corrupt(&e.to_string()))?,
        hlc: text(5)?.parse().map_err(|e: qadam_core::hlc::HlcParseError| corrupt(&e.to_string()))?,
        device_id: text(6)?.to_string(),
        seen_cursor: r.get(7).and_then(sql::Val::int).unwrap_or(0),
    })
}

/// Conflicts with both writes, filtered by the SQL condition `filter` (on
/// `k`, the conflicts table) with `params`; the same on both backends.
fn read_conflicts(db: &mut dyn Db, filter: &str, params: &[sql::Val<'_>]) -> Result<Vec<Conflict>, StoreError> {
    let rows = db.query(&conflicts_sql(filter), params)?;
    rows.iter()
        .map(|r| {
            let corrupt = || StoreError::Corrupt("a conflict row is incomplete".into());
            Ok(Conflict {
                id: r.first().and_then(sql::Val::int).ok_or_else(corrupt)?,
                winner_op: parse_uuid(r.get(1).and_then(sql::Val::text).ok_or_else(corrupt)?)?,
                earlier: change_from_vals(r.get(2..10).ok_or_else(corrupt)?)?,
                later: change_from_vals(r.get(10..18).ok_or_else(corrupt)?)?,
            })
        })
        .collect()
}

/// The query of [`read_conflicts`] (columns: id, winner op, then each
/// write's `op_id, entity, entity_id, field, value, hlc, device_id,
/// seen_cursor`).
fn conflicts_sql(filter: &str) -> String {
    format!(
        "SELECT k.id, k.winner_op,
                a.op_id, a.entity, a.entity_id, a.field, a.value, a.hlc, a.device_id, a.seen_cursor,
                b.op_id, b.entity, b.entity_id, b.field, b.value, b.hlc, b.device_id, b.seen_cursor
         FROM conflicts k
         JOIN changes a ON a.op_id = k.earlier_op
         JOIN changes b ON b.op_id = k.later_op
         WHERE {filter} ORDER BY k.id"
    )
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid {s}: {e}")))
}
