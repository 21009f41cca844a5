//! The current state of every record, as last-writer-wins field registers in
//! one SQLite table, `fields`. Both the device store and the server's SQLite
//! store keep this table and call these functions inside their own
//! transactions, so the merge rule is written once.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::change::Change;
use crate::error::StoreError;
use crate::model::{
    materialise_json, Audit, AuditStatus, Campaign, Element, ElementKind, EntityKind, GeoPoint, Object, Photo, DELETED,
};
use crate::norms::Norms;
use crate::review::Review;

/// DDL of the field-state table, used by each store's first migration.
/// Frozen: it is part of landed migrations; change the table in a new one.
pub const FIELDS_DDL: &str = include_str!("fields.sql");

/// The SQL condition of the first index of reference fields, as landed
/// migrations wrote it. Frozen: lookups use [`lookup_fields_sql!`].
#[macro_export]
macro_rules! ref_fields_sql {
    () => {
        "field IN ('audit_id', 'campaign_id', 'element_id', 'object_id', 'subject_id')"
    };
}

/// The SQL condition naming the only fields records are looked up by value:
/// those that hold another record's id ([`REF_FIELDS`]) and the deletion
/// mark. Each store indexes the values of these fields alone (a partial
/// index, `fields_lookup`; indexing every value — random measurements,
/// notes — cost more than the rest of applying a change), and each lookup
/// repeats this condition word for word so that SQLite and PostgreSQL can
/// prove the index applies. It is written as `OR`s, not `IN (…)`: SQLite
/// evaluates a partial index's `IN` list through a temporary table opened
/// and closed on every write to `fields`, which cost a third of applying a
/// pulled change (bench/RESULTS.md).
#[macro_export]
macro_rules! lookup_fields_sql {
    () => {
        "(field = 'audit_id' OR field = 'campaign_id' OR field = 'deleted' OR field = 'element_id' \
         OR field = 'object_id' OR field = 'subject_id')"
    };
}

/// The fields [`ref_fields_sql!`] names.
pub const REF_FIELDS: &[&str] = &["audit_id", "campaign_id", "element_id", "object_id", "subject_id"];

/// A migration of a store whose first migration ran [`FIELDS_DDL`]: the index
/// of every value gives way to the index of reference fields.
pub const FIELDS_BY_REF_DDL: &str = concat!(
    "DROP INDEX fields_by_value;
     CREATE INDEX fields_by_ref ON fields(entity, field, value) WHERE ",
    ref_fields_sql!(),
    ";"
);

/// A migration of a store that ran [`FIELDS_BY_REF_DDL`]: the index of
/// reference fields gives way to `fields_lookup`, which also holds the
/// deletion mark (records are counted without looking each one up for it)
/// and names its fields without an `IN` list (see [`lookup_fields_sql!`]).
pub const FIELDS_LOOKUP_DDL: &str = concat!(
    "DROP INDEX fields_by_ref;
     CREATE INDEX fields_lookup ON fields(entity, field, value) WHERE ",
    lookup_fields_sql!(),
    ";"
);

/// The write of [`apply_lww`], in `$n` placeholders both SQLite and
/// PostgreSQL read: the server's one push path (both backends) runs it too.
pub const APPLY_LWW_SQL: &str = "INSERT INTO fields (entity, entity_id, field, value, hlc, device_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (entity, entity_id, field) DO UPDATE SET
         value = excluded.value, hlc = excluded.hlc, device_id = excluded.device_id
     WHERE (excluded.hlc, excluded.device_id) > (fields.hlc, fields.device_id)";

/// Applies one change to the field state if it wins over what is there
/// (last writer wins by (HLC, device id)). Returns whether it applied.
pub fn apply_lww(conn: &Connection, c: &Change) -> Result<bool, StoreError> {
    let n = conn.prepare_cached(APPLY_LWW_SQL)?.execute(params![
        c.entity.as_str(),
        c.entity_id.to_string(),
        c.field,
        c.value.to_string(),
        c.hlc.to_string(),
        c.device_id
    ])?;
    Ok(n > 0)
}

/// The element kind of an element, if known, to validate measurement names.
pub fn element_kind<S: FieldSource + ?Sized>(src: &S, element_id: Uuid) -> Result<Option<ElementKind>, StoreError> {
    let fields = src.record_fields(EntityKind::Element, element_id)?;
    Ok(fields.into_iter().find(|(f, _)| f == "kind").and_then(|(_, v)| serde_json::from_str(&v).ok()))
}

