//! A campaign's teams: auditors who share one list. An object assigned to a
//! team holds `team:<id>` as its assignee (see
//! [`qadam_core::model::TEAM_PREFIX`]), so the assignment syncs like any
//! other; who is in the team lives here. The SQL is the same on both
//! backends (see [`super::sql`]).

use qadam_core::StoreError;
use uuid::Uuid;

use super::accounts::now_ms;
use super::sql::Db;

/// The teams table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    members     TEXT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    UNIQUE (campaign_id, name)
);
";

/// A team of a campaign's auditors.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Team {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub name: String,
    /// Its auditors' logins, sorted.
    pub members: Vec<String>,
}

impl Team {
    /// What an object assigned to the team holds as its assignee.
    pub fn assignee(&self) -> String {
        format!("{}{}", qadam_core::model::TEAM_PREFIX, self.id)
    }
}

fn from_row(r: &[super::sql::Val<'static>]) -> Result<Team, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("a team's {what}"));
    Ok(Team {
        id: r[0].text().unwrap_or_default().parse().map_err(|_| corrupt("id"))?,
        campaign_id: r[1].text().unwrap_or_default().parse().map_err(|_| corrupt("campaign"))?,
        name: r[2].text().unwrap_or_default().to_string(),
        members: serde_json::from_str(r[3].text().unwrap_or_default()).map_err(|_| corrupt("members"))?,
    })
}

const COLUMNS: &str = "id, campaign_id, name, members";

/// A campaign's teams, by name.
pub fn of_campaign(db: &mut dyn Db, campaign: Uuid) -> Result<Vec<Team>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM teams WHERE campaign_id = $1 ORDER BY name");
    db.query(&sql, &[campaign.to_string().into()])?.iter().map(|r| from_row(r)).collect()
}

pub fn get(db: &mut dyn Db, id: Uuid) -> Result<Option<Team>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM teams WHERE id = $1");
    db.query(&sql, &[id.to_string().into()])?.first().map(|r| from_row(r)).transpose()
}

/// The teams `login` is in, in any campaign.
pub fn of_login(db: &mut dyn Db, login: &str) -> Result<Vec<Team>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM teams ORDER BY name");
    let all: Result<Vec<Team>, StoreError> = db.query(&sql, &[])?.iter().map(|r| from_row(r)).collect();
    Ok(all?.into_iter().filter(|t| t.members.iter().any(|m| m == login)).collect())
}

/// Keeps a team, new or changed. Run it in a transaction.
pub fn put(db: &mut dyn Db, t: &Team) -> Result<(), StoreError> {
    delete(db, t.id)?;
    db.execute(
        "INSERT INTO teams (id, campaign_id, name, members, updated_ms) VALUES ($1, $2, $3, $4, $5)",
        &[
            t.id.to_string().into(),
            t.campaign_id.to_string().into(),
            t.name.clone().into(),
            serde_json::to_string(&t.members).expect("logins serialise").into(),
            now_ms().into(),
        ],
    )?;
    Ok(())
}

/// Deletes a team. Run it in a transaction.
pub fn delete(db: &mut dyn Db, id: Uuid) -> Result<(), StoreError> {
    db.execute("DELETE FROM teams WHERE id = $1", &[id.to_string().into()])?;
    Ok(())
}
