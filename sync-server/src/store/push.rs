//! The one push path of both backends, over the shared [`Db`] face: inside
//! the caller's transaction, a batch is validated and placed against the
//! state it is applied to, sorted into HLC order, and each change is
//! inserted into the log once (a known op id is a duplicate, or refused if
//! its content differs), applied to the field state by last-writer-wins,
//! and checked for a conflict. What differs between the backends stays
//! with them: SQLite's group commit and recent window, PostgreSQL's
//! advisory lock that orders cursors across instances.

use qadam_core::checklist::Checklists;
use std::cell::RefCell;
use std::collections::HashMap;

use qadam_core::change::{Change, PushResponse};
use qadam_core::model::EntityKind;
use qadam_core::records::{self, FieldSource};
use qadam_core::StoreError;
use uuid::Uuid;

use super::sql::{Db, Val};
use super::{campaigns_of_batch, conflict_winner, same_as_stored, single_device, sort_batch, validate_batch, Access};

/// The field state of a connection (or transaction) of either database,
/// for core's record reading.
pub struct DbFields<'a, 'b>(pub RefCell<&'a mut (dyn Db + 'b)>);

impl FieldSource for DbFields<'_, '_> {
    fn field_rows(
        &self,
        entity: EntityKind,
        filter: Option<(&str, Uuid)>,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut db = self.0.borrow_mut();
        let rows = match filter {
            None => db.query(
                "SELECT entity_id, field, value FROM fields WHERE entity = $1 ORDER BY entity_id",
                &[entity.as_str().into()],
            )?,
            Some((field, id)) => {
                db.query(records::BY_REF_SQL, &[entity.as_str().into(), field.into(), records::id_value(id).into()])?
            }
        };
        rows.into_iter().map(|r| Ok((text(&r, 0)?, text(&r, 1)?, text(&r, 2)?))).collect()
    }

    fn record_fields(&self, entity: EntityKind, id: Uuid) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.0.borrow_mut().query(
            "SELECT field, value FROM fields WHERE entity = $1 AND entity_id = $2",
            &[entity.as_str().into(), id.to_string().into()],
        )?;
        rows.into_iter().map(|r| Ok((text(&r, 0)?, text(&r, 1)?))).collect()
    }

    fn count_by(&self, entity: EntityKind, field: &str) -> Result<Vec<(String, u32)>, StoreError> {
        let rows = self.0.borrow_mut().query(records::COUNT_BY_SQL, &[entity.as_str().into(), field.into()])?;
        rows.into_iter().map(|r| Ok((text(&r, 0)?, r.get(1).and_then(Val::int).unwrap_or(0) as u32))).collect()
    }
}

fn text(row: &[Val<'static>], i: usize) -> Result<String, StoreError> {
    row.get(i)
        .and_then(Val::text)
        .map(str::to_string)
        .ok_or_else(|| StoreError::Corrupt(format!("column {i} is not text")))
}

/// A change the push wrote to the log, with its text columns as stored.
pub struct Written<'a> {
    pub seq: i64,
    pub campaign: Uuid,
    pub change: &'a Change,
    pub op_id: &'a str,
    pub entity_id: &'a str,
    pub value: &'a str,
    pub hlc: &'a str,
}

