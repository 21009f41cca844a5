//! Adaptations: the owner's tasks made of the rules an approved visit
//! failed — what to fix (the rule's `fix`), who is responsible, by when,
//! and how far it has got. A coordinator moves a task between planned, in
//! progress and done; only evidence makes it verified: a later approved
//! visit of the object in which the rule was measured and passed. Nothing
//! here stores anything: the server keeps the tasks, and judges them with
//! [`judge`] against the object's visits ([`crate::records::visits`]) each
//! time they are read, so a verified task can never be set by hand nor
//! outlive the visit that verified it.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::model::{is_date, AuditStatus, District, Localized};
use crate::records::VisitVerdict;
use crate::rules::{RuleSet, Severity};
use crate::ModelError;

/// The share of the objects that needed adapting that the city plans to
/// adapt ("then adapt at least 75 % of them", the review's plan for
/// Almaty), shown against the figure in analytics.
pub const GOAL_PERCENT: u32 = 75;

/// The longest name of whoever is responsible, in characters.
pub const MAX_RESPONSIBLE_CHARS: usize = 200;

/// The most tasks made in one request (more rules than any object fails).
pub const MAX_RULES_AT_ONCE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum AdaptationState {
    Planned,
    InProgress,
    Done,
    /// A later approved visit measured the rule and it passed. Never set:
    /// judged from the visits.
    Verified,
}

impl AdaptationState {
    pub const ALL: [AdaptationState; 4] =
        [AdaptationState::Planned, AdaptationState::InProgress, AdaptationState::Done, AdaptationState::Verified];

    pub fn as_str(self) -> &'static str {
        match self {
            AdaptationState::Planned => "planned",
            AdaptationState::InProgress => "in_progress",
            AdaptationState::Done => "done",
            AdaptationState::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A coordinator's request: make a task of each of these rules, which the
/// object's newest approved visit failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct NewAdaptations {
    pub rules: Vec<String>,
    /// The owner, a department or a person: who must do the work.
    pub responsible: String,
    /// `YYYY-MM-DD`, or none.
    #[serde(default)]
    pub deadline: Option<String>,
}

/// A coordinator's change of a task; what is absent stays. An empty
/// `deadline` removes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct AdaptationUpdate {
    #[serde(default)]
    pub state: Option<AdaptationState>,
    #[serde(default)]
    pub responsible: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
}

/// One task as a coordinator reads it: as stored, and judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Adaptation {
    pub id: Uuid,
    pub object_id: Uuid,
    pub rule_id: String,
    /// The approved visit whose failure the task was made of.
    pub from_audit: Uuid,
    pub responsible: String,
    pub deadline: Option<String>,
    /// What the coordinator set: planned, in progress or done.
    pub set_state: AdaptationState,
    /// `set_state`, or verified once a later approved visit passed the rule.
    pub state: AdaptationState,
    /// The visit that verified it.
    pub verified_by: Option<Uuid>,
    /// The rule's text, from the object's rule set.
    pub title: Localized,
    pub fix: Localized,
    pub document: String,
    pub clause: String,
    pub severity: Option<Severity>,
    pub created_by: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub updated_ms: i64,
}

fn check_responsible(s: &str) -> Result<String, ModelError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ModelError::invalid("responsible", "name who is responsible for the work"));
    }
    if s.chars().count() > MAX_RESPONSIBLE_CHARS {
        return Err(ModelError::invalid("responsible", format!("at most {MAX_RESPONSIBLE_CHARS} characters")));
    }
    Ok(s.to_string())
}

/// `None` for an empty deadline; refuses anything but `YYYY-MM-DD`.
fn check_deadline(d: Option<&str>) -> Result<Option<String>, ModelError> {
    match d.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) if is_date(d) => Ok(Some(d.to_string())),
        Some(_) => Err(ModelError::invalid("deadline", "a date as YYYY-MM-DD")),
    }
}

/// The newest approved visit: the one new tasks are made of.
pub fn newest_approved(visits: &[VisitVerdict]) -> Option<&VisitVerdict> {
    visits.iter().rev().find(|v| v.status == Some(AuditStatus::Approved))
}

impl NewAdaptations {
    /// Checks the request against the object's visits (oldest first) and
    /// the rules that already have a task of this visit; answers the
    /// visit the tasks come from and the cleaned request.
    pub fn check(&self, visits: &[VisitVerdict], existing: &BTreeSet<String>) -> Result<(Uuid, Self), ModelError> {
        let responsible = check_responsible(&self.responsible)?;
        let deadline = check_deadline(self.deadline.as_deref())?;
        if self.rules.is_empty() {
            return Err(ModelError::invalid("rules", "choose at least one failed rule"));
        }
        if self.rules.len() > MAX_RULES_AT_ONCE {
            return Err(ModelError::invalid("rules", format!("at most {MAX_RULES_AT_ONCE} at once")));
        }
        let visit = newest_approved(visits)
            .ok_or_else(|| ModelError::invalid("rules", "the object has no approved visit to make tasks of"))?;
        let mut seen = BTreeSet::new();
        for r in &self.rules {
            if !visit.failed_rules.contains(r) {
                return Err(ModelError::invalid("rules", format!("`{r}` did not fail in the newest approved visit")));
            }
            if existing.contains(r) || !seen.insert(r.clone()) {
                return Err(ModelError::invalid("rules", format!("`{r}` already has a task")));
            }
        }
        Ok((visit.audit_id, NewAdaptations { rules: self.rules.clone(), responsible, deadline }))
    }
}

