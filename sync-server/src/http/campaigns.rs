//! `/campaigns` (list, create, members), `/rule-sets`, `/checklists`,
//! `/users` and a campaign's import.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use qadam_core::import::ImportReport;
use qadam_core::model::Campaign;
use serde::Deserialize;
use uuid::Uuid;

use axum::http::StatusCode;
use qadam_core::rules::RuleSetInfo;

use super::extract::{Body, Caller, Json as JsonBody, Param, Params, Query};
use crate::error::AppError;
use crate::service::campaigns::{Member, MemberRequest, NewCampaign, NewUser};
use crate::service::{self, import::Format};
use crate::state::AppState;
use crate::store::accounts::User;
use crate::store::teams::Team;

/// The campaigns the caller may read.
pub async fn list(State(s): State<Arc<AppState>>, Caller(p): Caller) -> Result<Json<Vec<Campaign>>, AppError> {
    let all = service::blocking(move || Ok(s.store.campaigns()?)).await?;
    Ok(Json(all.into_iter().filter(|c| p.can_read(c.id)).collect()))
}

/// The checklists of every element kind, as the server validates with.
pub async fn checklists(State(s): State<Arc<AppState>>) -> Json<Vec<qadam_core::checklist::Checklist>> {
    Json(s.store.norms().checklists().all().into_iter().cloned().collect())
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    format: Format,
    #[serde(default)]
    skip_invalid: bool,
}

/// Imports a list of objects to audit into a campaign the caller
/// coordinates; answers the report.
pub async fn import(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> Result<Json<ImportReport>, AppError> {
    Ok(Json(service::import::import(&s, &p, campaign, body, q.format, q.skip_invalid).await?))
}

/// Assigns objects of a campaign the caller coordinates to one of its
/// auditors (or takes them off everyone's list).
pub async fn assign(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    JsonBody(req): JsonBody<service::assignments::AssignRequest>,
) -> Result<Json<service::assignments::AssignReport>, AppError> {
    Ok(Json(service::assignments::assign(&s, p, campaign, req).await?))
}

/// A campaign's progress against its plan.
pub async fn progress(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
) -> Result<Json<qadam_core::progress::PlanProgress>, AppError> {
    Ok(Json(service::progress::progress(&s, p, campaign).await?))
}

/// Sets a campaign's plan; answers the progress against it.
pub async fn set_plan(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    JsonBody(plan): JsonBody<qadam_core::progress::Plan>,
) -> Result<Json<qadam_core::progress::PlanProgress>, AppError> {
    Ok(Json(service::progress::set_plan(&s, p, campaign, plan).await?))
}

/// Changes the rule set a campaign audits against; answers the campaign.
pub async fn set_rule_set(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    JsonBody(choice): JsonBody<service::campaigns::RuleSetChoice>,
) -> Result<Json<Campaign>, AppError> {
    Ok(Json(service::campaigns::set_rule_set(&s, p, campaign, choice).await?))
}

/// A campaign's teams.
pub async fn teams(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
) -> Result<Json<Vec<Team>>, AppError> {
    Ok(Json(service::teams::list(&s, p, campaign).await?))
}

/// Makes a team of the campaign's auditors.
pub async fn create_team(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    JsonBody(req): JsonBody<service::teams::TeamRequest>,
) -> Result<(StatusCode, Json<Team>), AppError> {
    Ok((StatusCode::CREATED, Json(service::teams::create(&s, p, campaign, req).await?)))
}

/// Renames a team or changes its members.
pub async fn update_team(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(team): Param<Uuid>,
    JsonBody(req): JsonBody<service::teams::TeamRequest>,
) -> Result<Json<Team>, AppError> {
    Ok(Json(service::teams::update(&s, p, team, req).await?))
}

/// Deletes a team, taking its objects off every list.
pub async fn delete_team(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(team): Param<Uuid>,
) -> Result<Json<service::teams::TeamDeleted>, AppError> {
    Ok(Json(service::teams::delete(&s, p, team).await?))
}

/// Creates a campaign.
pub async fn create(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    JsonBody(c): JsonBody<NewCampaign>,
) -> Result<(StatusCode, Json<Campaign>), AppError> {
    Ok((StatusCode::CREATED, Json(service::campaigns::create(&s, p, c).await?)))
}

/// The rule sets a campaign may audit against.
pub async fn rule_sets(State(s): State<Arc<AppState>>) -> Json<Vec<RuleSetInfo>> {
    Json(service::campaigns::rule_sets(&s))
}

pub async fn members(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
) -> Result<Json<Vec<Member>>, AppError> {
    Ok(Json(service::campaigns::members(&s, p, campaign).await?))
}

pub async fn set_member(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Params(campaign, login): Params<Uuid, String>,
    JsonBody(req): JsonBody<MemberRequest>,
) -> Result<Json<Vec<Member>>, AppError> {
    Ok(Json(service::campaigns::set_member(&s, p, campaign, login, req.role).await?))
}

pub async fn remove_member(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Params(campaign, login): Params<Uuid, String>,
) -> Result<StatusCode, AppError> {
    service::campaigns::remove_member(&s, p, campaign, login).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn users(State(s): State<Arc<AppState>>, Caller(p): Caller) -> Result<Json<Vec<User>>, AppError> {
    Ok(Json(service::campaigns::users(&s, p).await?))
}

pub async fn add_user(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    JsonBody(u): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<User>), AppError> {
    Ok((StatusCode::CREATED, Json(service::campaigns::add_user(&s, p, u).await?)))
}

pub async fn disable_user(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(login): Param<String>,
) -> Result<Json<User>, AppError> {
    Ok(Json(service::campaigns::set_disabled(&s, p, login, true).await?))
}

pub async fn enable_user(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(login): Param<String>,
) -> Result<Json<User>, AppError> {
    Ok(Json(service::campaigns::set_disabled(&s, p, login, false).await?))
}