/// Its first six parameters are [`records::APPLY_LWW_SQL`]'s.
const INSERT_SQL: &str = "INSERT INTO changes
     (entity, entity_id, field, value, hlc, device_id, op_id, received_ms, seen_cursor, campaign_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (op_id) DO NOTHING";

/// Stores one batch inside the caller's transaction (see the module text).
/// `written` hears each change new to the log, in the order applied (its
/// error fails the batch).
pub fn push_batch(
    db: &mut dyn Db,
    lists: &Checklists,
    changes: Vec<Change>,
    access: &Access,
    mut written: impl FnMut(Written<'_>) -> Result<(), StoreError>,
) -> Result<PushResponse, StoreError> {
    let campaigns = {
        let fields = DbFields(RefCell::new(&mut *db));
        validate_batch(lists, &changes, |id| records::element_kind(&fields, id))?;
        campaigns_of_batch(&changes, &fields, access)?
    };
    super::catalogue::check_codes(db, &changes)?;
    let batch = changes.clone();
    let mut changes: Vec<(Change, Uuid)> = changes.into_iter().zip(campaigns).collect();
    sort_batch(&mut changes);
    let now = qadam_core::hlc::now_ms() as i64;
    let (mut accepted, mut duplicates) = (0, 0);
    // Records this batch creates, when one device wrote it all: no other
    // device can have written their fields, so no conflict is possible and
    // the per-change conflict query is skipped.
    let mut fresh = HashMap::new();
    if single_device(&changes) {
        for (c, _) in &changes {
            if let std::collections::hash_map::Entry::Vacant(e) = fresh.entry((c.entity, c.entity_id)) {
                let found = db.query(
                    "SELECT 1 FROM fields WHERE entity = $1 AND entity_id = $2 LIMIT 1",
                    &[c.entity.as_str().into(), c.entity_id.to_string().into()],
                )?;
                e.insert(found.is_empty());
            }
        }
    }
    for (c, campaign) in &changes {
        let (op_id, entity_id, value, hlc) =
            (c.op_id.to_string(), c.entity_id.to_string(), c.value.to_string(), c.hlc.to_string());
        let campaign_text = campaign.to_string();
        // The field write: what the log keeps and what last-writer-wins applies.
        let write: [Val<'_>; 6] = [
            c.entity.as_str().into(),
            (&entity_id).into(),
            (&c.field).into(),
            (&value).into(),
            (&hlc).into(),
            (&c.device_id).into(),
        ];
        let logged = [(&op_id).into(), now.into(), c.seen_cursor.into(), (&campaign_text).into()];
        let inserted = db.insert_key(INSERT_SQL, "seq", &[&write[..], &logged[..]].concat())?;
        let Some(seq) = inserted else {
            let rows = db.query(
                "SELECT entity, entity_id, field, value, hlc, device_id FROM changes WHERE op_id = $1",
                &[(&op_id).into()],
            )?;
            let row = rows.first().ok_or_else(|| StoreError::Corrupt(format!("op id {op_id} vanished")))?;
            let stored: [String; 6] = std::array::from_fn(|i| row.get(i).and_then(Val::text).unwrap_or("").to_string());
            same_as_stored(c, stored.each_ref().map(String::as_str), &batch)?;
            duplicates += 1;
            continue;
        };
        accepted += 1;
        written(Written {
            seq,
            campaign: *campaign,
            change: c,
            op_id: &op_id,
            entity_id: &entity_id,
            value: &value,
            hlc: &hlc,
        })?;
        db.execute(records::APPLY_LWW_SQL, &write)?;
        if !fresh.get(&(c.entity, c.entity_id)).copied().unwrap_or(false) {
            detect_conflict(db, c, &op_id, &entity_id, now)?;
        }
    }
    let head = db.query("SELECT coalesce(max(seq), 0) FROM changes", &[])?;
    let cursor = head.first().and_then(|r| r.first()).and_then(Val::int).unwrap_or(0);
    Ok(PushResponse { accepted, duplicates, cursor })
}

/// Records a conflict when `c`'s writer had not seen the newest write to the
/// same field by another device: a write after `seen_cursor`, by someone
/// else, is concurrent with it. Both are kept; last-writer-wins picks the
/// field's value, the conflict goes to a coordinator.
fn detect_conflict(db: &mut dyn Db, c: &Change, op_id: &str, entity_id: &str, now_ms: i64) -> Result<(), StoreError> {
    let rows = db.query(
        "SELECT op_id, hlc, device_id FROM changes
         WHERE entity = $1 AND entity_id = $2 AND field = $3 AND seq > $4 AND device_id != $5 AND op_id != $6
         ORDER BY seq DESC LIMIT 1",
        &[
            c.entity.as_str().into(),
            entity_id.into(),
            (&c.field).into(),
            c.seen_cursor.into(),
            (&c.device_id).into(),
            op_id.into(),
        ],
    )?;
    let Some(row) = rows.first() else { return Ok(()) };
    let [other_op, other_hlc, other_device] = [0, 1, 2].map(|i| row.get(i).and_then(Val::text).unwrap_or(""));
    let winner = conflict_winner(c, other_op, other_hlc, other_device)?;
    db.execute(
        "INSERT INTO conflicts (entity, entity_id, field, earlier_op, later_op, winner_op, detected_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (later_op) DO NOTHING",
        &[
            c.entity.as_str().into(),
            entity_id.into(),
            (&c.field).into(),
            other_op.into(),
            op_id.into(),
            (&winner).into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
}