/// Where the field state is read from: a store's `fields` table, in whichever
/// database holds it (the device's SQLite, the server's SQLite or
/// PostgreSQL). Values are JSON text. Everything above this — materialising
/// records, lists, verdicts — is written once, here.
pub trait FieldSource {
    /// `(entity_id, field, value)` of every field of every `entity` record,
    /// or, with a filter `(field, id)`, of the records whose `field` (one of
    /// [`REF_FIELDS`]) holds `id`.
    fn field_rows(
        &self,
        entity: EntityKind,
        filter: Option<(&str, Uuid)>,
    ) -> Result<Vec<(String, String, String)>, StoreError>;

    /// `(field, value)` of one record.
    fn record_fields(&self, entity: EntityKind, id: Uuid) -> Result<Vec<(String, String)>, StoreError>;

    /// How many live `entity` records hold each value (JSON text) of
    /// `field` (one of [`REF_FIELDS`]): counting without materialising every
    /// record.
    fn count_by(&self, entity: EntityKind, field: &str) -> Result<Vec<(String, u32)>, StoreError>;
}

/// The fields of the `$1` records whose `$2` (a reference field) holds `$3`,
/// in SQL both databases read.
pub const BY_REF_SQL: &str = concat!(
    "SELECT f.entity_id, f.field, f.value FROM fields f
     WHERE f.entity = $1 AND f.entity_id IN
       (SELECT entity_id FROM fields WHERE entity = $1 AND field = $2 AND value = $3 AND ",
    lookup_fields_sql!(),
    ")
     ORDER BY f.entity_id"
);

/// [`FieldSource::count_by`] in SQL both databases read (`$1`, `$2`).
/// `field` must be one of [`REF_FIELDS`]. The deleted records are found
/// once through the index, not looked up record by record (a city's
/// elements were counted in 190 ms, now 35).
pub const COUNT_BY_SQL: &str = concat!(
    "SELECT value, count(*) FROM fields
     WHERE entity = $1 AND field = $2 AND ",
    lookup_fields_sql!(),
    " AND entity_id NOT IN
       (SELECT entity_id FROM fields WHERE entity = $1 AND field = 'deleted' AND value = 'true' AND ",
    lookup_fields_sql!(),
    ")
     GROUP BY value"
);

impl FieldSource for Connection {
    fn field_rows(
        &self,
        entity: EntityKind,
        filter: Option<(&str, Uuid)>,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        Ok(match filter {
            None => self
                .prepare_cached("SELECT entity_id, field, value FROM fields WHERE entity = ?1 ORDER BY entity_id")?
                .query_map([entity.as_str()], row)?
                .collect::<Result<_, _>>()?,
            Some((field, id)) => self
                .prepare_cached(BY_REF_SQL)?
                .query_map(params![entity.as_str(), field, id_value(id)], row)?
                .collect::<Result<_, _>>()?,
        })
    }

    fn count_by(&self, entity: EntityKind, field: &str) -> Result<Vec<(String, u32)>, StoreError> {
        let mut st = self.prepare_cached(COUNT_BY_SQL)?;
        let rows = st
            .query_map(params![entity.as_str(), field], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u32)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn record_fields(&self, entity: EntityKind, id: Uuid) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.prepare_cached("SELECT field, value FROM fields WHERE entity = ?1 AND entity_id = ?2")?;
        let rows = st
            .query_map(params![entity.as_str(), id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// How a field holding a record id is stored: the id as a JSON string.
pub fn id_value(id: Uuid) -> String {
    serde_json::Value::String(id.to_string()).to_string()
}

/// Rebuilds a change record from the text columns a store keeps it in
/// (`op_id, entity, entity_id, field, value, hlc, device_id`).
pub fn change_from_row(r: &rusqlite::Row<'_>, first: usize) -> Result<Change, StoreError> {
    let text = |i: usize| -> Result<String, StoreError> { Ok(r.get::<_, String>(first + i)?) };
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("stored change {what}: {e}"));
    let uuid = |i: usize, what: &str| -> Result<Uuid, StoreError> {
        Uuid::parse_str(&text(i)?).map_err(|e| corrupt(what, e.to_string()))
    };
    let entity = text(1)?;
    Ok(Change {
        op_id: uuid(0, "op_id")?,
        entity: EntityKind::parse(&entity).ok_or_else(|| corrupt("entity", entity.clone()))?,
        entity_id: uuid(2, "entity_id")?,
        field: text(3)?,
        value: serde_json::from_str(&text(4)?).map_err(|e| corrupt("value", e.to_string()))?,
        hlc: text(5)?.parse().map_err(|e: crate::hlc::HlcParseError| corrupt("hlc", e.to_string()))?,
        device_id: text(6)?,
        seen_cursor: r.get::<_, Option<i64>>(first + 7).ok().flatten().unwrap_or(0),
    })
}

/// The live records of `entity` (of those whose `filter` field holds the
/// id), materialised from their fields' JSON text without an intermediate
/// `serde_json::Value` per field (a campaign's list is a few hundred
/// thousand fields), in the order of their ids.
fn records<T: serde::de::DeserializeOwned, S: FieldSource + ?Sized>(
    src: &S,
    entity: EntityKind,
    filter: Option<(&str, Uuid)>,
) -> Result<Vec<T>, StoreError> {
    if let Some((field, _)) = filter {
        // Only reference fields are indexed by value (and found by the lookup).
        assert!(REF_FIELDS.contains(&field), "records are looked up by reference fields only, not by {field}");
    }
    let mut rows = src.field_rows(entity, filter)?;
    // A record's fields next to each other (the sources already order by
    // id; a stable sort of sorted rows is one pass).
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(Uuid, T)> = Vec::new();
    for fields in rows.chunk_by(|a, b| a.0 == b.0) {
        if fields.iter().any(|(_, f, v)| f == DELETED && v == "true") {
            continue;
        }
        let text = &fields[0].0;
        let id = Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("id {text}: {e}")))?;
        let live = fields.iter().filter(|(_, f, _)| f != DELETED).map(|(_, f, v)| (f.as_str(), v.as_str()));
        out.push((id, materialise_json(id, live).map_err(|e| StoreError::Corrupt(format!("record {id}: {e}")))?));
    }
    out.sort_by_key(|(id, _)| *id);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// Every live record of one kind.
pub fn load_all<T: serde::de::DeserializeOwned, S: FieldSource + ?Sized>(
    src: &S,
    entity: EntityKind,
) -> Result<Vec<T>, StoreError> {
    records(src, entity, None)
}

/// Live records of one kind whose `field` holds the id `id`.
pub fn load_where<T: serde::de::DeserializeOwned, S: FieldSource + ?Sized>(
    src: &S,
    entity: EntityKind,
    field: &str,
    id: Uuid,
) -> Result<Vec<T>, StoreError> {
    records(src, entity, Some((field, id)))
}

/// One live record, or `NotFound`.
pub fn load_one<T: serde::de::DeserializeOwned, S: FieldSource + ?Sized>(
    src: &S,
    entity: EntityKind,
    id: Uuid,
) -> Result<T, StoreError> {
    let fields = src.record_fields(entity, id)?;
    let not_found = || StoreError::NotFound { entity: entity.as_str(), id: id.to_string() };
    if fields.is_empty() || fields.iter().any(|(f, v)| f == DELETED && v == "true") {
        return Err(not_found());
    }
    let live = fields.iter().filter(|(f, _)| f != DELETED).map(|(f, v)| (f.as_str(), v.as_str()));
    materialise_json(id, live).map_err(|e| StoreError::Corrupt(format!("record {id}: {e}")))
}

/// An object in a list: the record, its counts, and its distance from the
/// point the list was sorted by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ObjectSummary {
    pub object: Object,
    pub element_count: u32,
    pub photo_count: u32,
    /// First photo of the object, for a thumbnail in lists.
    pub cover_sha256: Option<String>,
    pub distance_m: Option<f64>,
    /// The object's newest audit (the one started last): its state (draft,
    /// sent, changes requested, approved) and its auditor, for the list's
    /// badges and filters. None before anything was recorded.
    pub audit: Option<Audit>,
}

/// An object with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ObjectDetail {
    pub object: Object,
    pub audits: Vec<Audit>,
    pub elements: Vec<Element>,
    pub photos: Vec<Photo>,
    /// Coordinators' decisions on the audits, oldest first.
    pub reviews: Vec<Review>,
    /// The visit the object is judged on now ([`current_visit`]): its
    /// elements are the ones shown and edited.
    #[serde(default)]
    pub visit: Option<Uuid>,
}

pub fn campaigns<S: FieldSource + ?Sized>(conn: &S) -> Result<Vec<Campaign>, StoreError> {
    let mut c: Vec<Campaign> = load_all(conn, EntityKind::Campaign)?;
    c.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(c)
}

/// Objects, of one campaign or all, sorted by distance from `near` when
/// given, by name otherwise.
pub fn objects<S: FieldSource + ?Sized>(
    conn: &S,
    campaign: Option<Uuid>,
    near: Option<GeoPoint>,
) -> Result<Vec<ObjectSummary>, StoreError> {
    let objs: Vec<Object> = match campaign {
        Some(id) => load_where(conn, EntityKind::Object, "campaign_id", id)?,
        None => load_all(conn, EntityKind::Object)?,
    };
    let element_count: BTreeMap<Uuid, u32> = conn
        .count_by(EntityKind::Element, "object_id")?
        .into_iter()
        .filter_map(|(v, n)| Some((serde_json::from_str::<Uuid>(&v).ok()?, n)))
        .collect();
    let mut photos: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for p in load_all::<Photo, _>(conn, EntityKind::Photo)? {
        if let Some(o) = p.object_id {
            photos.entry(o).or_default().push(p.sha256);
        }
    }
    let mut audits: BTreeMap<Uuid, Audit> = BTreeMap::new();
    let all_audits: Vec<Audit> = match campaign {
        Some(id) => load_where(conn, EntityKind::Audit, "campaign_id", id)?,
        None => load_all(conn, EntityKind::Audit)?,
    };
    for a in all_audits {
        let Some(o) = a.object_id else { continue };
        let newer = |b: &Audit| (a.started_at_ms, a.id) > (b.started_at_ms, b.id);
        if audits.get(&o).is_none_or(newer) {
            audits.insert(o, a);
        }
    }
    let mut out: Vec<ObjectSummary> = objs
        .into_iter()
        .map(|o| {
            let ph = photos.remove(&o.id).unwrap_or_default();
            ObjectSummary {
                audit: audits.remove(&o.id),
                element_count: element_count.get(&o.id).copied().unwrap_or(0),
                photo_count: ph.len() as u32,
                cover_sha256: ph.into_iter().next(),
                distance_m: match (near, o.location) {
                    (Some(n), Some(l)) => Some(n.distance_m(&l)),
                    _ => None,
                },
                object: o,
            }
        })
        .collect();
    match near {
        Some(_) => out.sort_by(|a, b| {
            a.distance_m
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.distance_m.unwrap_or(f64::INFINITY))
                .then_with(|| a.object.name.cmp(&b.object.name))
        }),
        None => out.sort_by(|a, b| a.object.name.cmp(&b.object.name)),
    }
    Ok(out)
}

pub fn object_detail<S: FieldSource + ?Sized>(conn: &S, id: Uuid) -> Result<ObjectDetail, StoreError> {
    let object: Object = load_one(conn, EntityKind::Object, id)?;
    let mut audits: Vec<Audit> = load_where(conn, EntityKind::Audit, "object_id", id)?;
    audits.sort_by_key(|a| a.started_at_ms);
    let mut elements: Vec<Element> = load_where(conn, EntityKind::Element, "object_id", id)?;
    elements.sort_by_key(|e| e.id);
    let mut photos: Vec<Photo> = load_where(conn, EntityKind::Photo, "object_id", id)?;
    photos.sort_by_key(|p| p.id);
    let reviews = reviews_of(conn, &audits)?;
    let visit = current_visit(&audits, &elements);
    Ok(ObjectDetail { object, audits, elements, photos, reviews, visit })
}

/// The rule set a campaign audits against (the Kazakh set by default).
pub fn rule_set_for<S: FieldSource + ?Sized>(
    conn: &S,
    norms: &Norms,
    campaign_id: Option<Uuid>,
) -> Result<crate::rules::RuleSet, StoreError> {
    let id = match campaign_id {
        Some(c) => load_one::<Campaign, _>(conn, EntityKind::Campaign, c).map(|c| c.rule_set).unwrap_or_default(),
        None => String::new(),
    };
    let id = if id.is_empty() { crate::rules::DEFAULT_RULE_SET.to_string() } else { id };
    Ok(norms.rule_set(&id)?.clone())
}

/// The visit an object is judged on now: of its audits that recorded
/// elements, the newest (by start, then id). `None` when no element names
/// one of them (then every element counts).
pub fn current_visit<'a>(audits: impl IntoIterator<Item = &'a Audit>, elements: &[Element]) -> Option<Uuid> {
    let recorded: BTreeSet<Uuid> = elements.iter().filter_map(|e| e.audit_id).collect();
    audits.into_iter().filter(|a| recorded.contains(&a.id)).max_by_key(|a| visit_order(a)).map(|a| a.id)
}

