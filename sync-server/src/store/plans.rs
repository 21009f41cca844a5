//! Each campaign's plan (objects to passport by a date, by district), as
//! its coordinator last set it. The SQL is the same on both backends (see
//! [`super::sql`]).

use qadam_core::progress::Plan;
use qadam_core::StoreError;
use uuid::Uuid;

use super::accounts::now_ms;
use super::sql::Db;

/// The plans table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE plans (
    campaign_id TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    set_on      TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_ms      BIGINT NOT NULL
);
";

/// A campaign's plan and the day it was set (`YYYY-MM-DD`).
pub fn get(db: &mut dyn Db, campaign: Uuid) -> Result<Option<(Plan, String)>, StoreError> {
    let rows = db.query("SELECT body, set_on FROM plans WHERE campaign_id = $1", &[campaign.to_string().into()])?;
    let Some(r) = rows.first() else { return Ok(None) };
    let plan = serde_json::from_str(r[0].text().unwrap_or_default())
        .map_err(|e| StoreError::Corrupt(format!("the plan of campaign {campaign}: {e}")))?;
    Ok(Some((plan, r[1].text().unwrap_or_default().to_string())))
}

/// Sets (or replaces) a campaign's checked plan, as of `today`.
pub fn set(db: &mut dyn Db, campaign: Uuid, plan: &Plan, today: &str, by: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM plans WHERE campaign_id = $1", &[campaign.to_string().into()])?;
    db.execute(
        "INSERT INTO plans (campaign_id, body, set_on, set_by, set_ms) VALUES ($1, $2, $3, $4, $5)",
        &[
            campaign.to_string().into(),
            serde_json::to_string(plan).expect("a plan serialises").into(),
            today.into(),
            by.into(),
            now_ms().into(),
        ],
    )?;
    Ok(())
}
