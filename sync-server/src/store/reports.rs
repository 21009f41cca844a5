//! Residents' reports of a change at a public place ("the ramp was
//! rebuilt", "the lift is broken"), for the coordinators of its campaign.
//! Nothing but what the resident typed is kept: no address, no account.
//! The SQL is the same on both backends (see [`super::sql`]).

use qadam_core::StoreError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::accounts::now_ms;
use super::sql::{Db, Row, Val};

/// The reports table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE reports (
    id          TEXT PRIMARY KEY,
    object_id   TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    closed_ms   BIGINT,
    closed_by   TEXT
);
CREATE INDEX reports_by_campaign ON reports(campaign_id, closed_ms);
";

/// The most reports waiting for the coordinators at once; past it a
/// resident is asked to come back later rather than the table growing.
pub const MAX_OPEN: i64 = 10_000;

/// A resident's report as a coordinator reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Report {
    pub id: Uuid,
    pub object_id: Uuid,
    pub campaign_id: Uuid,
    /// What the resident wrote.
    pub text: String,
    /// How to reach them, if they chose to say.
    pub contact: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number | null")]
    pub closed_ms: Option<i64>,
    pub closed_by: Option<String>,
}

fn report_from(r: &Row) -> Result<Report, StoreError> {
    let id = |v: &Val| {
        v.text().and_then(|s| s.parse::<Uuid>().ok()).ok_or_else(|| StoreError::Corrupt("a report's id".into()))
    };
    Ok(Report {
        id: id(&r[0])?,
        object_id: id(&r[1])?,
        campaign_id: id(&r[2])?,
        text: r[3].text().unwrap_or_default().to_string(),
        contact: r[4].text().unwrap_or_default().to_string(),
        created_ms: r[5].int().unwrap_or(0),
        closed_ms: r[6].int(),
        closed_by: r[7].text().map(String::from),
    })
}

const COLUMNS: &str = "id, object_id, campaign_id, body, contact, created_ms, closed_ms, closed_by";

/// How many reports wait for a coordinator, over every campaign.
pub fn open_count(db: &mut dyn Db) -> Result<i64, StoreError> {
    Ok(db.query("SELECT count(*) FROM reports WHERE closed_ms IS NULL", &[])?[0][0].int().unwrap_or(0))
}

/// Keeps a report (checked by the service).
pub fn add(db: &mut dyn Db, object: Uuid, campaign: Uuid, text: &str, contact: &str) -> Result<Report, StoreError> {
    let id = Uuid::now_v7();
    db.execute(
        "INSERT INTO reports (id, object_id, campaign_id, body, contact, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            id.to_string().into(),
            object.to_string().into(),
            campaign.to_string().into(),
            text.into(),
            contact.into(),
            now_ms().into(),
        ],
    )?;
    get(db, id)
}

pub fn get(db: &mut dyn Db, id: Uuid) -> Result<Report, StoreError> {
    db.query(&format!("SELECT {COLUMNS} FROM reports WHERE id = $1"), &[id.to_string().into()])?
        .first()
        .map(report_from)
        .unwrap_or_else(|| Err(StoreError::NotFound { entity: "report", id: id.to_string() }))
}

/// The reports of some campaigns, open ones first, newest first.
pub fn list(db: &mut dyn Db, campaigns: &[Uuid]) -> Result<Vec<Report>, StoreError> {
    let mut out = Vec::new();
    for c in campaigns {
        for r in db.query(&format!("SELECT {COLUMNS} FROM reports WHERE campaign_id = $1"), &[c.to_string().into()])? {
            out.push(report_from(&r)?);
        }
    }
    out.sort_by_key(|r| (r.closed_ms.is_some(), std::cmp::Reverse(r.created_ms), r.id));
    Ok(out)
}

/// Marks a report dealt with (idempotent: the first close stays).
pub fn close(db: &mut dyn Db, id: Uuid, by: &str) -> Result<Report, StoreError> {
    db.execute(
        "UPDATE reports SET closed_ms = $1, closed_by = $2 WHERE id = $3 AND closed_ms IS NULL",
        &[now_ms().into(), by.into(), id.to_string().into()],
    )?;
    get(db, id)
}
