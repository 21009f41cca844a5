//! Adaptation tasks as stored: what a coordinator set (the object, the
//! rule, the visit it failed in, who is responsible, by when, the state).
//! Whether a task is verified, and the rule's text, are not stored: the
//! service judges them from the object's visits each time
//! ([`qadam_core::adaptation::judge`]). The SQL is the same on both
//! backends (see [`super::sql`]).

use qadam_core::adaptation::{Adaptation, AdaptationState, AdaptationUpdate};
use qadam_core::model::Localized;
use qadam_core::StoreError;
use uuid::Uuid;

use super::accounts::now_ms;
use super::sql::{Db, Row, Val};

/// The tasks table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE adaptations (
    id           TEXT PRIMARY KEY,
    object_id    TEXT NOT NULL,
    campaign_id  TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    from_audit   TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    deadline     TEXT,
    state        TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    updated_ms   BIGINT NOT NULL,
    UNIQUE (object_id, rule_id, from_audit)
);
CREATE INDEX adaptations_by_object ON adaptations(object_id);
";

const COLUMNS: &str =
    "id, object_id, rule_id, from_audit, responsible, deadline, state, created_by, created_ms, updated_ms";

fn from_row(r: &Row) -> Result<Adaptation, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("an adaptation's {what}"));
    let id = |v: &Val, what: &str| v.text().and_then(|s| s.parse::<Uuid>().ok()).ok_or_else(|| corrupt(what));
    let state = r[6].text().and_then(AdaptationState::parse).ok_or_else(|| corrupt("state"))?;
    Ok(Adaptation {
        id: id(&r[0], "id")?,
        object_id: id(&r[1], "object")?,
        rule_id: r[2].text().unwrap_or_default().to_string(),
        from_audit: id(&r[3], "audit")?,
        responsible: r[4].text().unwrap_or_default().to_string(),
        deadline: r[5].text().map(String::from),
        set_state: state,
        state,
        verified_by: None,
        title: Localized::default(),
        fix: Localized::default(),
        document: String::new(),
        clause: String::new(),
        severity: None,
        created_by: r[7].text().unwrap_or_default().to_string(),
        created_ms: r[8].int().unwrap_or(0),
        updated_ms: r[9].int().unwrap_or(0),
    })
}

/// An object's tasks, oldest first (not yet judged).
pub fn of_object(db: &mut dyn Db, object: Uuid) -> Result<Vec<Adaptation>, StoreError> {
    db.query(
        &format!("SELECT {COLUMNS} FROM adaptations WHERE object_id = $1 ORDER BY created_ms, id"),
        &[object.to_string().into()],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// Every task, by object (not yet judged).
pub fn all(db: &mut dyn Db) -> Result<Vec<Adaptation>, StoreError> {
    db.query(&format!("SELECT {COLUMNS} FROM adaptations ORDER BY object_id, created_ms, id"), &[])?
        .iter()
        .map(from_row)
        .collect()
}

pub fn get(db: &mut dyn Db, id: Uuid) -> Result<Adaptation, StoreError> {
    db.query(&format!("SELECT {COLUMNS} FROM adaptations WHERE id = $1"), &[id.to_string().into()])?
        .first()
        .map(from_row)
        .unwrap_or_else(|| Err(StoreError::NotFound { entity: "adaptation", id: id.to_string() }))
}

/// A new planned task (checked by the service).
#[allow(clippy::too_many_arguments)]
pub fn add(
    db: &mut dyn Db,
    object: Uuid,
    campaign: Uuid,
    rule: &str,
    from_audit: Uuid,
    responsible: &str,
    deadline: Option<&str>,
    by: &str,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let now = now_ms();
    db.execute(
        "INSERT INTO adaptations (id, object_id, campaign_id, rule_id, from_audit, responsible, deadline, state,
                                  created_by, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            id.to_string().into(),
            object.to_string().into(),
            campaign.to_string().into(),
            rule.into(),
            from_audit.to_string().into(),
            responsible.into(),
            deadline.map(String::from).into(),
            AdaptationState::Planned.as_str().into(),
            by.into(),
            now.into(),
            now.into(),
        ],
    )?;
    Ok(id)
}

/// Applies a checked change (an empty deadline removes it).
pub fn update(db: &mut dyn Db, id: Uuid, u: &AdaptationUpdate) -> Result<Adaptation, StoreError> {
    let t = get(db, id)?;
    let state = u.state.unwrap_or(t.set_state);
    let responsible = u.responsible.clone().unwrap_or(t.responsible);
    let deadline = match &u.deadline {
        Some(d) if d.is_empty() => None,
        Some(d) => Some(d.clone()),
        None => t.deadline,
    };
    db.execute(
        "UPDATE adaptations SET state = $1, responsible = $2, deadline = $3, updated_ms = $4 WHERE id = $5",
        &[state.as_str().into(), responsible.into(), deadline.into(), now_ms().into(), id.to_string().into()],
    )?;
    get(db, id)
}

/// Moves an object's tasks to another (a merge keeps the other record).
pub fn move_to(db: &mut dyn Db, from: Uuid, to: Uuid) -> Result<(), StoreError> {
    db.execute(
        "UPDATE adaptations SET object_id = $1 WHERE object_id = $2",
        &[to.to_string().into(), from.to_string().into()],
    )?;
    Ok(())
}
