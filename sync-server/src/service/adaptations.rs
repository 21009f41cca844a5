//! Adaptations: a coordinator makes the failing rules of an object's
//! newest approved visit into tasks for its owner, moves them along, and
//! prints the owner's letter from them; a later approved visit that passes
//! the rule verifies a task. Every read judges the tasks against the
//! object's visits ([`qadam_core::adaptation::judge`]); every request is
//! authorised against the object's current campaign.

use std::collections::BTreeSet;
use std::sync::Arc;

use qadam_core::adaptation::{self, Adaptation, AdaptationState, AdaptationSummary, AdaptationUpdate, NewAdaptations};
use qadam_core::model::District;
use qadam_core::records::{self, VisitVerdict};
use uuid::Uuid;

use super::{blocking, require_coordinator};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::adaptations as table;

/// What judging needs of one object: its current campaign and district,
/// its visits and its rule set.
struct Judged {
    campaign: Option<Uuid>,
    district: Option<District>,
    visits: Vec<VisitVerdict>,
    set: qadam_core::rules::RuleSet,
}

fn judged(s: &AppState, object: Uuid) -> Result<Judged, AppError> {
    let mut out = None;
    s.store.read(&mut |src| {
        let d = records::object_detail(src, object)?;
        out = Some(Judged {
            campaign: d.object.campaign_id,
            district: d.object.district.clone(),
            visits: records::visits(src, &s.store.norms(), object)?,
            set: records::rule_set_for(src, &s.store.norms(), d.object.campaign_id)?,
        });
        Ok(())
    })?;
    out.ok_or_else(|| AppError::Internal("no object read".into()))
}

/// The object as the caller may see it: one of a campaign they coordinate
/// (else not found, as for any object they may not read).
fn coordinated(s: &AppState, p: &Principal, object: Uuid) -> Result<(Judged, Uuid), AppError> {
    require_coordinator(p)?;
    let j = judged(s, object)?;
    match j.campaign {
        Some(c) if p.can_coordinate(c) => Ok((j, c)),
        _ => Err(AppError::NotFound(format!("object {object}"))),
    }
}

fn judge(mut tasks: Vec<Adaptation>, j: &Judged) -> Vec<Adaptation> {
    adaptation::judge(&mut tasks, &j.visits, &j.set);
    tasks
}

/// An object's tasks, judged, oldest first.
pub async fn list(s: &Arc<AppState>, p: Principal, object: Uuid) -> Result<Vec<Adaptation>, AppError> {
    let s = s.clone();
    blocking(move || {
        let (j, _) = coordinated(&s, &p, object)?;
        let tasks = crate::store::read_accounts(&*s.store, |db| table::of_object(db, object))?;
        Ok(judge(tasks, &j))
    })
    .await
}

/// Makes a planned task of each rule; answers every task of the object.
pub async fn create(
    s: &Arc<AppState>,
    p: Principal,
    object: Uuid,
    req: NewAdaptations,
) -> Result<Vec<Adaptation>, AppError> {
    let s = s.clone();
    blocking(move || {
        let (j, campaign) = coordinated(&s, &p, object)?;
        let by = p.display_name();
        let tasks = crate::store::accounts(&*s.store, |db| -> Result<_, AppError> {
            // A rule has a task already when one is still open (not
            // verified), or was made of the same visit.
            let newest = adaptation::newest_approved(&j.visits).map(|v| v.audit_id);
            let taken: BTreeSet<String> = judge(table::of_object(db, object)?, &j)
                .into_iter()
                .filter(|t| t.state != AdaptationState::Verified || Some(t.from_audit) == newest)
                .map(|t| t.rule_id)
                .collect();
            let (from, req) = req.check(&j.visits, &taken)?;
            for rule in &req.rules {
                table::add(db, object, campaign, rule, from, &req.responsible, req.deadline.as_deref(), &by)?;
            }
            Ok(table::of_object(db, object)?)
        })?;
        Ok(judge(tasks, &j))
    })
    .await
}

/// Changes a task's state, who is responsible or the deadline.
pub async fn update(s: &Arc<AppState>, p: Principal, id: Uuid, req: AdaptationUpdate) -> Result<Adaptation, AppError> {
    let s = s.clone();
    blocking(move || {
        let req = req.check()?;
        let task = crate::store::read_accounts(&*s.store, |db| table::get(db, id))
            .map_err(|_| AppError::NotFound(format!("adaptation {id}")))?;
        let (j, _) = coordinated(&s, &p, task.object_id)?;
        let t = crate::store::accounts(&*s.store, |db| table::update(db, id, &req))?;
        Ok(judge(vec![t], &j).remove(0))
    })
    .await
}

/// Adapted objects against the goal, over the caller's campaigns (or one).
pub async fn summary(s: &Arc<AppState>, p: Principal, campaign: Option<Uuid>) -> Result<AdaptationSummary, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let all = crate::store::read_accounts(&*s.store, table::all)?;
        let mut out = Vec::new();
        let mut i = 0;
        while i < all.len() {
            let object = all[i].object_id;
            let n = all[i..].iter().take_while(|t| t.object_id == object).count();
            let group = all[i..i + n].to_vec();
            i += n;
            let Ok(j) = judged(&s, object) else { continue };
            let mine = j.campaign.is_some_and(|c| p.can_coordinate(c) && campaign.is_none_or(|want| want == c));
            if mine {
                out.extend(judge(group, &j).into_iter().map(|t| (j.district.clone(), t)));
            }
        }
        let today = qadam_core::export::date_utc(qadam_core::hlc::now_ms());
        Ok(adaptation::summarize(&out, &today))
    })
    .await
}
