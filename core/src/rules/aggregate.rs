//! From rule results to statuses: per functional zone and category, then per
//! object, by the regional passport method (written down in
//! `schemas/rules/README.md`).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DisabilityCategory, Effect, EvaluationInput, Outcome, RuleResult, RuleSet, Zone};
use crate::checklist::Checklists;

/// Accessibility of a zone or an object for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema, TS)]
pub enum CategoryStatus {
    /// ДП: accessible fully — every check that matters for the category was
    /// measured and passed.
    #[serde(rename = "DP")]
    Full,
    /// ДЧ: accessible partially (some zones or services).
    #[serde(rename = "DCH")]
    Partial,
    /// ДУ: accessible conditionally, with assistance.
    #[serde(rename = "DU")]
    Conditional,
    /// ВНД: not accessible.
    #[serde(rename = "VND")]
    NotAccessible,
    /// Not assessed: no barrier found so far, but the evidence for a verdict
    /// is incomplete (or the rule set has no rule for the category).
    #[serde(rename = "NA")]
    NotAssessed,
}

impl CategoryStatus {
    /// How bad a judged status is (ДП 0 … ВНД 3); `None` when not assessed.
    pub fn rank(self) -> Option<u8> {
        match self {
            CategoryStatus::Full => Some(0),
            CategoryStatus::Partial => Some(1),
            CategoryStatus::Conditional => Some(2),
            CategoryStatus::NotAccessible => Some(3),
            CategoryStatus::NotAssessed => None,
        }
    }
}

/// The levels of the "Доступный Казахстан" map (wheelchair users), with the
/// honest fourth: not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum MapStatus {
    FullyAccessible,
    PartiallyAccessible,
    NotAccessible,
    NotAssessed,
}

