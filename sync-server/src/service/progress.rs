//! A campaign's plan and its progress: the coordinator sets how many
//! objects to passport by when (and per district); the dashboard and the
//! analytics show how many are passported, by district and by auditor
//! ([`qadam_core::progress`]).

use std::sync::Arc;

use qadam_core::progress::{Plan, PlanProgress};
use qadam_core::ModelError;
use uuid::Uuid;

use super::{blocking, coordinated, may_coordinate};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::plans;

fn today() -> String {
    qadam_core::export::date_utc(qadam_core::hlc::now_ms())
}

fn known_campaign(s: &AppState, campaign: Uuid) -> Result<(), AppError> {
    if s.store.campaigns()?.iter().any(|c| c.id == campaign) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("campaign {campaign}")))
    }
}

fn figures(s: &AppState, p: &Principal, campaign: Uuid) -> Result<PlanProgress, AppError> {
    let plan = crate::store::read_accounts(&*s.store, |db| plans::get(db, campaign))?;
    let objects = coordinated(s, p, Some(campaign))?;
    Ok(qadam_core::progress::progress(&objects, plan.as_ref().map(|(p, on)| (p, on.as_str())), &today()))
}

/// A campaign's progress against its plan (if it has one).
pub async fn progress(s: &Arc<AppState>, p: Principal, campaign: Uuid) -> Result<PlanProgress, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let s = s.clone();
    blocking(move || {
        known_campaign(&s, campaign)?;
        figures(&s, &p, campaign)
    })
    .await
}

/// Sets a campaign's plan (its districts from the catalogue); answers the
/// progress against it.
pub async fn set_plan(s: &Arc<AppState>, p: Principal, campaign: Uuid, plan: Plan) -> Result<PlanProgress, AppError> {
    may_coordinate(&p, Some(campaign))?;
    plan.validate()?;
    let s = s.clone();
    blocking(move || {
        known_campaign(&s, campaign)?;
        let by = p.display_name();
        crate::store::accounts(&*s.store, |db| -> Result<(), AppError> {
            let catalogue = crate::store::catalogue::load(db)?;
            if let Some(d) = plan.districts.keys().find(|d| !catalogue.has_district(d)) {
                return Err(ModelError::invalid("districts", format!("{d} is not a district of the catalogue")).into());
            }
            Ok(plans::set(db, campaign, &plan, &today(), &by)?)
        })?;
        figures(&s, &p, campaign)
    })
    .await
}