/// When a visit began: its start, or else the time in its id (UUIDv7).
pub fn visit_order(a: &Audit) -> (i64, Uuid) {
    let from_id = a.id.get_timestamp().map(|t| t.to_unix()).map(|(s, ns)| s as i64 * 1000 + i64::from(ns / 1_000_000));
    (a.started_at_ms.or(from_id).unwrap_or(0), a.id)
}

/// Whether an element belongs to `visit`: it was recorded in it, or
/// outside any audit (records from before audits), or there is no visit.
pub fn in_visit(e: &Element, visit: Option<Uuid>) -> bool {
    visit.is_none() || e.audit_id.is_none() || e.audit_id == visit
}

/// The verdict of an object under its campaign's rule set: that of its
/// current visit ([`current_visit`]), never a mix of every element ever
/// recorded.
pub fn verdict<S: FieldSource + ?Sized>(
    conn: &S,
    norms: &Norms,
    object_id: Uuid,
) -> Result<crate::rules::ObjectVerdict, StoreError> {
    let lists = norms.checklists();
    let d = object_detail(conn, object_id)?;
    let set = rule_set_for(conn, norms, d.object.campaign_id)?;
    let visit = current_visit(&d.audits, &d.elements);
    let elements = d.elements.into_iter().filter(|e| in_visit(e, visit)).collect();
    Ok(crate::rules::evaluate(&set, lists, &crate::rules::EvaluationInput { object: d.object, elements }))
}