impl AdaptationUpdate {
    /// Checks the change; "verified" cannot be set.
    pub fn check(&self) -> Result<Self, ModelError> {
        if self.state == Some(AdaptationState::Verified) {
            return Err(ModelError::invalid(
                "state",
                "verified is not set by hand: a later approved visit in which the rule passes verifies the task",
            ));
        }
        Ok(AdaptationUpdate {
            state: self.state,
            responsible: self.responsible.as_deref().map(check_responsible).transpose()?,
            // An empty deadline stays empty: it removes the deadline.
            deadline: match self.deadline.as_deref() {
                Some(d) => Some(check_deadline(Some(d))?.unwrap_or_default()),
                None => None,
            },
        })
    }
}

/// Fills in each task's state and rule text: verified when the newest
/// approved visit after the one it was made of judged the rule and passed
/// it (a later failure undoes an earlier pass); else what was set.
pub fn judge(tasks: &mut [Adaptation], visits: &[VisitVerdict], set: &RuleSet) {
    for t in tasks {
        let later = visits.iter().skip_while(|v| v.audit_id != t.from_audit).skip(1);
        let last_judged = later
            .filter(|v| v.status == Some(AuditStatus::Approved))
            .filter(|v| v.passed_rules.contains(&t.rule_id) || v.failed_rules.contains(&t.rule_id))
            .last();
        t.verified_by = last_judged.filter(|v| v.passed_rules.contains(&t.rule_id)).map(|v| v.audit_id);
        t.state = if t.verified_by.is_some() { AdaptationState::Verified } else { t.set_state };
        if let Some(rule) = set.rules.iter().find(|r| *r.id == *t.rule_id) {
            t.title = (*rule.title).clone();
            t.fix = (*rule.fix).clone();
            t.document = rule.source.document.to_string();
            t.clause = rule.source.clause.to_string();
            t.severity = Some(rule.severity);
        }
    }
}

/// Adapted objects against the goal, over every object with a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct AdaptationSummary {
    pub goal_percent: u32,
    /// Objects with at least one task: those an approved visit found
    /// needing work and a coordinator took on.
    pub objects_with_tasks: u32,
    /// Of them, the objects whose every task is verified.
    pub objects_adapted: u32,
    /// Tasks by state.
    pub tasks: BTreeMap<AdaptationState, u32>,
    /// Tasks past their deadline and not done or verified.
    pub overdue: u32,
    pub by_district: Vec<DistrictAdaptation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct DistrictAdaptation {
    pub district: Option<District>,
    pub objects_with_tasks: u32,
    pub objects_adapted: u32,
}

/// Sums judged tasks, each with its object's district; `today` is
/// `YYYY-MM-DD` (for what is overdue).
pub fn summarize(tasks: &[(Option<District>, Adaptation)], today: &str) -> AdaptationSummary {
    // object → (district, every task verified)
    let mut objects: BTreeMap<Uuid, (Option<District>, bool)> = BTreeMap::new();
    let mut by_state: BTreeMap<AdaptationState, u32> = AdaptationState::ALL.into_iter().map(|s| (s, 0)).collect();
    let mut overdue = 0;
    for (district, t) in tasks {
        let e = objects.entry(t.object_id).or_insert((district.clone(), true));
        e.1 &= t.state == AdaptationState::Verified;
        *by_state.entry(t.state).or_default() += 1;
        let open = matches!(t.state, AdaptationState::Planned | AdaptationState::InProgress);
        if open && t.deadline.as_deref().is_some_and(|d| d < today) {
            overdue += 1;
        }
    }
    let mut districts: BTreeMap<Option<District>, (u32, u32)> = BTreeMap::new();
    for (district, adapted) in objects.values() {
        let e = districts.entry(district.clone()).or_default();
        e.0 += 1;
        e.1 += u32::from(*adapted);
    }
    AdaptationSummary {
        goal_percent: GOAL_PERCENT,
        objects_with_tasks: objects.len() as u32,
        objects_adapted: objects.values().filter(|(_, a)| *a).count() as u32,
        tasks: by_state,
        overdue,
        by_district: districts
            .into_iter()
            .map(|(district, (with, adapted))| DistrictAdaptation {
                district,
                objects_with_tasks: with,
                objects_adapted: adapted,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
