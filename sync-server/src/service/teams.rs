//! A campaign's teams (its coordinators make and change them): auditors
//! who share one list. Assigning objects to a team (`team:<id>` as the
//! assignee, see [`super::assignments`]) puts them on each member's list;
//! a device learns its account's teams from `GET /api/v1/me` at each sync.

use std::sync::Arc;

use qadam_core::ModelError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{assignments, blocking, may_coordinate};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::{self, MemberRole, Principal};
use crate::store::teams::{self, Team};
use crate::store::{self as stores, SyncStore};

/// The most auditors one team holds, and the most teams one campaign has.
pub const MAX_MEMBERS: usize = 200;
pub const MAX_TEAMS: usize = 500;

/// A team as its coordinator sets it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    pub name: String,
    /// Auditors of the campaign, by login.
    pub members: Vec<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    ModelError::invalid(field, message.into()).into()
}

/// Checks a request against the campaign: a name of its own, members that
/// are its auditors. Answers the team to keep.
fn checked(store: &dyn SyncStore, id: Uuid, campaign: Uuid, req: TeamRequest) -> Result<Team, AppError> {
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "a team needs a name of 1 to 100 characters"));
    }
    if req.members.len() > MAX_MEMBERS {
        return Err(invalid("members", format!("a team holds at most {MAX_MEMBERS} auditors")));
    }
    stores::accounts(store, |db| {
        let auditors: Vec<String> = accounts::members(db, campaign)?
            .into_iter()
            .filter(|(_, _, role)| *role == MemberRole::Auditor)
            .map(|(login, _, _)| login)
            .collect();
        if let Some(stranger) = req.members.iter().find(|m| !auditors.contains(m)) {
            return Err(invalid("members", format!("`{stranger}` is not an auditor of this campaign")));
        }
        let existing = teams::of_campaign(db, campaign)?;
        if existing.iter().any(|t| t.name == name && t.id != id) {
            return Err(invalid("name", format!("the campaign has a team named `{name}`")));
        }
        if existing.len() >= MAX_TEAMS && !existing.iter().any(|t| t.id == id) {
            return Err(invalid("name", format!("a campaign has at most {MAX_TEAMS} teams")));
        }
        let mut members = req.members;
        members.sort();
        members.dedup();
        let team = Team { id, campaign_id: campaign, name, members };
        teams::put(db, &team)?;
        Ok(team)
    })
}

/// A campaign's teams, by name.
pub async fn list(s: &Arc<AppState>, p: Principal, campaign: Uuid) -> Result<Vec<Team>, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let s = s.clone();
    blocking(move || Ok(stores::read_accounts(&*s.store, |db| teams::of_campaign(db, campaign))?)).await
}

/// Makes a team of a campaign's auditors.
pub async fn create(s: &Arc<AppState>, p: Principal, campaign: Uuid, req: TeamRequest) -> Result<Team, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let s = s.clone();
    blocking(move || {
        if !s.store.campaigns()?.iter().any(|c| c.id == campaign) {
            return Err(AppError::NotFound(format!("campaign {campaign}")));
        }
        checked(&*s.store, Uuid::now_v7(), campaign, req)
    })
    .await
}

/// Renames a team or changes who is in it (its campaign's coordinators).
pub async fn update(s: &Arc<AppState>, p: Principal, id: Uuid, req: TeamRequest) -> Result<Team, AppError> {
    let s = s.clone();
    blocking(move || {
        let team = stores::read_accounts(&*s.store, |db| teams::get(db, id))?
            .ok_or_else(|| AppError::NotFound(format!("team {id}")))?;
        may_coordinate(&p, Some(team.campaign_id))?;
        checked(&*s.store, id, team.campaign_id, req)
    })
    .await
}

/// What deleting a team did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct TeamDeleted {
    /// The objects that were assigned to the team: now on no one's list,
    /// with no due date.
    pub unassigned: u32,
}

/// Deletes a team (its campaign's coordinators). Its objects are taken off
/// every list first, as the coordinator's change records, so the members'
/// phones drop them at their next sync; then the team goes. A retry after
/// a failure between the two finds nothing left to take off.
pub async fn delete(s: &Arc<AppState>, p: Principal, id: Uuid) -> Result<TeamDeleted, AppError> {
    let s = s.clone();
    blocking(move || {
        let _one = assignments::ASSIGNING.lock().unwrap_or_else(|p| p.into_inner());
        let team = stores::read_accounts(&*s.store, |db| teams::get(db, id))?
            .ok_or_else(|| AppError::NotFound(format!("team {id}")))?;
        may_coordinate(&p, Some(team.campaign_id))?;
        let assignee = Some(team.assignee());
        let objects: Vec<Uuid> = s
            .store
            .objects(Some(team.campaign_id))?
            .into_iter()
            .filter(|o| o.object.assignee == assignee)
            .map(|o| o.object.id)
            .collect();
        assignments::record(&*s.store, &objects, &None, |_| None)?;
        stores::accounts(&*s.store, |db| teams::delete(db, id))?;
        Ok(TeamDeleted { unassigned: objects.len() as u32 })
    })
    .await
}

/// The assignee values of the teams `login` is in (what "my list" matches
/// besides the login).
pub fn assignees_of(store: &dyn SyncStore, login: &str) -> Result<Vec<String>, AppError> {
    Ok(stores::read_accounts(store, |db| teams::of_login(db, login))?.iter().map(Team::assignee).collect())
}