/// One visit's verdict, for an object's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct VisitVerdict {
    pub audit_id: Uuid,
    pub status: Option<AuditStatus>,
    pub auditor: String,
    #[ts(type = "number | null")]
    pub started_at_ms: Option<i64>,
    pub elements: u32,
    /// The visit's status for each disability category.
    pub by_category: BTreeMap<crate::rules::DisabilityCategory, crate::rules::CategoryStatus>,
    /// The rules its elements failed.
    pub failed_rules: Vec<String>,
    /// The rules every element they judged passed (measured, and failed
    /// by none): what verifies an adaptation.
    pub passed_rules: Vec<String>,
}

/// The verdict of every visit of an object that recorded elements, oldest
/// first: each judged on its own elements.
pub fn visits<S: FieldSource + ?Sized>(
    conn: &S,
    norms: &Norms,
    object_id: Uuid,
) -> Result<Vec<VisitVerdict>, StoreError> {
    let lists = norms.checklists();
    let d = object_detail(conn, object_id)?;
    let set = rule_set_for(conn, norms, d.object.campaign_id)?;
    let mut out = Vec::new();
    let mut audits: Vec<&Audit> = d.audits.iter().collect();
    audits.sort_by_key(|a| visit_order(a));
    for a in audits {
        let elements: Vec<Element> = d.elements.iter().filter(|e| e.audit_id == Some(a.id)).cloned().collect();
        if elements.is_empty() {
            continue;
        }
        let n = elements.len() as u32;
        let v =
            crate::rules::evaluate(&set, lists, &crate::rules::EvaluationInput { object: d.object.clone(), elements });
        out.push(VisitVerdict {
            audit_id: a.id,
            status: a.status,
            auditor: a.auditor.clone(),
            started_at_ms: a.started_at_ms,
            elements: n,
            by_category: v.by_category.clone(),
            failed_rules: crate::review::failed_rules(&v),
            passed_rules: crate::review::passed_rules(&v),
        });
    }
    Ok(out)
}

