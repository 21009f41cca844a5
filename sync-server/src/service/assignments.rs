//! Who audits what: a coordinator assigns a campaign's objects (some by
//! id, a district's, those inside an area drawn on the map) to one of its
//! auditors with a due date. An assignment is two fields of the object
//! (`assignee`, `due_on`), written as ordinary change records by the
//! coordinator, so it reaches the auditor's device with the next sync.

use std::sync::Arc;

use qadam_core::catalogue::Boundary;
use qadam_core::model::{is_date, District, EntityKind};
use qadam_core::ModelError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{blocking, may_coordinate};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::{self, Principal};
use crate::store::{Access, SyncStore, COORDINATOR_DEVICE};

/// Which objects of a campaign to assign, to whom and by when. The
/// selectors given (ids, a district, an area) must all hold; `all` selects
/// every object of the campaign.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// An auditor of the campaign (their login), or one of its teams
    /// (`team:<id>`); `null` takes the objects off everyone's list.
    pub assignee: Option<String>,
    /// When the audits are due (`YYYY-MM-DD`).
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub objects: Vec<Uuid>,
    #[serde(default)]
    pub district: Option<District>,
    /// An area drawn on the map (GeoJSON Polygon or MultiPolygon).
    #[serde(default)]
    pub area: Option<Boundary>,
    /// Approved objects due for a re-audit (the plan's interval) by
    /// `due_on`, or by today; without `due_on`, each gets its own re-audit
    /// date as its due date.
    #[serde(default)]
    pub reaudit_due: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct AssignReport {
    /// How many objects were assigned (or taken off a list).
    pub assigned: u32,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::from(ModelError::invalid(field, message.into()))
}

/// Held while an assignee is checked and its objects are written, and while
/// a team is deleted: an assignment to a team being deleted either lands
/// before its objects are taken off or is refused as naming no team.
pub(super) static ASSIGNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Writes who audits `objects` and by when (`due_on` of each), as the
/// coordinator's change records: one push, so all or none.
pub(super) fn record(
    store: &dyn SyncStore,
    objects: &[Uuid],
    assignee: &Option<String>,
    due_on: impl Fn(&Uuid) -> Option<String>,
) -> Result<(), AppError> {
    let mut clock = qadam_core::HlcClock::default();
    let mut changes = Vec::with_capacity(objects.len() * 2);
    for id in objects {
        let fields = [("assignee", serde_json::json!(assignee)), ("due_on", serde_json::json!(due_on(id)))];
        changes.extend(qadam_core::change::Change::record(
            EntityKind::Object,
            *id,
            fields,
            &mut clock,
            COORDINATOR_DEVICE,
        ));
    }
    if !changes.is_empty() {
        store.push(changes, &Access::All)?;
    }
    Ok(())
}

pub async fn assign(
    s: &Arc<AppState>,
    p: Principal,
    campaign: Uuid,
    req: AssignRequest,
) -> Result<AssignReport, AppError> {
    may_coordinate(&p, Some(campaign))?;
    if !req.all && req.objects.is_empty() && req.district.is_none() && req.area.is_none() && !req.reaudit_due {
        return Err(invalid(
            "objects",
            "say which objects: all, a list of ids, a district, an area, or those due for a re-audit",
        ));
    }
    if let Some(d) = req.due_on.as_deref().filter(|d| !is_date(d)) {
        return Err(invalid("due_on", format!("`{d}` is not a date YYYY-MM-DD")));
    }
    if let Some(area) = &req.area {
        area.validate("area")?;
    }
    let s = s.clone();
    blocking(move || {
        let _one = ASSIGNING.lock().unwrap_or_else(|p| p.into_inner());
        if !s.store.campaigns()?.iter().any(|c| c.id == campaign) {
            return Err(AppError::NotFound(format!("campaign {campaign}")));
        }
        if let Some(who) = &req.assignee {
            let known = crate::store::read_accounts(&*s.store, |db| {
                Ok::<_, qadam_core::StoreError>(match who.strip_prefix(qadam_core::model::TEAM_PREFIX) {
                    Some(team) => {
                        crate::store::teams::of_campaign(db, campaign)?.iter().any(|t| t.id.to_string() == team)
                    }
                    None => accounts::members(db, campaign)?.iter().any(|(l, _, _)| l == who),
                })
            })?;
            if !known {
                return Err(invalid("assignee", format!("`{who}` is not a member or a team of this campaign")));
            }
        }
        // Each object's re-audit date, when re-audits are asked for.
        let reaudit: Option<std::collections::HashMap<Uuid, String>> = if req.reaudit_due {
            let plan = crate::store::read_accounts(&*s.store, |db| crate::store::plans::get(db, campaign))?;
            let Some(months) = plan.and_then(|(p, _)| p.reaudit_months) else {
                return Err(invalid(
                    "reaudit_due",
                    "set how often objects are re-audited in the campaign's plan first",
                ));
            };
            let by = req.due_on.clone().unwrap_or_else(|| qadam_core::export::date_utc(qadam_core::hlc::now_ms()));
            let approved = |o: &qadam_core::records::EvaluatedObject| {
                o.audits.iter().max_by_key(|a| qadam_core::records::visit_order(a)).and_then(|a| a.status)
                    == Some(qadam_core::model::AuditStatus::Approved)
            };
            Some(
                s.evaluated
                    .get(&*s.store, Some(campaign))?
                    .iter()
                    .filter(|o| approved(o))
                    .filter_map(|o| Some((o.object.id, qadam_core::progress::reaudit_due_on(o, Some(months))?)))
                    .filter(|(_, due)| *due <= by)
                    .collect(),
            )
        } else {
            None
        };
        let selected: Vec<Uuid> = s
            .store
            .objects(Some(campaign))?
            .into_iter()
            .map(|o| o.object)
            .filter(|o| req.objects.is_empty() || req.objects.contains(&o.id))
            .filter(|o| req.district.as_ref().is_none_or(|d| o.district.as_ref() == Some(d)))
            .filter(|o| req.area.as_ref().is_none_or(|a| o.location.is_some_and(|l| a.contains(l))))
            .filter(|o| reaudit.as_ref().is_none_or(|due| due.contains_key(&o.id)))
            .map(|o| o.id)
            .collect();
        record(&*s.store, &selected, &req.assignee, |id| {
            req.due_on.clone().or_else(|| reaudit.as_ref().and_then(|r| r.get(id).cloned()))
        })?;
        Ok(AssignReport { assigned: selected.len() as u32 })
    })
    .await
}