impl From<CategoryStatus> for MapStatus {
    fn from(s: CategoryStatus) -> Self {
        match s {
            CategoryStatus::Full => MapStatus::FullyAccessible,
            CategoryStatus::Partial | CategoryStatus::Conditional => MapStatus::PartiallyAccessible,
            CategoryStatus::NotAccessible => MapStatus::NotAccessible,
            CategoryStatus::NotAssessed => MapStatus::NotAssessed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ZoneVerdict {
    pub zone: Zone,
    pub by_category: BTreeMap<DisabilityCategory, CategoryStatus>,
}

/// How complete the evidence for one category is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Evidence {
    /// The rule set has at least one (non-advisory) rule for the category.
    pub covered: bool,
    /// Checks for the category that were judged (passed, failed, or found
    /// not to apply).
    pub judged: u32,
    /// Checks for the category waiting for a measurement.
    pub not_measured: u32,
    /// Zones the set requires on the category's path with no judged check
    /// for it yet: record an element there.
    pub missing_zones: Vec<Zone>,
    /// Fields that would settle the unjudged checks (`element_id.field`).
    pub to_measure: Vec<String>,
    /// Everything the set asks for the category was judged.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ObjectVerdict {
    pub rule_set: String,
    /// The rule set's title, as the object's page names its norms.
    #[serde(default)]
    pub rule_set_title: String,
    pub rule_count: u32,
    pub results: Vec<RuleResult>,
    /// Zones that have at least one element.
    pub zones: Vec<ZoneVerdict>,
    pub by_category: BTreeMap<DisabilityCategory, CategoryStatus>,
    /// How complete the evidence behind each category's status is.
    pub evidence: BTreeMap<DisabilityCategory, Evidence>,
    /// The map's status for wheelchair users (category К).
    pub wheelchair_map: MapStatus,
    /// Checks that could not be judged for want of a measurement.
    pub not_measured: u32,
    /// Fields that would settle the unjudged rules (`element_id.field`).
    pub fields_to_measure: Vec<String>,
}

/// The judged status a failure gives a category, if it affects it.
fn failure_status(r: &RuleResult, c: DisabilityCategory) -> Option<CategoryStatus> {
    if r.outcome != Outcome::Fail || r.advisory {
        return None;
    }
    match r.affects.get(&c)? {
        Effect::Blocks => Some(CategoryStatus::NotAccessible),
        Effect::NeedsAssistance => Some(CategoryStatus::Conditional),
    }
}

/// Results that count for category `c`: non-advisory rules that affect it.
fn counts_for(r: &RuleResult, c: DisabilityCategory) -> bool {
    !r.advisory && r.affects.contains_key(&c)
}

/// A zone's status for one category: its worst failure, else ДП when every
/// check for the category in it was judged, else not assessed.
fn zone_status<'a>(results: impl Iterator<Item = &'a RuleResult> + Clone, c: DisabilityCategory) -> CategoryStatus {
    if let Some(worst) = results.clone().filter_map(|r| failure_status(r, c)).max() {
        return worst;
    }
    let mut rel = results.filter(|r| counts_for(r, c)).peekable();
    if rel.peek().is_none() {
        return CategoryStatus::NotAssessed;
    }
    if rel.all(|r| r.outcome != Outcome::NotMeasured) {
        CategoryStatus::Full
    } else {
        CategoryStatus::NotAssessed
    }
}

pub fn aggregate(
    set: &RuleSet,
    lists: &Checklists,
    input: &EvaluationInput,
    results: Vec<RuleResult>,
) -> ObjectVerdict {
    let zone_of: BTreeMap<_, _> =
        input.elements.iter().filter_map(|e| Some((e.id, lists.zone(e.kind.as_ref()?)?))).collect();
    let zones_present: BTreeSet<Zone> = zone_of.values().copied().collect();
    let zone_of_ref = &zone_of;
    let in_zone = |z: Zone| results.iter().filter(move |r| zone_of_ref.get(&r.element_id) == Some(&z));
    let zones: Vec<ZoneVerdict> = zones_present
        .iter()
        .map(|&z| ZoneVerdict {
            zone: z,
            by_category: DisabilityCategory::ALL.iter().map(|&c| (c, zone_status(in_zone(z), c))).collect(),
        })
        .collect();
    let mut by_category = BTreeMap::new();
    let mut evidence = BTreeMap::new();
    for c in DisabilityCategory::ALL {
        let covered = set.rules.iter().any(|r| !r.advisory && r.affects.contains_key(&c));
        let rel: Vec<&RuleResult> = results.iter().filter(|r| counts_for(r, c)).collect();
        let on_path = |r: &RuleResult| zone_of.get(&r.element_id).is_some_and(|z| z.on_path());
        let path_failure = rel.iter().filter(|r| on_path(r)).filter_map(|r| failure_status(r, c)).max();
        let off_path_failure = rel.iter().any(|r| !on_path(r) && failure_status(r, c).is_some());
        let judged = rel.iter().filter(|r| r.outcome != Outcome::NotMeasured).count() as u32;
        let unjudged: Vec<&&RuleResult> = rel.iter().filter(|r| r.outcome == Outcome::NotMeasured).collect();
        let missing_zones: Vec<Zone> = set
            .requires
            .get(&c)
            .into_iter()
            .flatten()
            .map(|req| req.zone)
            .filter(|&z| {
                !rel.iter().any(|r| zone_of.get(&r.element_id) == Some(&z) && r.outcome != Outcome::NotMeasured)
            })
            .collect();
        let to_measure: BTreeSet<String> =
            unjudged.iter().flat_map(|r| r.missing.iter().map(move |f| format!("{}.{f}", r.element_id))).collect();
        let complete = covered && judged > 0 && unjudged.is_empty() && missing_zones.is_empty();
        // A judged barrier is a barrier whatever else is missing; no
        // barrier found is "fully accessible" only on complete evidence.
        let status = match (path_failure, off_path_failure) {
            (Some(s), _) => s,
            (None, true) => CategoryStatus::Partial,
            (None, false) if complete => CategoryStatus::Full,
            (None, false) => CategoryStatus::NotAssessed,
        };
        by_category.insert(c, status);
        evidence.insert(
            c,
            Evidence {
                covered,
                judged,
                not_measured: unjudged.len() as u32,
                missing_zones,
                to_measure: to_measure.into_iter().collect(),
                complete,
            },
        );
    }
    let not_measured = results.iter().filter(|r| r.outcome == Outcome::NotMeasured).count() as u32;
    let fields_to_measure: BTreeSet<String> = results
        .iter()
        .filter(|r| r.outcome == Outcome::NotMeasured)
        .flat_map(|r| r.missing.iter().map(move |f| format!("{}.{f}", r.element_id)))
        .collect();
    ObjectVerdict {
        rule_set: set.id.clone(),
        rule_set_title: set.title.clone(),
        rule_count: set.rules.len() as u32,
        wheelchair_map: by_category[&DisabilityCategory::K].into(),
        zones,
        by_category,
        evidence,
        not_measured,
        fields_to_measure: fields_to_measure.into_iter().collect(),
        results,
    }
}