/// Rule results for an element being typed, before it is saved: the live
/// ✓/✗ of the form.
pub fn preview_element<S: FieldSource + ?Sized>(
    conn: &S,
    norms: &Norms,
    object_id: Uuid,
    kind: ElementKind,
    measurements: BTreeMap<String, crate::model::MeasuredValue>,
) -> Result<Vec<crate::rules::RuleResult>, StoreError> {
    let lists = norms.checklists();
    let d = object_detail(conn, object_id)?;
    let set = rule_set_for(conn, norms, d.object.campaign_id)?;
    let draft = Element {
        id: Uuid::nil(),
        object_id: Some(object_id),
        audit_id: None,
        kind: Some(kind),
        note: String::new(),
        measurements,
        serves: None,
        copied_from: None,
    };
    let mut elements = d.elements;
    elements.push(draft);
    let results =
        crate::rules::evaluate_elements(&set, lists, &crate::rules::EvaluationInput { object: d.object, elements });
    Ok(results.into_iter().filter(|r| r.element_id.is_nil()).collect())
}

/// An object evaluated: its record, elements and audits, its photos, and
/// the verdict of its rule set. What the map, the analytics, the review
/// queue and every export are made from.
#[derive(Debug, Clone)]
pub struct EvaluatedObject {
    pub object: Object,
    /// Shared with the published view of the object when it is the same.
    pub elements: std::sync::Arc<[Element]>,
    pub audits: Vec<Audit>,
    pub photo_count: u32,
    /// The object's first photo, for a thumbnail in lists.
    pub cover_sha256: Option<String>,
    /// Shared with the published view of the object when it is the same.
    pub verdict: std::sync::Arc<crate::rules::ObjectVerdict>,
}

