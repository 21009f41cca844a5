//! From rule results to statuses: per functional zone and category, then per
//! object, by the regional passport method (written down in
//! `schemas/rules/README.md`).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DisabilityCategory, Effect, EvaluationInput, Outcome, RuleResult, RuleSet, Zone};

/// Accessibility of a zone or an object for one category. Ordered from best
/// to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema, TS)]
pub enum CategoryStatus {
    /// ДП: accessible fully.
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
}

/// The three levels of the "Доступный Казахстан" map (wheelchair users).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum MapStatus {
    FullyAccessible,
    PartiallyAccessible,
    NotAccessible,
}

impl From<CategoryStatus> for MapStatus {
    fn from(s: CategoryStatus) -> Self {
        match s {
            CategoryStatus::Full => MapStatus::FullyAccessible,
            CategoryStatus::Partial | CategoryStatus::Conditional => MapStatus::PartiallyAccessible,
            CategoryStatus::NotAccessible => MapStatus::NotAccessible,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ZoneVerdict {
    pub zone: Zone,
    pub by_category: BTreeMap<DisabilityCategory, CategoryStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ObjectVerdict {
    pub rule_set: String,
    pub rule_count: u32,
    pub results: Vec<RuleResult>,
    /// Zones that have at least one element.
    pub zones: Vec<ZoneVerdict>,
    pub by_category: BTreeMap<DisabilityCategory, CategoryStatus>,
    /// The map's 3-level status for wheelchair users (category К).
    pub wheelchair_map: MapStatus,
    /// Rules that could not be judged for want of a measurement: missing
    /// values lower confidence, not the verdict.
    pub not_measured: u32,
    /// Fields that would settle the unjudged rules (`element_id.field`).
    pub fields_to_measure: Vec<String>,
}

/// Status of a set of results for one category.
fn status_of<'a>(results: impl Iterator<Item = &'a RuleResult>, c: DisabilityCategory) -> CategoryStatus {
    let mut worst = CategoryStatus::Full;
    for r in results.filter(|r| r.outcome == Outcome::Fail) {
        let s = match r.affects.get(&c) {
            Some(Effect::Blocks) => CategoryStatus::NotAccessible,
            Some(Effect::NeedsAssistance) => CategoryStatus::Conditional,
            None => CategoryStatus::Full,
        };
        worst = worst.max(s);
    }
    worst
}

pub fn aggregate(set: &RuleSet, input: &EvaluationInput, results: Vec<RuleResult>) -> ObjectVerdict {
    let zone_of: BTreeMap<_, _> =
        input.elements.iter().filter_map(|e| Some((e.id, e.kind.as_ref()?.zone()?))).collect();
    let zones_present: BTreeSet<Zone> = zone_of.values().copied().collect();
    let zones: Vec<ZoneVerdict> = zones_present
        .iter()
        .map(|&z| ZoneVerdict {
            zone: z,
            by_category: DisabilityCategory::ALL
                .iter()
                .map(|&c| (c, status_of(results.iter().filter(|r| zone_of.get(&r.element_id) == Some(&z)), c)))
                .collect(),
        })
        .collect();
    let by_category: BTreeMap<DisabilityCategory, CategoryStatus> = DisabilityCategory::ALL
        .iter()
        .map(|&c| {
            let path = zones.iter().filter(|z| z.zone.on_path()).map(|z| z.by_category[&c]).max();
            let off_path_fails = zones.iter().any(|z| !z.zone.on_path() && z.by_category[&c] != CategoryStatus::Full);
            let status = match path.unwrap_or(CategoryStatus::Full) {
                CategoryStatus::Full if off_path_fails => CategoryStatus::Partial,
                s => s,
            };
            (c, status)
        })
        .collect();
    let not_measured = results.iter().filter(|r| r.outcome == Outcome::NotMeasured).count() as u32;
    let fields_to_measure: BTreeSet<String> = results
        .iter()
        .filter(|r| r.outcome == Outcome::NotMeasured)
        .flat_map(|r| r.missing.iter().map(move |f| format!("{}.{f}", r.element_id)))
        .collect();
    ObjectVerdict {
        rule_set: set.id.clone(),
        rule_count: set.rules.len() as u32,
        wheelchair_map: by_category[&DisabilityCategory::K].into(),
        zones,
        by_category,
        not_measured,
        fields_to_measure: fields_to_measure.into_iter().collect(),
        results,
    }
}