/// Every object (of one campaign, or all) with its elements, audits, photo
/// count and verdict, read in a few bulk queries rather than per object: for
/// exports, the map and analytics at city scale.
pub fn evaluate_all<S: FieldSource + ?Sized>(
    conn: &S,
    norms: &Norms,
    campaign: Option<Uuid>,
) -> Result<Vec<EvaluatedObject>, StoreError> {
    let lists = norms.checklists();
    let objs: Vec<Object> = match campaign {
        Some(id) => load_where(conn, EntityKind::Object, "campaign_id", id)?,
        None => load_all(conn, EntityKind::Object)?,
    };
    let mut elements: BTreeMap<Uuid, Vec<Element>> = BTreeMap::new();
    for e in load_all::<Element, _>(conn, EntityKind::Element)? {
        if let Some(o) = e.object_id {
            elements.entry(o).or_default().push(e);
        }
    }
    let mut audits: BTreeMap<Uuid, Vec<Audit>> = BTreeMap::new();
    let audit_rows: Vec<Audit> = match campaign {
        Some(id) => load_where(conn, EntityKind::Audit, "campaign_id", id)?,
        None => load_all(conn, EntityKind::Audit)?,
    };
    for a in audit_rows {
        if let Some(o) = a.object_id {
            audits.entry(o).or_default().push(a);
        }
    }
    // Photos: count and first sha256 per object (rows come by photo id).
    let mut photo_count: BTreeMap<Uuid, (u32, Option<String>)> = BTreeMap::new();
    for p in load_all::<Photo, _>(conn, EntityKind::Photo)? {
        if let Some(o) = p.object_id {
            let e = photo_count.entry(o).or_default();
            e.0 += 1;
            e.1.get_or_insert(p.sha256);
        }
    }
    let mut sets: BTreeMap<Option<Uuid>, crate::rules::RuleSet> = BTreeMap::new();
    let mut out = Vec::with_capacity(objs.len());
    for object in objs {
        let set = match sets.entry(object.campaign_id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(rule_set_for(conn, norms, object.campaign_id)?),
        };
        let mut els = elements.remove(&object.id).unwrap_or_default();
        els.sort_by_key(|e| e.id);
        let mut au = audits.remove(&object.id).unwrap_or_default();
        au.sort_by_key(|a| a.started_at_ms);
        // Judged on the current visit; every element is kept (the public
        // view takes the newest approved visit's).
        let visit = current_visit(&au, &els);
        let input = crate::rules::EvaluationInput { object, elements: els };
        let verdict = if input.elements.iter().all(|e| in_visit(e, visit)) {
            crate::rules::evaluate(set, lists, &input)
        } else {
            let elements = input.elements.iter().filter(|e| in_visit(e, visit)).cloned().collect();
            crate::rules::evaluate(
                set,
                lists,
                &crate::rules::EvaluationInput { object: input.object.clone(), elements },
            )
        };
        let (photos, cover) = photo_count.remove(&input.object.id).unwrap_or_default();
        out.push(EvaluatedObject {
            photo_count: photos,
            cover_sha256: cover,
            audits: au,
            object: input.object,
            elements: input.elements.into(),
            verdict: verdict.into(),
        });
    }
    out.sort_by(|a, b| a.object.name.cmp(&b.object.name));
    Ok(out)
}

/// The reviews of the audits of one object, oldest first.
pub fn reviews_of<S: FieldSource + ?Sized>(src: &S, audits: &[Audit]) -> Result<Vec<Review>, StoreError> {
    let mut out = Vec::new();
    for a in audits {
        out.extend(load_where::<Review, _>(src, EntityKind::Review, "audit_id", a.id)?);
    }
    out.sort_by_key(|r| (r.at_ms, r.id));
    Ok(out)
}
